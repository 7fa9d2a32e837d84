from datetime import UTC, date, datetime, timedelta

import pytest

from bot.reminders import (
    Cadence,
    OccurrenceSpec,
    PlannedReminder,
    ReminderKind,
    occurrences_for,
    plan_escalation,
    plan_reminders,
    reschedule_for_snooze,
)
from bot.roadmap.model import Schedule, ScheduleKind, Window

K = ReminderKind
MSK = "Europe/Moscow"  # UTC+3, no DST
EARLY = datetime(2024, 1, 1, tzinfo=UTC)  # a "now" before everything planned below


def at9_msk(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 6, tzinfo=UTC)


def plan(occ: OccurrenceSpec, **kwargs: object) -> list[PlannedReminder]:
    options: dict = {"cadence": Cadence(), "tz": MSK, "hour": 9, "now": EARLY} | kwargs
    return plan_reminders(occ, **options)


def days(rows: list[PlannedReminder]) -> list[tuple[ReminderKind, date]]:
    return [(row.kind, row.local_day) for row in rows]


# --- occurrences --------------------------------------------------------------------------


def test_deadline_schedules_give_one_occurrence_per_window() -> None:
    windows = [
        Window(date(2024, 12, 1), date(2024, 12, 20)),
        Window(date(2024, 9, 1), date(2024, 9, 30)),
    ]
    for kind in (ScheduleKind.ONCE, ScheduleKind.RECURRING):
        occs = occurrences_for(Schedule(kind, windows))
        assert occs == [
            OccurrenceSpec(date(2024, 9, 1), date(2024, 9, 30), is_checkin_span=False),
            OccurrenceSpec(date(2024, 12, 1), date(2024, 12, 20), is_checkin_span=False),
        ]


@pytest.mark.parametrize("kind", [ScheduleKind.CONTINUOUS, ScheduleKind.ON_REQUEST])
def test_spans_are_flagged_for_checkins(kind: ScheduleKind) -> None:
    occs = occurrences_for(Schedule(kind, [Window(date(2024, 1, 1), date(2024, 12, 31))]))
    assert occs == [OccurrenceSpec(date(2024, 1, 1), date(2024, 12, 31), is_checkin_span=True)]


def test_unparsed_schedule_gives_nothing() -> None:
    schedule = Schedule(ScheduleKind.UNPARSED, [Window(date(2024, 1, 1), date(2024, 12, 31))])
    assert occurrences_for(schedule) == []


def test_duplicate_and_inverted_windows() -> None:
    schedule = Schedule(
        ScheduleKind.ONCE,
        [
            Window(date(2024, 9, 1), date(2024, 9, 30)),
            Window(date(2024, 9, 1), date(2024, 9, 30)),
            Window(date(2024, 10, 15), date(2024, 10, 10)),
        ],
    )
    assert occurrences_for(schedule) == [
        OccurrenceSpec(date(2024, 9, 1), date(2024, 9, 30)),
        OccurrenceSpec(date(2024, 10, 10), date(2024, 10, 10)),
    ]


def test_occurrence_must_not_start_after_due() -> None:
    with pytest.raises(ValueError):
        OccurrenceSpec(date(2024, 10, 15), date(2024, 10, 10))


# --- deadline plans -----------------------------------------------------------------------


def test_one_month_window_gets_the_full_cadence() -> None:
    rows = plan(OccurrenceSpec(date(2024, 9, 1), date(2024, 9, 30)))
    assert days(rows) == [
        (K.WINDOW_OPEN, date(2024, 9, 2)),  # 1 Sep is a Sunday: moved later, into the window
        (K.DUE_IN_7, date(2024, 9, 23)),
        (K.DUE_IN_1, date(2024, 9, 27)),  # 29 Sep is a Sunday: moved back to Friday
        (K.DUE_TODAY, date(2024, 9, 30)),
        (K.OVERDUE_1, date(2024, 10, 1)),
        (K.OVERDUE_7, date(2024, 10, 7)),
        (K.ESCALATION, date(2024, 10, 8)),
    ]
    assert all(row.fire_at == at9_msk(row.local_day) for row in rows)
    assert all(row.fire_at.tzinfo is UTC for row in rows)


def test_one_day_window_gets_no_window_open() -> None:
    rows = plan(OccurrenceSpec(date(2024, 9, 16), date(2024, 9, 16)))
    assert [row.kind for row in rows] == [
        K.DUE_IN_7,
        K.DUE_IN_1,
        K.DUE_TODAY,
        K.OVERDUE_1,
        K.OVERDUE_7,
        K.ESCALATION,
    ]


