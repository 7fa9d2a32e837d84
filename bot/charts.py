"""Charts of how a plan is going, as PNG bytes readable on a phone.

Built on `matplotlib.figure.Figure` with an explicit Agg canvas: pyplot and its global
state are never touched, so charts can be drawn from any thread or task. Figures are
1080 px wide with large fonts; labels in the locale in force (or the `locale` given).
"""

from __future__ import annotations

import functools
import math
import textwrap
from collections.abc import Sequence
from datetime import date
from io import BytesIO
from itertools import accumulate
from typing import Literal

from babel.dates import format_date
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import MaxNLocator

from bot.i18n import current_locale, pgettext, use_locale
from bot.summaries.compute import CompletionRow, MonthPoint

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDTH_IN = 10.8  # at DPI 100: 1080 px, the width of most phone screens
DPI = 100
FONT_SIZE = 20
MAX_BARS = 15
LABEL_WIDTH = 62  # characters of a bar's label (one line above the bar, full width)

RED, ORANGE, GREEN, BLUE, GREY = "#d9534f", "#f0ad4e", "#5cb85c", "#337ab7", "#999999"

ChartKind = Literal["persons", "units", "sections", "organisations"]


@functools.cache
def _font_charmap() -> frozenset[int]:
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    return frozenset(FT2Font(path).get_charmap())


def _safe(text: str) -> str:
    """Text the default font can draw, with no mathtext: '$' is escaped, other glyphs go."""
    charmap = _font_charmap()
    kept = "".join(c if ord(c) in charmap or c == "\n" else "?" for c in text)
    return kept.replace("$", r"\$")


