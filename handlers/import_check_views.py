"""Texts of a scanned plan: the recognition's progress, the doubtful cells the preview
lists, and the walk through them: one
cell a message (the measure, the field, the text as read and what the bot made of it),
«Right» / «Correct» / «Skip the rest» / «Back to the preview». Everything taken from the
document or typed is HTML-escaped here."""

from __future__ import annotations

from datetime import date, timedelta

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import _, day, month_name, month_year, ngettext
from bot.markup import fit, quote, quote_short
from bot.roadmap.checks import CellField, CorrectionNotUnderstood, NotUnderstood, cell_value
from bot.roadmap.model import ParsedMeasure, ParsedRoadmap, Schedule, ScheduleKind, Window
from handlers.callbacks import CheckAction, CheckCallback
from handlers.measure_edit import kind_word

MESSAGE_LIMIT = 4000
SHOWN_WINDOWS = 4
SHOWN_CELLS = 10  # doubtful cells listed in the preview; the walk shows them all


def field_name(field: CellField) -> str:
    return {
        CellField.NUMBER: _("number"),
        CellField.TITLE: _("measure"),
        CellField.DEADLINE: _("deadline"),
        CellField.RESPONSIBLE: _("responsible"),
    }[field]


def _window(window: Window) -> str:
    """«март 2023», «сентябрь – октябрь 2023», «25 мая 2023», «1 января – 25 мая 2023»."""
    whole_months = window.start.day == 1 and (window.due + timedelta(days=1)).day == 1
    same_year = window.start.year == window.due.year
    if whole_months and same_year and window.start.month == window.due.month:
        return month_year(window.start)
    if whole_months and same_year:
        return f"{month_name(window.start)} – {month_year(window.due)}"
    if window.start >= window.due:
        return day(window.due)
    return f"{day(window.start)} – {day(window.due)}"


def _yearly_months(windows: list[Window]) -> list[str]:
    """The months of a schedule that takes the same whole months every year («декабрь,
    март (ежегодно)» → март, декабрь), or [] when it is not that."""
    by_year: dict[int, set[int]] = {}
    for window in windows:
        if _window(window) != month_year(window.start):
            return []
        by_year.setdefault(window.start.year, set()).add(window.start.month)
    if len(by_year) < 2 or len({frozenset(months) for months in by_year.values()}) != 1:
        return []
    year = min(by_year)
    return [month_name(date(year, month, 1)) for month in sorted(by_year[year])]


def schedule_text(schedule: Schedule) -> str:
    """How a deadline was understood: «repeats: March 2022, December 2022, … and 3 more»."""
    if not schedule.windows:
        return _("not understood: it is set after saving (/edit)")
    if schedule.kind in (ScheduleKind.CONTINUOUS, ScheduleKind.ON_REQUEST):
        first, last = schedule.windows[0], schedule.windows[-1]
        return f"{kind_word(schedule.kind)}: {_window(Window(first.start, last.due))}"
    months = _yearly_months(schedule.windows)
    if schedule.kind is ScheduleKind.RECURRING and len(months) == 12:
        return _("every month")
    if schedule.kind is ScheduleKind.RECURRING and months:
        return _("every year: {months}").format(months=", ".join(months))
    if schedule.kind is ScheduleKind.ONCE and len(schedule.windows) == 1:
        window = schedule.windows[0]
        shown_one = _window(window)
        if " – " in shown_one and (window.start.month, window.start.day) == (1, 1):
            # «до 25 мая 2023»: due then, open from the plan's start.
            shown_one = _("by {day}").format(day=day(window.due))
        return f"{kind_word(schedule.kind)}: {shown_one}"
    shown = [_window(w) for w in schedule.windows[:SHOWN_WINDOWS]]
    more = len(schedule.windows) - len(shown)
    dates = ", ".join(shown) + (" " + _("and {n} more").format(n=more) if more > 0 else "")
    return f"{kind_word(schedule.kind)}: {dates}"


def responsible_text(measure: ParsedMeasure) -> str:
    names = [*measure.persons, *measure.units]
    if not names:
        return _("nobody: the coordinator's after saving")
    return quote_short("; ".join(names), 300, one_line=True)


