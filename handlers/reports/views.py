"""The report flow's texts: prompts, summaries of a draft, saved and listed reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.calendar import local_time
from bot.errors import N_
from bot.i18n import _, day
from bot.markup import measure_label, quote, quote_short
from bot.reports.draft import MAX_TEXT, Draft
from bot.reports.files import Outcome, Received
from bot.reports.reading import ReportView, Target
from bot.reports.service import ReportStatus, SubmittedReport
from bot.services import Identity
from bot.wording import postponed_to as postponed_to_text

# What a press on a report button too old for Telegram to show us says.
TOO_OLD = N_("This message is too old; send /report to start again.")


def moment(value: datetime, identity: Identity) -> str:
    """`17 мая 2024, 09:30` in the organisation's time zone."""
    zone = identity.organisation.timezone if identity.organisation else "UTC"
    local = local_time(value, zone)
    return f"{day(local.date())}, {local:%H:%M}"


def status(value: str, postponed_to: date | None = None) -> str:
    if value == ReportStatus.DONE:
        return _("done")
    if value == ReportStatus.PARTIAL:
        return _("partly done")
    if value == ReportStatus.POSTPONED:
        return _("postponed") if postponed_to is None else postponed_to_text(postponed_to)
    return _("not done")


def period(target: Target) -> str:
    if target.window_start < target.due_date:
        text = _("period {start} – {due}").format(
            start=day(target.window_start), due=day(target.due_date)
        )
    else:
        text = _("due {due}").format(due=day(target.due_date))
    if target.postponed_to:
        text += "; " + postponed_to_text(target.postponed_to)
    return text


def prompt(target: Target, draft: Draft) -> str:
    """The start of a report on `target`: what it is about and what to send."""
    lines = [
        _("<b>Report</b> on {measure}").format(measure=measure_label(target.number, target.title)),
        period(target),
    ]
    if target.document_type:
        lines.append(_("Document to attach: {kind}").format(kind=quote(target.document_type)))
    if target.expected_result:
        lines.append(
            _("Expected result: {result}").format(result=quote_short(target.expected_result, 300))
        )
    lines.append("")
    lines.append(
        _(
            "Send a short text and the files: documents, scans, photos, voice messages — "
            "as many as needed. Then choose the result below."
        )
    )
    if draft.text or draft.files:
        lines.append(draft_summary(draft))
    return "\n".join(lines)


def batch_prompt(count: int) -> str:
    """The start of one report on several ongoing measures."""
    return "\n".join(
        [
            _("<b>Report</b> on several measures ({n})").format(n=count),
            "",
            _(
                "Send a short text on what has been done and the files, if any. Then choose "
                "the result below: it is recorded for each of the measures."
            ),
        ]
    )


def batch_saved(results: Sequence[SubmittedReport]) -> str:
    closed = sum(1 for r in results if r.occurrence_closed)
    count = len(results)
    text = _("Report saved for {n} measure.", "Report saved for {n} measures.", count).format(
        n=count
    )
    if closed:
        text += " " + _("Closed: {n}.").format(n=closed)
    return text


def draft_summary(draft: Draft) -> str:
    parts = []
    if draft.text:
        parts.append(_("Text: «{text}»").format(text=quote_short(draft.text, 200)))
    parts.append(files_count(len(draft.files)))
    return "\n".join(parts)


def text_too_long(length: int) -> str:
    return _(
        "A report's text can be at most {limit} characters; with this message it would have "
        "{length}, so the message was not added. Shorten it, or send the long text as a file."
    ).format(limit=MAX_TEXT, length=length)


def files_count(n: int) -> str:
    return _("{n} file in the report", "{n} files in the report", n).format(n=n)


def saved(result: SubmittedReport, postponed_to: date | None) -> str:
    lines = [
        _("Report saved: {measure} — {status}.").format(
            measure=measure_label(result.measure_number, result.measure_title),
            status=status(result.status, postponed_to),
        ),
        files_count(result.files),
    ]
    if result.occurrence_closed:
        lines.append(_("The measure is closed for this period."))
    elif result.status is ReportStatus.DONE:
        lines.append(_("The measure stays open until everyone responsible reports."))
    lines.append(_("You can correct or withdraw the report within 24 hours."))
    return "\n".join(lines)


def report_lines(view: ReportView, identity: Identity, *, author: bool = True) -> str:
    """One stored report in a list: measure, who and when, status, reason, text, files."""
    head = "• " + measure_label(view.number, view.title)
    who = f"{quote(view.author)}, " if author else ""
    line = f"{head}\n   {who}{moment(view.created_at, identity)} — " + status(
        view.status, view.postponed_to
    )
    if view.withdrawn:
        line += " " + _("(withdrawn)")
    if view.reason:
        line += "\n   " + _("Reason: {reason}").format(reason=quote_short(view.reason, 200))
    if view.text:
        line += "\n   «" + quote_short(view.text, 300) + "»"
    if view.files:
        line += "\n   " + _("Files: {n}").format(n=view.files)
    return line


def received_notes(results: Sequence[tuple[Received, bool]]) -> list[str]:
    """A line per received file: added, already there, too big, or kept by Telegram only."""
    notes = []
    for received, added in results:
        name = quote(received.file.file_name or file_kind(received.file.kind))
        if received.outcome is Outcome.TOO_BIG:
            notes.append(
                _(
                    "«{name}» is larger than 20 MB: Telegram does not let bots download such "
                    "files. Please send a smaller copy or a scan; the rest of the report is kept."
                ).format(name=name)
            )
        elif not added:
            notes.append(_("«{name}» is already in the report.").format(name=name))
        elif received.outcome is Outcome.NOT_STORED:
            notes.append(
                _(
                    "«{name}» could not be saved on the server just now; it stays in the "
                    "report through Telegram and nothing is lost."
                ).format(name=name)
            )
        else:
            notes.append(_("📎 Added: {name}").format(name=name))
    return notes


def file_kind(kind: str) -> str:
    names = {
        "photo": _("photo"),
        "voice": _("voice message"),
        "video_note": _("video message"),
        "video": _("video"),
        "audio": _("audio"),
    }
    return names.get(kind, _("file"))


def marked_done(target: Target) -> str:
    """The line a reminder gets when its measure is marked done from its button."""
    return _("✅ {measure}: marked done").format(
        measure=measure_label(target.number, target.title, 60)
    )
