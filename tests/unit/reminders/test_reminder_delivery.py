from datetime import UTC, date, datetime, timedelta

import pytest

from bot.calendar import local_date
from bot.reminders import (
    DeliveryKey,
    DigestLine,
    DigestState,
    DueReminder,
    ReminderKind,
    coalesce_due,
    delivery_moment,
    group_for_delivery,
)

K = ReminderKind
MSK = "Europe/Moscow"
DUE = date(2024, 9, 16)
START = date(2024, 9, 1)


def row(rid: int, kind: ReminderKind, key: object = "m1", due: date = DUE) -> DueReminder:
    return DueReminder(rid, key, kind, due, min(START, due))


# --- coalescing ---------------------------------------------------------------------------


def test_missed_warnings_become_one_due_today_line() -> None:
    lines = coalesce_due([row(1, K.DUE_IN_7), row(2, K.DUE_IN_1)], today_local=DUE)
    assert lines == [DigestLine("m1", DigestState.DUE_TODAY, 0, DUE, START, (1, 2))]
    assert lines[0].code == "due_today"


def test_missed_warnings_after_the_deadline_become_one_overdue_line() -> None:
    lines = coalesce_due([row(2, K.DUE_IN_1), row(1, K.DUE_IN_7)], today_local=date(2024, 9, 19))
    assert len(lines) == 1
    assert (lines[0].state, lines[0].days, lines[0].code) == (DigestState.OVERDUE, 3, "overdue_3")
    assert lines[0].reminder_ids == (1, 2)


def test_late_warning_tells_the_real_count() -> None:
    lines = coalesce_due([row(1, K.DUE_IN_7)], today_local=date(2024, 9, 11))
    assert lines[0].code == "due_in_5"


def test_window_open_alone_and_with_a_warning() -> None:
    alone = coalesce_due([row(1, K.WINDOW_OPEN)], today_local=date(2024, 9, 2))
    assert (alone[0].state, alone[0].days) == (DigestState.WINDOW_OPEN, 14)
    both = coalesce_due([row(1, K.WINDOW_OPEN), row(2, K.DUE_IN_7)], today_local=date(2024, 9, 9))
    assert both[0].code == "due_in_7"
    late = coalesce_due([row(1, K.WINDOW_OPEN)], today_local=date(2024, 9, 20))
    assert late[0].code == "overdue_4"


def test_checkin_line() -> None:
    lines = coalesce_due([row(1, K.CHECKIN), row(2, K.CHECKIN)], today_local=date(2024, 9, 2))
    assert (lines[0].code, lines[0].reminder_ids) == ("checkin", (1, 2))


def test_escalations_coalesce_for_the_coordinator() -> None:
    lines = coalesce_due([row(5, K.ESCALATION)], today_local=date(2024, 9, 26))
    assert lines[0].code == "escalation_10"
    # The coordinator responsible for the measure themselves: their own overdue line.
    mixed = coalesce_due(
        [row(5, K.ESCALATION), row(4, K.OVERDUE_7)], today_local=date(2024, 9, 26)
    )
    assert (mixed[0].code, mixed[0].reminder_ids) == ("overdue_10", (4, 5))


def test_kind_from_storage_string() -> None:
    assert DueReminder(1, "m1", "due_in_1", DUE, START).kind is K.DUE_IN_1  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        DueReminder(1, "m1", "soon", DUE, START)  # type: ignore[arg-type]


def test_redated_occurrence_uses_the_newest_row() -> None:
    rows = [row(1, K.DUE_IN_7, due=DUE), row(9, K.DUE_IN_1, due=date(2024, 9, 20))]
    lines = coalesce_due(rows, today_local=DUE)
    assert (lines[0].code, lines[0].due_date) == ("due_in_4", date(2024, 9, 20))


