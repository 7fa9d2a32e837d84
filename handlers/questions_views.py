"""Rendering answers to questions: measures grouped by deadline, pages, and their buttons.

Every piece of plan- or user-derived text (titles, numbers, names, topics) is HTML-escaped.
A page stays under Telegram's 4096-character limit (the body under PAGE_LIMIT, the header
short) and carries at most PAGE_ITEMS report buttons, which a phone can still show.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import _, current_locale, day, day_short, month_year
from bot.markup import quote, quote_short, shorten
from bot.queries import periods as P
from bot.queries.answer import MeasureItem
from bot.queries.service import MY_INTENT, Answer
from bot.services import Identity
from bot.wording import deadlines_count, measures_count
from handlers.callbacks import (
    AskPeriodCallback,
    EditCallback,
    ExampleCallback,
    page_data,
    report_data,
)

PAGE_LIMIT = 3500  # characters of measure lines per page; the header adds well under 500
PAGE_ITEMS = 10  # report buttons (and so measures) per page
TITLE_LIMIT = 110
NAMES_LIMIT = 120
BUTTONS_PER_ROW = 3

MARKS = {
    "open": "⏳",
    "done": "✅",
    "overdue": "❗",
    "partial": "◐",
    "postponed": "↪",
    "not_done": "✖",
}


@dataclass
class AnswerPage:
    text: str
    items: list[MeasureItem]  # the measures on this page, in order: one report button each


# --- fixed answers ---------------------------------------------------------------------------


def example_questions() -> list[str]:
    """Questions offered as buttons; ExampleCallback.index points into this list.

    They are translated, and each translation must be a question the parser understands in
    that language (a unit test checks both).
    """
    return [
        _("what do I have this month"),
        _("what is overdue"),
        _("what do I have this week"),
    ]


def examples_keyboard() -> InlineKeyboardMarkup:
    """The example questions as buttons, built once per locale: the keyboard is shared, so
    it is only ever sent, never changed."""
    return _examples_keyboard(current_locale())


@functools.lru_cache(maxsize=8)
def _examples_keyboard(locale: str) -> InlineKeyboardMarkup:
    # `locale` is the locale in force (the questions are translated in it): the cache key.
    rows = [
        [InlineKeyboardButton(text=question, callback_data=ExampleCallback(index=index).pack())]
        for index, question in enumerate(example_questions())
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def unknown_text() -> str:
    return "\n".join(
        [
            _("I did not understand the question."),
            _(
                "I can tell you what is due and when, for you or a colleague, what is overdue, "
                "what a measure number is about and which measures concern a topic. "
                "For example:"
            ),
        ]
    )


def smalltalk_text(thanks: bool) -> str:
    if thanks:
        return _("Glad to help! Ask me about your measures any time.")
    return _("Hello! Ask me about your measures, for example «что у меня в этом месяце».")


def summary_redirect(intent: str, identity: Identity) -> str:
    if not identity.is_coordinator:
        return _("Summaries are for coordinators. Your own measures: /my, overdue: /overdue.")
    if intent == "not_reported":
        return _("Who has not reported is in the coordinator summary: send /summary.")
    return _("The coordinator summary comes with /summary.")


def stale_answer() -> str:
    return _("This answer is out of date: please ask again.")


def no_more_pages() -> str:
    return _("That was all.")


# --- measure lists ---------------------------------------------------------------------------


def period_label(period: tuple[date, date], locale: str) -> str:
    start, end = period
    if (start, end) == P.month_period(start.year, start.month):
        return month_year(start, locale)
    if (start, end) == P.year_period(start.year):
        return str(start.year)
    return f"{day(start, locale)} – {day(end, locale)}"


def _title(answer: Answer, locale: str) -> str:
    query = answer.query
    person = quote(query.person)
    if answer.intent == MY_INTENT:
        assert answer.period is not None
        return _("<b>Your measures: {period} and overdue</b>").format(
            period=period_label(answer.period, locale)
        )
    if answer.intent == "person_items" and query.person:
        if answer.scoped:
            return _("<b>Your measures shared with {person}</b>").format(person=person)
        return _("<b>Measures of {person}</b>").format(person=person)
    if answer.intent == "overdue":
        return _("<b>Your overdue measures</b>") if answer.scoped else _("<b>Overdue</b>")
    if answer.intent == "by_number":
        return _("<b>Measure {number}</b>").format(number=quote(query.number))
    if answer.intent == "search" and query.topic:
        return _("<b>Measures about «{topic}»</b>").format(topic=quote(query.topic))
    if answer.scoped:
        return _("<b>Your measures</b>")
    return _("<b>Measures</b>")


class _Blocks:
    """The blocks of one answer's measures: what every block shares (the locale's words,
    the dates, most of them the same few) is looked up once per answer, not per measure."""

    def __init__(self, locale: str, *, with_names: bool) -> None:
        self.locale = locale
        self.with_names = with_names
        self.days: dict[date, str] = {}
        self.short_days: dict[date, str] = {}
        self.unclear = ""

    def day(self, value: date) -> str:
        text = self.days.get(value)
        if text is None:
            text = self.days[value] = day(value, self.locale)
        return text

    def day_short(self, value: date) -> str:
        text = self.short_days.get(value)
        if text is None:
            text = self.short_days[value] = day_short(value, self.locale)
        return text

    def window(self, item: MeasureItem) -> str:
        if item.unclear:
            if not self.unclear:
                self.unclear = "⚠️ " + _("deadline to be set")
            return self.unclear
        due = self.day(item.due)
        start = item.window_start
        if start >= item.due:
            return due
        first = self.day_short(start) if start.year == item.due.year else self.day(start)
        return f"{first} – {due}"

    def block(self, item: MeasureItem, state: str) -> str:
        mark = MARKS.get(state) or MARKS["open"]
        title = quote_short(item.title, TITLE_LIMIT, one_line=True)
        if item.number:
            head = f"{mark} <b>{quote(item.number)}</b> {title}\n      {self.window(item)}"
        else:
            head = f"{mark} {title}\n      {self.window(item)}"
        if self.with_names and (item.persons or item.units):
            names = ", ".join([*item.persons, *item.units])
            if names:
                return f"{head}\n      👤 {quote_short(names, NAMES_LIMIT, one_line=True)}"
        return head


def answer_page(answer: Answer, locale: str, index: int) -> tuple[AnswerPage | None, int]:
    """Page `index` of the answer (None past its last page) and how many pages it has.

    Where the pages break depends on every measure's block, so all are written; only the
    page asked for is put together."""
    title = _title(answer, locale)
    if answer.empty:
        return (_empty_page(answer, locale, title) if index == 0 else None), 1
    pages = _layout(answer, locale)
    if not 0 <= index < len(pages):
        return None, len(pages)
    return _page(title, _summary(answer, locale), pages, index), len(pages)


def answer_pages(answer: Answer, locale: str) -> list[AnswerPage]:
    """The answer as pages (one page, with the reason, when it is empty)."""
    title = _title(answer, locale)
    if answer.empty:
        return [_empty_page(answer, locale, title)]
    pages = _layout(answer, locale)
    summary = _summary(answer, locale)
    return [_page(title, summary, pages, index) for index in range(len(pages))]


def _empty_page(answer: Answer, locale: str, title: str) -> AnswerPage:
    return AnswerPage(f"{title}\n\n{empty_text(answer, locale)}", [])


def _layout(answer: Answer, locale: str) -> list[tuple[list[str], list[MeasureItem]]]:
    """The measures' blocks, page by page (a non-empty answer)."""
    # Names are worth their space only when the list is not just the asker's own.
    blocks = _Blocks(locale, with_names=not answer.scoped or answer.intent == "person_items")
    states = answer.states
    pages: list[tuple[list[str], list[MeasureItem]]] = []
    lines: list[str] = []
    items: list[MeasureItem] = []
    size = 0
    due_header = "📅 " + _("<b>due {date}</b>")
    sections = [
        (due_header.format(date=blocks.day(due)), [i for i in group if not i.unclear])
        for due, group in answer.groups
    ]
    sections = [(header, group) for header, group in sections if group]
    unclear = [i for i in answer.items if i.unclear]
    if unclear:
        # Deadlines still to be set: shown, marked, never lost among the plan's last day.
        sections.insert(0, ("⚠️ " + _("<b>deadline to be set</b>"), unclear))
    if answer.overdue:
        # "на этой неделе": what is overdue from before comes first, said apart.
        sections.insert(0, ("❗ " + _("<b>overdue from before</b>"), answer.overdue))
    for header, group in sections:
        for position, item in enumerate(group):
            block = blocks.block(item, states[item.occurrence_id])
            # A page that starts inside a group repeats the group's date.
            piece = f"\n{header}\n{block}" if position == 0 or not lines else block
            extra = len(piece) + 1
            if items and (len(items) >= PAGE_ITEMS or size + extra > PAGE_LIMIT):
                pages.append((lines, items))
                lines, items, size = [], [], 0
                piece = f"\n{header}\n{block}"
                extra = len(piece) + 1
            lines.append(piece)
            items.append(item)
            size += extra
    pages.append((lines, items))
    return pages


