"""Which reminders a measure's schedule produces, when they fire, and how due ones are merged.

Pure domain code: no Telegram, no database, no clock ("now" is always an argument, an aware
UTC datetime). The outbox stores the rows planned here, delivers the ones whose time has
come, and uses `coalesce_due` / `group_for_delivery` to turn them into one message per
person and morning.

Moving rules for a reminder whose day is a day off (Russian production calendar):

* warnings before the deadline (due_in_7, due_in_1, due_today) move to the working day
  BEFORE, so that the warning is never late; when re-planning, a warning whose own day is
  still ahead is never moved into the past: it fires at `now` instead;
* overdue reminders and the coordinator's escalation move to the working day AFTER: moving
  them earlier could put them on or before the deadline, when nothing is overdue yet;
* the window-open notice moves to the working day after too, because announcing a window
  before it opens would tell people to start work that is not yet scheduled;
* check-ins are planned on working days in the first place (the n-th working day of a month).

A person's pause postpones (never drops) their future reminders that fall on or before the
pause's last day to the first working day after it, at their hour.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from bot.calendar import (
    at_local_hour,
    local_date,
    next_allowed_moment,
    next_working_day,
    nth_working_day_of_month,
    previous_working_day,
)
from bot.roadmap.model import Schedule, ScheduleKind

# A morning slot stays open through the working day: a bot that restarts at 11:00 still
# delivers that morning's reminders today instead of after the deadline they warn about.
CATCH_UP_GRACE = timedelta(hours=9)


class ReminderKind(StrEnum):
    """What a planned row is about.

    The numbers in the names are the default offsets; the real ones come from the
    organisation's `Cadence`, and message texts use the real day counts from `coalesce_due`.
    """

    WINDOW_OPEN = "window_open"
    DUE_IN_7 = "due_in_7"
    DUE_IN_1 = "due_in_1"
    DUE_TODAY = "due_today"
    OVERDUE_1 = "overdue_1"
    OVERDUE_7 = "overdue_7"
    ESCALATION = "escalation"
    CHECKIN = "checkin"


# When two of a person's rows for one occurrence land on the same day (after moving off a
# day off or out of a pause), the more urgent one is kept: the message says the same thing.
_URGENCY: dict[ReminderKind, int] = {
    ReminderKind.WINDOW_OPEN: 0,
    ReminderKind.CHECKIN: 0,
    ReminderKind.DUE_IN_7: 1,
    ReminderKind.DUE_IN_1: 2,
    ReminderKind.DUE_TODAY: 3,
    ReminderKind.OVERDUE_1: 4,
    ReminderKind.OVERDUE_7: 5,
    ReminderKind.ESCALATION: 6,
}

_MAX_CHECKIN_WORKING_DAY = 15  # every month has at least 15 working days, January included


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Cadence:
    """An organisation's reminder offsets, in calendar days relative to the due date.

    `None` switches a reminder off. The escalation to the coordinator comes after the last
    overdue reminder (it is planned on a later working day even when moving off days off
    would put both on one day).
    """

    window_open: bool = True
    window_open_min_days: int = 28  # windows shorter than this get no window-open notice
    early_warning_days: int | None = 7  # -> due_in_7
    last_warning_days: int | None = 1  # -> due_in_1
    on_due_day: bool = True  # -> due_today
    first_overdue_days: int | None = 1  # -> overdue_1
    second_overdue_days: int | None = 7  # -> overdue_7
    escalation_days: int | None = 8  # -> escalation, to the coordinator
    # Check-ins of continuous / on-request measures: the n-th working day of each month
    # (1 = first, -1 = last).
    checkin_working_day: int = 1

    def __post_init__(self) -> None:
        for name in ("window_open", "on_due_day"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false")
        if not _is_int(self.window_open_min_days) or self.window_open_min_days < 1:
            raise ValueError("window_open_min_days must be a positive integer")
        optional = (
            "early_warning_days",
            "last_warning_days",
            "first_overdue_days",
            "second_overdue_days",
            "escalation_days",
        )
        for name in optional:
            value = getattr(self, name)
            if value is not None and (not _is_int(value) or value < 1):
                raise ValueError(f"{name} must be a positive integer or null")
        early, last = self.early_warning_days, self.last_warning_days
        if early is not None and last is not None and early <= last:
            raise ValueError("early_warning_days must be larger than last_warning_days")
        first, second = self.first_overdue_days, self.second_overdue_days
        if first is not None and second is not None and second <= first:
            raise ValueError("second_overdue_days must be larger than first_overdue_days")
        if self.escalation_days is not None and any(
            d is not None and d >= self.escalation_days for d in (first, second)
        ):
            raise ValueError("escalation_days must come after the overdue reminders")
        n = self.checkin_working_day
        if not _is_int(n) or n == 0 or abs(n) > _MAX_CHECKIN_WORKING_DAY:
            raise ValueError(
                f"checkin_working_day must be 1..{_MAX_CHECKIN_WORKING_DAY} "
                f"or -1..-{_MAX_CHECKIN_WORKING_DAY}"
            )

    def person_offsets(self) -> list[tuple[ReminderKind, int]]:
        """The responsible person's deadline reminders as (kind, days after the due date)."""

        def before(days: int | None) -> int | None:
            return None if days is None else -days

        candidates: list[tuple[ReminderKind, int | None]] = [
            (ReminderKind.DUE_IN_7, before(self.early_warning_days)),
            (ReminderKind.DUE_IN_1, before(self.last_warning_days)),
            (ReminderKind.DUE_TODAY, 0 if self.on_due_day else None),
            (ReminderKind.OVERDUE_1, self.first_overdue_days),
            (ReminderKind.OVERDUE_7, self.second_overdue_days),
        ]
        return [(kind, offset) for kind, offset in candidates if offset is not None]

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Cadence:
        """Missing keys take the defaults and unknown keys are ignored, so that a stored
        cadence survives fields being added or retired; bad values raise ValueError."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError("a cadence is a JSON object")
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True)
class OccurrenceSpec:
    """One thing to be done by a due date: a deadline window or a continuous span."""

    start: date
    due: date
    is_checkin_span: bool = False

    def __post_init__(self) -> None:
        if self.start > self.due:
            raise ValueError(f"occurrence starts ({self.start}) after its due date ({self.due})")

    @property
    def length_days(self) -> int:
        return (self.due - self.start).days + 1


@dataclass(frozen=True)
class PlannedReminder:
    """A row to store: `fire_at` is an aware UTC moment, `local_day` its day in the
    recipient's time zone (the day the message belongs to)."""

    kind: ReminderKind
    fire_at: datetime
    local_day: date


