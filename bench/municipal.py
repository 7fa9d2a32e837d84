"""A municipality at full size: one education office, 50 schools, 300 measures, 5 people a
school (issue 10). Times, through the real bot and the fake Bot API server:

* import: parse the plan text and store it (units classified);
* schools: 50 schools added from a list (each gets its share of the plan: the fan-out);
* planning: the next day's reminder rows of every organisation (`plan_due`);
* morning: the tick at the hour sends every person's morning message, under Telegram's
  limits (30 messages a second, one a second per chat) — aim: done within 60 s of the hour;
* summary: the office's municipal /summary, in-process (read, compute, render, charts) and
  as the coordinator sees it (from sending /summary to the first page) — aim: ≤ 1 s;
* a school's share: its coordinator's /export of its part of the municipal plan (XLSX and
  DOCX, in-process), and the Monday digests of the office and every school (built and
  drawn, not sent);
* floor, in the same run: an echo bot through a fake server of its own (an update in, a
  message out), and the bot's own /help, so the summary's figures can be read against what
  any answer costs here.

    .venv/bin/python bench/municipal.py [--schools 50] [--measures 300] [--people 5]

With TEST_DATABASE_URL set, the same on PostgreSQL too. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiogram import Bot, Dispatcher  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiogram.types import Message  # noqa: E402
from sqlalchemy import delete, select, update  # noqa: E402

from bot import coordination  # noqa: E402
from bot.app import build_app  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.imports import store_roadmap  # noqa: E402
from bot.member_list import parse_member_lines  # noqa: E402
from bot.members import add_members  # noqa: E402
from bot.reminders.outbox import plan_due  # noqa: E402
from bot.roadmap import parse_text  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.models import (  # noqa: E402
    Membership,
    Organisation,
    Person,
    Reminder,
    Role,
    UnitMember,
)
from storage.uow import UnitOfWork  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402

TOKEN = "6161:BENCH-MUNICIPAL"
ECHO_TOKEN = "6162:BENCH-ECHO"
ZONE = "Europe/Kaliningrad"  # UTC+2: the 9 o'clock morning is 07:00 UTC
START = datetime(2022, 5, 24, 5, 0, tzinfo=UTC)  # a Tuesday, before the morning
HOUR = datetime(2022, 5, 24, 7, 0, tzinfo=UTC)
MONDAY = datetime(2022, 5, 30, 7, 5, tzinfo=UTC)  # the next Monday, after the hour
OFFICE_ID = 9_000_000
UNIT_KINDS = {
    "МОУО": ("owner", None),
    "ОО": ("member_organisations", "school"),
    "ММО": ("people_group", None),
}
DEADLINES = (
    "ежегодно, май",
    "май 2022 года",
    "до 1 июня 2022 г.",
    "ежеквартально",
    "постоянно",
    "сентябрь 2022",
    "ежегодно, декабрь",
    "апрель 2022 года",
)
RESPONSIBLE = ("МОУО, ОО", "ОО", "МОУО", "ОО", "ММО, ОО", "МОУО, ОО")
REPEATS = 3


def plan_text(measures: int) -> str:
    """A municipal plan of `measures` measures in six sections."""
    lines = [
        "План мероприятий («дорожная карта») по развитию муниципальной системы оценки"
        " качества образования на 2022-2024 годы",
        "",
        "№ п/п\tМероприятие\tСроки исполнения\tОтветственный",
    ]
    per_section = -(-measures // 6)
    count = 0
    for section in range(1, 7):
        lines.append(f"<b>{section}. Раздел {section}: направление работы</b>\t\t\t")
        for index in range(1, per_section + 1):
            count += 1
            if count > measures:
                break
            lines.append(
                f"{section}.{index}.\tМероприятие {section}.{index}: организация работы по"
                f" направлению {index} в общеобразовательных организациях"
                f"\t{DEADLINES[count % len(DEADLINES)]}\t{RESPONSIBLE[count % len(RESPONSIBLE)]}"
            )
    return "\n".join(lines) + "\n"


async def timed(action: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await action()
    return time.perf_counter() - started, result


async def setup(app: Any, measures: int, schools: int, people: int) -> dict[str, Any]:
    """Import, schools, people; returns timings and the ids."""
    now = START
    factory = app.session_factory
    figures: dict[str, Any] = {}
    started = time.perf_counter()
    parsed = parse_text(plan_text(measures))
    async with UnitOfWork(factory) as uow:
        office = await uow.organisations.add(
            name="Управление образования муниципального округа",
            timezone=ZONE,
            now=now,
            kind="municipality",
        )
        stored = await store_roadmap(
            uow, organisation_id=office.id, parsed=parsed, now=now, unit_kinds=UNIT_KINDS
        )
        await uow.commit()
    figures["import_s"] = round(time.perf_counter() - started, 3)
    figures["measures"] = len(stored.measure_ids)

    listing = "\n".join(
        f"{i}. МБОУ «СОШ № {i}»; Директорова Д.{i % 30 + 1}." for i in range(1, schools + 1)
    )
    async with UnitOfWork(factory) as uow:
        seconds, added = await timed(
            lambda: add_members(
                uow, parent_id=office.id, members=parse_member_lines(listing), now=now
            )
        )
    figures["schools_s"] = round(seconds, 3)
    figures["school_obligations"] = added.obligations

    # People: the office's five (its coordinator first, all in МОУО) and five a school (the
    # contact as its coordinator, four deputies), all joined.
    telegram_id = OFFICE_ID
    async with UnitOfWork(factory) as uow:
        assert uow.session is not None
        units = await uow.roadmaps.units_by_name(office.id)
        for index in range(people):
            person = await uow.people.add(
                full_name=f"Сотрудникова С.{index}.",
                now=now,
                telegram_user_id=telegram_id + index,
                chat_id=telegram_id + index,
            )
            await uow.people.add_membership(
                organisation_id=office.id,
                person_id=person.id,
                role=Role.COORDINATOR if index == 0 else Role.OFFICER,
                now=now,
                joined_at=now,
            )
            if "МОУО" in units:
                uow.session.add(UnitMember(unit_id=units["МОУО"].id, person_id=person.id))
        telegram_id += people
        contacts = (
            await uow.session.execute(
                select(Membership, Person)
                .join(Person, Person.id == Membership.person_id)
                .where(Membership.organisation_id.in_([m.organisation_id for m in added.added]))
            )
        ).all()
        for membership, person in contacts:
            person.telegram_user_id = person.chat_id = telegram_id
            membership.joined_at = now
            telegram_id += 1
            for deputy in range(people - 1):
                other = await uow.people.add(
                    full_name=f"Заместитель З.{deputy}.",
                    now=now,
                    telegram_user_id=telegram_id,
                    chat_id=telegram_id,
                )
                telegram_id += 1
                await uow.people.add_membership(
                    organisation_id=membership.organisation_id,
                    person_id=other.id,
                    role=Role.OFFICER,
                    now=now,
                    joined_at=now,
                )
        await uow.commit()
    figures["people"] = telegram_id - OFFICE_ID
    figures["office_id"] = office.id
    figures["telegram_ids"] = list(range(OFFICE_ID, telegram_id))
    return figures


async def echo_floor(rounds: int) -> float:
    """An update in, a message out: the least any answer costs through a fake server."""
    async with FakeTelegram(token=ECHO_TOKEN) as tg:
        bot = Bot(ECHO_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
        dispatcher = Dispatcher()

        @dispatcher.message()
        async def echo(message: Message) -> None:
            await message.answer(message.text or "")

        polling = asyncio.create_task(
            dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
        )
        try:
            user = tg.user(1)
            times = []
            for index in range(rounds):
                started = time.perf_counter()
                await user.send_text(f"эхо {index}")
                await user.wait_for_text(f"эхо {index}")
                times.append(time.perf_counter() - started)
        finally:
            await dispatcher.stop_polling()
            await asyncio.wait_for(polling, 20)
            await bot.session.close()
    return statistics.median(times)


async def run_case(name: str, database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"case": name}
    async with FakeTelegram(token=TOKEN) as tg:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            bot_token=TOKEN,
            telegram_api_url=tg.base_url,
            database_url=database_url,
            files_dir=Path(tempfile.mkdtemp()),
            default_timezone=ZONE,
        )
        clock = FixedClock(START)
        app = await build_app(settings, clock)
        if app.engine.dialect.name == "postgresql":
            from sqlalchemy import text

            from storage.models import Base

            async with app.engine.begin() as connection:
                names = ", ".join(t.name for t in Base.metadata.sorted_tables)
                await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        polling = asyncio.create_task(
            app.dispatcher.start_polling(app.bot, handle_signals=False, polling_timeout=1)
        )
        try:
            await tg.wait_until(lambda: tg.commands_for(), 20, failure="the bot did not start")
            figures = await setup(app, args.measures, args.schools, args.people)
            ids = figures.pop("telegram_ids")
            office_id = figures.pop("office_id")
            result.update(figures)
            for telegram_id in ids:
                tg.user(telegram_id)

            # Planning: today and tomorrow of every organisation, from nothing (the rows
            # planned when the schools were added had nobody in the bot yet).
            clock.set(HOUR - timedelta(minutes=30))
            async with app.engine.begin() as connection:
                await connection.execute(update(Organisation).values(planned_through=None))
                await connection.execute(delete(Reminder))
            seconds, rows = await timed(lambda: plan_due(app.session_factory, clock.now()))
            result["planning_s"] = round(seconds, 3)
            result["planned_rows"] = rows

            # The morning: every person's message out under Telegram's limits.
            tg.set_limits(True)
            clock.set(HOUR)
            seconds, stats = await timed(app.delivery.tick)
            result["morning_s"] = round(seconds, 2)
            result["morning_messages"] = stats.messages
            result["morning_429"] = tg.rate_limit_hits
            tg.set_limits(False)

            # The summary, in-process (median of a few) and as the coordinator sees it.
            async with UnitOfWork(app.session_factory) as uow:
                identity = await app_identity(app, uow, OFFICE_ID)
                times = []
                for _ in range(REPEATS):
                    started = time.perf_counter()
                    summary = await coordination.summary(uow, identity, now=clock.now())
                    charts = summary.all_charts()
                    times.append(time.perf_counter() - started)
                result["summary_service_s"] = round(statistics.median(times), 3)
                result["summary_pages"] = len(summary.pages)
                async with UnitOfWork(app.session_factory) as other:
                    started = time.perf_counter()
                    await coordination.summary(other, identity, now=clock.now(), charts=False)
                    result["summary_text_only_s"] = round(time.perf_counter() - started, 3)
            office = tg.user(OFFICE_ID)
            first_page, everything, help_times = [], [], []
            for _ in range(REPEATS):
                before = len(office.messages)
                started = time.perf_counter()
                await office.send_text("/summary")
                await office.wait_for_text("Исполнение плана", timeout=30)
                first_page.append(time.perf_counter() - started)
                expected = before + len(summary.pages) + len(charts)
                await tg.wait_until(lambda e=expected: len(office.messages) >= e, 60)
                everything.append(time.perf_counter() - started)
            for _ in range(REPEATS):
                started = time.perf_counter()
                await office.send_text("/help")
                await office.wait_for_text("/summary", timeout=30)
                help_times.append(time.perf_counter() - started)
            result["summary_first_page_s"] = round(statistics.median(first_page), 3)
            result["summary_all_messages_s"] = round(statistics.median(everything), 3)
            result["help_roundtrip_s"] = round(statistics.median(help_times), 3)
            result["office_id"] = office_id

            # A school's share: its coordinator's exports, then Monday's digests of all.
            school_contact = OFFICE_ID + args.people
            for fmt in ("xlsx", "docx"):
                times = []
                for _ in range(REPEATS):
                    async with UnitOfWork(app.session_factory) as uow:
                        identity = await app_identity(app, uow, school_contact)
                        seconds, document = await timed(
                            lambda u=uow, i=identity, f=fmt: coordination.export(
                                u, i, now=clock.now(), fmt=f
                            )
                        )
                        times.append(seconds)
                result[f"school_export_{fmt}_s"] = round(statistics.median(times), 3)
                result[f"school_export_{fmt}_bytes"] = len(document.content)
            clock.set(MONDAY)
            async with UnitOfWork(app.session_factory) as uow:
                seconds, digests = await timed(
                    lambda: coordination.due_digests(uow, now=clock.now())
                )
            result["digests_s"] = round(seconds, 2)
            result["digests"] = len(digests)
        finally:
            await app.dispatcher.stop_polling()
            await asyncio.wait_for(polling, 20)
            await app.close()
    print(
        f"{name:<12} import {result['import_s']} s, {args.schools} schools {result['schools_s']} s"
        f" ({result['school_obligations']} obligations), planning {result['planning_s']} s"
        f" ({result['planned_rows']} rows), morning {result['morning_s']} s"
        f" ({result['morning_messages']} messages, 429s {result['morning_429']}),"
        f" summary {result['summary_service_s']} s in-process"
        f" ({result['summary_text_only_s']} s without charts),"
        f" first page {result['summary_first_page_s']} s,"
        f" all {result['summary_all_messages_s']} s;"
        f" /help {result['help_roundtrip_s']} s;"
        f" a school's share exported: XLSX {result['school_export_xlsx_s']} s,"
        f" DOCX {result['school_export_docx_s']} s;"
        f" Monday digests {result['digests_s']} s ({result['digests']} messages)"
    )
    return result


async def app_identity(app: Any, uow: UnitOfWork, telegram_id: int) -> Any:
    from bot.services import Services

    services = Services(uow=uow, clock=app.clock, settings=app.settings)
    return await services.identify(telegram_id, None)


async def main(args: argparse.Namespace) -> None:
    floor = await echo_floor(10)
    print(f"floor: echo bot round trip {floor:.3f} s (median of 10)")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        results.append(await run_case("sqlite", url, args))
    postgres_url = os.environ.get("TEST_DATABASE_URL")
    if postgres_url:
        from bot.settings import normalise_database_url

        results.append(await run_case("postgresql", normalise_database_url(postgres_url), args))
    else:
        print("PostgreSQL case skipped: set TEST_DATABASE_URL to run it")
    for result in results:
        result["summary_ok"] = result["summary_first_page_s"] <= 1.0
        result["morning_ok"] = result["morning_s"] <= 60.0
        result["summary_over_floor_s"] = round(result["summary_first_page_s"] - floor, 3)
    print(
        json.dumps(
            {
                "bench": "municipal",
                "schools": args.schools,
                "measures": args.measures,
                "people_per_school": args.people,
                "echo_floor_s": round(floor, 3),
                "results": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--measures", type=int, default=300)
    parser.add_argument("--people", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
