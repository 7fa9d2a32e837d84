"""The data model: SQLAlchemy 2 declarative models, the same on SQLite and PostgreSQL.

All moments are stored as timezone-aware UTC (`UtcDateTime`); dates of windows and due
dates are plain calendar dates in the organisation's own calendar. A naming convention
gives constraints stable names, so that Alembic migrations run the same on both engines.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The statuses of an occurrence are domain vocabulary (the pure summaries use them too):
# defined in bot.records, re-exported here for the services that write them.
from bot.records import OccurrenceStatus as OccurrenceStatus
from bot.records import OrganisationKind as OrganisationKind
from bot.records import UnitKind as UnitKind

# The lengths of the columns people fill (PostgreSQL refuses a longer string, SQLite stores
# it): the services clean and check names against these before they reach the database.
ORGANISATION_NAME_CHARS = 300
SHORT_NAME_CHARS = 120
PERSON_NAME_CHARS = 200
POSITION_CHARS = 200
UNIT_NAME_CHARS = 300
SOURCE_NAME_CHARS = 300
FILE_NAME_CHARS = 300
MIME_TYPE_CHARS = 128
NUMBER_CHARS = 32  # a section's or a measure's number
APPROVAL_KIND_CHARS = 32
APPROVAL_NUMBER_CHARS = 64
APPROVAL_ISSUER_CHARS = 300

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on both engines.

    SQLite has no time zone support: it would hand back naive values, and a naive
    datetime compared with an aware one is a bug waiting to fire in UTC+12.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Role(StrEnum):
    COORDINATOR = "coordinator"
    OFFICER = "officer"


class ReminderState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Organisation(Base):
    """A school, a municipality's education office, a region's ministry.

    Organisations nest: a municipality's `members` are its schools (and kindergartens,
    centres), a region's are its municipalities. Names are unique among siblings only.
    """

    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(ORGANISATION_NAME_CHARS))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default=OrganisationKind.OTHER)
    short_name: Mapped[str | None] = mapped_column(String(SHORT_NAME_CHARS), nullable=True)
    # A member removed from its parent: its obligations leave every count and reminder,
    # its reports stay.
    archived_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The last local day whose reminder rows exist (planning goes a day at a time).
    planned_through: Mapped[date | None] = mapped_column(Date, nullable=True)
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="ru")
    morning_hour: Mapped[int] = mapped_column(Integer, default=9)
    # Whether one person's report closes a measure for every responsible person.
    one_report_closes: Mapped[bool] = mapped_column(Boolean, default=True)
    cadence: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime]


class Person(Base):
    """A human: named in a plan, and possibly linked to a Telegram account."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(PERSON_NAME_CHARS))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reminder_hour: Mapped[int | None] = mapped_column(Integer, nullable=True)
    paused_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    unreachable_since: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]

    memberships: Mapped[list[Membership]] = relationship(back_populates="person")


