"""indexes on assignment (person_id, organisation_id) and (unit_id, organisation_id)

Revision ID: 0005_assignment_asker_index
Revises: 0004_measure_edits
Create Date: 2026-12-01 17:00:00

The asker's measures in one organisation (storage.responsibility.responsible) are read by
person and by unit, each with the organisation: without these, SQLite chose the
organisation's index and read all of its assignments for every question.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_assignment_asker_index"
down_revision: str | None = "0004_measure_edits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_assignment_person_organisation",
        "assignment",
        ["person_id", "organisation_id"],
        unique=False,
    )
    op.create_index(
        "ix_assignment_unit_organisation",
        "assignment",
        ["unit_id", "organisation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_assignment_unit_organisation", table_name="assignment")
    op.drop_index("ix_assignment_person_organisation", table_name="assignment")
