"""namespaced task kinds

Job kinds are named by the domain that handles them (writeback.note, llm.fallback,
review.send_reply, classify.train). Jobs already queued keep running under the new names, and
their dedupe keys follow, so a redelivered webhook still finds its ticket's job.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 02:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RENAMES = (
    ("writeback", "writeback.note"),
    ("llm_fallback", "llm.fallback"),
    ("send_reply", "review.send_reply"),
    ("train_model", "classify.train"),
)


def _rename(old: str, new: str) -> None:
    jobs = sa.table("jobs", sa.column("kind", sa.String), sa.column("dedupe_key", sa.String))
    prefix = old + ":"
    op.execute(
        jobs.update()
        .where(jobs.c.kind == old)
        .values(
            kind=new,
            dedupe_key=sa.case(
                (
                    jobs.c.dedupe_key.startswith(prefix, autoescape=True),
                    sa.literal(new + ":") + sa.func.substr(jobs.c.dedupe_key, len(prefix) + 1),
                ),
                else_=jobs.c.dedupe_key,
            ),
        )
    )


def upgrade() -> None:
    for old, new in RENAMES:
        _rename(old, new)


def downgrade() -> None:
    for old, new in RENAMES:
        _rename(new, old)
