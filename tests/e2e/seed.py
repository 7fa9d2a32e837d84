"""Seeding an organisation straight into the database, for e2e tests of features that
come after onboarding (onboarding itself is tested through the bot)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.calendar import local_date
from bot.import_flow import save_roadmap
from bot.imports import store_roadmap
from bot.reminders.outbox import PLANNING_LOOKBACK, ensure_planned, plan_range
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


async def save_text_plan(
    uow: UnitOfWork, organisation_id: int, text: str, *, now: datetime, source_name: str
) -> None:
    """A plan pasted as text, saved as the chat's confirm saves it (commits, plans)."""
    await save_roadmap(
        uow,
        organisation_id=organisation_id,
        parsed=parse_text(text),
        now=now,
        source_name=source_name,
        source_sha256=None,
    )


async def add_joined_person(
    uow: UnitOfWork,
    organisation_id: int,
    full_name: str,
    telegram_id: int,
    *,
    now: datetime,
    role: Role = Role.COORDINATOR,
) -> int:
    """A person who has joined the bot as `role` of the organisation (not committed)."""
    person = await uow.people.add(
        full_name=full_name, now=now, telegram_user_id=telegram_id, chat_id=telegram_id
    )
    await uow.people.add_membership(
        organisation_id=organisation_id, person_id=person.id, role=role, now=now, joined_at=now
    )
    return person.id


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
    plan_through: date | None = None,
) -> Seeded:
    """An organisation with a stored plan; `linked` maps plan names to Telegram ids.

    Reminder rows are planned a day at a time (today and tomorrow); `plan_through` plans
    the days up to that date at once, for tests that look at rows further ahead.
    """
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
            await ensure_planned(uow, organisation.id, now=now)
            if plan_through is not None:
                await plan_range(
                    uow,
                    organisation.id,
                    first=local_date(now, timezone),
                    last=plan_through,
                    now=now,
                    earliest=now - PLANNING_LOOKBACK,
                )
                await uow.organisations.advance_planned_through(organisation.id, plan_through)
        await uow.commit()
    return seeded


async def seed_burst(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    people: int,
    fire_at: datetime,
    first_telegram_id: int = 100_000,
    timezone: str = "Europe/Moscow",
) -> list[int]:
    """`people` linked persons, each with one reminder due at `fire_at`: a morning burst.

    Rows are inserted directly (bulk) so that thousands take a moment; returns the
    Telegram ids of the recipients.
    """
    from datetime import timedelta

    from sqlalchemy import insert

    from storage.models import (
        Measure,
        Membership,
        Occurrence,
        Organisation,
        Person,
        Reminder,
        Roadmap,
    )

    due = (fire_at + timedelta(days=7)).date()
    telegram_ids = [first_telegram_id + i for i in range(people)]
    async with UnitOfWork(session_factory) as uow:
        session = uow.session
        assert session is not None
        organisation = Organisation(
            name=f"Нагрузка {first_telegram_id}",
            timezone=timezone,
            language="ru",
            morning_hour=9,
            one_report_closes=True,
            created_at=fire_at,
        )
        session.add(organisation)
        await session.flush()
        roadmap = Roadmap(
            organisation_id=organisation.id,
            title="План для нагрузки",
            period_start=fire_at.year,
            period_end=fire_at.year,
            created_at=fire_at,
            updated_at=fire_at,
        )
        session.add(roadmap)
        await session.flush()
        measure = Measure(
            roadmap_id=roadmap.id,
            number="1.1",
            title="Мероприятие для проверки доставки",
            deadline_raw="",
            schedule_kind="once",
            schedule={"kind": "once", "windows": [], "warnings": [], "note": None},
            position=0,
        )
        session.add(measure)
        await session.flush()
        occurrence = Occurrence(
            measure_id=measure.id,
            organisation_id=organisation.id,
            window_start=due,
            due_date=due,
            is_span=False,
        )
        session.add(occurrence)
        await session.flush()
        person_ids = []
        for start in range(0, people, 1000):
            chunk = telegram_ids[start : start + 1000]
            result = await session.execute(
                insert(Person).returning(Person.id),
                [
                    {
                        "full_name": f"Сотрудник {tid}",
                        "telegram_user_id": tid,
                        "chat_id": tid,
                        "created_at": fire_at,
                    }
                    for tid in chunk
                ],
            )
            person_ids += list(result.scalars())
        for start in range(0, people, 1000):
            chunk = person_ids[start : start + 1000]
            await session.execute(
                insert(Membership),
                [
                    {
                        "organisation_id": organisation.id,
                        "person_id": pid,
                        "role": "officer",
                        "joined_at": fire_at,
                        "created_at": fire_at,
                    }
                    for pid in chunk
                ],
            )
            await session.execute(
                insert(Reminder),
                [
                    {
                        "organisation_id": organisation.id,
                        "occurrence_id": occurrence.id,
                        "person_id": pid,
                        "kind": "due_in_7",
                        "fire_at": fire_at,
                        "state": "pending",
                        "attempts": 0,
                    }
                    for pid in chunk
                ],
            )
        await uow.commit()
    return telegram_ids
