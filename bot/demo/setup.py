"""Seeds the demo organisation for the local chat mode and links the console user.

Idempotent: the second start finds everything in place. The console user is the demo
coordinator unless `--as NAME` names a person of the plan, whom it then plays.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock
from bot.imports import store_roadmap
from storage.models import Role
from storage.uow import UnitOfWork

DEMO_ORGANISATION = "МАОУ «Демо-школа»"
DEMO_TIMEZONE = "Europe/Kaliningrad"
DEMO_PLAN = Path(__file__).with_name("demo_plan.txt")
CONSOLE_COORDINATOR_NAME = "Координатор (консоль)"


class DemoSetupError(Exception):
    """The console cannot start as asked (unknown organisation or person)."""


@dataclass
class ConsoleIdentity:
    organisation_name: str
    person_name: str
    role: str


async def ensure_demo_organisation(uow: UnitOfWork, clock: Clock) -> int:
    from bot.roadmap import parse_text

    now = clock.now()
    organisation = await uow.organisations.by_name(DEMO_ORGANISATION)
    if organisation is None:
        organisation = await uow.organisations.add(
            name=DEMO_ORGANISATION, timezone=DEMO_TIMEZONE, now=now
        )
    if not await uow.roadmaps.for_organisation(organisation.id):
        parsed = parse_text(DEMO_PLAN.read_text(encoding="utf-8"))
        await store_roadmap(
            uow,
            organisation_id=organisation.id,
            parsed=parsed,
            now=now,
            source_name=DEMO_PLAN.name,
        )
    await uow.commit()
    return organisation.id


async def link_console_user(
    uow: UnitOfWork,
    clock: Clock,
    *,
    telegram_user_id: int,
    organisation_name: str | None,
    as_name: str | None,
) -> ConsoleIdentity:
    now = clock.now()
    if organisation_name is None:
        organisation_id = await ensure_demo_organisation(uow, clock)
        organisation = await uow.organisations.get(organisation_id)
    else:
        organisation = await uow.organisations.by_name(organisation_name)
    if organisation is None:
        names = ", ".join(o.name for o in await uow.organisations.list()) or "—"
        raise DemoSetupError(f"no organisation named {organisation_name!r} (there are: {names})")

    members = await uow.people.members(organisation.id)
    if as_name is None:
        target = next(
            (
                p
                for p, m in members
                if m.role == Role.COORDINATOR and p.telegram_user_id in (None, telegram_user_id)
            ),
            None,
        )
        if target is None:
            target = await uow.people.add(full_name=CONSOLE_COORDINATOR_NAME, now=now)
            await uow.people.add_membership(
                organisation_id=organisation.id,
                person_id=target.id,
                role=Role.COORDINATOR,
                now=now,
                joined_at=now,
            )
    else:
        wanted = as_name.replace("ё", "е").lower().replace(" ", "")
        target = next(
            (
                p
                for p, _m in members
                if p.full_name.replace("ё", "е").lower().replace(" ", "").startswith(wanted)
            ),
            None,
        )
        if target is None:
            names = ", ".join(p.full_name for p, _m in members)
            raise DemoSetupError(
                f"no person {as_name!r} in {organisation.name} (there are: {names})"
            )

    # The console account plays exactly one person at a time.
    current = await uow.people.by_telegram_id(telegram_user_id)
    if current is not None and current.id != target.id:
        current.telegram_user_id = None
        current.chat_id = None
        await uow.flush()
    target.telegram_user_id = telegram_user_id
    target.chat_id = telegram_user_id
    membership = await uow.people.membership(organisation.id, target.id)
    assert membership is not None
    if membership.joined_at is None:
        membership.joined_at = now
    await uow.commit()
    return ConsoleIdentity(
        organisation_name=organisation.name, person_name=target.full_name, role=membership.role
    )
