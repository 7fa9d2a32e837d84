"""Coordinators: who has joined, invite links, people outside the plan, unit members."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import people
from bot.i18n import _
from bot.markup import fit, quote, quote_short, shorten
from bot.services import Identity, Services
from handlers.callbacks import PeopleAction, PeopleCallback
from handlers.filters import Coordinator
from handlers.messages import pressed_message
from handlers.views import role_name, unit_questions


async def _links(bot: Bot, pairs: list[tuple[str, str]]) -> str:
    me = await bot.me()
    return "\n".join(
        f"• {quote(name)}: {people.invite_link(me.username or '', token)}" for name, token in pairs
    )


async def cmd_people(message: Message, identity: Identity, services: Services) -> None:
    lines = await people.people_of(services.uow, identity, now=services.clock.now())
    joined = [line for line in lines if line.joined]
    waiting = [line for line in lines if not line.joined]
    text = [
        _("<b>People of {organisation}</b>").format(
            organisation=quote(identity.organisation.name if identity.organisation else "")
        )
    ]
    text.append(_("Joined: {n}").format(n=len(joined)))
    for line in joined:
        mark = " ⚠️ " + _("unreachable") if line.unreachable else ""
        in_units = f" ({quote(', '.join(line.units))})" if line.units else ""
        text.append(f"✅ {quote(line.full_name)} — {role_name(line.role)}{in_units}{mark}")
    text.append("")
    text.append(_("Not joined yet: {n}").format(n=len(waiting)))
    keyboard = InlineKeyboardBuilder()
    for line in waiting:
        invited = " 🔗" if line.invite_expires else ""
        text.append(f"⏳ {quote(line.full_name)}{invited}")
        keyboard.button(
            text=_("🔗 {name}").format(name=shorten(line.full_name, 30)),
            callback_data=PeopleCallback(action=PeopleAction.LINK, person_id=line.person_id),
        )
    keyboard.adjust(2)
    if waiting:
        keyboard.row()
        keyboard.button(
            text=_("Links for everyone not joined"),
            callback_data=PeopleCallback(action=PeopleAction.INVITE_ALL),
        )
    units = await people.units_of(services.uow, identity)
    if units:
        text += ["", _("<b>Units of the plans: {n}</b>").format(n=len(units))]
        text += [unit_line(unit) for unit in units]
    text += [
        "",
        _(
            "🔗 marks a person with a valid link. /invite Name — invite someone not in the "
            "plan; /unit UNIT; Name — who reads a unit's reminders; /schools — member "
            "organisations."
        ),
    ]
    # A big organisation's list takes several messages, split between lines (never inside
    # a tag); the buttons go under the last one.
    chunks = _chunks("\n".join(text))
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    await message.answer(chunks[-1], reply_markup=keyboard.as_markup())
    await ask_unit_kinds(message, [u for u in units if u.kind == "unknown"])


def unit_line(unit: people.UnitLine) -> str:
    """«• ОО — every school (14)», «• МОУО — our staff: Иванова А.П.», «• ММО — nobody reads
    it yet: /unit ММО; Name»."""
    name = quote_short(unit.name, 60, one_line=True)
    if unit.kind == "member_organisations":
        groups = {
            "school": _("every school"),
            "kindergarten": _("every kindergarten"),
            "supplementary": _("every supplementary education organisation"),
            "named": _("a group you define with /group"),
        }
        what = groups.get(unit.member_filter or "", _("every member organisation"))
        return f"• {name} — {what} ({unit.members})"
    if unit.kind == "organisation":
        return f"• {name} — " + _("an organisation of its own ({n})").format(n=unit.members)
    if unit.kind == "external":
        return f"• {name} — " + _("above you: listed, not reminded")
    if unit.kind == "unknown":
        return f"• {name} — " + _("not understood yet: say what it is below")
    if unit.readers:
        return f"• {name} — " + _("read by {names}").format(
            names=quote_short(", ".join(unit.readers), 200)
        )
    return f"• {name} — " + _("nobody reads it yet: /unit {unit}; Name").format(
        unit=quote_short(unit.name, 40, one_line=True)
    )


async def ask_unit_kinds(message: Message, units: list[people.UnitLine]) -> None:
    for text, markup in unit_questions(units):
        await message.answer(text, reply_markup=markup)


async def on_invite_all(
    callback: CallbackQuery, identity: Identity, services: Services, bot: Bot
) -> None:
    pairs = await people.invite_everyone_not_joined(
        services.uow, identity, now=services.clock.now()
    )
    if not pairs:
        await callback.answer(_("Everyone has joined."))
        return
    chat_id = pressed_message(callback).chat.id
    header = _("Personal invite links (each works once, for 7 days). Send each person their own:")
    body = await _links(bot, pairs)
    for chunk in _chunks(header + "\n\n" + body):
        await bot.send_message(chat_id, chunk)


async def on_link(
    callback: CallbackQuery,
    callback_data: PeopleCallback,
    identity: Identity,
    services: Services,
    bot: Bot,
) -> None:
    name, token = await people.invite_member(
        services.uow, identity, person_id=callback_data.person_id, now=services.clock.now()
    )
    await bot.send_message(
        pressed_message(callback).chat.id,
        _("Invite link for {name} (works once, for 7 days):\n{links}").format(
            name=quote(name), links=await _links(bot, [(name, token)])
        ),
    )


async def cmd_invite(
    message: Message, command: CommandObject, identity: Identity, services: Services, bot: Bot
) -> None:
    name = (command.args or "").strip()
    if not name:
        await message.answer(_("Write the name: <code>/invite Иванова А.П.</code>"))
        return
    full_name, token = await people.invite_person(
        services.uow, identity, full_name=name, now=services.clock.now()
    )
    await message.answer(
        _("Invite link for {name} (works once, for 7 days):\n{links}").format(
            name=quote(full_name), links=await _links(bot, [(full_name, token)])
        )
    )


async def cmd_revoke(
    message: Message, command: CommandObject, identity: Identity, services: Services
) -> None:
    name = (command.args or "").strip()
    revoked = await people.revoke_by_name(
        services.uow, identity, name=name, now=services.clock.now()
    )
    if revoked is None:
        await message.answer(_("Write the name: <code>/revoke Иванова А.П.</code>"))
        return
    full_name, count = revoked
    await message.answer(
        _("Links revoked for {name}: {n}.").format(name=quote(full_name), n=count)
    )


async def cmd_unit(
    message: Message, command: CommandObject, identity: Identity, services: Services
) -> None:
    unit, _sep, name = (command.args or "").partition(";")
    if not unit.strip() or not name.strip():
        await message.answer(
            _("Who reads a unit's reminders: <code>/unit МОУО; Иванова А.П.</code>")
        )
        return
    unit_name, person_name = await people.link_unit_member(
        services.uow, identity, unit_name=unit, person_name=name, now=services.clock.now()
    )
    await message.answer(
        _("{name} now receives the reminders of «{unit}».").format(
            name=quote(person_name), unit=quote(unit_name)
        )
    )


def _chunks(text: str, limit: int = 3800) -> list[str]:
    """`text` in messages of at most `limit` characters, split between lines (a line
    longer than that, which our lines never are, is shortened as plain text)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        line = fit(line, limit - 1)
        if current and len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = ""
        current += line + "\n"
    if current.strip() or not chunks:
        chunks.append(current)
    return chunks


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Coordinator())
    router.callback_query.filter(Coordinator())
    router.message.register(cmd_people, Command("people"))
    router.message.register(cmd_invite, Command("invite"))
    router.message.register(cmd_revoke, Command("revoke"))
    router.message.register(cmd_unit, Command("unit"))
    router.callback_query.register(
        on_invite_all, PeopleCallback.filter(F.action == PeopleAction.INVITE_ALL)
    )
    router.callback_query.register(on_link, PeopleCallback.filter(F.action == PeopleAction.LINK))
    return router
