"""measure edits: a deadline the importer did not understand, and the coordinator's fixes

Revision ID: 0004_measure_edits
Revises: 0004_assignment_share_index
Create Date: 2026-12-01

`measure.deadline_state` is "unclear" while a measure's deadline gives no dates (it then
spans the plan period until fixed); `measure_edit` keeps every correction (who, when, old
and new value, what the document said) and is applied again on re-import.
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0004_measure_edits"
# Chained after main's index migration (both started from 0003_municipal): one head.
down_revision: str | None = "0004_assignment_share_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deadline_state", sa.String(length=16), nullable=True))
    # Measures stored before: a deadline the importer did not understand is unclear, and
    # gets what a new import gives it, one span over the plan period for its owner (unless
    # the plan gave it to member organisations: their shares come with the next import).
    op.execute("UPDATE measure SET deadline_state = 'unclear' WHERE schedule_kind = 'unparsed'")
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT m.id, r.organisation_id, r.period_start, r.period_end "
                "FROM measure m JOIN roadmap r ON r.id = m.roadmap_id "
                "WHERE m.deadline_state = 'unclear' AND m.archived_at IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM occurrence o WHERE o.measure_id = m.id) "
                "AND NOT EXISTS (SELECT 1 FROM assignment a JOIN unit u ON u.id = a.unit_id "
                "WHERE a.measure_id = m.id "
                "AND u.kind IN ('member_organisations', 'organisation'))"
            )
        )
        .all()
    )
    occurrence = sa.table(
        "occurrence",
        sa.column("measure_id", sa.Integer()),
        sa.column("organisation_id", sa.Integer()),
        sa.column("window_start", sa.Date()),
        sa.column("due_date", sa.Date()),
        sa.column("is_span", sa.Boolean()),
        sa.column("status", sa.String()),
    )
    if rows:
        op.bulk_insert(
            occurrence,
            [
                {
                    "measure_id": measure_id,
                    "organisation_id": organisation_id,
                    "window_start": date(first, 1, 1),
                    "due_date": date(last, 12, 31),
                    "is_span": True,
                    "status": "open",
                }
                for measure_id, organisation_id, first, last in rows
            ],
        )

    op.create_table(
        "measure_edit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roadmap_id", sa.Integer(), nullable=False),
        sa.Column("measure_key", sa.String(length=300), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("source_value", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
            name=op.f("fk_measure_edit_measure_id_measure"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_measure_edit_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["roadmap_id"],
            ["roadmap.id"],
            name=op.f("fk_measure_edit_roadmap_id_roadmap"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_edit")),
    )
    with op.batch_alter_table("measure_edit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_measure_edit_roadmap_key", ["roadmap_id", "measure_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_edit_measure_id"), ["measure_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("measure_edit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_edit_measure_id"))
        batch_op.drop_index("ix_measure_edit_roadmap_key")
    op.drop_table("measure_edit")
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.drop_column("deadline_state")
