"""The board's pure parts: initData as Telegram signs it, periods and filters from a URL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.board.auth import InitDataError, check_init_data, init_data_for, sign_init_data
from bot.board.grid import Filters, Status, parse_period, worst

TOKEN = "123456:ABC-token"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_genuine_init_data_names_its_user() -> None:
    user = check_init_data(
        init_data_for(42, TOKEN, auth_date=NOW - timedelta(hours=2), language="en"),
        TOKEN,
        now=NOW,
        max_age=DAY,
    )
    assert (user.id, user.language_code) == (42, "en")


@pytest.mark.parametrize(
    "init_data",
    [
        "",
        "hash=abc",
        init_data_for(42, "999:OTHER", auth_date=NOW),  # another bot's token
        init_data_for(42, TOKEN, auth_date=NOW).replace("42", "43", 1),  # user changed
        init_data_for(42, TOKEN, auth_date=NOW - 2 * DAY),  # stale
        init_data_for(42, TOKEN, auth_date=NOW + timedelta(minutes=5)),  # from the future
        sign_init_data({"auth_date": str(int(NOW.timestamp()))}, TOKEN),  # no user
        init_data_for(42, TOKEN, auth_date=NOW) + "&user=x",  # a field twice
    ],
)
def test_forged_stale_or_malformed_init_data_is_refused(init_data: str) -> None:
    with pytest.raises(InitDataError):
        check_init_data(init_data, TOKEN, now=NOW, max_age=DAY)


def test_periods_and_filters_from_the_url() -> None:
    assert parse_period("2026") == (date(2026, 1, 1), date(2026, 12, 31))
    assert parse_period("2026-Q2") == (date(2026, 4, 1), date(2026, 6, 30))
    assert parse_period("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert parse_period("2026-03-10..2026-01-01") == (date(2026, 1, 1), date(2026, 3, 10))
    assert parse_period("2026-13") is None and parse_period("soon") is None
    filters = Filters.from_query(
        {"plan": "7", "status": "overdue", "who": "o12", "q": "  ВПР   5  ", "cols": "bogus"}
    )
    assert (filters.plan, filters.status, filters.organisation_id, filters.q, filters.cols) == (
        7,
        Status.OVERDUE,
        12,
        "ВПР 5",
        "",
    )
    assert (
        Filters.from_query(dict(pair.split("=") for pair in filters.query().split("&"))).who
        == "o12"
    )
    assert Filters.from_query({"who": "x1; drop", "section": "-1"}) == Filters()


def test_a_cell_shows_its_worst_status() -> None:
    assert worst([Status.DONE, Status.NOT_DUE]) == Status.NOT_DUE
    assert worst([Status.DONE, Status.OVERDUE, Status.NOT_REPORTED]) == Status.OVERDUE
    assert worst([]) is None
