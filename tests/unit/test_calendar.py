from datetime import UTC, date, datetime, timedelta

import pytest

from bot.calendar import (
    _russian_calendar,
    at_local_hour,
    is_working_day,
    local_date,
    month_bounds,
    next_allowed_moment,
    next_working_day,
    nth_working_day_of_month,
    previous_working_day,
    validate_timezone,
)

# --- working days -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        # The New Year break, 1-8 January, including its weekdays.
        *(date(2024, 1, n) for n in range(1, 9)),
        *(date(2025, 1, n) for n in range(1, 9)),
        date(2024, 2, 23),  # Defender of the Fatherland Day, a Friday
        date(2024, 3, 8),  # International Women's Day, a Friday
        date(2024, 5, 1),  # Spring and Labour Day, a Wednesday
        date(2024, 5, 9),  # Victory Day, a Thursday
        date(2024, 6, 12),  # Russia Day, a Wednesday
        date(2024, 11, 4),  # Unity Day, a Monday
        date(2025, 5, 1),
        date(2025, 6, 12),
        date(2025, 11, 4),
    ],
)
def test_public_holidays_are_days_off(day: date) -> None:
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        # Weekdays made days off by the 2024 and 2025 transfer decrees (in the package).
        date(2024, 4, 29),  # from Saturday 27 April
        date(2024, 4, 30),  # from Saturday 2 November
        date(2024, 5, 10),  # from Saturday 6 January
        date(2024, 12, 30),  # from Saturday 28 December
        date(2024, 12, 31),  # from Sunday 7 January
        date(2025, 5, 2),  # from Saturday 4 January
        date(2025, 5, 8),  # from Sunday 23 February
        date(2025, 6, 13),  # from Saturday 8 March
        date(2025, 11, 3),  # from Saturday 1 November
        date(2025, 12, 31),  # from Sunday 5 January
    ],
)
def test_transferred_days_off_are_days_off(day: date) -> None:
    assert day.weekday() < 5
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day", [date(2024, 4, 27), date(2024, 11, 2), date(2024, 12, 28), date(2025, 11, 1)]
)
def test_transferred_working_saturdays_are_working_days(day: date) -> None:
    assert day.weekday() == 5
    assert is_working_day(day)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 4, 20), False),  # an ordinary Saturday
        (date(2024, 4, 21), False),  # an ordinary Sunday
        (date(2024, 1, 9), True),  # the first working day of 2024
        (date(2024, 5, 13), True),
        (date(2024, 12, 27), True),
    ],
)
def test_ordinary_days(day: date, expected: bool) -> None:
    assert is_working_day(day) is expected


def test_is_working_day_refuses_datetime() -> None:
    with pytest.raises(TypeError):
        is_working_day(datetime(2024, 5, 13, tzinfo=UTC))


def test_holiday_calendar_is_cached_per_year() -> None:
    assert _russian_calendar(2024) is _russian_calendar(2024)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 5, 13), date(2024, 5, 13)),  # a working day is its own answer
        # May 2024: 1 May off, 29-30 April transferred, so the working Saturday 27 April.
        (date(2024, 5, 1), date(2024, 4, 27)),
        (date(2024, 6, 12), date(2024, 6, 11)),
        (date(2024, 9, 22), date(2024, 9, 20)),  # Sunday -> Friday
        # Across the year: 30-31 Dec 2024 and 1-8 Jan 2025 off, 28 Dec 2024 worked.
        (date(2025, 1, 8), date(2024, 12, 28)),
    ],
)
def test_previous_working_day(day: date, expected: date) -> None:
    assert previous_working_day(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 5, 13), date(2024, 5, 13)),
        (date(2024, 4, 28), date(2024, 5, 2)),  # Sunday, then 29, 30 April and 1 May off
        (date(2024, 5, 9), date(2024, 5, 13)),  # 9 and 10 May off, then a weekend
        (date(2024, 12, 29), date(2025, 1, 9)),
        (date(2024, 11, 1), date(2024, 11, 1)),
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert next_working_day(day) == expected


