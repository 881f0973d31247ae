"""incidents: spikes of one problem from many merchants, their tickets, duplicate bursts

Revision ID: 0003_incidents
Revises: 0002
Create Date: 2026-12-06 02:16:10.670320
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003_incidents"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UQ_BURSTS = "uq_duplicate_bursts_category_merchant_window_start"
IX_BURSTS = "ix_duplicate_bursts_window_start"
FK_INCIDENT = "fk_incident_tickets_incident_id_incidents"
FK_TICKET = "fk_incident_tickets_ticket_id_tickets"
IX_MERCHANT = "ix_incident_tickets_incident_merchant"


def upgrade() -> None:
    op.create_table(
        "duplicate_bursts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("merchant", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("window_start", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ticket_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_bursts")),
        sa.UniqueConstraint(
            "category",
            "merchant",
            "window_start",
            name=op.f("uq_duplicate_bursts_category_merchant_window_start"),
        ),
    )
    with op.batch_alter_table("duplicate_bursts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duplicate_bursts_window_start"), ["window_start"], unique=False
        )

    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("cluster", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("active_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("first_seen", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("acknowledged_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("acknowledged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column(
            "answer_template_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True
        ),
        sa.Column("answer_body", sa.Text(), nullable=True),
        sa.Column(
            "answer_approved_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True
        ),
        sa.Column("answer_approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("active_key", name=op.f("uq_incidents_active_key")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index("ix_incidents_status_category", ["status", "category"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_team"), ["team"], unique=False)

    op.create_table(
        "incident_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("merchant", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("joined_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_tickets_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_incident_tickets_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_tickets")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_incident_tickets_ticket_id")),
    )
    with op.batch_alter_table("incident_tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_tickets_incident_merchant", ["incident_id", "merchant"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_tickets_incident_merchant")

    op.drop_table("incident_tickets")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_team"))
        batch_op.drop_index("ix_incidents_status_category")
        batch_op.drop_index(batch_op.f("ix_incidents_opened_at"))

    op.drop_table("incidents")
    with op.batch_alter_table("duplicate_bursts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duplicate_bursts_window_start"))

    op.drop_table("duplicate_bursts")