def test_line_order() -> None:
    today = date(2024, 9, 16)
    rows = [
        # A span ending before some deadlines: check-ins still come last.
        row(1, K.CHECKIN, "span", due=date(2024, 9, 30)),
        row(2, K.WINDOW_OPEN, "far", due=date(2024, 10, 30)),
        row(3, K.DUE_IN_7, "week", due=date(2024, 9, 23)),
        row(4, K.DUE_IN_1, "soon", due=date(2024, 9, 19)),
        row(5, K.DUE_TODAY, "today", due=today),
        row(6, K.OVERDUE_1, "late", due=date(2024, 9, 14)),
        row(7, K.OVERDUE_7, "later", due=date(2024, 9, 6)),
    ]
    lines = coalesce_due(rows, today_local=today)
    assert [line.code for line in lines] == [
        "overdue_10",
        "overdue_2",
        "due_today",
        "due_in_3",
        "due_in_7",
        "window_open",
        "checkin",
    ]
    # Every row is covered exactly once.
    covered = sorted(rid for line in lines for rid in line.reminder_ids)
    assert covered == [1, 2, 3, 4, 5, 6, 7]


def test_nothing_due_gives_no_lines() -> None:
    assert coalesce_due([], today_local=DUE) == []


# --- grouping -----------------------------------------------------------------------------


def test_group_for_delivery_one_message_per_person_and_day() -> None:
    rows = [
        ("ivanov", date(2024, 9, 16), 1),
        ("petrova", date(2024, 9, 16), 2),
        ("ivanov", date(2024, 9, 16), 3),
        ("ivanov", date(2024, 9, 17), 4),
    ]
    groups = group_for_delivery(rows, key=lambda r: (r[0], r[1]))
    assert list(groups) == [
        DeliveryKey("ivanov", date(2024, 9, 16)),
        DeliveryKey("petrova", date(2024, 9, 16)),
        DeliveryKey("ivanov", date(2024, 9, 17)),
    ]
    assert [r[2] for r in groups[DeliveryKey("ivanov", date(2024, 9, 16))]] == [1, 3]


def test_rows_missed_over_several_days_go_in_one_message() -> None:
    # Keyed by the delivery day, a person's rows from Friday and Monday arrive together.
    now = datetime(2024, 9, 17, 6, tzinfo=UTC)
    fired = [datetime(2024, 9, 13, 6, tzinfo=UTC), datetime(2024, 9, 16, 6, tzinfo=UTC)]
    groups = group_for_delivery(fired, key=lambda _: ("ivanov", local_date(now, MSK)))
    assert groups == {DeliveryKey("ivanov", date(2024, 9, 17)): fired}


def test_group_key_must_be_a_date() -> None:
    moment = datetime(2024, 9, 16, 6, tzinfo=UTC)
    with pytest.raises(TypeError):
        group_for_delivery([1], key=lambda _: ("ivanov", moment))


# --- when missed rows go out --------------------------------------------------------------


def test_delivery_moment_catches_up_the_same_morning() -> None:
    # The bot comes back at 11:00 Moscow on Monday: the 09:00 rows go now.
    now = datetime(2024, 9, 16, 8, tzinfo=UTC)
    assert delivery_moment(now, tz=MSK, hour=9) == now


def test_delivery_moment_after_hours_waits_for_the_next_working_morning() -> None:
    friday_night = datetime(2024, 9, 20, 19, tzinfo=UTC)  # 22:00 Moscow
    assert delivery_moment(friday_night, tz=MSK, hour=9) == datetime(2024, 9, 23, 6, tzinfo=UTC)
    strict = delivery_moment(
        datetime(2024, 9, 16, 8, tzinfo=UTC), tz=MSK, hour=9, grace=timedelta(0)
    )
    assert strict == datetime(2024, 9, 17, 6, tzinfo=UTC)


def test_delivery_moment_respects_the_pause() -> None:
    now = datetime(2024, 9, 16, 8, tzinfo=UTC)
    moment = delivery_moment(now, tz=MSK, hour=9, paused_until=date(2024, 9, 20))
    assert moment == datetime(2024, 9, 23, 6, tzinfo=UTC)
    # A pause that has ended changes nothing.
    assert delivery_moment(now, tz=MSK, hour=9, paused_until=date(2024, 9, 15)) == now
