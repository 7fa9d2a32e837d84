"""Coordinators fix a measure in the chat: `/edit 1.6` (or the ✏️ button on a measure, or
on the list of deadlines not understood after an import) shows it with «Срок»,
«Ответственные», «Название»; the next message is the new value, read with the importer's
rules and shown back. `/edit 1.6 срок: ежегодно, май` does it in one message."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import _, day, pgettext
from bot.markup import fit, measure_label, quote, quote_short
from bot.measure_edits import (
    EditOutcome,
    MeasureCard,
    edit_measure,
    find_measure,
    measure_card,
    unclear_measures,
)
from bot.roadmap.edits import EditField, field_of, parse_edit_command
from bot.roadmap.model import ScheduleKind
from bot.services import Identity, Services
from handlers.callbacks import EditCallback
from handlers.filters import Coordinator
from handlers.messages import pressed_message
from handlers.states import EditForm

STATE_KEY = "edit"
SHOWN_WINDOWS = 6
MESSAGE_LIMIT = 4000
_CODES = {"d": EditField.DEADLINE, "r": EditField.RESPONSIBLE, "t": EditField.TITLE}
_LETTERS = {field: code for code, field in _CODES.items()}


def pending_deadline() -> str:
    """How a measure whose deadline is still to be set is marked everywhere."""
    return _("deadline to be set")


def kind_word(kind: ScheduleKind) -> str:
    """«однократно», «повторяется», «постоянно», «по запросу»: a schedule's kind on a card."""
    return {
        ScheduleKind.ONCE: pgettext("edit", "once"),
        ScheduleKind.RECURRING: pgettext("edit", "repeats"),
        ScheduleKind.CONTINUOUS: pgettext("edit", "ongoing"),
        ScheduleKind.ON_REQUEST: pgettext("edit", "on request"),
    }.get(kind, "")


def deadline_line(card: MeasureCard) -> str:
    """«ежегодно, май» — recurring: 1 May 2026 – 31 May 2026, … (or «срок уточняется»)."""
    phrase = (
        f"«{quote_short(card.deadline_raw, 120, one_line=True)}»" if card.deadline_raw else "—"
    )
    if card.unclear:
        return _("Deadline: {phrase} — ⚠️ {pending}").format(
            phrase=phrase, pending=pending_deadline()
        )
    windows = card.schedule.windows
    shown = [
        day(w.due) if w.start >= w.due else f"{day(w.start)} – {day(w.due)}"
        for w in windows[:SHOWN_WINDOWS]
    ]
    more = len(windows) - len(shown)
    dates = "; ".join(shown) + (" " + _("and {n} more").format(n=more) if more > 0 else "")
    return _("Deadline: {phrase} — {kind}: {dates}").format(
        phrase=phrase, kind=kind_word(card.schedule.kind), dates=dates
    )


def card_text(card: MeasureCard) -> str:
    names = ", ".join([*card.persons, *card.units])
    lines = [
        measure_label(card.number, card.title, 300),
        deadline_line(card),
        _("Responsible: {names}").format(
            names=quote_short(names, 300, one_line=True) if names else "—"
        ),
    ]
    if card.edits:
        lines.append(_("Edited in the bot: {n}").format(n=card.edits))
    lines += ["", _("What to fix? Press a button, then send the new value.")]
    return fit("\n".join(lines), MESSAGE_LIMIT)


def card_keyboard(measure_id: int) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=_("📅 Deadline"), callback_data=EditCallback(measure_id=measure_id, field="d")
    )
    keyboard.button(
        text=_("👤 Responsible"), callback_data=EditCallback(measure_id=measure_id, field="r")
    )
    keyboard.button(
        text=_("✏️ Title"), callback_data=EditCallback(measure_id=measure_id, field="t")
    )
    keyboard.adjust(3)
    return keyboard.as_markup()


def edit_button(measure_id: int, label: str | None) -> tuple[str, str]:
    """Text and data of the ✏️ button put on a measure shown elsewhere."""
    text = _("✏️ Fix {n}").format(n=label) if label else _("✏️ Fix")
    return text, EditCallback(measure_id=measure_id).pack()


def _prompt(card: MeasureCard, edit_field: EditField) -> str:
    label = measure_label(card.number, card.title, 80)
    if edit_field is EditField.DEADLINE:
        ask = _(
            "Send the deadline as the plan would say it, e.g. «до 25 мая 2027», «ежегодно, "
            "май», «ежеквартально», «постоянно», «по запросу». It is read within the plan "
            "period {years}."
        ).format(years=f"{card.period[0]}–{card.period[1]}")
    elif edit_field is EditField.RESPONSIBLE:
        ask = _("Send who is responsible, as in the plan, e.g. «Иванова А.П., ММО».")
    else:
        ask = _("Send the new title of the measure.")
    return f"{label}\n{ask}\n" + _("«Отмена» or /cancel to stop.")


def outcome_text(outcome: EditOutcome) -> str:
    card = outcome.card
    what = {
        EditField.DEADLINE: _("deadline"),
        EditField.RESPONSIBLE: _("responsible"),
        EditField.TITLE: _("title"),
    }[outcome.field]
    lines = [
        _("✅ Saved: {what} of {measure}.").format(
            what=what, measure=quote(card.number) if card.number else quote_short(card.title, 40)
        ),
        _("Was: «{old}»").format(old=quote_short(outcome.old_value, 200, one_line=True) or "—"),
        "",
        measure_label(card.number, card.title, 300),
        deadline_line(card),
        _("Responsible: {names}").format(
            names=quote_short(", ".join([*card.persons, *card.units]), 300, one_line=True) or "—"
        ),
        "",
        _("Reminders follow the new version. Re-importing this plan keeps the fix."),
    ]
    return fit("\n".join(lines), MESSAGE_LIMIT)