def test_window_open_threshold_is_the_cadence_minimum() -> None:
    four_weeks = OccurrenceSpec(date(2024, 9, 2), date(2024, 9, 29))  # 28 days
    shorter = OccurrenceSpec(date(2024, 9, 3), date(2024, 9, 29))  # 27 days
    assert K.WINDOW_OPEN in {row.kind for row in plan(four_weeks)}
    assert K.WINDOW_OPEN not in {row.kind for row in plan(shorter)}
    relaxed = Cadence(window_open_min_days=20)
    assert K.WINDOW_OPEN in {row.kind for row in plan(shorter, cadence=relaxed)}


def test_seven_days_before_on_a_holiday_moves_to_the_day_before() -> None:
    # Due Wednesday 19 June 2024; 12 June (Russia Day) is a day off.
    rows = plan(OccurrenceSpec(date(2024, 6, 19), date(2024, 6, 19)))
    assert rows[0] == PlannedReminder(
        fire_at=at9_msk(date(2024, 6, 11)), kind=K.DUE_IN_7, local_day=date(2024, 6, 11)
    )


def test_weekend_deadline_moves_warnings_back_and_overdue_forward() -> None:
    # Due Saturday 28 Sep 2024: 7 days before is Saturday 21 too.
    rows = plan(OccurrenceSpec(date(2024, 9, 28), date(2024, 9, 28)))
    assert days(rows) == [
        (K.DUE_IN_7, date(2024, 9, 20)),
        # due_in_1 (Fri 27) and due_today (Sat 28 -> Fri 27) share a day: one row, the
        # more urgent one.
        (K.DUE_TODAY, date(2024, 9, 27)),
        (K.OVERDUE_1, date(2024, 9, 30)),  # Sunday -> Monday
        (K.OVERDUE_7, date(2024, 10, 7)),  # Saturday 5 Oct -> Monday
        # Sunday 6 Oct -> Monday 7 would coincide with overdue_7: the coordinator hears
        # a working day later than the person.
        (K.ESCALATION, date(2024, 10, 8)),
    ]


def test_overdue_moves_past_the_may_holidays() -> None:
    # Due Wednesday 8 May 2024: 9 and 10 May are off, then a weekend.
    rows = plan(OccurrenceSpec(date(2024, 5, 8), date(2024, 5, 8)))
    assert (K.OVERDUE_1, date(2024, 5, 13)) in days(rows)


def test_deadline_on_a_working_saturday_stays_there() -> None:
    rows = plan(OccurrenceSpec(date(2024, 11, 2), date(2024, 11, 2)))
    assert (K.DUE_TODAY, date(2024, 11, 2)) in days(rows)


@pytest.mark.parametrize(
    ("tz", "fire_at"),
    [
        ("Europe/Kaliningrad", datetime(2024, 9, 16, 7, tzinfo=UTC)),
        ("Asia/Kamchatka", datetime(2024, 9, 15, 21, tzinfo=UTC)),
    ],
)
def test_reminders_fire_at_the_local_morning(tz: str, fire_at: datetime) -> None:
    rows = plan(OccurrenceSpec(date(2024, 9, 16), date(2024, 9, 16)), tz=tz)
    due_today = next(row for row in rows if row.kind is K.DUE_TODAY)
    assert due_today.fire_at == fire_at
    assert due_today.local_day == date(2024, 9, 16)


def test_person_hour_override() -> None:
    rows = plan(OccurrenceSpec(date(2024, 9, 16), date(2024, 9, 16)), hour=14)
    due_today = next(row for row in rows if row.kind is K.DUE_TODAY)
    assert due_today.fire_at == datetime(2024, 9, 16, 11, tzinfo=UTC)


def test_past_rows_are_returned() -> None:
    now = datetime(2024, 9, 25, 12, tzinfo=UTC)
    rows = plan(OccurrenceSpec(date(2024, 9, 1), date(2024, 9, 30)), now=now)
    assert rows == plan(OccurrenceSpec(date(2024, 9, 1), date(2024, 9, 30)))
    assert [row.kind for row in rows if row.fire_at < now] == [K.WINDOW_OPEN, K.DUE_IN_7]


