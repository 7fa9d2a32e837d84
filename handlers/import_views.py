"""Texts and keyboards of the roadmap import: the preview, refusals, the result.

Everything taken from a document (titles, names, cell text, positions) is HTML-escaped
here; every text stays under Telegram's 4096-character limit however big the plan is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import _
from bot.import_flow import Confirmed, Preview
from bot.markup import quote, quote_short, shorten
from bot.roadmap import ImportRefused
from bot.roadmap.model import (
    MemberGroup,
    Problem,
    ScheduleKind,
    UnitInfo,
    UnitKind,
)
from bot.wording import measures_count, people_count, sections_count, units_count
from handlers.callbacks import CheckAction, CheckCallback, ImportAction, ImportCallback
from handlers.import_check_views import doubtful_count, doubtful_lines

MESSAGE_LIMIT = 4000  # Telegram's 4096, with room for what a translation adds
SHOWN_PROBLEMS = 10
SHOWN_LABELS = 15
SHOWN_NAMES = 40


def fit(blocks: Iterable[str], limit: int = MESSAGE_LIMIT) -> str:
    """Join whole blocks (each valid HTML on its own) while they fit; never cut inside one,
    so a tag is never left open."""
    out: list[str] = []
    size = 0
    for block in blocks:
        if size + len(block) + 1 > limit - 2:
            out.append("…")
            break
        out.append(block)
        size += len(block) + 1
    return "\n".join(out)


def _more(shown: int, total: int) -> str:
    return _("and {n} more").format(n=total - shown) if total > shown else ""


def _labels(labels: list[str]) -> str:
    shown = [quote_short(label, 40, one_line=True) for label in labels[:SHOWN_LABELS]]
    more = _more(len(shown), len(labels))
    return ", ".join(shown) + (f" {more}" if more else "")


def schedule_kind(kind: ScheduleKind) -> str:
    names = {
        ScheduleKind.ONCE: _("one-off"),
        ScheduleKind.RECURRING: _("recurring"),
        ScheduleKind.CONTINUOUS: _("ongoing"),
        ScheduleKind.ON_REQUEST: _("on request"),
        ScheduleKind.UNPARSED: _("deadline not understood"),
    }
    return names.get(kind, kind.value)


def problem_text(code: str) -> str:
    texts = {
        "unparsed_deadline": _("the deadline was not understood"),
        "partly_parsed_deadline": _("only part of the deadline was understood"),
        "no_deadline": _("no deadline"),
        "no_number": _("no number"),
        "duplicate_number": _("the number repeats another measure's"),
        "no_responsible": _("nobody responsible"),
        "no_title": _("no title"),
        "moved_cell": _("text moved back to its column"),
        "clamped_date": _("a date that does not exist was moved to the month's last day"),
        "unrecognised_row": _("row not understood; its text is kept on the nearest measure"),
        "no_plan_period": _("the plan period is not in the title"),
        "deadline_warning": _("the deadline was understood with a reservation"),
    }
    return texts.get(code, _("needs checking"))


_WHERE_PATTERNS = (
    (re.compile(r"^line (\S+)$"), "line"),
    (re.compile(r"^table (\S+), row (\S+)$"), "table"),
    (re.compile(r"^sheet '(.*)', row (\S+)$"), "sheet"),
    (re.compile(r"^page (\S+), row (\S+)$"), "page"),
)


def position(where: str) -> str:
    """The importer's position ("table 1, row 76–77") in the reader's language."""
    if where == "title":
        return _("title")
    for pattern, kind in _WHERE_PATTERNS:
        match = pattern.match(where)
        if match is None:
            continue
        if kind == "line":
            return _("line {line}").format(line=quote(match.group(1)))
        first, row = quote(match.group(1)), quote(match.group(2))
        if kind == "table":
            return _("table {table}, row {row}").format(table=first, row=row)
        if kind == "sheet":
            return _("sheet «{sheet}», row {row}").format(sheet=first, row=row)
        return _("page {page}, row {row}").format(page=first, row=row)
    return quote(where)


def _problem_line(problem: Problem) -> str:
    where = position(problem.where)
    measure = f" ({quote(problem.measure)})" if problem.measure else ""
    text = shorten(problem.text, 80, one_line=True)
    tail = f": «{quote(text)}»" if text else ""
    return f"• {where}{measure} — {problem_text(problem.code)}{tail}"


def _join_line(join: str) -> str:
    # The importer's note is "Изогова А.И. → Изотова А.И. (probable typo: …)"; the English
    # explanation after the names is replaced by a translated one.
    names = join.split(" (", 1)[0]
    return "• " + _("{names} (a typo, joined)").format(names=quote(names))


def fix_hint() -> str:
    return _(
        "Nothing is dropped: a measure whose deadline was not understood spans the plan "
        "period («deadline to be set») until you fix it after saving — /edit 1.6 or its "
        "button — and one with nobody responsible is its coordinator's."
    )


def _edit_field(name: str) -> str:
    return {"deadline": _("deadline"), "responsible": _("responsible"), "title": _("title")}.get(
        name, name
    )


def _edit_labels(edits: list[tuple[str, str]]) -> str:
    shown = [
        f"{quote_short(label, 40, one_line=True)} ({_edit_field(name)})"
        for label, name in edits[:SHOWN_LABELS]
    ]
    more = _more(len(shown), len(edits))
    return ", ".join(shown) + (f" {more}" if more else "")


def period_text(period: tuple[int, int] | None) -> str:
    if period is None:
        return _("not found")
    return f"{period[0]}–{period[1]}"


def approval_text(preview: Preview) -> str | None:
    approval = preview.parsed.approval
    if approval is None:
        return None
    return _("Approved by: {order}").format(order=quote(approval.text))


def unit_kind_label(kind: UnitKind) -> str:
    labels = {
        UnitKind.OWNER: _("the plan's owner and its staff"),
        UnitKind.MEMBER_ORGANISATIONS: _("member organisations"),
        UnitKind.PEOPLE_GROUP: _("groups of people"),
        UnitKind.ORGANISATION: _("institutions of their own"),
        UnitKind.EXTERNAL: _("above the owner (listed, not reminded)"),
        UnitKind.UNKNOWN: _("not recognised"),
    }
    return labels.get(kind, kind.value)


def member_group_label(unit: UnitInfo) -> str:
    labels = {
        MemberGroup.ALL_SCHOOLS: _("all schools"),
        MemberGroup.KINDERGARTENS: _("kindergartens"),
        MemberGroup.SUPPLEMENTARY: _("supplementary education"),
        MemberGroup.ALL_MEMBERS: _("all member organisations"),
        MemberGroup.SUBSET: _("a group the office names"),
    }
    return labels.get(unit.members, "") if unit.members is not None else ""


def units_by_kind(preview: Preview) -> list[str]:
    """One line per kind of unit: "Member organisations: ОО (all schools), ДОО (…)"."""
    lines: list[str] = []
    details = preview.parsed.unit_details
    for kind in UnitKind:
        units = [u for u in details if u.kind is kind]
        if not units:
            continue
        names = []
        for unit in units[:SHOWN_NAMES]:
            name = quote_short(unit.name, 60, one_line=True)
            group = member_group_label(unit)
            names.append(f"{name} ({group})" if group else name)
        more = _more(len(names), len(units))
        lines.append(
            _("{kind}: {names}").format(
                kind=unit_kind_label(kind), names="; ".join(names) + (f" {more}" if more else "")
            )
        )
    return lines


def preview_text(preview: Preview) -> str:
    parsed = preview.parsed
    title = parsed.title or _("(the document states no title)")
    if parsed.plan_period is None and parsed.proposed_period is not None:
        period = _("not stated; the deadlines span {years}").format(
            years=period_text(parsed.proposed_period)
        )
    else:
        period = period_text(parsed.plan_period)
    blocks = [
        _("<b>Roadmap import: check before saving</b>"),
        f"<b>{quote_short(title, 500, one_line=True)}</b>",
    ]
    approved = approval_text(preview)
    if approved:
        blocks.append(approved)
    blocks += [
        _("Plan period: {period}").format(period=period),
        ", ".join(
            [
                sections_count(len(parsed.sections)),
                measures_count(len(parsed.measures)),
                people_count(len(parsed.persons)),
                units_count(len(parsed.units)),
            ]
        ),
    ]
    kinds = Counter(m.schedule.kind for m in parsed.measures)
    blocks.append(
        _("Deadlines: {kinds}").format(
            kinds=", ".join(f"{schedule_kind(k)} {kinds[k]}" for k in ScheduleKind if kinds[k])
        )
    )
    if parsed.persons:
        names = [quote(n) for n in parsed.persons[:SHOWN_NAMES]]
        more = _more(len(names), len(parsed.persons))
        blocks.append(
            _("People: {names}").format(names=", ".join(names) + (f" {more}" if more else ""))
        )
    if parsed.unit_details:
        blocks += ["", _("<b>Units</b>")]
        blocks += units_by_kind(preview)
    elif parsed.units:
        names = [quote_short(n, 60, one_line=True) for n in parsed.units[:SHOWN_NAMES]]
        more = _more(len(names), len(parsed.units))
        blocks.append(
            _("Units: {names}").format(names="; ".join(names) + (f" {more}" if more else ""))
        )
    if parsed.unit_joins:
        shown = [quote_short(j, 120, one_line=True) for j in parsed.unit_joins[:5]]
        blocks.append(
            _("Units run together or with a lost quote, read as separate units: {n}").format(
                n=len(parsed.unit_joins)
            )
        )
        blocks += [f"• {line}" for line in shown]
        if len(parsed.unit_joins) > len(shown):
            blocks.append(_more(len(shown), len(parsed.unit_joins)))
    changes = preview.changes
    if changes is not None and not changes.created:
        blocks += ["", _("<b>This updates the roadmap already stored</b> (by measure number):")]
        blocks.append(_("Added: {n}").format(n=len(changes.added)))
        if changes.added:
            blocks.append("   " + _labels(changes.added))
        blocks.append(_("Changed: {n}").format(n=len(changes.changed)))
        if changes.changed:
            blocks.append("   " + _labels(changes.changed))
        blocks.append(_("Archived (not in this version): {n}").format(n=len(changes.archived)))
        if changes.archived:
            blocks.append("   " + _labels(changes.archived))
        blocks.append(_("Reports, files and reminder history are kept."))
        if changes.edits_kept:
            blocks.append(
                _("Your fixes made in the bot, kept: {edits}").format(
                    edits=_edit_labels(changes.edits_kept)
                )
            )
        if changes.edits_dropped:
            blocks.append(
                _("Your fixes the new document overrides (it changed that text): {edits}").format(
                    edits=_edit_labels(changes.edits_dropped)
                )
            )
    if changes is not None and changes.new_persons:
        blocks.append(_("New people: {names}").format(names=_labels(changes.new_persons)))
    if parsed.joins:
        blocks += ["", _("<b>Names joined</b>")]
        blocks += [_join_line(join) for join in parsed.joins[:SHOWN_PROBLEMS]]
        if len(parsed.joins) > SHOWN_PROBLEMS:
            blocks.append(_more(SHOWN_PROBLEMS, len(parsed.joins)))
    blocks += doubtful_lines(parsed)
    if parsed.problems:
        blocks += ["", _("<b>To check</b> ({n}):").format(n=len(parsed.problems))]
        blocks += [_problem_line(p) for p in parsed.problems[:SHOWN_PROBLEMS]]
        if len(parsed.problems) > SHOWN_PROBLEMS:
            blocks.append(_more(SHOWN_PROBLEMS, len(parsed.problems)))
        blocks.append(fix_hint())
    blocks.append("")
    asks: list[str] = []
    if preview.needs_title:
        asks.append(
            _(
                "⚠️ The document does not state the plan's title. Press «Name the plan» and "
                "send it: it heads the reports."
            )
        )
    if preview.needs_period and parsed.proposed_period is not None:
        asks.append(
            _(
                "⚠️ The document does not name its plan period. Its deadlines span {years}: "
                "press «Period {years}» to confirm, or «Set the period» to send other years."
            ).format(years=period_text(parsed.proposed_period))
        )
    elif preview.needs_period:
        asks.append(
            _(
                "⚠️ The document does not name its plan period. Press «Set the period» and "
                "send the years, e.g. 2022-2024: deadlines are read against them."
            )
        )
    if not asks:
        asks.append(_("Save it? Nothing is stored until you confirm."))
    blocks.append("\n".join(asks))
    # The question must survive trimming: keep it, trim what comes before.
    *body, question = blocks
    return fit(body, MESSAGE_LIMIT - len(question) - 1) + "\n" + question


def preview_keyboard(preview: Preview) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    sizes: list[int] = []
    doubtful = doubtful_count(preview.parsed)
    if doubtful:
        keyboard.button(
            text=_("🔎 Check doubtful ({n})").format(n=doubtful),
            callback_data=CheckCallback(action=CheckAction.START),
        )
        sizes.append(1)
    if preview.can_save:
        keyboard.button(
            text=_("✅ Save"), callback_data=ImportCallback(action=ImportAction.CONFIRM)
        )
    proposed = preview.parsed.proposed_period
    if preview.needs_period and proposed is not None:
        keyboard.button(
            text=_("✅ Period {years}").format(years=period_text(proposed)),
            callback_data=ImportCallback(action=ImportAction.ACCEPT_PERIOD),
        )
        sizes.append(1)
    if preview.needs_title:
        keyboard.button(
            text=_("✏️ Name the plan"), callback_data=ImportCallback(action=ImportAction.TITLE)
        )
        sizes.append(1)
    keyboard.button(
        text=_("📅 Set the period"), callback_data=ImportCallback(action=ImportAction.PERIOD)
    )
    keyboard.button(text=_("✖️ Cancel"), callback_data=ImportCallback(action=ImportAction.CANCEL))
    if preview.can_save:
        keyboard.adjust(*sizes, 2, 1)
    else:
        keyboard.adjust(*sizes, 1, 1)
    return keyboard.as_markup()


def _megabytes(value: object) -> str:
    """A size from a refusal's details (an int, or text that may hold one) in megabytes."""
    if not isinstance(value, int | str):
        return "?"
    try:
        return f"{int(value) / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
    except ValueError:
        return "?"


