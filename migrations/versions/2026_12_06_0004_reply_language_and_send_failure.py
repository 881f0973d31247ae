"""reply language and send failure

A reply remembers the language it is written in and the language detected in the ticket (the
page says which was used and why), and why its sending failed when the send job went dead.

Revision ID: 0003_reply_language
Revises: 0003_incidents
Create Date: 2026-12-06 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_reply_language"
down_revision: str | None = "0003_incidents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("replies") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("detected_language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("send_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("replies") as batch:
        batch.drop_column("send_error")
        batch.drop_column("detected_language")
        batch.drop_column("language")
