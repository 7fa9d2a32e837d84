"""The one place the application reads time from.

Everything asks a Clock, never `datetime.now()`, so that tests and demos (`--clock`) can
run the bot at any moment. All moments are aware datetimes in UTC; local time is derived
from an organisation's or person's time zone where it is shown or scheduled.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """Starts at a given moment and runs on at normal speed (`--clock` on run and chat)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the start moment must carry a time zone")
        self._start = start.astimezone(UTC)
        self._started_at = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._started_at)


class FixedClock:
    """Stands still until told to move: for tests."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the moment must carry a time zone")
        self._moment = moment.astimezone(UTC)

    def now(self) -> datetime:
        return self._moment

    def set(self, moment: datetime) -> None:
        self._moment = moment.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self._moment += timedelta(**delta)


def parse_clock_argument(value: str, default_timezone: str) -> datetime:
    """`--clock 2022-05-16T08:59` (local to the default time zone) or with an offset."""
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(default_timezone))
    return moment.astimezone(UTC)