def occurrences_for(schedule: Schedule) -> list[OccurrenceSpec]:
    """The occurrences a measure's schedule asks reminders for, in date order.

    Deadline kinds (once, recurring) give one occurrence per window. Continuous and
    on-request measures give one span per window, flagged for monthly check-ins instead of
    deadlines. Unparsed schedules give nothing: the import report already lists them.
    A window whose start is after its due date keeps only its due date (the deadline is
    what a reminder is about).
    """
    if schedule.kind is ScheduleKind.UNPARSED:
        return []
    is_span = schedule.kind in (ScheduleKind.CONTINUOUS, ScheduleKind.ON_REQUEST)
    seen: set[tuple[date, date]] = set()
    result: list[OccurrenceSpec] = []
    for window in sorted(schedule.windows):
        start = min(window.start, window.due)
        if (start, window.due) in seen:
            continue
        seen.add((start, window.due))
        result.append(OccurrenceSpec(start, window.due, is_checkin_span=is_span))
    return result


def _require_aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime")
    return moment.astimezone(UTC)


def _row(kind: ReminderKind, fire_at: datetime, tz: str) -> PlannedReminder:
    return PlannedReminder(kind=kind, fire_at=fire_at, local_day=local_date(fire_at, tz))


def _deadline_rows(
    occ: OccurrenceSpec, cadence: Cadence, tz: str, hour: int, now: datetime
) -> list[PlannedReminder]:
    rows: list[PlannedReminder] = []
    if cadence.window_open and occ.length_days >= cadence.window_open_min_days:
        day = next_working_day(occ.start)
        # Days off at the start of a short-ish window could push the notice onto the
        # deadline itself; the due-day reminder says it better then.
        if day < occ.due:
            rows.append(_row(ReminderKind.WINDOW_OPEN, at_local_hour(day, hour, tz), tz))
    for kind, offset in cadence.person_offsets():
        nominal = occ.due + timedelta(days=offset)
        if offset <= 0:
            fire_at = at_local_hour(previous_working_day(nominal), hour, tz)
            nominal_at = at_local_hour(nominal, hour, tz)
            # Re-planning on the eve of a day-off deadline: the earlier working day has
            # passed but the warning's own day has not; send it now rather than back-date it.
            if fire_at < now <= nominal_at:
                fire_at = now
        else:
            fire_at = at_local_hour(next_working_day(nominal), hour, tz)
        rows.append(_row(kind, fire_at, tz))
    return rows


