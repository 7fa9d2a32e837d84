"""Rendering domain results into texts (through gettext) and keyboards.

Every piece of document- or user-derived text is HTML-escaped here: a measure title with
`<` must never break a message.
"""

from __future__ import annotations

from aiogram.types import User
from aiogram.utils.i18n import gettext as _
from aiogram.utils.markdown import html_decoration as hd

from bot.services import Identity


def quote(text: str | None) -> str:
    return hd.quote(text or "")


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
        _("• Take a completion report with files: /report or «отчёт 1.1.2»."),
        _("• /my — your measures, /overdue — what is overdue, /settings — hour, language, leave."),
    ]
    if identity.is_coordinator:
        lines += [
            "",
            _("<b>For coordinators</b>"),
            _("• /import — send the roadmap as PDF, DOCX, XLSX or text."),
            _(
                "• /people — who has joined, invite links; /summary and /export — execution "
                "summary and the report to send upward."
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


def measures_count(n: int) -> str:
    return _("{n} measure", "{n} measures", n).format(n=n)


def people_count(n: int) -> str:
    return _("{n} person", "{n} people", n).format(n=n)


def days_count(n: int) -> str:
    return _("{n} day", "{n} days", n).format(n=n)
