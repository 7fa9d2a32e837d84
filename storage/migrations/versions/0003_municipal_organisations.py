"""municipal plans: organisations of organisations, unit kinds, per-organisation occurrences

Revision ID: 0003_municipal
Revises: 0002_reading_roadmap_approval
Create Date: 2026-12-01

Existing occurrences and assignments belong to the organisation that owns their roadmap;
existing units keep the behaviour they had (their members read their reminders).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_municipal"
down_revision: str | None = "0002_reading_roadmap_approval"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="other")
        )
        batch_op.add_column(sa.Column("short_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("planned_through", sa.Date(), nullable=True))
        batch_op.drop_constraint("uq_organisation_name", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_organisation_parent_id_name"), ["parent_id", "name"]
        )
        batch_op.create_index(batch_op.f("ix_organisation_parent_id"), ["parent_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_organisation_parent_id_organisation"),
            "organisation",
            ["parent_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)

    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=24), nullable=False, server_default="people_group")
        )
        batch_op.add_column(sa.Column("member_filter", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("kind_confirmed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
        batch_op.alter_column("kind_confirmed", server_default=None)

    op.create_table(
        "unit_organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_unit_organisation_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
            name=op.f("fk_unit_organisation_unit_id_unit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_organisation")),
        sa.UniqueConstraint(
            "unit_id", "organisation_id", name=op.f("uq_unit_organisation_unit_id_organisation_id")
        ),
    )
    with op.batch_alter_table("unit_organisation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unit_organisation_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "reminder_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
            name=op.f("fk_reminder_hold_measure_id_measure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["occurrence.id"],
            name=op.f("fk_reminder_hold_occurrence_id_occurrence"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_reminder_hold_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_hold")),
    )
    with op.batch_alter_table("reminder_hold", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reminder_hold_person_measure", ["person_id", "measure_id"], unique=False
        )
    # "Not mine" pressed before holds existed: its cancelled rows become holds.
    op.execute(
        "INSERT INTO reminder_hold (person_id, measure_id, reason, created_at) "
        "SELECT reminder.person_id, occurrence.measure_id, 'not_mine', MIN(reminder.fire_at) "
        "FROM reminder JOIN occurrence ON occurrence.id = reminder.occurrence_id "
        "WHERE reminder.state = 'cancelled' AND reminder.last_error = 'not mine' "
        "GROUP BY reminder.person_id, occurrence.measure_id"
    )

    # Occurrences and assignments: whose obligation. Filled from the roadmap's owner.
    with op.batch_alter_table("occurrence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE occurrence SET organisation_id = (SELECT roadmap.organisation_id FROM measure "
        "JOIN roadmap ON roadmap.id = measure.roadmap_id WHERE measure.id = occurrence.measure_id)"
    )
    op.execute(
        "UPDATE assignment SET organisation_id = (SELECT roadmap.organisation_id FROM measure "
        "JOIN roadmap ON roadmap.id = measure.roadmap_id WHERE measure.id = assignment.measure_id)"
    )
    with op.batch_alter_table("occurrence", schema=None) as batch_op:
        batch_op.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_occurrence_measure_id_window_start_due_date", type_="unique")
        batch_op.create_unique_constraint(
            "uq_occurrence_measure_org_window",
            ["measure_id", "organisation_id", "window_start", "due_date"],
        )
        batch_op.create_index(
            "ix_occurrence_organisation_due", ["organisation_id", "due_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_occurrence_postponed_to"), ["postponed_to"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_occurrence_organisation_id_organisation"),
            "organisation",
            ["organisation_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            batch_op.f("ix_assignment_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_assignment_organisation_id_organisation"),
            "organisation",
            ["organisation_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_assignment_organisation_id_organisation"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_assignment_organisation_id"))
        batch_op.drop_column("organisation_id")
    with op.batch_alter_table("occurrence", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_occurrence_organisation_id_organisation"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_occurrence_postponed_to"))
        batch_op.drop_index("ix_occurrence_organisation_due")
        batch_op.drop_constraint("uq_occurrence_measure_org_window", type_="unique")
        batch_op.create_unique_constraint(
            "uq_occurrence_measure_id_window_start_due_date",
            ["measure_id", "window_start", "due_date"],
        )
        batch_op.drop_column("organisation_id")
    op.drop_table("reminder_hold")
    op.drop_table("unit_organisation")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("kind_confirmed")
        batch_op.drop_column("member_filter")
        batch_op.drop_column("kind")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_organisation_parent_id_organisation"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_organisation_parent_id"))
        batch_op.drop_constraint(batch_op.f("uq_organisation_parent_id_name"), type_="unique")
        batch_op.create_unique_constraint("uq_organisation_name", ["name"])
        batch_op.drop_column("planned_through")
        batch_op.drop_column("archived_at")
        batch_op.drop_column("short_name")
        batch_op.drop_column("kind")
        batch_op.drop_column("parent_id")
