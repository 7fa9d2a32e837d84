"""Rendering domain results into texts (through gettext) and keyboards.

Every piece of document- or user-derived text is HTML-escaped here: a measure title with
`<` must never break a message.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, User
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import _, day
from bot.markup import measure_label, quote, quote_short
from bot.people import InviteProblem, Joined
from bot.reminders.delivery import ReminderMessage
from bot.reminders.planner import DigestLine, DigestState
from bot.services import Identity
from bot.wording import days_count
from handlers.callbacks import ReminderAction, ReminderCallback


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


def reminder_message(message: ReminderMessage) -> tuple[str, InlineKeyboardMarkup | None]:
    """One morning message: every line of the person's due reminders, buttons per measure."""
    rows_by_id = message.rows
    own: list[str] = []
    escalations: list[str] = []
    keyboard = InlineKeyboardBuilder()
    for line in message.lines:
        row = rows_by_id[max(line.reminder_ids)]
        label = measure_label(row.measure_number, row.measure_title)
        state = _line_state(line)
        if line.state is DigestState.ESCALATION:
            names = ", ".join(message.responsible.get(row.measure_id or 0, [])) or "—"
            escalations.append(
                "• {label}\n   {state}; {who}".format(
                    label=label,
                    state=state,
                    who=_("responsible: {names}").format(names=quote(names)),
                )
            )
            continue
        text = f"• {label}\n   {state}"
        if row.document_type:
            kind = quote_short(row.document_type, 80)
            text += "\n   " + _("Document: {kind}").format(kind=kind)
        own.append(text)
        short = row.measure_number or str(len(own))
        keyboard.row(
            _reminder_button(_("✅ {n} done").format(n=short), ReminderAction.DONE, row.id),
            _reminder_button(_("📎 Report"), ReminderAction.REPORT, row.id),
        )
        keyboard.row(
            _reminder_button(_("⏰ In 3 days"), ReminderAction.SNOOZE, row.id),
            _reminder_button(_("🙅 Not mine"), ReminderAction.NOT_MINE, row.id),
        )
    parts: list[str] = []
    if own:
        parts.append(_("<b>Reminder: measures of the roadmap</b>"))
        parts.extend(own)
    if escalations:
        if parts:
            parts.append("")
        parts.append(_("<b>Overdue and not reported</b>"))
        parts.extend(escalations)
    return "\n".join(parts), (keyboard.as_markup() if own else None)


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
