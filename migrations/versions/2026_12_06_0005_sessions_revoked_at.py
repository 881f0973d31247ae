"""sessions revoked at

Signing out, a role change or disabling a user ends every session cookie issued to that user
before this moment (epoch seconds; 0 means none revoked yet).

Revision ID: 0005_sessions_revoked
Revises: 0003_reply_language
Create Date: 2026-12-06 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_sessions_revoked"
down_revision: str | None = "0003_reply_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("sessions_revoked_at", sa.Float(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("sessions_revoked_at")