async def cmd_edit(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    identity: Identity,
    services: Services,
) -> None:
    parsed = parse_edit_command(message.text or "")
    if parsed.number is None and not (command.args or "").strip():
        await _list_unclear(message, identity, services)
        return
    card = await find_measure(services.uow, identity, parsed.number)
    if parsed.field is not None and parsed.value:
        outcome = await edit_measure(
            services.uow, identity, card.id, parsed.field, parsed.value, now=services.clock.now()
        )
        await state.clear()
        await message.answer(outcome_text(outcome))
        return
    if parsed.field is not None:
        await _ask(message, state, card, parsed.field)
        return
    await state.clear()
    await message.answer(card_text(card), reply_markup=card_keyboard(card.id))


async def _list_unclear(message: Message, identity: Identity, services: Services) -> None:
    organisation_id = identity.organisation_id
    found: list[tuple[int, str]] = []
    if organisation_id is not None:
        for roadmap in await services.uow.roadmaps.for_organisation(organisation_id):
            found += await unclear_measures(services.uow, roadmap.id)
    text = _(
        "Fix a measure: /edit NUMBER (e.g. /edit 1.6), then choose what to change; or in one "
        "message: /edit 1.6 срок: ежегодно, май."
    )
    if not found:
        await message.answer(text)
        return
    await message.answer(
        unclear_list_text(found) + "\n\n" + text, reply_markup=unclear_keyboard(found)
    )


def unclear_list_text(found: list[tuple[int, str]]) -> str:
    labels = ", ".join(quote(label) for _id, label in found[:20])
    more = len(found) - min(len(found), 20)
    if more:
        labels += " " + _("and {n} more").format(n=more)
    return _(
        "⚠️ Deadlines not understood ({n}): {labels}. Until they are set, their people get "
        "the monthly check-in and answers say «{pending}»."
    ).format(n=len(found), labels=labels, pending=pending_deadline())


def unclear_keyboard(found: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    for measure_id, label in found[:8]:
        keyboard.button(
            text=f"📅 {quote_short(label, 20, one_line=True)}",
            callback_data=EditCallback(measure_id=measure_id, field="d"),
        )
    keyboard.adjust(4)
    return keyboard.as_markup()


async def _ask(
    message: Message, state: FSMContext, card: MeasureCard, edit_field: EditField
) -> None:
    await state.set_state(EditForm.value)
    await state.update_data({STATE_KEY: {"measure_id": card.id, "field": edit_field.value}})
    await message.answer(_prompt(card, edit_field))


async def on_edit_button(
    callback: CallbackQuery,
    callback_data: EditCallback,
    state: FSMContext,
    identity: Identity,
    services: Services,
) -> None:
    message = pressed_message(callback)
    card = await measure_card(services.uow, identity, callback_data.measure_id)
    await callback.answer()
    edit_field = _CODES.get(callback_data.field)
    if edit_field is None:
        await state.clear()
        await message.answer(card_text(card), reply_markup=card_keyboard(card.id))
        return
    await _ask(message, state, card, edit_field)


async def on_value(
    message: Message, state: FSMContext, identity: Identity, services: Services
) -> None:
    data = (await state.get_data()).get(STATE_KEY) or {}
    text = message.text or ""
    if _is_cancel(text):
        await _cancel(message, state)
        return
    if _looks_like_question(text):
        # The coordinator moved on to asking something: the edit is dropped, the question
        # answered as usual (never saved as a deadline or a title).
        await state.clear()
        raise SkipHandler()
    chosen = field_of(text)
    try:
        measure_id = int(data["measure_id"])
        edit_field = EditField(data["field"])
    except (KeyError, TypeError, ValueError):
        await state.clear()
        await message.answer(_("This edit is no longer waiting: send /edit NUMBER again."))
        return
    if chosen is not None and chosen is not edit_field:
        # A button label typed instead of pressed («Ответственные»): that button.
        card = await measure_card(services.uow, identity, measure_id)
        await _ask(message, state, card, chosen)
        return
    outcome = await edit_measure(
        services.uow, identity, measure_id, edit_field, text, now=services.clock.now()
    )
    await state.clear()
    await message.answer(outcome_text(outcome))


_QUESTION_WORDS = frozenset(
    {"что", "кто", "когда", "покажи", "сколько", "как", "где", "какие", "какой", "выгрузи"}
)


def _looks_like_question(text: str) -> bool:
    words = text.strip().casefold().split()
    return text.strip().endswith("?") or (bool(words) and words[0] in _QUESTION_WORDS)


def _is_cancel(text: str) -> bool:
    return text.strip().strip("✖️ .!").casefold() in {"отмена", "отменить", "cancel", "стоп"}


async def _cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Cancelled: the measure is unchanged."))


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    await _cancel(message, state)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Coordinator())
    router.callback_query.filter(Coordinator())
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(EditForm))
    router.message.register(cmd_edit, Command("edit"))
    router.callback_query.register(on_edit_button, EditCallback.filter())
    router.message.register(
        on_value, StateFilter(EditForm.value), F.text & ~F.text.startswith("/")
    )
    return router