def _checkin_rows(
    occ: OccurrenceSpec, cadence: Cadence, tz: str, hour: int
) -> list[PlannedReminder]:
    rows = []
    year, month = occ.start.year, occ.start.month
    while (year, month) <= (occ.due.year, occ.due.month):
        day = nth_working_day_of_month(year, month, cadence.checkin_working_day)
        # A span starting mid-month gets its first check-in next month: asking "what has
        # been done" before anything could be done is noise.
        if occ.start <= day <= occ.due:
            rows.append(_row(ReminderKind.CHECKIN, at_local_hour(day, hour, tz), tz))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows


def defer_for_pause(
    rows: list[PlannedReminder],
    *,
    tz: str,
    hour: int,
    now: datetime,
    paused_until: date | None,
) -> list[PlannedReminder]:
    """A pause postpones (never drops) the future rows that fall on or before its last
    day to the first working morning after it."""
    if paused_until is None:
        return rows
    resume_at = at_local_hour(next_working_day(paused_until, strict=True), hour, tz)
    # Rows before `now` are history (sent, or left to the outbox's catch-up, which applies
    # the pause through `delivery_moment`); only the future is re-planned.
    return [
        _row(row.kind, resume_at, tz)
        if row.fire_at >= now and row.local_day <= paused_until
        else row
        for row in rows
    ]


def _one_per_day(rows: list[PlannedReminder]) -> list[PlannedReminder]:
    best: dict[date, PlannedReminder] = {}
    for row in rows:
        kept = best.get(row.local_day)
        if kept is None or _URGENCY[row.kind] > _URGENCY[kept.kind]:
            best[row.local_day] = row
    return list(best.values())


def plan_escalation(
    occ: OccurrenceSpec,
    *,
    cadence: Cadence,
    tz: str,
    hour: int,
    now: datetime,
    paused_until: date | None = None,
) -> PlannedReminder | None:
    """The coordinator's escalation for a deadline occurrence, in the coordinator's own
    time zone, hour and pause; None for check-in spans or when escalation is off.

    It is on the working day on or after due + `escalation_days`, and in any case on a
    working day after the person's last overdue reminder (so that the person hears first).
    """
    now = _require_aware(now, "now")
    if occ.is_checkin_span or cadence.escalation_days is None:
        return None
    day = next_working_day(occ.due + timedelta(days=cadence.escalation_days))
    overdue_days = [
        next_working_day(occ.due + timedelta(days=offset))
        for _, offset in cadence.person_offsets()
        if offset > 0
    ]
    if overdue_days and day <= max(overdue_days):
        day = next_working_day(max(overdue_days), strict=True)
    row = _row(ReminderKind.ESCALATION, at_local_hour(day, hour, tz), tz)
    return defer_for_pause([row], tz=tz, hour=hour, now=now, paused_until=paused_until)[0]