def understood(measure: ParsedMeasure, field: CellField) -> str | None:
    """What the bot made of the cell, for the two fields read into something."""
    if field is CellField.DEADLINE:
        return schedule_text(measure.schedule)
    if field is CellField.RESPONSIBLE:
        return responsible_text(measure)
    return None


def _measure(measure: ParsedMeasure) -> str:
    number = measure.number or measure.where
    return _("Measure {number}: {title}").format(
        number=quote(number), title=quote_short(measure.title, 120, one_line=True) or "—"
    )


def _as_read(measure: ParsedMeasure, field: CellField) -> list[str]:
    lines = [
        _("{field} read as: «{text}»").format(
            field=field_name(field).capitalize(),
            text=quote_short(cell_value(measure, field), 500, one_line=True) or "—",
        )
    ]
    meaning = understood(measure, field)
    if meaning is not None:
        lines.append(_("Understood as: {meaning}").format(meaning=meaning))
    return lines


def cell_text(measure: ParsedMeasure, field: CellField, left: int, note: str | None) -> str:
    head = ngettext(
        "🔎 Read from the scan with doubt: {n} cell to check",
        "🔎 Read from the scan with doubt: {n} cells to check",
        left,
    ).format(n=left)
    blocks = [note, ""] if note else []
    blocks += [head, "", _measure(measure), *_as_read(measure, field), "", _("Is it right?")]
    return fit("\n".join(blocks), MESSAGE_LIMIT)


def cell_keyboard() -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("✅ Right"), callback_data=CheckCallback(action=CheckAction.RIGHT))
    keyboard.button(text=_("✏️ Correct"), callback_data=CheckCallback(action=CheckAction.FIX))
    keyboard.button(
        text=_("⏭ Skip the rest"), callback_data=CheckCallback(action=CheckAction.SKIP_REST)
    )
    keyboard.button(
        text=_("↩️ Back to the preview"), callback_data=CheckCallback(action=CheckAction.BACK)
    )
    keyboard.adjust(2, 1, 1)
    return keyboard.as_markup()


def _example(field: CellField, period: tuple[int, int] | None) -> str:
    if field is CellField.DEADLINE:
        by = f"до 25 мая {period[1]}" if period else "до 25 мая"
        text = _(
            "Send the deadline as the plan would say it, e.g. «{by}», «ежегодно, май», "
            "«декабрь, март», «ежеквартально», «постоянно»."
        ).format(by=by)
        if period is not None:
            text += " " + _("It is read within the plan period {years}.").format(
                years=f"{period[0]}–{period[1]}"
            )
        return text
    if field is CellField.RESPONSIBLE:
        return _("Send who is responsible, as in the plan, e.g. «Иванова А.П., ММО».")
    if field is CellField.NUMBER:
        return _("Send the measure's number, e.g. 2.4.")
    return _("Send the measure's text as it should read.")


def ask_text(
    measure: ParsedMeasure,
    field: CellField,
    period: tuple[int, int] | None,
    problem: str | None = None,
) -> str:
    blocks = [problem, ""] if problem else []
    blocks += [
        _measure(measure),
        *_as_read(measure, field),
        "",
        _example(field, period),
        _("One short message; nothing is saved until you press «Save» on the preview."),
    ]
    return fit("\n".join(blocks), MESSAGE_LIMIT)


def ask_keyboard() -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=_("↩️ Back to the cell"), callback_data=CheckCallback(action=CheckAction.CELL)
    )
    keyboard.button(
        text=_("↩️ Back to the preview"), callback_data=CheckCallback(action=CheckAction.BACK)
    )
    keyboard.adjust(1)
    return keyboard.as_markup()


