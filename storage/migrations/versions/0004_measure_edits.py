"""measure edits: a deadline the importer did not understand, and the coordinator's fixes

Revision ID: 0004_measure_edits
Revises: 0003_municipal
Create Date: 2026-12-01

`measure.deadline_state` is "unclear" while a measure's deadline gives no dates (it then
spans the plan period until fixed); `measure_edit` keeps every correction (who, when, old
and new value, what the document said) and is applied again on re-import.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_measure_edits"
down_revision: str | None = "0003_municipal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deadline_state", sa.String(length=16), nullable=True))
    # Measures stored before: a deadline the importer did not understand is unclear.
    op.execute("UPDATE measure SET deadline_state = 'unclear' WHERE schedule_kind = 'unparsed'")

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