def test_replanning_never_moves_a_warning_into_the_past() -> None:
    # Friday 27 Sep 2024, 11:00 Moscow; due Saturday 28. The due-day warning would move
    # back to Friday 09:00, already past, while its own day is still ahead: it fires now.
    now = datetime(2024, 9, 27, 8, tzinfo=UTC)
    rows = plan(OccurrenceSpec(date(2024, 9, 28), date(2024, 9, 28)), now=now)
    friday = [row for row in rows if row.local_day == date(2024, 9, 27)]
    assert friday == [PlannedReminder(fire_at=now, kind=K.DUE_TODAY, local_day=date(2024, 9, 27))]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        plan(OccurrenceSpec(date(2024, 9, 16), date(2024, 9, 16)), now=datetime(2024, 1, 1))


# --- pause --------------------------------------------------------------------------------


def test_pause_postpones_to_the_first_working_day_after_it() -> None:
    occ = OccurrenceSpec(date(2024, 9, 1), date(2024, 9, 30))
    rows = plan(occ, paused_until=date(2024, 9, 4))
    assert rows[0] == PlannedReminder(
        fire_at=at9_msk(date(2024, 9, 5)), kind=K.WINDOW_OPEN, local_day=date(2024, 9, 5)
    )
    assert rows[1:] == plan(occ)[1:]


def test_pause_ending_on_friday_resumes_on_monday_without_dropping_the_deadline() -> None:
    # A one-day window due Monday 16 Sep; paused through Friday 13: due_in_7 and due_in_1
    # are postponed to Monday, where the due-day reminder says it all.
    occ = OccurrenceSpec(date(2024, 9, 16), date(2024, 9, 16))
    rows = plan(occ, paused_until=date(2024, 9, 13))
    assert days(rows)[:2] == [(K.DUE_TODAY, date(2024, 9, 16)), (K.OVERDUE_1, date(2024, 9, 17))]


def test_pause_postpones_overdue_reminders_too() -> None:
    occ = OccurrenceSpec(date(2024, 9, 16), date(2024, 9, 16))
    rows = plan(occ, paused_until=date(2024, 9, 30))
    person_rows = [row for row in rows if row.kind is not K.ESCALATION]
    assert days(person_rows) == [(K.OVERDUE_7, date(2024, 10, 1))]
    # The pause is the person's: the coordinator's escalation is not postponed.
    assert (K.ESCALATION, date(2024, 9, 24)) in days(rows)


def test_pause_leaves_past_rows_alone() -> None:
    now = datetime(2024, 9, 10, 12, tzinfo=UTC)
    occ = OccurrenceSpec(date(2024, 9, 1), date(2024, 9, 30))
    rows = plan(occ, now=now, paused_until=date(2024, 9, 24))
    assert days(rows)[:2] == [(K.WINDOW_OPEN, date(2024, 9, 2)), (K.DUE_IN_7, date(2024, 9, 25))]


# --- escalation ---------------------------------------------------------------------------


def test_escalation_in_the_coordinators_zone_and_pause() -> None:
    occ = OccurrenceSpec(date(2024, 9, 16), date(2024, 9, 16))
    options = {"cadence": Cadence(), "hour": 9, "now": EARLY}
    esc = plan_escalation(occ, tz="Asia/Kamchatka", **options)
    assert esc == PlannedReminder(
        fire_at=datetime(2024, 9, 23, 21, tzinfo=UTC),
        kind=K.ESCALATION,
        local_day=date(2024, 9, 24),
    )
    paused = plan_escalation(occ, tz=MSK, paused_until=date(2024, 9, 27), **options)
    assert paused is not None and paused.local_day == date(2024, 9, 30)


def test_no_escalation_when_switched_off_or_for_spans() -> None:
    occ = OccurrenceSpec(date(2024, 9, 16), date(2024, 9, 16))
    rows = plan(occ, cadence=Cadence(escalation_days=None))
    assert K.ESCALATION not in {row.kind for row in rows}
    span = OccurrenceSpec(date(2024, 1, 1), date(2024, 12, 31), is_checkin_span=True)
    assert plan_escalation(span, cadence=Cadence(), tz=MSK, hour=9, now=EARLY) is None


# --- check-ins ----------------------------------------------------------------------------


def test_continuous_span_gets_monthly_checkins_only() -> None:
    rows = plan(OccurrenceSpec(date(2024, 1, 1), date(2024, 12, 31), is_checkin_span=True))
    assert {row.kind for row in rows} == {K.CHECKIN}
    assert [row.local_day for row in rows] == [
        date(2024, 1, 9),  # after the New Year break
        date(2024, 2, 1),
        date(2024, 3, 1),
        date(2024, 4, 1),
        date(2024, 5, 2),  # 1 May is a holiday
        date(2024, 6, 3),
        date(2024, 7, 1),
        date(2024, 8, 1),
        date(2024, 9, 2),
        date(2024, 10, 1),
        date(2024, 11, 1),
        date(2024, 12, 2),
    ]
    assert all(row.fire_at == at9_msk(row.local_day) for row in rows)