def test_strict_variants_skip_the_day_itself() -> None:
    assert previous_working_day(date(2024, 5, 13), strict=True) == date(2024, 5, 8)
    assert next_working_day(date(2024, 5, 8), strict=True) == date(2024, 5, 13)
    # Friday 1 November 2024 is followed by the working Saturday 2 November.
    assert next_working_day(date(2024, 11, 1), strict=True) == date(2024, 11, 2)


def test_nth_working_day_of_month() -> None:
    assert nth_working_day_of_month(2025, 1, 1) == date(2025, 1, 9)
    assert nth_working_day_of_month(2024, 5, 1) == date(2024, 5, 2)
    assert nth_working_day_of_month(2024, 5, 2) == date(2024, 5, 3)
    assert nth_working_day_of_month(2024, 12, -1) == date(2024, 12, 28)  # working Saturday
    assert nth_working_day_of_month(2024, 9, -1) == date(2024, 9, 30)
    with pytest.raises(ValueError):
        nth_working_day_of_month(2024, 9, 0)
    with pytest.raises(ValueError):
        nth_working_day_of_month(2025, 1, 25)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 2, 10), (date(2024, 2, 1), date(2024, 2, 29))),
        (date(2025, 2, 28), (date(2025, 2, 1), date(2025, 2, 28))),
        (date(2024, 12, 1), (date(2024, 12, 1), date(2024, 12, 31))),
    ],
)
def test_month_bounds(day: date, expected: tuple[date, date]) -> None:
    assert month_bounds(day) == expected


# --- time zones -------------------------------------------------------------------------


def test_nine_local_in_kaliningrad_and_kamchatka() -> None:
    day = date(2024, 9, 16)
    kaliningrad = at_local_hour(day, 9, "Europe/Kaliningrad")
    kamchatka = at_local_hour(day, 9, "Asia/Kamchatka")
    assert kaliningrad == datetime(2024, 9, 16, 7, tzinfo=UTC)
    assert kamchatka == datetime(2024, 9, 15, 21, tzinfo=UTC)
    assert kaliningrad.tzinfo is UTC and kamchatka.tzinfo is UTC
    assert at_local_hour(day, 9, "Europe/Moscow") == datetime(2024, 9, 16, 6, tzinfo=UTC)


def test_at_local_hour_uses_the_historical_offset() -> None:
    # Moscow was UTC+4 between 2011 and 2014.
    assert at_local_hour(date(2013, 6, 3), 9, "Europe/Moscow") == datetime(
        2013, 6, 3, 5, tzinfo=UTC
    )


def test_nonexistent_wall_time_maps_past_the_gap() -> None:
    # 02:00 does not exist in Berlin on 31 March 2024; it becomes 03:00 CEST = 01:00 UTC.
    moment = at_local_hour(date(2024, 3, 31), 2, "Europe/Berlin")
    assert moment == datetime(2024, 3, 31, 1, tzinfo=UTC)
    assert local_date(moment, "Europe/Berlin") == date(2024, 3, 31)


def test_repeated_wall_time_means_its_first_occurrence() -> None:
    # 02:00 happens twice in Berlin on 27 October 2024: first at CEST (UTC+2).
    assert at_local_hour(date(2024, 10, 27), 2, "Europe/Berlin") == datetime(
        2024, 10, 27, 0, tzinfo=UTC
    )


@pytest.mark.parametrize("hour", [-1, 24, True, 9.5])
def test_at_local_hour_rejects_bad_hours(hour: object) -> None:
    with pytest.raises(ValueError):
        at_local_hour(date(2024, 9, 16), hour, "Europe/Moscow")  # type: ignore[arg-type]


def test_at_local_hour_rejects_unknown_zone_and_datetime() -> None:
    with pytest.raises(ValueError):
        at_local_hour(date(2024, 9, 16), 9, "Mars/Olympus")
    with pytest.raises(TypeError):
        at_local_hour(datetime(2024, 9, 16, tzinfo=UTC), 9, "Europe/Moscow")


