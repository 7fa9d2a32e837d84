"""Rendering domain results into texts (through gettext) and keyboards.

Every piece of document- or user-derived text is HTML-escaped here: a measure title with
`<` must never break a message.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, User
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import _, day, month_name
from bot.markup import fit, measure_label, quote, quote_short
from bot.people import CHOOSABLE_KINDS, InviteProblem, Joined, UnitLine
from bot.reminders.actions import MorningItem
from bot.reminders.delivery import MAX_MESSAGE_CHARS, ReminderMessage, RenderedReminder
from bot.reminders.morning import (
    CHECKIN_ITEMS,
    MESSAGE_CHARS,
    MorningLayout,
    layout_morning,
    tighter,
)
from bot.reminders.planner import DigestLine, DigestState
from bot.services import Identity
from bot.wording import and_more, days_count
from handlers.callbacks import (
    MorningPageCallback,
    ReminderAction,
    ReminderCallback,
    UnitKindCallback,
)


def welcome(identity: Identity, user: User | None) -> str:
    first_name = quote(user.first_name if user else "")
    if identity.is_known and identity.person and identity.organisation:
        role = _("coordinator") if identity.is_coordinator else _("responsible officer")
        return "\n\n".join(
            [
                _("Hello, {name}!").format(name=quote(identity.person.full_name)),
                _("You are in <b>{organisation}</b> as {role}.").format(
                    organisation=quote(identity.organisation.name), role=role
                ),
                _(
                    "I remind you of the measures of your roadmap before their deadlines, "
                    "take your completion reports and answer questions like "
                    "«что у меня в мае» or «что просрочено»."
                ),
                _("Send /help to see everything I can do."),
            ]
        )
    if identity.is_admin:
        return "\n\n".join(
            [
                _("Hello, {name}! You are an administrator of this bot.").format(name=first_name),
                _("Create an organisation with /neworg, then import its roadmap."),
            ]
        )
    return "\n\n".join(
        [
            _("Hello, {name}!").format(name=first_name),
            _(
                "I am the roadmap assistant: I remind the people responsible for the "
                "measures of an education roadmap of their deadlines and collect their reports."
            ),
            stranger_hint(),
        ]
    )


def stranger_hint() -> str:
    return _(
        "To start, ask the coordinator of your roadmap for a personal invite link "
        "and open it: it connects this Telegram account to your name in the plan."
    )


def help_text(identity: Identity) -> str:
    lines = [_("<b>What I can do</b>"), ""]
    lines += [
        _(
            "• Remind you of your measures before their deadlines, on working days, "
            "at your morning hour."
        ),
        _("• Answer questions in plain words, for example:"),
        "   «что у меня в мае», «что просрочено», «что у Боброва в сентябре», «покажи 1.1.2»",
        _(
            "• Take a completion report with files: /report or «отчёт 1.1.2»; /myreports — "
            "your reports."
        ),
        _("• /my — your measures, /overdue — what is overdue, /settings — hour, language, leave."),
    ]
    if identity.is_coordinator:
        lines += [
            "",
            _("<b>For coordinators</b>"),
            _("• /import — send the roadmap as PDF, DOCX, XLSX or text."),
            _(
                "• /edit 1.6 — fix a measure's deadline, responsible or title (a deadline the "
                "plan's text did not give: /edit lists them)."
            ),
            _(
                "• /reports — new reports since you last looked; /reports 1.1.2 — every report "
                "on a measure."
            ),
            _(
                "• /people — who has joined, invite links; /summary and /export — execution "
                "summary and the report to send upward."
            ),
            _(
                "• /orgsettings — the morning hour, the time zone and whether one report "
                "closes a measure for everyone; /cadence — the days of reminders."
            ),
        ]
    if not identity.is_known and not identity.is_admin:
        lines += ["", stranger_hint()]
    lines += ["", _("/cancel stops any action in progress.")]
    return "\n".join(lines)


def not_understood() -> str:
    return _(
        "I did not understand that. Ask me, for example: «что у меня в мае», "
        "«что просрочено» or «покажи 1.1.2». /help lists everything I can do."
    )


def something_went_wrong() -> str:
    return _("Something went wrong, please try again.")


# --- reminders -----------------------------------------------------------------------


def _line_state(line: DigestLine) -> str:
    due = day(line.due_date)
    if line.state in (DigestState.OVERDUE, DigestState.ESCALATION):
        return _("overdue by {days} (due {due})").format(days=days_count(line.days), due=due)
    if line.state is DigestState.DUE_TODAY:
        return _("due today")
    if line.state is DigestState.WINDOW_OPEN:
        return _("the period has begun: {start} – {due}").format(
            start=day(line.window_start), due=due
        )
    if line.state is DigestState.CHECKIN:
        return _("ongoing: what has been done this month?")
    return _("due {due}, in {days}").format(due=due, days=days_count(line.days))


def _reminder_button(text: str, action: ReminderAction, reminder_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text,
        callback_data=ReminderCallback(action=action, reminder_id=reminder_id).pack(),
    )


def reminder_messages(message: ReminderMessage) -> list[RenderedReminder]:
    """One morning: a message with what has a deadline (buttons for what is due soonest,
    the rest counted behind "show all") and one for the ongoing measures' check-ins, each
    fitting a phone (about 1,500 characters, at most 8 buttons)."""
    layout = layout_morning(message.lines)
    parts: list[RenderedReminder] = []
    if layout.deadline_lines:
        text, keyboard = _deadline_message(message, layout)
        while len(text) > MESSAGE_CHARS:
            tighter_layout = tighter(layout)
            if tighter_layout is None:
                break
            layout = tighter_layout
            text, keyboard = _deadline_message(message, layout)
        ids = tuple(rid for line in layout.deadline_lines for rid in line.reminder_ids)
        parts.append(RenderedReminder(fit(text, MAX_MESSAGE_CHARS), keyboard, ids))
    if layout.checkins:
        text, keyboard = _checkin_message(message, layout.checkins)
        ids = tuple(rid for line in layout.checkins for rid in line.reminder_ids)
        parts.append(RenderedReminder(fit(text, MAX_MESSAGE_CHARS), keyboard, ids))
    return parts


def _line_text(message: ReminderMessage, line: DigestLine, *, details: bool) -> str:
    row = message.rows[max(line.reminder_ids)]
    label = measure_label(row.measure_number, row.measure_title, 80 if details else 60)
    text = f"• {label}\n   {_line_state(line)}"
    if line.state is DigestState.ESCALATION:
        names = ", ".join(message.responsible.get(row.measure_id or 0, [])) or "—"
        text += "; " + _("responsible: {names}").format(names=quote_short(names, 80))
    elif details and row.document_type:
        text += "\n   " + _("Document: {kind}").format(kind=quote_short(row.document_type, 60))
    return text


def _deadline_message(
    message: ReminderMessage, layout: MorningLayout
) -> tuple[str, InlineKeyboardMarkup | None]:
    parts: list[str] = []
    keyboard = InlineKeyboardBuilder()
    own = [*layout.with_buttons, *layout.listed]
    if own or layout.counted:
        parts.append(_("<b>Reminder: measures of the roadmap</b>"))
        parts.extend(_line_text(message, line, details=True) for line in layout.with_buttons)
        parts.extend(_line_text(message, line, details=False) for line in layout.listed)
        if layout.counted:
            parts.append(_more_line(layout.counted))
    if layout.escalations or layout.escalations_counted:
        if parts:
            parts.append("")
        total = len(layout.escalations) + len(layout.escalations_counted)
        parts.append(_("<b>Overdue and not reported ({n})</b>").format(n=total))
        parts.extend(_line_text(message, line, details=False) for line in layout.escalations)
        if layout.escalations_counted:
            parts.append(and_more(len(layout.escalations_counted)))
    for index, line in enumerate(layout.with_buttons, start=1):
        row = message.rows[max(line.reminder_ids)]
        short = row.measure_number or str(index)
        keyboard.row(
            _reminder_button(_("✅ {n} done").format(n=short), ReminderAction.DONE, row.id),
            _reminder_button(_("⋯ {n}").format(n=short), ReminderAction.MORE, row.id),
        )
    everything = len(own) + len(layout.counted)
    if layout.listed or layout.counted:
        first = message.rows[max(layout.deadline_lines[0].reminder_ids)]
        keyboard.row(
            _reminder_button(
                _("📋 Show all ({n})").format(n=everything), ReminderAction.ALL, first.id
            )
        )
    markup = keyboard.as_markup() if list(keyboard.buttons) else None
    return "\n".join(parts), markup


def _more_line(lines: list[DigestLine]) -> str:
    """ "… and 12 more: 3 overdue, 9 coming up" under the written-out lines."""
    overdue = sum(1 for line in lines if line.state is DigestState.OVERDUE)
    later = len(lines) - overdue
    details = []
    if overdue:
        details.append(_("{n} overdue").format(n=overdue))
    if later:
        details.append(_("{n} coming up").format(n=later))
    return _("… and {n} more: {details}").format(n=len(lines), details=", ".join(details))


def _checkin_message(
    message: ReminderMessage, lines: list[DigestLine]
) -> tuple[str, InlineKeyboardMarkup]:
    count = len(lines)
    # Deadlines still to be set come first: the coordinator is fixing them.
    lines = sorted(
        lines, key=lambda line: not message.rows[max(line.reminder_ids)].deadline_unclear
    )
    parts = [
        _("<b>Ongoing measures ({n}): what has been done in {month}?</b>").format(
            n=count, month=month_name(message.today)
        )
    ]
    for line in lines[:CHECKIN_ITEMS]:
        row = message.rows[max(line.reminder_ids)]
        label = "• " + measure_label(row.measure_number, row.measure_title, 60)
        if row.deadline_unclear:
            label += " — ⚠️ " + _("deadline to be set")
        parts.append(label)
    if count > CHECKIN_ITEMS:
        parts.append(and_more(count - CHECKIN_ITEMS))
    first = message.rows[max(lines[0].reminder_ids)]
    keyboard = InlineKeyboardBuilder()
    if count == 1:
        keyboard.row(
            _reminder_button(_("📎 Report"), ReminderAction.REPORT, first.id),
            _reminder_button(_("⋯"), ReminderAction.MORE, first.id),
        )
    else:
        keyboard.row(
            _reminder_button(_("📝 Report on several"), ReminderAction.CHECKINS, first.id)
        )
    return "\n".join(parts), keyboard.as_markup()


def reminder_actions(row_id: int, label: str) -> tuple[str, InlineKeyboardMarkup]:
    """The other actions on one measure of a morning message (its "⋯" button)."""
    keyboard = InlineKeyboardBuilder()
    keyboard.row(
        _reminder_button(_("✅ Done"), ReminderAction.DONE, row_id),
        _reminder_button(_("📎 Report"), ReminderAction.REPORT, row_id),
    )
    keyboard.row(
        _reminder_button(_("⏰ In 3 days"), ReminderAction.SNOOZE, row_id),
        _reminder_button(_("🙅 Not mine"), ReminderAction.NOT_MINE, row_id),
    )
    return label, keyboard.as_markup()


MORNING_PAGE = 6  # items a page of "show all": two buttons each, and the page buttons


def morning_page(
    items: list[MorningItem], reminder_id: int, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of every item still to do of a morning message, each with its buttons."""
    if not items:
        return _("Everything from this reminder is done."), None
    pages = -(-len(items) // MORNING_PAGE)
    page = min(max(page, 0), pages - 1)
    shown = items[page * MORNING_PAGE : (page + 1) * MORNING_PAGE]
    parts = [_("<b>Everything from the reminder ({n})</b>").format(n=len(items))]
    keyboard = InlineKeyboardBuilder()
    for item in shown:
        label = measure_label(item.number, item.title, 70)
        parts.append(f"• {label}\n   {_line_state(item.line)}")
        short = item.number or "·"
        if item.line.state is DigestState.ESCALATION:
            continue
        keyboard.row(
            _reminder_button(
                _("✅ {n} done").format(n=short), ReminderAction.DONE, item.reminder_id
            ),
            _reminder_button(_("⋯ {n}").format(n=short), ReminderAction.MORE, item.reminder_id),
        )
    if pages > 1:
        parts.append(_("Page {page} of {pages}").format(page=page + 1, pages=pages))
        keyboard.row(
            InlineKeyboardButton(
                text="◀",
                callback_data=MorningPageCallback(
                    reminder_id=reminder_id, page=(page - 1) % pages
                ).pack(),
            ),
            InlineKeyboardButton(
                text="▶",
                callback_data=MorningPageCallback(
                    reminder_id=reminder_id, page=(page + 1) % pages
                ).pack(),
            ),
        )
    markup = keyboard.as_markup() if list(keyboard.buttons) else None
    return fit("\n".join(parts), MAX_MESSAGE_CHARS), markup


def unit_kind_buttons(unit_id: int) -> InlineKeyboardMarkup:
    """What an unclassified unit may be: the coordinator's answer with one tap."""
    labels = {
        "owner": _("Our staff"),
        "schools": _("Every school"),
        "members": _("All our organisations"),
        "people": _("A group of people"),
        "external": _("Above us (not reminded)"),
    }
    keyboard = InlineKeyboardBuilder()
    for choice in CHOOSABLE_KINDS:
        keyboard.button(
            text=labels[choice], callback_data=UnitKindCallback(unit_id=unit_id, choice=choice)
        )
    keyboard.adjust(2)
    return keyboard.as_markup()


def unit_questions(units: list[UnitLine]) -> list[tuple[str, InlineKeyboardMarkup]]:
    """One question per unit the importer could not classify, with buttons to answer (the
    first ten: the rest are asked in /people)."""
    return [
        (
            _("What is «{unit}» in your plan?").format(
                unit=quote_short(unit.name, 100, one_line=True)
            ),
            unit_kind_buttons(unit.unit_id),
        )
        for unit in units[:10]
        if unit.kind == "unknown"
    ]


def unreachable_notice(person_name: str, organisation_name: str) -> str:
    return _(
        "{name} has blocked the bot or deleted the chat: reminders cannot reach them "
        "({organisation}). Please contact them directly."
    ).format(name=quote(person_name), organisation=quote(organisation_name))


# --- onboarding ----------------------------------------------------------------------


def invite_problem(problem: InviteProblem) -> str:
    texts = {
        InviteProblem.WRONG: _(
            "This invite link is not valid. Check that you opened the whole link, or ask "
            "your coordinator for a new one."
        ),
        InviteProblem.USED: _(
            "This invite link has already been used. Each link works once: ask your "
            "coordinator for a new one if it was not you."
        ),
        InviteProblem.EXPIRED: _(
            "This invite link has expired (links work for 7 days). Ask your coordinator "
            "for a new one."
        ),
        InviteProblem.REVOKED: _(
            "This invite link was revoked by the coordinator. Ask them for a new one."
        ),
    }
    return texts[problem]


def role_name(role: str) -> str:
    return _("coordinator") if role == "coordinator" else _("responsible officer")


def joined(outcome: Joined) -> str:
    return "\n\n".join(
        [
            _("Welcome, {name}! You have joined <b>{organisation}</b> as {role}.").format(
                name=quote(outcome.person_name),
                organisation=quote(outcome.organisation_name),
                role=role_name(outcome.role),
            ),
            _(
                "I will remind you of your measures before their deadlines, in the morning "
                "of working days. Ask me «что у меня в этом месяце» or send /help."
            ),
        ]
    )


def joined_notice(outcome: Joined) -> str:
    return _("{name} has joined the bot.").format(name=quote(outcome.person_name))