class Membership(Base):
    """A person's place in an organisation: their role and the name the plan uses."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("organisation_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=Role.OFFICER)
    position: Mapped[str | None] = mapped_column(String(POSITION_CHARS), nullable=True)
    joined_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]

    person: Mapped[Person] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()


class Unit(Base):
    """A name of the responsible column that is not a person (`МОУО`, `ОО`, `ММО`).

    Its kind says who does the measure: the owner's staff and groups of people read its
    reminders through `unit_member`; a group of member organisations (`ОО` = every school)
    fans the measure out to those organisations (`member_filter`, or `unit_organisation`
    rows for a named subset such as `ШНОР`); external bodies are listed, not reminded.
    """

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(UNIT_NAME_CHARS))
    kind: Mapped[str] = mapped_column(String(24), default=UnitKind.PEOPLE_GROUP)
    # For member_organisations: school | kindergarten | supplementary | all | named.
    member_filter: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # A kind the coordinator chose is not overwritten by the next import.
    kind_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class UnitOrganisation(Base):
    """A member organisation of a named group (`ШНОР`), or the one an `organisation` unit is."""

    __tablename__ = "unit_organisation"
    __table_args__ = (UniqueConstraint("unit_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )


class UnitMember(Base):
    __tablename__ = "unit_member"
    __table_args__ = (UniqueConstraint("unit_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)


class Roadmap(Base):
    __tablename__ = "roadmap"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(Text)
    period_start: Mapped[int] = mapped_column(Integer)
    period_end: Mapped[int] = mapped_column(Integer)
    source_name: Mapped[str | None] = mapped_column(String(SOURCE_NAME_CHARS), nullable=True)
    source_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The order that approved the plan (приказ № 116 от 17.02.2022), cited by the official
    # execution report; empty when the document does not name it.
    approval_kind: Mapped[str | None] = mapped_column(String(APPROVAL_KIND_CHARS), nullable=True)
    approval_number: Mapped[str | None] = mapped_column(
        String(APPROVAL_NUMBER_CHARS), nullable=True
    )
    approval_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    approval_issuer: Mapped[str | None] = mapped_column(
        String(APPROVAL_ISSUER_CHARS), nullable=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Section(Base):
    __tablename__ = "section"

    id: Mapped[int] = mapped_column(primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str | None] = mapped_column(String(NUMBER_CHARS), nullable=True)
    title: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)


class Measure(Base):
    __tablename__ = "measure"
    __table_args__ = (Index("ix_measure_roadmap_number", "roadmap_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmap.id", ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(
        ForeignKey("section.id", ondelete="SET NULL"), nullable=True
    )
    number: Mapped[str | None] = mapped_column(String(NUMBER_CHARS), nullable=True)
    title: Mapped[str] = mapped_column(Text)
    deadline_raw: Mapped[str] = mapped_column(Text, default="")
    schedule_kind: Mapped[str] = mapped_column(String(16))
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON)
    responsible_raw: Mapped[str] = mapped_column(Text, default="")
    document_type: Mapped[str | None] = mapped_column(Text, nullable=True)
    expected_result: Mapped[str | None] = mapped_column(Text, nullable=True)
    position: Mapped[int] = mapped_column(Integer)
    archived_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # "unclear" while the deadline gives no dates (a phrase not understood, or no window
    # inside the plan): the measure then spans the plan period, its people get the monthly
    # check-in and every answer says «срок уточняется» until the coordinator sets it.
    deadline_state: Mapped[str | None] = mapped_column(String(16), nullable=True)


class MeasureEdit(Base):
    """A coordinator's correction of a measure (deadline, responsible or title): who, when,
    the value before and after, and what the document said. Re-importing the plan applies
    the latest edit of each field again while the document still says `source_value`."""

    __tablename__ = "measure_edit"
    __table_args__ = (Index("ix_measure_edit_roadmap_key", "roadmap_id", "measure_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmap.id", ondelete="CASCADE"))
    # The measure across versions of the plan: its number (or its title, when unnumbered).
    measure_key: Mapped[str] = mapped_column(String(300))
    measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("measure.id", ondelete="SET NULL"), nullable=True, index=True
    )
    field: Mapped[str] = mapped_column(String(16))  # deadline | responsible | title
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text)
    source_value: Mapped[str] = mapped_column(Text, default="")
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime]
    # The document changed this field since: the edit is no longer applied on re-import.
    superseded_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Assignment(Base):
    """A measure assigned to a person or to a unit (exactly one of the two), in one
    organisation: the plan's owner for what the plan says, a member organisation for the
    person its coordinator handed that organisation's part of the measure to."""

    __tablename__ = "assignment"
    # "Who answers for this occurrence" looks up a measure's assignments in one organisation
    # for every occurrence it reads: without this pair the planner walks the whole
    # organisation's assignments per occurrence (14 s for one question at 10,000 measures).
    __table_args__ = (
        Index("ix_assignment_measure_organisation", "measure_id", "organisation_id"),
        # A person's (or unit's) assignments in one organisation: the asker's measures.
        Index("ix_assignment_person_organisation", "person_id", "organisation_id"),
        Index("ix_assignment_unit_organisation", "unit_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measure.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), nullable=True, index=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), nullable=True, index=True
    )


class Occurrence(Base):
    """One window of a measure's schedule for one organisation: the thing that is due,
    reported and reminded of.

    A measure of a municipal plan assigned to `ОО` has one occurrence per window and per
    school (each school does it, reports and is counted on its own); the owner's own share
    has its own. `organisation_id` is whose obligation it is, not who owns the plan.
    """

    __tablename__ = "occurrence"
    __table_args__ = (
        UniqueConstraint(
            "measure_id",
            "organisation_id",
            "window_start",
            "due_date",
            name="uq_occurrence_measure_org_window",
        ),
        Index("ix_occurrence_organisation_due", "organisation_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    window_start: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    # A span of continuous or on-request work: checked in on monthly, never "overdue".
    is_span: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=OccurrenceStatus.OPEN)
    postponed_to: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Report(Base):
    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    postponed_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Attachment(Base):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # document, photo, voice, video_note, video
    telegram_file_id: Mapped[str] = mapped_column(String(256))
    telegram_file_unique_id: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str | None] = mapped_column(String(FILE_NAME_CHARS), nullable=True)
    mime_type: Mapped[str | None] = mapped_column(String(MIME_TYPE_CHARS), nullable=True)
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stored_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime]


class Reminder(Base):
    """Outbox row: the source of truth for what must be sent, and whether it was.

    One row per (occurrence, person, kind) — the unique key makes re-planning idempotent.
    `claimed_by`/`claimed_until` are a lease so that several workers share the work and a
    crashed worker's rows are picked up again.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "person_id", "kind"),
        Index("ix_reminder_state_fire_at", "state", "fire_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE"), nullable=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    fire_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default=ReminderState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ReminderHold(Base):
    """Reminders a person asked not to get: "not mine" for a measure (no `until`), or a
    snooze of one occurrence until a moment. Planning creates rows a day at a time, so the
    wish must outlive the rows that were pending when it was made."""

    __tablename__ = "reminder_hold"
    __table_args__ = (Index("ix_reminder_hold_person_measure", "person_id", "measure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"))
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE"), nullable=True
    )
    until: Mapped[datetime | None] = mapped_column(nullable=True)
    reason: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class Invite(Base):
    """A single-use link that ties a Telegram account to a person. Only the hash is kept."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), default=Role.OFFICER)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    used_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class AuditEvent(Base):
    """Who did what, when: imports, reports and their corrections, links, role changes."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=True, index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    object_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime]
