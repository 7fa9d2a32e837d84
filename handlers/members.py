"""Member organisations in the chat: a municipality's schools in minutes.

`/schools` lists them (or, with none yet, asks for the list); the coordinator pastes the list
in one message (one a line, `; contact` optional) or sends it as XLSX/CSV, and gets one
invite link per school for its contact. `/schools remove NAME`, `/group ШНОР; СОШ №3, …`.
Buttons under an unclassified unit say what it is.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import members, people
from bot.i18n import _
from bot.markup import fit, measure_label, quote, quote_short
from bot.member_list import (
    MAX_MEMBERS,
    MemberList,
    MemberListError,
    SkipReason,
    parse_member_lines,
)
from bot.services import Identity, Services
from handlers.callbacks import MembersAction, MembersCallback, UnitKindCallback
from handlers.filters import Coordinator
from handlers.messages import answer_press, pressed_message
from handlers.states import MembersForm

MESSAGE_LIMIT = 4000


def _kind(kind: str) -> str:
    return {
        "school": _("school"),
        "kindergarten": _("kindergarten"),
        "supplementary": _("supplementary education"),
        "centre": _("centre"),
        "municipality": _("municipality"),
    }.get(kind, _("organisation"))


def _chunks(text: str) -> list[str]:
    """A long list in several messages, split between lines (never inside a tag)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        if current and len(current) + len(line) + 1 > MESSAGE_LIMIT:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    chunks.append(fit(current, MESSAGE_LIMIT))
    return chunks


def _ask_for_list() -> str:
    return _(
        "Send the list of your organisations in one message: one a line, optionally with the "
        "contact who will coordinate it after «;», e.g.\n"
        "<code>МБОУ «СОШ № 1»; Сидорова Анна Алексеевна\n"
        "МБОУ «СОШ № 2»; Петров П.П.\n"
        "МБДОУ «Детский сад № 5»</code>\n"
        "Or send it as an XLSX or CSV file with a column of names. At most {limit} at once; "
        "/cancel to stop."
    ).format(limit=MAX_MEMBERS)


async def cmd_schools(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    identity: Identity,
    services: Services,
    bot: Bot,
) -> None:
    args = (command.args or "").strip()
    if args.casefold().startswith(("remove ", "удалить ")):
        name = args.split(" ", 1)[1]
        removed = await members.remove_member(
            services.uow, identity, name=name, now=services.clock.now()
        )
        await message.answer(
            _(
                "{name} is no longer a member: its open obligations nobody worked on are gone, "
                "its reports stay."
            ).format(name=quote(removed))
        )
        return
    if args:
        await _add(message, state, identity, services, bot, parse_member_lines(args))
        return
    lines = await members.list_members(services.uow, identity)
    if not lines:
        await state.set_state(MembersForm.waiting_list)
        await message.answer(_ask_for_list())
        return
    text = [_("<b>Member organisations: {n}</b>").format(n=len(lines))]
    not_joined = 0
    for line in lines:
        if line.joined:
            mark = "✅"
        elif line.coordinators:
            mark, not_joined = "⏳", not_joined + 1
        else:
            mark = "—"
        text.append(f"{mark} {quote(line.short_name)} · {_kind(line.kind)}")
    text += [
        "",
        _(
            "✅ its coordinator has joined, ⏳ invited, — no contact yet. "
            "/schools remove NAME removes one; /group NAME; SCHOOL, SCHOOL defines a group "
            "such as ШНОР."
        ),
    ]
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=_("➕ Add organisations"), callback_data=MembersCallback(action=MembersAction.ADD)
    )
    if not_joined:
        keyboard.button(
            text=_("🔗 Links for those not joined ({n})").format(n=not_joined),
            callback_data=MembersCallback(action=MembersAction.LINKS),
        )
    keyboard.adjust(1)
    chunks = _chunks("\n".join(text))
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    await message.answer(chunks[-1], reply_markup=keyboard.as_markup())


async def on_members_button(
    callback: CallbackQuery,
    callback_data: MembersCallback,
    state: FSMContext,
    identity: Identity,
    services: Services,
    bot: Bot,
) -> None:
    message = pressed_message(callback)
    if callback_data.action is MembersAction.ADD:
        await state.set_state(MembersForm.waiting_list)
        await message.answer(_ask_for_list())
        return
    pairs = await members.invite_member_coordinators(
        services.uow, identity, now=services.clock.now()
    )
    if not pairs:
        await answer_press(callback, _("Every member's coordinator has joined."))
        return
    await _send_links(bot, message.chat.id, pairs)


async def on_list_text(
    message: Message, state: FSMContext, identity: Identity, services: Services, bot: Bot
) -> None:
    try:
        parsed = parse_member_lines(message.text or "")
    except MemberListError as error:
        await message.answer(_refusal(error))
        return
    await _add(message, state, identity, services, bot, parsed)


async def on_list_file(
    message: Message, state: FSMContext, identity: Identity, services: Services, bot: Bot
) -> None:
    document = message.document
    assert document is not None
    if (document.file_size or 0) > members.MAX_MEMBER_FILE:
        await message.answer(_refusal(MemberListError("too_big", limit=members.MAX_MEMBER_FILE)))
        return
    downloaded = await bot.download(document.file_id)
    data = downloaded.read() if downloaded is not None else b""
    try:
        parsed = await members.read_member_document(data, document.file_name)
    except MemberListError as error:
        await message.answer(_refusal(error))
        return
    await _add(message, state, identity, services, bot, parsed)


