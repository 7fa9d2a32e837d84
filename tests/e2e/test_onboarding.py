"""Admins create organisations; coordinators invite; access rules hold over HTTP."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from aiogram.filters.callback_data import CallbackData

from handlers.callbacks import PeopleAction, PeopleCallback, ReminderAction, ReminderCallback
from storage.uow import UnitOfWork
from tests.e2e.conftest import ADMIN_ID, RunningBot
from tests.e2e.seed import seed_organisation

ROOT = Path(__file__).resolve().parents[2]


def _token(text: str) -> str:
    found = re.search(r"start=(\S+)", text)
    assert found, text
    return found.group(1)


async def _press_raw(bot: RunningBot, user_id: int, data: CallbackData, on_message) -> str:  # type: ignore[no-untyped-def]
    """A forged button press: callback data the bot never sent to this user."""
    user = bot.tg.user(user_id)
    update = bot.tg.queue_update(
        "callback_query",
        {
            "id": f"forged-{user_id}-{len(bot.tg.callback_answers)}",
            "from": user.user_dict,
            "chat_instance": "x",
            "message": on_message,
            "data": data.pack(),
        },
    )
    return str(update["callback_query"]["id"])


async def test_admin_creates_an_organisation_and_the_coordinator_joins(
    running_bot: RunningBot,
) -> None:
    tg = running_bot.tg
    admin = tg.user(ADMIN_ID, first_name="Админ")
    await admin.send_text("/neworg МАОУ гимназия №1; Europe/Kaliningrad; Воропаева Е.В.")
    created = await admin.wait_for_text("создана")
    assert "Europe/Kaliningrad" in created.text
    coordinator = tg.user(8001, first_name="Елена")
    await coordinator.send_text(f"/start {_token(created.text)}")
    joined = await coordinator.wait_for_text("Добро пожаловать")
    assert "МАОУ гимназия №1" in joined.text and "координатор" in joined.text
    await coordinator.send_text("/help")
    assert "Для координаторов" in (await coordinator.wait_for_message()).text
    # The link is single use.
    other = tg.user(8002)
    await other.send_text(f"/start {_token(created.text)}")
    assert "уже использована" in (await other.wait_for_message()).text
    assert tg.failed_calls == []


async def test_only_admins_create_organisations(running_bot: RunningBot) -> None:
    user = running_bot.tg.user(8100)
    await user.send_text("/neworg Чужая школа")
    reply = await user.wait_for_message()
    assert "создана" not in reply.text
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert await uow.organisations.by_name("Чужая школа") is None


@pytest.mark.both_databases
async def test_an_officer_cannot_manage_people_or_reach_another_organisation(
    running_bot: RunningBot,
) -> None:
    now = running_bot.clock.now()
    school = await seed_organisation(
        running_bot.app.session_factory, now, linked={"Бобров В.С.": 7002}
    )
    other = await seed_organisation(
        running_bot.app.session_factory,
        now,
        name="Другая школа",
        coordinator=("Петрова А.И.", 7101),
        linked={"Изотова А.И.": 7102},
        plan_through=date(2022, 12, 31),
    )
    officer = running_bot.tg.user(7002)
    await officer.send_text("/people")
    reply = await officer.wait_for_message()
    assert reply.text == "Это могут делать только координаторы."

    # A forged "link" press for a person of another organisation.
    await officer.send_text("/help")
    help_message = await officer.wait_for_message()
    query = await _press_raw(
        running_bot,
        7002,
        PeopleCallback(action=PeopleAction.LINK, person_id=other.persons["Изотова А.И."]),
        help_message.data,
    )
    answer = await running_bot.tg.wait_for_callback_answer(query)
    assert "start=" not in (answer.text or "")
    # A forged reminder button for another organisation's reminder.
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        foreign = [
            (r.id, r.kind, r.fire_at)
            for r in await uow.reminders.for_person(other.persons["Изотова А.И."])
        ]
    query = await _press_raw(
        running_bot,
        7002,
        ReminderCallback(action=ReminderAction.SNOOZE, reminder_id=foreign[0][0]),
        help_message.data,
    )
    answer = await running_bot.tg.wait_for_callback_answer(query)
    assert "не вам" in (answer.text or "")
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        after = [
            (r.id, r.kind, r.fire_at)
            for r in await uow.reminders.for_person(other.persons["Изотова А.И."])
        ]
    assert after == foreign  # nothing snoozed
    assert school.organisation_id != other.organisation_id
    for message in running_bot.tg.user(7002).messages:
        assert "Другая школа" not in (message.text or "")


def test_cli_creates_an_organisation_and_invites(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    created = cli(
        "org",
        "create",
        "МАОУ СОШ №5",
        "--timezone",
        "Asia/Yekaterinburg",
        "--coordinator",
        "Петрова Анна Ивановна",
        "--bot-username",
        "roadmap_bot",
    )
    assert created.returncode == 0, created.stderr
    assert "invite for Петрова А.И." in created.stdout
    assert "https://t.me/roadmap_bot?start=" in created.stdout
    listed = cli("org", "list")
    assert "МАОУ СОШ №5\tAsia/Yekaterinburg" in listed.stdout
    invited = cli("invite", "--org", "маоу сош №5", "--name", "Иванов И.И.")
    assert invited.returncode == 0 and "invite for Иванов И.И." in invited.stdout
    wrong = cli(
        "org", "create", "Школа", "--timezone", "Mars/Base", "--coordinator", "Иванов И.И."
    )
    assert wrong.returncode == 2 and "Mars/Base" in wrong.stderr
    assert "Traceback" not in wrong.stderr


async def test_coordinator_changes_the_organisation_hour_and_rule(
    running_bot: RunningBot,
) -> None:
    seeded = await seed_organisation(
        running_bot.app.session_factory,
        running_bot.clock.now(),
        linked={"Бобров В.С.": 7002},
        plan_through=date(2022, 12, 31),
    )
    coordinator = running_bot.tg.user(7001)
    await coordinator.send_text("/orgsettings")
    menu = await coordinator.wait_for_text("Настройки организации")
    assert "9:00" in menu.text and "Europe/Kaliningrad" in menu.text
    query = await coordinator.press(menu, "11:00")
    await running_bot.tg.wait_for_callback_answer(query)
    edited = coordinator.messages[-1]
    assert edited.edited and "Напоминания в 11:00" in edited.text
    query = await coordinator.press(edited, "Каждый отчитывается сам")
    await running_bot.tg.wait_for_callback_answer(query)
    await coordinator.send_text("/orgsettings Asia/Yekaterinburg")
    zoned = await coordinator.wait_for_text("Asia/Yekaterinburg")
    assert "каждый ответственный отчитывается отдельно" in zoned.text
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        organisation = await uow.organisations.get(seeded.organisation_id)
        assert organisation is not None
        assert (organisation.morning_hour, organisation.timezone) == (11, "Asia/Yekaterinburg")
        assert organisation.one_report_closes is False
        # Bobrov's future reminders moved to 11:00 in Yekaterinburg (06:00 UTC).
        rows = await uow.reminders.for_person(seeded.persons["Бобров В.С."])
        pending = [r for r in rows if r.state == "pending"]
        assert pending and all(r.fire_at.hour == 6 for r in pending if "checkin" not in r.kind)
    officer = running_bot.tg.user(7002)
    await officer.send_text("/orgsettings")
    assert (await officer.wait_for_message()).text == "Это могут делать только координаторы."
    assert running_bot.tg.failed_calls == []


async def test_coordinator_sets_the_cadence(running_bot: RunningBot) -> None:
    seeded = await seed_organisation(
        running_bot.app.session_factory, running_bot.clock.now(), linked={"Бобров В.С.": 7002}
    )
    coordinator = running_bot.tg.user(7001)
    await coordinator.send_text("/cadence 1 7 1 7")
    assert "сначала более ранний" in (await coordinator.wait_for_message()).text
    await coordinator.send_text("/cadence 14 3 2 10")
    saved = await coordinator.wait_for_text("Сохранено")
    assert "за 14, 3 дн." in saved.text and "через 2, 10 дн." in saved.text
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        organisation = await uow.organisations.get(seeded.organisation_id)
        assert organisation is not None and organisation.cadence is not None
        assert organisation.cadence["early_warning_days"] == 14
        assert organisation.cadence["escalation_days"] == 11
        rows = await uow.reminders.for_person(seeded.persons["Бобров В.С."])
        early = [r for r in rows if r.kind == "due_in_7" and r.state == "pending"]
        occurrences = {
            o.id: o.due_date
            for m in await uow.roadmaps.measures(seeded.roadmap_id)
            for o in await uow.roadmaps.occurrences(m.id)
        }
        # 14 days ahead, or a little more when that day is a day off (moved earlier).
        assert early and all(
            14 <= (occurrences[r.occurrence_id] - r.fire_at.date()).days <= 18 for r in early
        )
    assert running_bot.tg.failed_calls == []
