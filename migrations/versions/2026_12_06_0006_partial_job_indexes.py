"""partial job indexes, no ticket index on source alone

The claim index covered every job ever run, so each claim and each completion maintained (and
each claim searched) an index that grows with the history. Partial indexes hold only the jobs
waiting, leased or dead. And tickets lose their index on `source`, which the unique
(source, external_id) index already leads with: one index less to write per new ticket.

Revision ID: 0006_partial_job_indexes
Revises: 0005_sessions_revoked
Create Date: 2026-12-06 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_partial_job_indexes"
down_revision: str | None = "0005_sessions_revoked"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PARTIAL = (
    ("ix_jobs_queued", "run_at", "queued"),
    ("ix_jobs_leased", "lease_expires_at", "running"),
    ("ix_jobs_dead", "updated_at", "dead"),
)


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_source")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_claim")
        for name, column, status in _PARTIAL:
            where = sa.text(f"status = '{status}'")
            batch.create_index(name, [column], postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        for name, _column, _status in _PARTIAL:
            batch.drop_index(name)
        batch.create_index("ix_jobs_claim", ["status", "run_at"], unique=False)
    with op.batch_alter_table("tickets") as batch:
        batch.create_index("ix_tickets_source", ["source"], unique=False)