def _column_name(key: str) -> str:
    names = {
        "number": _("number (№)"),
        "title": _("measure (Мероприятие)"),
        "deadline": _("deadline (Сроки)"),
        "responsible": _("responsible (Ответственный)"),
        "document_type": _("document type"),
        "expected_result": _("expected result"),
    }
    return names.get(key, key)


def _unsupported(kind: str) -> str:
    lowered = kind.lower()
    if "image" in lowered:
        return _(
            "This kind of picture cannot be read. Send the pages as JPEG or PNG files, "
            "or the plan as DOCX, XLSX or PDF."
        )
    if "archive" in lowered:
        return _("This is an archive: send the plan file itself (DOCX, XLSX, PDF), unpacked.")
    if ".doc" in lowered or ".xls" in lowered:
        return _(
            "This is an old Word/Excel file (.doc/.xls). Open it and save it as DOCX or XLSX, "
            "then send it again."
        )
    if "rtf" in lowered:
        return _("This is an RTF document. Save it as DOCX and send it again.")
    return _("I cannot read this kind of file. Send the plan as DOCX, XLSX, PDF or text.")


def refusal_text(refusal: ImportRefused) -> str:
    """One clear sentence per refusal reason, in the reader's language."""
    d = refusal.details
    reason = refusal.reason
    if reason == "too_large":
        text = _("The file is too large ({size} MB): I can read files up to {limit} MB.").format(
            size=_megabytes(d.get("size")), limit=_megabytes(d.get("limit"))
        )
    elif reason == "unsupported_format":
        text = _unsupported(str(d.get("kind", "")))
    elif reason == "corrupt_file":
        text = _(
            "The file is damaged or is not really a {kind} file: I cannot open it. "
            "Save it again and resend, or send another format."
        ).format(kind=quote(d.get("kind", "?")))
    elif reason == "zip_bomb":
        text = _(
            "The file unpacks to an absurd size, so I did not open it. "
            "Save the plan again as an ordinary DOCX or XLSX."
        )
    elif reason == "too_many_cells":
        text = _(
            "The tables are too big ({cells} cells; I read up to {limit}). "
            "Send only the plan of measures."
        ).format(cells=quote(d.get("cells", "?")), limit=quote(d.get("limit", "?")))
    elif reason == "timeout":
        text = _(
            "Reading the file took too long and was stopped. "
            "Send the plan as DOCX or XLSX, which read faster than PDF."
        )
    elif reason == "scanned_pdf":
        text = _(
            "This PDF is a scan: it has no text to read. "
            "Send the original DOCX or XLSX, or a PDF saved from the text editor."
        )
    elif reason == "no_table":
        text = _(
            "I found no plan table: no row names the columns (№, Мероприятие, Сроки, "
            "Ответственный)."
        )
    elif reason == "missing_columns":
        found = [quote_short(str(c), 40, one_line=True) for c in d.get("found") or []]
        missing = [_column_name(str(k)) for k in d.get("missing") or []]
        text = _(
            "The plan table lacks required columns: {missing}. Columns found: {found}."
        ).format(missing=", ".join(missing), found=", ".join(found) or "—")
    elif reason == "empty":
        text = _("The document contains no measures.")
    elif reason == "encrypted":
        text = _(
            "The file is protected by a password, so I cannot open it. Remove the password "
            "(in Word or Acrobat: File → Info → Protect → remove the password) and send it "
            "again, or send the plan as an unprotected DOCX."
        )
    elif reason == "too_many_pages":
        text = _(
            "The document has too many pages ({pages}; I read up to {limit}). "
            "Send only the plan of measures, or send it as DOCX or XLSX."
        ).format(pages=quote(d.get("pages", "?")), limit=quote(d.get("limit", "?")))
    elif reason == "too_many_rows":
        text = _(
            "The document has too many lines ({rows}; I read up to {limit}). "
            "Send only the plan of measures."
        ).format(rows=quote(d.get("rows", "?")), limit=quote(d.get("limit", "?")))
    elif reason == "unreadable_scan":
        text = _(
            "I could not recognise any text in this picture or scan. Send a sharper scan "
            "(200–300 dpi), or the plan as DOCX or XLSX."
        )
    elif reason == "ocr_unavailable":
        text = _(
            "This is a scan, and text recognition is not installed on this server. "
            "Send the plan as DOCX or XLSX."
        )
    elif reason == "too_heavy":
        text = _(
            "The file is too heavy to read: it needs more memory than I give one document. "
            "Send only the plan of measures as an ordinary DOCX or XLSX."
        )
    else:
        text = _("The file cannot be imported.")
    return _("❌ Not imported. {reason}").format(reason=text)


