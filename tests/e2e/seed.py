"""Seeding an organisation straight into the database, for e2e tests of features that
come after onboarding (onboarding itself is tested through the bot)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.imports import store_roadmap
from bot.reminders.outbox import plan_organisation
from bot.roadmap import parse_text
from storage.models import Role, UnitMember
from storage.uow import UnitOfWork

SMALL_PLAN = """\

План мероприятий («Дорожная карта») по развитию системы оценки качества\
 образования на 2022—2024 годы

№ п/п\tМероприятие\tСроки исполнения\tОтветственный
<b>1. Нормативное обеспечение</b>\t\t\t
1.1.\tУтверждение Дорожной карты\tфевраль 2022 года\tВоропаева Е.В., заместитель директора
1.2.\tАнализ результатов ВПР\tежегодно, май\tБобров В.С., заместитель директора
1.3.\tОрганизация школьного этапа олимпиады\tежегодно сентябрь-октябрь\tИзотова А.И.
1.4.\tМониторинг функциональной грамотности\tежегодно, июнь\tВоропаева Е.В., Бобров В.С.
1.5.\tИнформирование родителей о результатах\tпостоянно\tВоропаева Е.В.
1.6.\tСверка данных по выпускникам\tежегодно, май\tМОУО
"""


@dataclass
class Seeded:
    organisation_id: int
    roadmap_id: int
    persons: dict[str, int] = field(default_factory=dict)  # full name -> person id
    units: dict[str, int] = field(default_factory=dict)


async def seed_organisation(
    session_factory: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    name: str = "МАОУ гимназия №1",
    timezone: str = "Europe/Kaliningrad",
    plan_text: str = SMALL_PLAN,
    coordinator: tuple[str, int] | None = ("Лисичкина Г.А.", 7001),
    linked: dict[str, int] | None = None,
    unit_members: dict[str, list[str]] | None = None,
    plan_reminders: bool = True,
) -> Seeded:
    """An organisation with a stored plan; `linked` maps plan names to Telegram ids."""
    async with UnitOfWork(session_factory) as uow:
        organisation = await uow.organisations.add(name=name, timezone=timezone, now=now)
        result = await store_roadmap(
            uow, organisation_id=organisation.id, parsed=parse_text(plan_text), now=now
        )
        people = await uow.roadmaps.people_by_name(organisation.id)
        seeded = Seeded(organisation.id, result.roadmap_id)
        if coordinator is not None:
            coordinator_name, telegram_id = coordinator
            person = people.get(coordinator_name) or await uow.people.add(
                full_name=coordinator_name, now=now
            )
            person.telegram_user_id = telegram_id
            person.chat_id = telegram_id
            membership = await uow.people.membership(organisation.id, person.id)
            if membership is None:
                await uow.people.add_membership(
                    organisation_id=organisation.id,
                    person_id=person.id,
                    role=Role.COORDINATOR,
                    now=now,
                    joined_at=now,
                )
            else:
                membership.role = Role.COORDINATOR.value
                membership.joined_at = now
            people[coordinator_name] = person
        for full_name, telegram_id in (linked or {}).items():
            person = people[full_name]
            person.telegram_user_id = telegram_id
            person.chat_id = telegram_id
            membership = await uow.people.membership(organisation.id, person.id)
            assert membership is not None
            membership.joined_at = now
        units = await uow.roadmaps.units_by_name(organisation.id)
        for unit_name, members in (unit_members or {}).items():
            for member in members:
                uow.session.add(
                    UnitMember(unit_id=units[unit_name].id, person_id=people[member].id)
                )
        await uow.session.flush()
        seeded.persons = {name: person.id for name, person in people.items()}
        seeded.units = {name: unit.id for name, unit in units.items()}
        if plan_reminders:
            await plan_organisation(uow, organisation.id, now=now)
        await uow.commit()
    return seeded