def not_understood(error: CorrectionNotUnderstood, period: tuple[int, int] | None) -> str:
    value = quote_short(error.value, 200, one_line=True)
    years = f"{period[0]}–{period[1]}" if period else "?"
    texts = {
        NotUnderstood.EMPTY: _("That message has no text."),
        NotUnderstood.DEADLINE: _(
            "I could not read «{value}» as a deadline inside the plan ({years})."
        ),
        NotUnderstood.NO_PERIOD: _(
            "A deadline is read against the plan period, and it is not known yet: go back "
            "to the preview and set the period first."
        ),
        NotUnderstood.RESPONSIBLE: _("I found no person or unit in «{value}»."),
        NotUnderstood.TITLE: _("A measure's text needs words: «{value}» has none."),
        NotUnderstood.NUMBER: _("«{value}» is not a measure number like 2.4."),
    }
    reason = texts[error.reason].format(value=value, years=years)
    return "❌ " + reason + " " + _("The cell stays as read; send it again, or go back.")


def corrected(measure: ParsedMeasure, field: CellField) -> str:
    lines = [
        _("✅ Corrected: {field} of {number} is now «{text}».").format(
            field=field_name(field),
            number=quote(measure.number or measure.where),
            text=quote_short(cell_value(measure, field), 300, one_line=True),
        )
    ]
    meaning = understood(measure, field)
    if meaning is not None:
        lines.append(_("Understood as: {meaning}").format(meaning=meaning))
    return "\n".join(lines)


def kept(measure: ParsedMeasure, field: CellField) -> str:
    return _("✅ {field} of {number} kept as read.").format(
        field=field_name(field).capitalize(), number=quote(measure.number or measure.where)
    )


def all_checked() -> str:
    return _("✅ Every doubtful cell is checked. The preview below shows the plan as corrected.")


def rest_left(n: int) -> str:
    return ngettext(
        "⏭ {n} doubtful cell is left as read: after saving, a tap fixes it.",
        "⏭ {n} doubtful cells are left as read: after saving, a tap fixes any.",
        n,
    ).format(n=n)


def walk_stopped() -> str:
    return _("↩️ Back to the preview.")


def check_over() -> str:
    return _("This check is over: use the newest message, or send the file again.")


def doubtful_count(parsed: ParsedRoadmap) -> int:
    return sum(len(m.doubtful) for m in parsed.measures)


def doubtful_lines(parsed: ParsedRoadmap) -> list[str]:
    """Cells a scan was read with doubt in: each shown as read, for the coordinator to say
    whether it is right («Check doubtful» walks through them; saving keeps the rest as
    read, and a tap after saving fixes any)."""
    items = [(m, f) for m in parsed.measures for f in m.doubtful]
    if not items:
        return []
    lines = [
        "",
        _(
            "<b>Read from the scan with doubt</b> ({n}): press «Check doubtful» to confirm "
            "or correct them one by one. Saving keeps the rest as read; after saving, a tap "
            "fixes any."
        ).format(n=len(items)),
    ]
    for measure, field in items[:SHOWN_CELLS]:
        lines.append(
            _("• row {number}, {field}: {text} — right?").format(
                number=quote(measure.number or measure.where),
                field=field_name(CellField(field)),
                text=quote_short(cell_value(measure, CellField(field)) or "—", 80, one_line=True),
            )
        )
    if len(items) > SHOWN_CELLS:
        lines.append(_("and {n} more").format(n=len(items) - SHOWN_CELLS))
    return lines


def doubtful_after_save(n: int) -> str:
    return ngettext(
        "🔎 {n} measure was read from the scan with doubt: tap it to check or fix it "
        "(or /edit NUMBER).",
        "🔎 {n} measures were read from the scan with doubt: tap one to check or fix it "
        "(or /edit NUMBER).",
        n,
    ).format(n=n)


def ocr_progress(page: int, pages: int) -> str:
    return _("🔎 Recognising page {page} of {pages}… (/cancel stops it)").format(
        page=page, pages=pages
    )


def reading_stopped() -> str:
    return _("Recognition stopped. Nothing was saved.")


def ocr_done(pages: int) -> str:
    return ngettext(
        "🔎 Recognised {n} scanned page: check the preview, recognition makes mistakes.",
        "🔎 Recognised {n} scanned pages: check the preview, recognition makes mistakes.",
        pages,
    ).format(n=pages)