def _summary(answer: Answer, locale: str) -> str:
    listed = [*answer.overdue, *answer.items]
    measures = len({item.measure_id for item in listed})
    summary = measures_count(measures)
    if len(listed) > measures:
        # One measure with 36 monthly deadlines is one measure, not 36.
        summary += ", " + deadlines_count(len(listed))
    if answer.period is not None and answer.intent != MY_INTENT:
        summary = f"{period_label(answer.period, locale)} · {summary}"
    return summary


def _page(
    title: str, summary: str, pages: list[tuple[list[str], list[MeasureItem]]], index: int
) -> AnswerPage:
    lines, items = pages[index]
    head = f"{title}\n{summary}"
    if len(pages) > 1:
        head += " · " + _("page {page} of {pages}").format(page=index + 1, pages=len(pages))
    return AnswerPage(head + "\n" + "\n".join(lines), items)


def empty_text(answer: Answer, locale: str) -> str:
    query = answer.query
    if answer.refused:
        reason = _(
            "You can see only the measures you share with {person}, and you share none here."
        ).format(person=quote(query.person))
    elif answer.intent == MY_INTENT and answer.period is not None:
        reason = _("You have no measures in {period} and nothing overdue.").format(
            period=period_label(answer.period, locale)
        )
    elif answer.intent == "by_number":
        if answer.scoped:
            reason = _("Measure {number} is not among your measures.")
        else:
            reason = _("There is no measure {number} in the plans.")
        reason = reason.format(number=quote(query.number))
    elif answer.intent == "overdue" and answer.period is None:
        reason = _("Nothing is overdue.")
    elif answer.intent == "search" and query.topic and answer.period is None:
        reason = _("I found no measures about «{topic}».").format(topic=quote(query.topic))
    elif answer.period is not None:
        label = period_label(answer.period, locale)
        reason = _("{period}: nothing found.").format(period=label[:1].upper() + label[1:])
    else:
        reason = _("Nothing found.")
    if answer.hint is not None:
        reason += "\n" + _("The nearest month that has measures: {month}.").format(
            month=period_label(answer.hint, locale)
        )
    return reason


