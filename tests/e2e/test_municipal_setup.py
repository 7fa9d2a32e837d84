"""A municipal coordinator sets up the schools in the chat (issue 10, through the fake Bot
API): the plan's units are understood, five schools are added from a pasted list, their
contacts join as the schools' coordinators, each school gets its own mornings within a
phone's limits, and a school cannot act on another school's reminders."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.models import Organisation, Reminder
from storage.uow import UnitOfWork
from tests.e2e.conftest import RunningBot
from tests.e2e.seed import add_joined_person, save_text_plan
from tests.fake_telegram import ChatMessage, FakeUser

OFFICE = 7001
SCHOOL_CONTACTS = {"Сидорова А.А.": 7101, "Петров П.П.": 7102, "Кузнецова К.К.": 7103}
SCHOOL_LIST = """\
1. МБОУ «СОШ № 1 г. Правдинска»; Сидорова Анна Алексеевна
2. МБОУ «СОШ № 2»; Петров П.П.

3. МБОУ «Железнодорожная СОШ»; Кузнецова К.К.
4) МБОУ «Домновская ООШ»
- МБОУ «СОШ №2»
5. МБДОУ «Детский сад № 1»
"""

pytestmark = pytest.mark.both_databases


async def _municipality(bot: RunningBot, samples_dir: Path) -> int:
    text = (samples_dir / "002_6e3e695228452652.txt").read_text(encoding="utf-8")
    now = bot.clock.now()
    async with UnitOfWork(bot.app.session_factory) as uow:
        office = await uow.organisations.add(
            name="Управление образования Правдинского округа",
            timezone="Europe/Kaliningrad",
            now=now,
            kind="municipality",
        )
        await add_joined_person(uow, office.id, "Лебедева Л.Л.", OFFICE, now=now)
        await uow.commit()
        await save_text_plan(uow, office.id, text, now=now, source_name="002.txt")
        return office.id


def _sizes_ok(message: ChatMessage) -> bool:
    return len(message.text or "") <= 1500 and len(message.button_texts) <= 8


async def test_schools_are_set_up_in_the_chat_and_each_gets_its_own_mornings(
    running_bot: RunningBot, samples_dir: Path
) -> None:
    tg = running_bot.tg
    office_id = await _municipality(running_bot, samples_dir)
    office = tg.user(OFFICE, first_name="Лариса")

    # The plan's units are understood: no unit is a stray run of two names.
    await office.send_text("/people")
    units = await office.wait_for_text("Подразделения и группы в планах: 8")
    assert "• ОО — все школы (0)" in units.text
    assert "• ДОО — все детские сады (0)" in units.text
    assert "• МО КО — вышестоящая" in units.text
    assert "• МОУО — пока никто не получает её напоминания: /unit МОУО; ФИО" in units.text
    await office.send_text("/unit ОО; Сидорова А.А.")
    assert (
        "каждая выполняет мероприятие и отчитывается сама"
        in (await office.wait_for_message()).text
    )
    await office.send_text("/unit МОУО; Неизвестная Н.Н.")
    assert (
        "Сначала пригласите его: /invite Неизвестная Н.Н."
        in (await office.wait_for_message()).text
    )

    # Five organisations from one pasted message: numbering, a blank line and a repeat forgiven.
    await office.send_text("/schools")
    await office.wait_for_text("Пришлите список ваших организаций")
    await office.send_text(SCHOOL_LIST)
    added = await office.wait_for_text("Добавлено организаций: 5")
    assert "Пропущена строка 6 (повтор): МБОУ «СОШ №2»" in added.text
    assert "детский сад" in added.text
    links = await office.wait_for_text("Ссылки-приглашения для координаторов")
    tokens = dict(re.findall(r"— (\S+ \S+): https://t\.me/\w+\?start=(\S+)", links.text))
    assert set(tokens) == set(SCHOOL_CONTACTS)

    contacts: dict[str, FakeUser] = {}
    for name, telegram_id in SCHOOL_CONTACTS.items():
        contact = tg.user(telegram_id, first_name=name.split()[0])
        await contact.send_text(f"/start {tokens[name]}")
        welcome = await contact.wait_for_text("Добро пожаловать")
        assert "координатор" in welcome.text
        contacts[name] = contact
    await office.send_text("/schools")
    listing = await office.wait_for_text("Подведомственные организации: 5")
    assert listing.text.count("✅") >= 3 and "— Домновская ООШ" in listing.text

    # 1 June 2022: each school's coordinator gets the school's own morning, phone-sized.
    running_bot.clock.set(datetime.fromisoformat("2022-06-01T07:00:00+00:00"))
    await running_bot.app.delivery.tick()
    for contact in contacts.values():
        deadlines = await contact.wait_for_text("Напоминание")
        checkins = await contact.wait_for_text("Постоянные мероприятия")
        assert _sizes_ok(deadlines) and _sizes_ok(checkins)
        assert checkins.button_texts == ["📝 Отчитаться по нескольким"]
    # The office's own morning holds its own measures only (МОУО's nobody reads yet).
    assert [m for m in office.messages if "Напоминание" in (m.text or "")] == []

    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        rows = (
            await uow.session.execute(
                select(Reminder.id, Reminder.person_id, Organisation.name)
                .join(Organisation, Organisation.id == Reminder.organisation_id)
                .where(Reminder.state == "sent")
            )
        ).all()
    # Every row went to that school's own coordinator, never across schools.
    schools_of = {person: name for _rid, person, name in rows}
    assert len(set(schools_of.values())) == 3

    # A school's coordinator reports done on one of its measures, two taps…
    sidorova, petrov = contacts["Сидорова А.А."], contacts["Петров П.П."]
    first = next(m for m in sidorova.messages if "Напоминание" in (m.text or ""))
    done = next(text for text in first.button_texts if text.startswith("✅"))
    callback = next(b["callback_data"] for b in first.buttons if b["text"] == done)
    await sidorova.press(first, done)
    await sidorova.wait_for_text("Отчёт сохранён")
    # …and another school's coordinator cannot press that school's button (forged data).
    update = tg.queue_update(
        "callback_query",
        {
            "id": "forged-across-schools",
            "from": petrov.user_dict,
            "chat_instance": "x",
            "message": next(m for m in petrov.messages if "Напоминание" in (m.text or "")).data,
            "data": callback,
        },
    )
    answer = await tg.wait_for_callback_answer(str(update["callback_query"]["id"]))
    assert answer.show_alert and "не вам" in (answer.text or "")

    # The school hands its part of a measure to a deputy of its own.
    await sidorova.send_text("/invite Орлова О.О.")
    token = re.search(r"start=(\S+)", (await sidorova.wait_for_text("Орлова")).text)
    assert token is not None
    orlova = tg.user(7201, first_name="Ольга")
    await orlova.send_text(f"/start {token.group(1)}")
    await orlova.wait_for_text("Добро пожаловать")
    await sidorova.send_text("/assign 2.3.7; Орлова О.О.")
    assert "вашу часть выполняет Орлова О.О." in (await sidorova.wait_for_text("2.3.7")).text
    await orlova.send_text("/overdue")
    assert "2.3.7" in (await orlova.wait_for_message()).text
    await petrov.send_text("/assign 2.3.7")
    assert "вашу часть выполняют координаторы" in (await petrov.wait_for_text("2.3.7")).text

    # Removing a school keeps its reports.
    await office.send_text("/schools remove Домновская ООШ")
    assert "больше не в списке" in (await office.wait_for_message()).text
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        members = [m.name for m in await uow.obligations.members(office_id)]
    assert "МБОУ «Домновская ООШ»" not in members and len(members) == 4
    assert [c for c in tg.failed_calls if c.error_code != 403] == []


async def test_a_list_too_long_or_a_table_without_names_is_refused_clearly(
    running_bot: RunningBot, samples_dir: Path
) -> None:
    await _municipality(running_bot, samples_dir)
    office = running_bot.tg.user(OFFICE)
    await office.send_text("/schools")
    await office.wait_for_text("Пришлите список")
    too_many = "\n".join(f"МБОУ СОШ № {i}" for i in range(1, 502)).encode()
    await office.send_document(too_many, "schools.txt")
    refusal = await office.wait_for_text("не больше 500")
    assert "501" in refusal.text
    await office.send_document("№;Телефон\n1;2\n".encode(), "schools.csv")
    refusal = await office.wait_for_text("нет столбца с названиями")
    assert "№, Телефон" in refusal.text
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        count = len(list((await uow.session.execute(select(Organisation.id))).scalars()))
    assert count == 1  # nothing was added
