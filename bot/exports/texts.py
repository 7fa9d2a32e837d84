"""User-facing words of summaries, charts and exported documents, in Russian and English.

One module-level dict per language (`RU`, `EN`) so that the texts can later be routed
through gettext in one place. Plural entries are dicts of CLDR plural categories
(`one`/`few`/`many`/`other`) chosen with Babel's plural rules. Helpers here format dates,
numbers with plurals and the Russian official period wording ("за I квартал 2023 года").
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from babel import Locale
from babel.dates import format_date

DEFAULT_LOCALE = "ru"

RU: dict[str, Any] = {
    # Statuses of an occurrence, and what an open one means given today.
    "status.open": "в работе",
    "status.done": "выполнено",
    "status.partial": "выполнено частично",
    "status.postponed": "перенесено",
    "status.not_done": "не выполнено",
    "status.overdue": "просрочено",
    "status.no_report": "нет отчёта",
    "status.not_yet": "срок не наступил",
    "status.ongoing": "выполняется",
    "status.postponed_to": "перенесено на {date}",
    "no_section": "Без раздела",
    "nobody": "ответственный не назначен",
    "more": "… и ещё {n}",
    "truncated": "… (текст сокращён)",
    # Plurals.
    "n_measures": {
        "one": "{n} мероприятие",
        "few": "{n} мероприятия",
        "many": "{n} мероприятий",
        "other": "{n} мероприятия",
    },
    "n_days": {"one": "{n} день", "few": "{n} дня", "many": "{n} дней", "other": "{n} дня"},
    "n_deadlines": {
        "one": "{n} срок",
        "few": "{n} срока",
        "many": "{n} сроков",
        "other": "{n} срока",
    },
    "n_reminders": {
        "one": "{n} напоминание",
        "few": "{n} напоминания",
        "many": "{n} напоминаний",
        "other": "{n} напоминания",
    },
    # Period wording.
    "period.year": "за {year} год",
    "period.years": "за {first}–{last} годы",
    "period.school_year": "за {first}/{last} учебный год",
    "period.quarter": "за {roman} квартал {year} года",
    "period.half": "за {roman} полугодие {year} года",
    "period.month": "за {month} {year} года",
    "period.range_same_year": "за период с {first} по {last} года",
    "period.range": "за период с {first} года по {last} года",
    "period.until": "по {last} года",
    # The summary message.
    "summary.title": "<b>Исполнение плана {period}</b>",
    "summary.as_of": "По состоянию на {date}",
    "summary.empty": "В этом периоде сроков нет.",
    "summary.total": "Сроков в периоде: {n}",
    "summary.assessed": "Из них наступило: {n}",
    "summary.done": "Выполнено: {n}",
    "summary.partial": "Частично: {n}",
    "summary.postponed": "Перенесено: {n}",
    "summary.not_done": "Не выполнено (по отчётам): {n}",
    "summary.overdue": "Просрочено: {n}",
    "summary.not_reported": "Срок прошёл, отчёта нет: {n}",
    "summary.rate": "Выполнение: <b>{pct}%</b>",
    "summary.persons": "<b>По ответственным</b> (сначала отстающие)",
    "summary.units": "<b>По подразделениям</b>",
    "summary.sections": "<b>По разделам</b>",
    "summary.overdue_list": "<b>Просрочено</b>",
    "summary.not_joined": "<b>Не подключились к боту</b>",
    "summary.unreachable": "<b>Не получают сообщения</b>",
    "summary.row": "{label} — {done} из {due} ({pct}%)",
    "summary.row_overdue": ", просрочено: {n}",
    "summary.row_nothing_due": "{label} — сроки не наступили",
    "summary.overdue_item": "{number}{title} — просрочено на {days} (срок {due}); {who}",
    "summary.unreachable_since": "{name} — с {date}",
    "summary.failed": "{name} — не доставлено: {reminders}",
    # The weekly digest.
    "digest.title": "<b>Неделя {first} — {last}</b>",
    "digest.due": "<b>Срок на этой неделе</b>",
    "digest.overdue": "<b>Просрочено</b>",
    "digest.reported": "<b>Отчёты за неделю</b>",
    "digest.nothing": "нет",
    "digest.due_item": "{number}{title} — до {due}; {who}",
    "digest.reported_item": "{number}{title} — {status} ({author}, {date})",
    # Charts.
    "chart.persons": "Выполнение по ответственным",
    "chart.units": "Выполнение по подразделениям",
    "chart.sections": "Выполнение по разделам",
    "chart.percent": "Выполнено, %",
    "chart.bar_label": "{pct}% ({done} из {due})",
    "chart.trend": "Выполнение плана нарастающим итогом",
    "chart.trend_due": "Сроков по плану",
    "chart.trend_done": "Выполнено",
    "chart.today": "Сегодня",
    "chart.count": "Количество",
    "chart.no_data": "Нет данных",
    # Exports.
    "xlsx.sheet": "Исполнение",
    "xlsx.title": "{plan} — исполнение {period} (по состоянию на {date})",
    "xlsx.number": "№",
    "xlsx.measure": "Мероприятие",
    "xlsx.deadline": "Срок",
    "xlsx.responsible": "Ответственный",
    "xlsx.mark": "Отметка о выполнении",
    "xlsx.files": "Файлы",
    "xlsx.no_deadline": "— (срок вне периода)",
    "docx.heading": "Информация об исполнении плана мероприятий (дорожной карты)",
    "docx.plan": "«{plan}»",
    "docx.approved": "(утверждён {kind} от {date} № {number})",
    "approval.приказ": "приказом",
    "approval.постановление": "постановлением",
    "approval.распоряжение": "распоряжением",
    "approval.решение": "решением",
    "docx.period": "{period}",
    "docx.number": "№ п/п",
    "docx.measure": "Мероприятие",
    "docx.deadline": "Срок исполнения",
    "docx.responsible": "Ответственный",
    "docx.info": "Информация об исполнении",
    "docx.empty": "В периоде нет мероприятий со сроком исполнения.",
    "docx.files": "Файлы: {files}",
    "docx.position": "(должность)",
    "docx.signature": "(подпись)",
    "docx.name": "(ФИО)",
    "docx.date_line": "«___» ______________ 20___ г.",
    "mark.item": "{due}: {status}",
    "mark.reported": "отчёт {date}, {author}",
    "file.xlsx": "План с отметками {period}",
    "file.docx": "Информация об исполнении {period}",
}

EN: dict[str, Any] = {
    "status.open": "in progress",
    "status.done": "done",
    "status.partial": "partly done",
    "status.postponed": "postponed",
    "status.not_done": "not done",
    "status.overdue": "overdue",
    "status.no_report": "no report",
    "status.not_yet": "not due yet",
    "status.ongoing": "ongoing",
    "status.postponed_to": "postponed to {date}",
    "no_section": "No section",
    "nobody": "nobody assigned",
    "more": "… and {n} more",
    "truncated": "… (text shortened)",
    "n_measures": {"one": "{n} measure", "other": "{n} measures"},
    "n_days": {"one": "{n} day", "other": "{n} days"},
    "n_deadlines": {"one": "{n} deadline", "other": "{n} deadlines"},
    "n_reminders": {"one": "{n} reminder", "other": "{n} reminders"},
    "period.year": "for {year}",
    "period.years": "for {first}–{last}",
    "period.school_year": "for the {first}/{last} school year",
    "period.quarter": "for Q{number} {year}",
    "period.half": "for H{number} {year}",
    "period.month": "for {month} {year}",
    "period.range_same_year": "for the period from {first} to {last}",
    "period.range": "for the period from {first} to {last}",
    "period.until": "up to {last}",
    "summary.title": "<b>Plan execution {period}</b>",
    "summary.as_of": "As of {date}",
    "summary.empty": "Nothing is due in this period.",
    "summary.total": "Deadlines in the period: {n}",
    "summary.assessed": "Already due: {n}",
    "summary.done": "Done: {n}",
    "summary.partial": "Partly done: {n}",
    "summary.postponed": "Postponed: {n}",
    "summary.not_done": "Not done (reported): {n}",
    "summary.overdue": "Overdue: {n}",
    "summary.not_reported": "Past due, no report: {n}",
    "summary.rate": "Completion: <b>{pct}%</b>",
    "summary.persons": "<b>By person</b> (worst first)",
    "summary.units": "<b>By unit</b>",
    "summary.sections": "<b>By section</b>",
    "summary.overdue_list": "<b>Overdue</b>",
    "summary.not_joined": "<b>Not in the bot yet</b>",
    "summary.unreachable": "<b>Not receiving messages</b>",
    "summary.row": "{label} — {done} of {due} ({pct}%)",
    "summary.row_overdue": ", overdue: {n}",
    "summary.row_nothing_due": "{label} — nothing due yet",
    "summary.overdue_item": "{number}{title} — {days} overdue (due {due}); {who}",
    "summary.unreachable_since": "{name} — since {date}",
    "summary.failed": "{name} — undelivered: {reminders}",
    "digest.title": "<b>Week {first} — {last}</b>",
    "digest.due": "<b>Due this week</b>",
    "digest.overdue": "<b>Overdue</b>",
    "digest.reported": "<b>Reported this week</b>",
    "digest.nothing": "none",
    "digest.due_item": "{number}{title} — by {due}; {who}",
    "digest.reported_item": "{number}{title} — {status} ({author}, {date})",
    "chart.persons": "Completion by person",
    "chart.units": "Completion by unit",
    "chart.sections": "Completion by section",
    "chart.percent": "Done, %",
    "chart.bar_label": "{pct}% ({done} of {due})",
    "chart.trend": "Plan execution, cumulative",
    "chart.trend_due": "Deadlines in the plan",
    "chart.trend_done": "Done",
    "chart.today": "Today",
    "chart.count": "Count",
    "chart.no_data": "No data",
    "xlsx.sheet": "Execution",
    "xlsx.title": "{plan} — execution {period} (as of {date})",
    "xlsx.number": "No.",
    "xlsx.measure": "Measure",
    "xlsx.deadline": "Deadline",
    "xlsx.responsible": "Responsible",
    "xlsx.mark": "Execution note",
    "xlsx.files": "Files",
    "xlsx.no_deadline": "— (no deadline in the period)",
    "docx.heading": "Report on the execution of the plan of measures (roadmap)",
    "docx.plan": "“{plan}”",
    "docx.approved": "(approved by {kind} No. {number} of {date})",
    "approval.приказ": "order",
    "approval.постановление": "decree",
    "approval.распоряжение": "instruction",
    "approval.решение": "decision",
    "docx.period": "{period}",
    "docx.number": "No.",
    "docx.measure": "Measure",
    "docx.deadline": "Deadline",
    "docx.responsible": "Responsible",
    "docx.info": "Execution",
    "docx.empty": "No measure falls due in the period.",
    "docx.files": "Files: {files}",
    "docx.position": "(position)",
    "docx.signature": "(signature)",
    "docx.name": "(full name)",
    "docx.date_line": "Date: ______________",
    "mark.item": "{due}: {status}",
    "mark.reported": "reported {date}, {author}",
    "file.xlsx": "Plan with execution {period}",
    "file.docx": "Execution report {period}",
}

TEXTS: dict[str, dict[str, Any]] = {"ru": RU, "en": EN}

ROMAN = ("I", "II", "III", "IV")


def normalise(locale: str | None) -> str:
    code = (locale or DEFAULT_LOCALE).lower().replace("-", "_").split("_")[0]
    return code if code in TEXTS else DEFAULT_LOCALE


def t(locale: str, key: str, **values: Any) -> str:
    """The text `key` in `locale` (Russian when unknown), formatted with `values`."""
    texts = TEXTS.get(locale) or TEXTS[normalise(locale)]
    template = texts.get(key)
    if template is None:
        template = RU[key]
    return str(template).format(**values) if values else str(template)


def plural(locale: str, key: str, n: int) -> str:
    """`plural("ru", "n_measures", 2)` → "2 мероприятия"; 1 мероприятие, 5 мероприятий."""
    code = normalise(locale)
    forms: dict[str, str] = TEXTS[code][key]
    category = Locale.parse(code).plural_form(abs(n))
    template = forms.get(category) or forms["other"]
    return template.format(n=n)


def day(value: date, locale: str) -> str:
    """`17 мая 2024` / `17 May 2024`."""
    return format_date(value, "d MMMM y", locale=normalise(locale))


def day_month(value: date, locale: str) -> str:
    return format_date(value, "d MMMM", locale=normalise(locale))


def short_day(value: date) -> str:
    """`17.05.2024`, the official short form (the same in both languages)."""
    return f"{value.day:02d}.{value.month:02d}.{value.year}"


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_phrase(start: date | None, end: date, locale: str = DEFAULT_LOCALE) -> str:
    """The official wording of a reporting period.

    "за 2022 год", "за I квартал 2023 года", "за I полугодие 2023 года", "за май 2023 года",
    "за 2022/2023 учебный год", "за 2022–2024 годы",
    "за период с 1 января по 31 марта 2023 года" (or "с 1 сентября 2022 года по …").
    """
    code = normalise(locale)
    if start is None:
        return t(code, "period.until", last=day(end, code))
    if start > end:
        start, end = end, start
    whole_months = start.day == 1 and end == _last_day(end.year, end.month)
    if whole_months and start.year == end.year:
        months = end.month - start.month + 1
        if months == 12:
            return t(code, "period.year", year=start.year)
        if months == 1:
            month = format_date(start, "LLLL", locale=code)
            return t(code, "period.month", month=month, year=start.year)
        if months == 3 and start.month in (1, 4, 7, 10):
            number = (start.month - 1) // 3 + 1
            return t(
                code, "period.quarter", roman=ROMAN[number - 1], number=number, year=start.year
            )
        if months == 6 and start.month in (1, 7):
            number = 1 if start.month == 1 else 2
            return t(code, "period.half", roman=ROMAN[number - 1], number=number, year=start.year)
    if whole_months and (start.month, end.month) == (1, 12):
        return t(code, "period.years", first=start.year, last=end.year)
    school_year = (start.month, start.day, end.month, end.day) == (9, 1, 8, 31)
    if school_year and end.year == start.year + 1:
        return t(code, "period.school_year", first=start.year, last=end.year)
    if start.year == end.year:
        return t(code, "period.range_same_year", first=day_month(start, code), last=day(end, code))
    return t(code, "period.range", first=day(start, code), last=day(end, code))


def status_label(locale: str, status: str) -> str:
    key = f"status.{status}"
    return t(locale, key) if key in RU else status