def test_local_date() -> None:
    moment = datetime(2024, 9, 15, 21, tzinfo=UTC)
    assert local_date(moment, "Asia/Kamchatka") == date(2024, 9, 16)
    assert local_date(moment, "Europe/Kaliningrad") == date(2024, 9, 15)
    with pytest.raises(ValueError):
        local_date(datetime(2024, 9, 15, 21), "Europe/Moscow")


@pytest.mark.parametrize(
    "name", ["Europe/Kaliningrad", "Europe/Moscow", "Asia/Kamchatka", "Asia/Yekaterinburg", "UTC"]
)
def test_valid_time_zones(name: str) -> None:
    assert validate_timezone(name)


@pytest.mark.parametrize(
    "name", ["", "Mars/Olympus", "Moscow", "../etc/passwd", "/etc/localtime", " UTC", None, 3]
)
def test_invalid_time_zones(name: object) -> None:
    assert not validate_timezone(name)


# --- the next allowed moment ------------------------------------------------------------

MSK = "Europe/Moscow"  # UTC+3: 09:00 local is 06:00 UTC


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Monday 16 September 2024, before, at and after 09:00 Moscow.
        (datetime(2024, 9, 16, 5, tzinfo=UTC), datetime(2024, 9, 16, 6, tzinfo=UTC)),
        (datetime(2024, 9, 16, 6, tzinfo=UTC), datetime(2024, 9, 16, 6, tzinfo=UTC)),
        (datetime(2024, 9, 16, 6, 0, 1, tzinfo=UTC), datetime(2024, 9, 17, 6, tzinfo=UTC)),
        # Friday afternoon -> Monday.
        (datetime(2024, 9, 20, 12, tzinfo=UTC), datetime(2024, 9, 23, 6, tzinfo=UTC)),
        # Sunday before 09:00 is still a day off.
        (datetime(2024, 9, 22, 3, tzinfo=UTC), datetime(2024, 9, 23, 6, tzinfo=UTC)),
        # The working Saturday 28 Dec 2024 after its morning: next is 9 January 2025.
        (datetime(2024, 12, 28, 9, tzinfo=UTC), datetime(2025, 1, 9, 6, tzinfo=UTC)),
    ],
)
def test_next_allowed_moment_moscow(now: datetime, expected: datetime) -> None:
    assert next_allowed_moment(now, 9, MSK) == expected


def test_next_allowed_moment_uses_the_local_day() -> None:
    # 20:00 UTC on Sunday 15 Sep is 08:00 on Monday 16 Sep in Kamchatka.
    now = datetime(2024, 9, 15, 20, tzinfo=UTC)
    assert next_allowed_moment(now, 9, "Asia/Kamchatka") == datetime(2024, 9, 15, 21, tzinfo=UTC)
    # ... and 22:00 on Sunday in Kaliningrad.
    assert next_allowed_moment(now, 9, "Europe/Kaliningrad") == datetime(
        2024, 9, 16, 7, tzinfo=UTC
    )


def test_next_allowed_moment_grace_keeps_the_morning_open() -> None:
    now = datetime(2024, 9, 16, 8, tzinfo=UTC)  # 11:00 Moscow, two hours after the slot
    assert next_allowed_moment(now, 9, MSK, grace=timedelta(hours=3)) == now
    assert next_allowed_moment(now, 9, MSK, grace=timedelta(hours=1)) == datetime(
        2024, 9, 17, 6, tzinfo=UTC
    )
    # Grace never opens a day off.
    sunday = datetime(2024, 9, 22, 8, tzinfo=UTC)
    assert next_allowed_moment(sunday, 9, MSK, grace=timedelta(hours=3)) == datetime(
        2024, 9, 23, 6, tzinfo=UTC
    )


def test_next_allowed_moment_rejects_naive_now() -> None:
    with pytest.raises(ValueError):
        next_allowed_moment(datetime(2024, 9, 16, 5), 9, MSK)