def plan_reminders(
    occ: OccurrenceSpec,
    *,
    cadence: Cadence,
    tz: str,
    hour: int,
    now: datetime,
    paused_until: date | None = None,
) -> list[PlannedReminder]:
    """All reminder rows for one occurrence and one responsible person, sorted by time.

    `tz`, `hour` and `paused_until` are the person's (their own or the organisation's).
    Rows whose `fire_at` is already before `now` ARE returned: whether to store them as
    already handled or to deliver them late (coalesced) is the outbox's decision. `now`
    only serves to never move a still-ahead reminder into the past and to apply the pause
    to the future only.

    Deadline occurrences get window_open (windows of `window_open_min_days` or longer),
    due_in_7, due_in_1, due_today, overdue_1, overdue_7 (per the cadence) and one
    ESCALATION row; check-in spans get one CHECKIN row per month and no escalation.
    The escalation row is meant for the coordinator: the caller assigns the recipient.
    It is planned in this person's time zone and hour and ignores this person's pause
    (the pause is the recipient's); call `plan_escalation` with the coordinator's own
    settings to plan it for them exactly.

    At most one of the person's rows falls on a given local day; the most urgent wins.
    """
    now = _require_aware(now, "now")
    if occ.is_checkin_span:
        rows = _checkin_rows(occ, cadence, tz, hour)
    else:
        rows = _deadline_rows(occ, cadence, tz, hour, now)
    rows = defer_for_pause(rows, tz=tz, hour=hour, now=now, paused_until=paused_until)
    rows = _one_per_day(rows)
    escalation = plan_escalation(occ, cadence=cadence, tz=tz, hour=hour, now=now)
    if escalation is not None:
        rows.append(escalation)
    return sorted(rows, key=lambda r: (r.fire_at, _URGENCY[r.kind]))


def delivery_moment(
    now: datetime,
    *,
    tz: str,
    hour: int,
    paused_until: date | None = None,
    grace: timedelta = CATCH_UP_GRACE,
) -> datetime:
    """When a person's pending rows (fire_at <= now) may go out; `now` itself means "send".

    After downtime, missed rows are not dropped: they go out together at the next allowed
    moment: this morning's slot while it is open (`grace`), else the next working-day
    morning, and never during the person's pause.
    """
    now = _require_aware(now, "now")
    if paused_until is not None and local_date(now, tz) <= paused_until:
        return at_local_hour(next_working_day(paused_until, strict=True), hour, tz)
    return next_allowed_moment(now, hour, tz, grace=grace)


def reschedule_for_snooze(
    now: datetime,
    days: int = 3,
    *,
    tz: str,
    hour: int,
    paused_until: date | None = None,
) -> datetime:
    """ "Remind me in N days": the morning of the working day on or after today + N.

    Days are counted in the person's local calendar, so a snooze pressed on Monday
    afternoon comes back on Thursday morning, not Friday.
    """
    now = _require_aware(now, "now")
    if not _is_int(days) or days < 1:
        raise ValueError("a snooze lasts at least one day")
    day = next_working_day(local_date(now, tz) + timedelta(days=days))
    if paused_until is not None and day <= paused_until:
        day = next_working_day(paused_until, strict=True)
    return at_local_hour(day, hour, tz)


# --- delivery: coalescing and grouping -------------------------------------------------


class DigestState(StrEnum):
    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    DUE_IN = "due_in"
    WINDOW_OPEN = "window_open"
    CHECKIN = "checkin"
    ESCALATION = "escalation"  # the coordinator's line: someone's occurrence is overdue


@dataclass(frozen=True)
class DueReminder:
    """A stored row whose time has come (the outbox's view of it)."""

    reminder_id: int
    occurrence_key: Hashable
    kind: ReminderKind
    due_date: date
    window_start: date

    def __post_init__(self) -> None:
        # Rows come from the database as plain strings.
        object.__setattr__(self, "kind", ReminderKind(self.kind))