def _wrap(label: str, width: int = LABEL_WIDTH, lines: int = 2) -> str:
    wrapped = textwrap.wrap(" ".join(label.split()), width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return _safe("\n".join(wrapped))


def _new_figure(height_in: float) -> Figure:
    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _empty(title: str) -> bytes:
    figure = _new_figure(4)
    axes = figure.add_subplot()
    axes.set_axis_off()
    axes.set_title(_safe(title), fontsize=FONT_SIZE + 4, loc="left")
    axes.text(
        0.5,
        0.5,
        _safe(pgettext("chart", "No data")),
        ha="center",
        va="center",
        fontsize=FONT_SIZE,
    )
    return _png(figure)


def _colour(percent: int) -> str:
    if percent < 50:
        return RED
    if percent < 80:
        return ORANGE
    return GREEN


def completion_chart(
    rows: Sequence[CompletionRow],
    kind: ChartKind = "persons",
    *,
    locale: str | None = None,
    max_bars: int = MAX_BARS,
) -> bytes:
    """Horizontal bars of completion per person, unit or section, worst on top.

    `rows` come worst first (as `compute_summary` gives them); rows with nothing due yet
    are left out, and at most `max_bars` are drawn.
    """
    with use_locale(locale):
        return _completion_chart(rows, kind, max_bars)


def _completion_title(kind: ChartKind) -> str:
    if kind == "units":
        return pgettext("chart", "Completion by unit")
    if kind == "sections":
        return pgettext("chart", "Completion by section")
    if kind == "organisations":
        return pgettext("chart", "Completion by organisation")
    return pgettext("chart", "Completion by person")


def _completion_chart(rows: Sequence[CompletionRow], kind: ChartKind, max_bars: int) -> bytes:
    title = _completion_title(kind)
    shown = [row for row in rows if row.due][: max(1, max_bars)]
    if not shown:
        return _empty(title)
    # Each label sits above its bar, across the full width: on a phone a column of labels
    # beside the bars would leave the bars a sliver of the screen.
    labels = [_wrap(row.label, LABEL_WIDTH, 1) for row in shown]
    figure = _new_figure(1.6 + 0.95 * len(shown))
    axes = figure.add_subplot()
    pitch = 1.0
    positions = [-index * pitch for index in range(len(shown))]  # the worst on top
    percents = [row.percent for row in shown]
    axes.barh(
        positions,
        [max(p, 0.6) for p in percents],  # a sliver even at 0%, so the row reads as a bar
        height=0.42,
        color=[_colour(p) for p in percents],
        edgecolor="none",
    )
    for y, row, label in zip(positions, shown, labels, strict=True):
        axes.text(0, y + 0.27, label, va="bottom", ha="left", fontsize=FONT_SIZE - 2)
        axes.text(
            min(row.percent, 100) + 1.5,
            y,
            _safe(
                pgettext("chart", "{pct}% ({done} of {due})").format(
                    pct=row.percent, done=row.done, due=row.due
                )
            ),
            va="center",
            fontsize=FONT_SIZE - 4,
        )
    axes.set_yticks([])
    axes.set_ylim(positions[-1] - 0.5, 0.95)
    axes.set_xlim(0, 130)
    axes.set_xticks([0, 25, 50, 75, 100], ["0", "25", "50", "75", "100"], fontsize=FONT_SIZE - 4)
    axes.set_xlabel(_safe(pgettext("chart", "Done, %")), fontsize=FONT_SIZE - 2, loc="left")
    axes.set_title(_safe(title), fontsize=FONT_SIZE + 4, loc="left")
    axes.axvline(100, color=GREY, linewidth=1, linestyle=":")
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    return _png(figure)


def _month_label(month: date, with_year: bool) -> str:
    name = format_date(month, "LLL", locale=current_locale())
    return f"{name}\n{month.year}" if with_year else name


def trend_chart(points: Sequence[MonthPoint], today: date, *, locale: str | None = None) -> bytes:
    """Cumulative deadlines of the plan vs cumulative done, per month; done stops at today."""
    with use_locale(locale):
        return _trend_chart(points, today)


def _trend_chart(points: Sequence[MonthPoint], today: date) -> bytes:
    title = pgettext("chart", "Plan execution, cumulative")
    if not points or not any(p.due for p in points):
        return _empty(title)
    xs = list(range(len(points)))
    due = list(accumulate(p.due for p in points))
    done_all = list(accumulate(p.done for p in points))
    month_now = date(today.year, today.month, 1)
    inside = points[0].month <= month_now <= points[-1].month
    # The last month whose "done" is known: today's, the last one, or none yet.
    current = sum(1 for p in points if p.month <= month_now) - 1
    figure = _new_figure(8.5)
    axes = figure.add_subplot()
    axes.step(
        xs,
        due,
        where="mid",
        color=BLUE,
        linewidth=3,
        label=_safe(pgettext("chart", "Deadlines in the plan")),
    )
    if current >= 0:
        done_x, done = xs[: current + 1], done_all[: current + 1]
        axes.step(
            done_x,
            done,
            where="mid",
            color=GREEN,
            linewidth=4,
            label=_safe(pgettext("chart", "Done")),
        )
        axes.fill_between(done_x, done, step="mid", color=GREEN, alpha=0.25)
    if inside:
        axes.axvline(current, color=GREY, linestyle="--", linewidth=2)
        axes.text(
            current,
            max(due) * 1.02,
            _safe(pgettext("chart", "Today")),
            ha="center",
            va="bottom",
            fontsize=FONT_SIZE - 4,
            color=GREY,
        )
    # Ticks on quarter, half-year or year starts; the year under January and the first tick.
    step = next(
        (s for s in (1, 3, 6, 12) if len(points) / s <= 9), 12 * math.ceil(len(points) / 108)
    )
    ticks = [i for i, p in enumerate(points) if (p.month.month - 1) % min(step, 12) == 0]
    ticks = ticks[:: max(1, step // 12)] or [0]
    axes.set_xticks(
        ticks,
        [
            _safe(_month_label(points[i].month, i == ticks[0] or points[i].month.month == 1))
            for i in ticks
        ],
        fontsize=FONT_SIZE - 5,
    )
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(axis="y", labelsize=FONT_SIZE - 4)
    axes.set_ylim(0, max(due) * 1.12)
    axes.set_xlim(-0.5, len(points) - 0.5)
    axes.set_ylabel(_safe(pgettext("chart", "Count")), fontsize=FONT_SIZE - 2)
    axes.set_title(_safe(title), fontsize=FONT_SIZE + 4, loc="left")
    axes.legend(fontsize=FONT_SIZE - 4, loc="upper left", frameon=False)
    axes.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return _png(figure)