def _refusal(error: MemberListError) -> str:
    if error.code == "too_many":
        return _(
            "The list has {count} organisations; at most {limit} can be added at once. "
            "Split it into parts."
        ).format(count=error.params["count"], limit=error.params["limit"])
    if error.code == "no_name_column":
        seen = error.params.get("columns")
        columns = ", ".join(str(c) for c in seen) if isinstance(seen, list) else ""
        return _(
            "The table has no column of organisation names (a header such as «Наименование»). "
            "Its columns: {columns}."
        ).format(columns=quote(columns or "—"))
    if error.code == "too_big":
        return _("The file is too big for a list of organisations (at most {kb} KB).").format(
            kb=int(str(error.params["limit"])) // 1024
        )
    return _("This file cannot be read as a list of organisations: send XLSX, CSV or text.")


async def _add(
    message: Message,
    state: FSMContext,
    identity: Identity,
    services: Services,
    bot: Bot,
    parsed: MemberList,
) -> None:
    if not parsed.entries and not parsed.skipped:
        await message.answer(_ask_for_list())
        return
    result = await members.add_members_as(services.uow, identity, parsed, now=services.clock.now())
    await state.clear()
    text = [_("<b>Organisations added: {n}</b>").format(n=len(result.added))]
    text += [f"• {quote(m.name)} · {_kind(m.kind)}" for m in result.added]
    if result.existing:
        text.append(
            _("Already members (left as they are): {names}").format(
                names=quote_short("; ".join(result.existing), 1000)
            )
        )
    for line, raw, reason in result.skipped:
        why = {
            SkipReason.DUPLICATE: _("a repeat"),
            SkipReason.TOO_LONG: _("name too long"),
            SkipReason.NO_NAME: _("no name"),
        }[reason]
        text.append(
            _("Skipped line {line} ({why}): {text}").format(
                line=line, why=why, text=quote_short(raw, 80)
            )
        )
    if result.added:
        text.append(
            _("Their plans' measures for them: {n} obligations.").format(n=result.obligations)
        )
    without = [m for m in result.added if not m.token]
    if without:
        text.append(
            _(
                "Without a contact: {n}. Send those lines again with «; contact name» to "
                "invite their coordinators."
            ).format(n=len(without))
        )
    for chunk in _chunks("\n".join(text)):
        await message.answer(chunk)
    pairs = [
        (f"{m.short_name} — {m.contact}", m.token) for m in result.added if m.token and m.contact
    ]
    if pairs:
        await _send_links(bot, message.chat.id, pairs)


async def _send_links(bot: Bot, chat_id: int, pairs: list[tuple[str, str]]) -> None:
    me = await bot.me()
    header = _(
        "Invite links for the organisations' coordinators (each works once, for 7 days). "
        "Send each contact their own: they become the coordinator of their organisation."
    )
    body = "\n".join(
        f"• {quote(name)}: {people.invite_link(me.username or '', token)}" for name, token in pairs
    )
    for chunk in _chunks(header + "\n\n" + body):
        await bot.send_message(chat_id, chunk)


async def cmd_group(
    message: Message, command: CommandObject, identity: Identity, services: Services
) -> None:
    name, _sep, rest = (command.args or "").partition(";")
    defined = await members.define_group(
        services.uow,
        identity,
        unit_name=name,
        names=[part.strip() for part in rest.split(",")],
        now=services.clock.now(),
    )
    text = _("Group «{group}»: {members}.").format(
        group=quote(defined.unit_name), members=quote("; ".join(defined.members)) or "—"
    )
    if defined.unknown:
        text += "\n" + _("Not found among your organisations: {names}.").format(
            names=quote("; ".join(defined.unknown))
        )
    await message.answer(text)


async def on_unit_kind(
    callback: CallbackQuery,
    callback_data: UnitKindCallback,
    identity: Identity,
    services: Services,
) -> None:
    name = await people.set_unit_kind(
        services.uow,
        identity,
        unit_id=callback_data.unit_id,
        choice=callback_data.choice,
        now=services.clock.now(),
    )
    message = pressed_message(callback)
    await answer_press(callback, _("Saved: «{unit}».").format(unit=name))
    await message.edit_reply_markup(reply_markup=None)


async def cmd_assign(
    message: Message, command: CommandObject, identity: Identity, services: Services
) -> None:
    """`/assign 2.3.5; Иванова А.П.` — a school hands its part of a measure to a deputy;
    `/assign 2.3.5; -` gives it back to the coordinators; `/assign 2.3.5` tells who does it."""
    number, separator, rest = (command.args or "").partition(";")
    if not number.strip():
        await message.answer(
            _("Who does your part of a measure: <code>/assign 2.3.5; Иванова А.П.</code>")
        )
        return
    names: list[str] | None = None
    if separator:
        names = [n.strip() for n in rest.split(",") if n.strip() and n.strip() != "-"]
    result = await members.hand_over(
        services.uow, identity, number=number, names=names, now=services.clock.now()
    )
    label = measure_label(result.number, result.title)
    if result.persons:
        text = _("{measure}: your part is done by {names}.").format(
            measure=label, names=quote(", ".join(result.persons))
        )
    else:
        text = _("{measure}: your part is done by the coordinators.").format(measure=label)
    await message.answer(text)


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Cancelled: no organisations added."))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Coordinator())
    router.callback_query.filter(Coordinator())
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(MembersForm))
    router.message.register(cmd_schools, Command("schools"))
    router.message.register(cmd_group, Command("group"))
    router.message.register(cmd_assign, Command("assign"))
    router.callback_query.register(on_members_button, MembersCallback.filter())
    router.callback_query.register(on_unit_kind, UnitKindCallback.filter())
    router.message.register(on_list_file, StateFilter(MembersForm.waiting_list), F.document)
    router.message.register(
        on_list_text,
        StateFilter(MembersForm.waiting_list),
        F.text & ~F.text.startswith("/"),
    )
    return router
