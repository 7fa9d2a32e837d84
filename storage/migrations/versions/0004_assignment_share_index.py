"""an index on assignment (measure_id, organisation_id): a measure's share in one organisation

Revision ID: 0004_assignment_share_index
Revises: 0003_municipal
Create Date: 2026-12-01 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_assignment_share_index"
down_revision: str | None = "0003_municipal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_assignment_measure_organisation",
        "assignment",
        ["measure_id", "organisation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_assignment_measure_organisation", table_name="assignment")