# A page's keyboard is copied from validated ones with its strings and rows put in: pydantic
# validation of each button and of the keyboard took half the time of an answer's rendering
# (what is put in is typed, built here: strings, packed data, rows of these buttons).
_BUTTON = InlineKeyboardButton(text="-", callback_data="-")
_MARKUP = InlineKeyboardMarkup(inline_keyboard=[[_BUTTON]])


def _button(text: str, callback_data: str) -> InlineKeyboardButton:
    return _BUTTON.model_copy(update={"text": text, "callback_data": callback_data})


def _markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return _MARKUP.model_copy(update={"inline_keyboard": rows})


def page_markup(
    answer: Answer,
    page: AnswerPage,
    *,
    index: int,
    total: int,
    key: str | None,
    locale: str,
    editable: bool = False,
) -> InlineKeyboardMarkup | None:
    """Report buttons for the page's measures, "more" when pages follow, the hint's button."""
    # Rows built as lists: InlineKeyboardBuilder deep-copies every button it exports
    # (a third of the time a 10,000-measure answer spent in Python).
    rows: list[list[InlineKeyboardButton]] = []
    measures: dict[int, int] = {}
    for item in page.items:
        measures[item.measure_id] = measures.get(item.measure_id, 0) + 1
    buttons = []
    for item in page.items:
        label = item.number or shorten(item.title, 24, one_line=True)
        if measures[item.measure_id] > 1:
            # The same measure twice on a page (two deadlines) needs its date to tell them apart.
            label += f" · {item.due:%d.%m.%y}"
        buttons.append(_button(f"📝 {label}", report_data(item.occurrence_id)))
    for start in range(0, len(buttons), BUTTONS_PER_ROW):
        rows.append(buttons[start : start + BUTTONS_PER_ROW])
    if editable and answer.intent == "by_number":
        # «покажи 1.6» to a coordinator: the measure can be fixed from here.
        fixes = {item.measure_id: item for item in page.items}
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("✏️ Fix {n}").format(n=item.number or ""),
                    callback_data=EditCallback(measure_id=measure_id).pack(),
                )
                for measure_id, item in list(fixes.items())[:BUTTONS_PER_ROW]
            ]
        )
    if key is not None and index + 1 < total:
        rows.append([_button(_("More ›"), page_data(key, index + 1))])
    if key is not None and answer.empty and answer.hint is not None:
        hint_start, hint_end = answer.hint
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("Show {period}").format(period=period_label(answer.hint, locale)),
                    callback_data=AskPeriodCallback(
                        key=key, start=hint_start.toordinal(), end=hint_end.toordinal()
                    ).pack(),
                )
            ]
        )
    rows = [row for row in rows if row]
    return _markup(rows) if rows else None