@dataclass(frozen=True)
class DigestLine:
    """One line of a morning message: an occurrence's state today.

    `days` is the real count: days until the due date for due_in and window_open, days
    past it for overdue and escalation, 0 otherwise.
    """

    occurrence_key: Hashable
    state: DigestState
    days: int
    due_date: date
    window_start: date
    reminder_ids: tuple[int, ...]  # every row this line stands for: mark them all sent

    @property
    def code(self) -> str:
        """ "due_in_3", "overdue_12", "escalation_9", "due_today", "checkin", "window_open"."""
        if self.state in (DigestState.DUE_IN, DigestState.OVERDUE, DigestState.ESCALATION):
            return f"{self.state}_{self.days}"
        return str(self.state)


def _line_for(key: Hashable, rows: list[DueReminder], today: date) -> DigestLine:
    # If an occurrence was re-dated between plans, the newest row knows its dates.
    newest = max(rows, key=lambda r: r.reminder_id)
    due, start = newest.due_date, newest.window_start
    kinds = {r.kind for r in rows}
    ids = tuple(sorted(r.reminder_id for r in rows))
    if kinds == {ReminderKind.CHECKIN}:
        return DigestLine(key, DigestState.CHECKIN, 0, due, start, ids)
    if today > due:
        # Escalation-only lines are the coordinator's; if the person's rows are in the same
        # group (the coordinator is responsible themselves), their own overdue line says it.
        state = (
            DigestState.ESCALATION if kinds == {ReminderKind.ESCALATION} else DigestState.OVERDUE
        )
        return DigestLine(key, state, (today - due).days, due, start, ids)
    if today == due:
        return DigestLine(key, DigestState.DUE_TODAY, 0, due, start, ids)
    state = DigestState.WINDOW_OPEN if kinds == {ReminderKind.WINDOW_OPEN} else DigestState.DUE_IN
    return DigestLine(key, state, (due - today).days, due, start, ids)


def _line_order(line: DigestLine) -> tuple[int, int, date, date, int]:
    if line.state in (DigestState.OVERDUE, DigestState.ESCALATION):
        rank, urgency = 0, -line.days  # the most overdue first
    elif line.state is DigestState.DUE_TODAY:
        rank, urgency = 1, 0
    elif line.state is DigestState.CHECKIN:
        rank, urgency = 3, 0  # no deadline: after everything that has one
    else:
        rank, urgency = 2, 0
    return rank, urgency, line.due_date, line.window_start, line.reminder_ids[0]


def coalesce_due(due: Sequence[DueReminder], *, today_local: date) -> list[DigestLine]:
    """One line per occurrence with its CURRENT state on `today_local` (recipient's day).

    Rows that piled up (downtime, a pause) collapse into what is true now: a due_in_7 and
    a due_in_1 both delivered after the deadline become one "overdue_N" line with the real
    N. Order: overdue (most overdue first), due today, upcoming by due date, check-ins.
    """
    groups: dict[Hashable, list[DueReminder]] = {}
    for row in due:
        groups.setdefault(row.occurrence_key, []).append(row)
    lines = [_line_for(key, rows, today_local) for key, rows in groups.items()]
    return sorted(lines, key=_line_order)


R = TypeVar("R")


class DeliveryKey(NamedTuple):
    recipient: Hashable
    local_day: date


def group_for_delivery(
    rows: Iterable[R], *, key: Callable[[R], tuple[Hashable, date]]
) -> dict[DeliveryKey, list[R]]:
    """Rows per (recipient, local date): each group is one message.

    `key` returns the recipient and the local date the message goes out on. For rows
    delivered late, use the delivery day (`local_date(now, tz)`), not each row's planned
    day, so that everything a person missed arrives as one message. Groups keep the order
    in which their first row came, and rows keep their order within a group.
    """
    groups: dict[DeliveryKey, list[R]] = {}
    for row in rows:
        recipient, day = key(row)
        if isinstance(day, datetime) or not isinstance(day, date):
            # A datetime would split one morning's rows into one message per minute.
            raise TypeError("the delivery key's second part must be a date")
        groups.setdefault(DeliveryKey(recipient, day), []).append(row)
    return groups
