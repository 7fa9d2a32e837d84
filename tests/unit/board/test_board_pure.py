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


# The grid, on a plan built by hand ---------------------------------------------------------


def _plan_data():  # type: ignore[no-untyped-def]
    from bot.board.records import BoardData, BoardOccurrence, BoardOrganisation, BoardPlan
    from bot.records import MeasureRow, ReportRow, SectionRow, UnitRow

    first = SectionRow(1, 1, "1", "Оценка", 0)
    second = SectionRow(2, 1, "2", "Кадры", 1)

    def measure(mid: int, section: SectionRow, title: str, persons=(), units=()):  # type: ignore[no-untyped-def]
        return MeasureRow(
            mid,
            1,
            mid,
            f"{section.number}.{mid}",
            title,
            "",
            "once",
            "",
            None,
            None,
            section,
            tuple(persons),
            tuple("x" for _ in persons),
            tuple(units),
            tuple("u" for _ in units),
        )

    vpr = measure(10, first, "Анализ ВПР", persons=[5])
    olymp = measure(11, first, "Олимпиада", units=[9])
    courses = measure(12, second, "Курсы повышения квалификации")
    serial = iter(range(100, 200))

    def occ(m, org, due, status="open", report=None, postponed=None):  # type: ignore[no-untyped-def]
        rep = None
        if report:
            rep = ReportRow(next(serial), report, "", None, postponed, 0, "", NOW, ())
        return BoardOccurrence(
            next(serial), m, due, due, False, status, postponed, None, rep, organisation_id=org
        )

    occurrences = (
        occ(vpr, 2, date(2026, 2, 10), "done", "done"),
        occ(vpr, 3, date(2026, 2, 10)),  # past, no report: not reported
        occ(vpr, 3, date(2026, 5, 10)),  # ahead: not yet due (worst of the cell: not reported)
        occ(olymp, 2, date(2026, 1, 20), report="partial"),  # open, reported partly
        occ(olymp, 3, date(2026, 1, 20), "postponed", "postponed", date(2026, 4, 1)),
        occ(courses, 2, date(2026, 2, 1), "not_done", "not_done"),
    )
    return BoardData(
        plan=BoardPlan(1, "План", 2026, 2026, owner_id=1, owned=True),
        viewer_organisation_id=1,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        sections=(first, second),
        measures=(vpr, olymp, courses),
        occurrences=occurrences,
        organisations=(BoardOrganisation(3, "Школа Б"), BoardOrganisation(2, "Школа А")),
        people=((5, "Петров"), (6, "Сидорова")),
        units=(UnitRow(9, "ШМО", (6,)),),
    )


def test_the_grid_by_school_with_worst_cells_and_totals() -> None:
    from bot.board.grid import build_board

    board = build_board(_plan_data(), Filters(), date(2026, 3, 1), month_label=str)
    assert board.mode == "school" and board.municipal
    assert [c.key for c in board.columns] == ["o2", "o3"]  # by name: Школа А, Школа Б
    cells = {row.measure.id: row.cells for row in board.rows}
    assert cells == {10: ("d", "r"), 11: ("p", "s"), 12: ("o", "")}
    assert [row.section for row in board.rows] == ["1. Оценка", None, "2. Кадры"]
    # done / due per row, per column and overall (due: past, or closed).
    assert [(row.done, row.due) for row in board.rows] == [(1, 2), (0, 1), (0, 1)]
    assert [(c.done, c.due) for c in board.columns] == [(1, 3), (0, 1)]
    assert (board.done, board.due) == (1, 4)


def test_filters_narrow_the_grid() -> None:
    from bot.board.grid import build_board

    data = _plan_data()
    today = date(2026, 3, 1)

    def cells(**query: str) -> dict[int, tuple[str, ...]]:
        board = build_board(data, Filters.from_query(query), today, month_label=str)
        return {row.measure.id: row.cells for row in board.rows}

    assert cells(status="not_reported") == {10: ("", "r")}
    assert cells(section="2") == {12: ("o", "")}
    assert cells(q="олимп") == {11: ("p", "s")}
    assert cells(who="o3") == {10: ("r",), 11: ("s",)}
    assert cells(who="p6") == {11: ("p", "s")}  # Сидорова through the unit ШМО
    assert cells(who="p5") == {10: ("d", "r")}
    by_quarter = build_board(data, Filters(cols="quarter"), today, month_label=str)
    assert [c.key for c in by_quarter.columns] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    # Postponed to 1 April: in the second quarter.
    assert {r.measure.id: r.cells for r in by_quarter.rows}[11] == ("p", "s", "", "")
