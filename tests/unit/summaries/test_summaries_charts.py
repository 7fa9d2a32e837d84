"""Charts: PNG bytes, phone-sized, at most 15 bars, no pyplot state touched."""

from __future__ import annotations

from datetime import date

import pytest

from bot.charts import PNG_SIGNATURE, completion_chart, trend_chart
from bot.summaries import CompletionRow, compute_summary, monthly_trend
from tests.unit.summaries import scenario
from tests.unit.summaries.scenario import OCCURRENCES, TODAY


def _size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _rows(n: int) -> list[CompletionRow]:
    return [CompletionRow(i, f"Сотрудник {i}", 10, 10, i % 11, 0, 10 - i % 11) for i in range(n)]


@pytest.mark.parametrize("kind", ["persons", "units", "sections"])
def test_completion_chart_is_a_phone_wide_png(kind: str) -> None:
    summary = compute_summary(scenario.data(), TODAY)
    png = completion_chart(summary.persons, kind, locale="ru")  # type: ignore[arg-type]
    width, height = _size(png)
    assert width == 1080
    assert height > 300
    assert len(png) > 10_000


def test_completion_chart_draws_at_most_fifteen_bars() -> None:
    fifteen = _size(completion_chart(_rows(15)))
    forty = _size(completion_chart(_rows(40)))
    five = _size(completion_chart(_rows(5)))
    assert forty == fifteen  # only the fifteen worst are drawn
    assert five[1] < fifteen[1]


def test_labels_that_matplotlib_would_misread_are_drawn_safely() -> None:
    rows = [
        CompletionRow(1, "Расходы $5 и $10 на <b>курсы</b> 🎓", 4, 2, 1, 0, 1),
        CompletionRow(2, "Очень длинное название раздела " * 8, 4, 4, 4, 0, 0),
        CompletionRow(3, "", 2, 0, 0, 0, 0),  # nothing due: left out
    ]
    assert _size(completion_chart(rows, "sections", locale="en"))[0] == 1080


def test_empty_charts_still_are_images() -> None:
    assert _size(completion_chart([]))[0] == 1080
    assert _size(trend_chart([], TODAY))[0] == 1080


def test_trend_chart_over_the_plan_period() -> None:
    points = monthly_trend(OCCURRENCES, date(2022, 1, 1), date(2024, 12, 31))
    for today in (TODAY, date(2021, 6, 1), date(2026, 1, 1)):  # inside, before, after the plan
        width, _height = _size(trend_chart(points, today, locale="ru"))
        assert width == 1080
    assert len(trend_chart(points, TODAY, locale="en")) > 10_000


def test_charts_leave_pyplot_alone() -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    completion_chart(_rows(3))
    trend_chart(monthly_trend(OCCURRENCES, date(2023, 1, 1), date(2023, 12, 31)), TODAY)
    assert plt.get_fignums() == before