def import_prompt() -> str:
    return _(
        "Send the approved roadmap as a file (DOCX, XLSX, PDF), exactly as you have it, "
        "or paste its text in one message. I will show what I understood before saving. "
        "/cancel stops."
    )


def ask_title() -> str:
    return _("Send the plan's title as it should head the reports, in one message.")


def bad_title() -> str:
    return _("That is not a title. Send the plan's name in words, up to 500 characters.")


def ask_period() -> str:
    return _("Send the plan period as two years, for example <code>2022-2024</code>.")


def bad_period() -> str:
    return _(
        "That is not a plan period. Send two years, the first not after the second and "
        "at most ten years apart, for example <code>2022-2024</code>."
    )


def cancelled() -> str:
    return _("Import cancelled. Nothing was saved.")


def outdated_preview() -> str:
    return _("This preview is outdated: use the newest one or send the file again.")


def only_coordinators() -> str:
    return _(
        "Only the coordinator of your roadmap can import plans. "
        "If this file is a report, start it with /report or «отчёт 1.1.2»."
    )


def no_organisation() -> str:
    return _("Create an organisation with /neworg first, then send its roadmap.")


def confirmed_text(confirmed: Confirmed, invites: str | None) -> str:
    result = confirmed.result
    parsed = confirmed.parsed
    if result.created:
        head = _("✅ Roadmap saved: {measures}, plan period {period}.").format(
            measures=measures_count(len(parsed.measures)), period=period_text(parsed.plan_period)
        )
    else:
        head = _(
            "✅ Roadmap updated: added {added}, changed {changed}, archived {archived}. "
            "Reports and their files are kept."
        ).format(
            added=len(result.added), changed=len(result.changed), archived=len(result.archived)
        )
    blocks = [
        head,
        _("Reminders planned: {n}.").format(n=confirmed.reminders_planned),
        "",
    ]
    if invites is not None:
        blocks.append(invites)
    elif confirmed.persons:
        new = set(result.new_persons)
        names = [
            quote(name) + (" 🆕" if name in new else "")
            for name in confirmed.persons[:SHOWN_NAMES]
        ]
        more = _more(len(names), len(confirmed.persons))
        blocks.append(_("<b>Next: invite the people of the plan</b>"))
        blocks.append(", ".join(names) + (f" {more}" if more else ""))
        blocks.append(
            _(
                "Each of them needs a personal invite link to get reminders: press the "
                "button below to create them all, or open /people."
            )
        )
    else:
        blocks.append(
            _("The plan names units only: open /people to invite the members of each unit.")
        )
    return fit(blocks)