def test_span_starting_mid_month_skips_that_month() -> None:
    rows = plan(OccurrenceSpec(date(2024, 9, 15), date(2024, 12, 31), is_checkin_span=True))
    assert [row.local_day for row in rows] == [
        date(2024, 10, 1),
        date(2024, 11, 1),
        date(2024, 12, 2),
    ]


def test_checkin_on_the_last_working_day() -> None:
    span = OccurrenceSpec(date(2024, 11, 1), date(2024, 12, 31), is_checkin_span=True)
    rows = plan(span, cadence=Cadence(checkin_working_day=-1))
    assert [row.local_day for row in rows] == [date(2024, 11, 29), date(2024, 12, 28)]


# --- cadence ------------------------------------------------------------------------------


def test_custom_cadence() -> None:
    cadence = Cadence(
        window_open=False,
        early_warning_days=14,
        last_warning_days=None,
        on_due_day=False,
        second_overdue_days=None,
        escalation_days=3,
    )
    rows = plan(OccurrenceSpec(date(2024, 9, 1), date(2024, 9, 30)), cadence=cadence)
    assert days(rows) == [
        (K.DUE_IN_7, date(2024, 9, 16)),  # the early warning, 14 days ahead
        (K.OVERDUE_1, date(2024, 10, 1)),
        (K.ESCALATION, date(2024, 10, 3)),
    ]


def test_cadence_json_round_trip() -> None:
    cadence = Cadence(early_warning_days=10, escalation_days=None, checkin_working_day=-1)
    data = cadence.to_json()
    assert data["early_warning_days"] == 10
    assert data["escalation_days"] is None
    assert Cadence.from_json(data) == cadence
    assert Cadence.from_json(Cadence().to_json()) == Cadence()


def test_cadence_from_json_tolerates_missing_and_unknown_keys() -> None:
    assert Cadence.from_json({}) == Cadence()
    assert Cadence.from_json(None) == Cadence()
    assert Cadence.from_json({"last_warning_days": 2, "someday": 1}) == Cadence(
        last_warning_days=2
    )


@pytest.mark.parametrize(
    "data",
    [
        {"early_warning_days": 1, "last_warning_days": 1},
        {"first_overdue_days": 7, "second_overdue_days": 7},
        {"escalation_days": 7},
        {"last_warning_days": 0},
        {"last_warning_days": True},
        {"window_open": "yes"},
        {"window_open_min_days": 0},
        {"checkin_working_day": 0},
        {"checkin_working_day": 20},
    ],
)
def test_cadence_rejects_bad_values(data: dict) -> None:
    with pytest.raises(ValueError):
        Cadence.from_json(data)


# --- snooze -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected_day"),
    [
        (datetime(2024, 9, 16, 12, tzinfo=UTC), date(2024, 9, 19)),  # Monday afternoon
        (datetime(2024, 9, 18, 6, tzinfo=UTC), date(2024, 9, 23)),  # Wed -> Sat -> Monday
        (datetime(2024, 5, 6, 6, tzinfo=UTC), date(2024, 5, 13)),  # into 9-12 May off
    ],
)
def test_snooze_three_days(now: datetime, expected_day: date) -> None:
    assert reschedule_for_snooze(now, tz=MSK, hour=9) == at9_msk(expected_day)


def test_snooze_counts_days_locally_and_respects_pause() -> None:
    # 22:00 UTC Monday is Tuesday 10:00 in Kamchatka: three days later is Friday.
    now = datetime(2024, 9, 16, 22, tzinfo=UTC)
    assert reschedule_for_snooze(now, tz="Asia/Kamchatka", hour=9) == datetime(
        2024, 9, 19, 21, tzinfo=UTC
    )
    paused = reschedule_for_snooze(
        datetime(2024, 9, 16, 12, tzinfo=UTC), 1, tz=MSK, hour=9, paused_until=date(2024, 9, 20)
    )
    assert paused == at9_msk(date(2024, 9, 23))
    with pytest.raises(ValueError):
        reschedule_for_snooze(now, 0, tz=MSK, hour=9)


def test_snooze_is_never_before_now() -> None:
    now = datetime(2024, 9, 16, 12, tzinfo=UTC)
    for n in range(1, 10):
        assert reschedule_for_snooze(now, n, tz=MSK, hour=9) - now >= timedelta(days=n - 1)
