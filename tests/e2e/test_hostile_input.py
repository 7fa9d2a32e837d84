"""Issue 13 through the bot, cases 3-5: hostile button data, file names and texts.

Run on SQLite and PostgreSQL: PostgreSQL refuses what SQLite stores (an id beyond its
integer, a NUL byte, a string longer than its column), and the bot must answer both the
same way: a clear message, nothing half stored, no traceback in the log.
"""

from __future__ import annotations

import logging

import pytest

from handlers.callbacks import FACTORIES
from storage.models import Organisation
from storage.uow import UnitOfWork
from tests.e2e.conftest import START_MOMENT, RunningBot
from tests.e2e.seed import Seeded, seed_organisation
from tests.fake_telegram import FakeUser

pytestmark = pytest.mark.both_databases

COORDINATOR = 7001
BOBROV = 7002
OUT_OF_DATE = "This button is out of date."
BEYOND = "99999999999"  # more than PostgreSQL's integer holds

# At least one forged value for every callback-data factory (checked below): ids beyond
# the database's range, words where numbers belong, values no button carries, wrong arity.
FORGED = [
    f"rep:{BEYOND}",
    "rep:abc",
    "rep:-1",
    "rep:1:2",
    f"rem:d:{BEYOND}",
    "rem:z:1",
    f"mp:{BEYOND}:0",
    "mp:1:-1",
    f"cp:{BEYOND}",
    "cpp:abc",
    "imp:zz",
    "pg:key:abc",
    "ex:-1",
    f"ppl:lnk:{BEYOND}",
    "ppl:zzz:1",
    "mem:zz",
    f"uk:{BEYOND}:school",
    "uk:1:castle",
    "set:h:abc",
    "set:h:99",
    "set:l:xx",
    "set:lv:-1",
    "set:lv:abc",
    "set:rs:5",
    "rf:zz",
    f"rdt:{BEYOND}",
    "rdt:abc",
    f"rm:w:{BEYOND}",
    f"rx:{BEYOND}:done",
    "rx:1:zzz",
    f"mrp:{BEYOND}",
    f"rro:{BEYOND}",
    f"qp:k:1:{BEYOND}",
    f"sum:p:{BEYOND}::",
    "sum:p:abc::",
    "sum:x:1::",
    "sum:s:1:zzz:",
    "exp:pdf::",
    "exp:xlsx:2022-13-01:",
    f"exs:xlsx:{BEYOND}::",
    "exs:pdf:1::",
    "exs:docx:abc::",
    "chk:zz",
    "chk:",
    "org:h:-1",
    "org:h:abc",
    "org:h:24",
    "org:c:zzz",
    "org:c:",
    "org:x:1",
    f"ed:{BEYOND}:",
    "ed:1:z",
    "zzz:1",
]


def test_every_factory_has_a_forged_case() -> None:
    forged_prefixes = {data.split(":", 1)[0] for data in FORGED}
    assert {factory.__prefix__ for factory in FACTORIES} <= forged_prefixes


async def seed(running_bot: RunningBot) -> Seeded:
    return await seed_organisation(
        running_bot.app.session_factory,
        START_MOMENT,
        linked={"Бобров В.С.": BOBROV},
        plan_reminders=False,
    )


def user(running_bot: RunningBot, telegram_id: int) -> FakeUser:
    return running_bot.tg.user(telegram_id, first_name="User", language_code="en")


async def press_forged(running_bot: RunningBot, person: FakeUser, data: str, n: int) -> str:
    """Press callback data the bot never sent, on the person's last message."""
    shown = person.messages[-1]
    query_id = f"forged-{person.id}-{n}"
    running_bot.tg.queue_update(
        "callback_query",
        {
            "id": query_id,
            "from": person.user_dict,
            "message": shown.data,
            "chat_instance": "1",
            "data": data,
        },
    )
    answer = await running_bot.tg.wait_for_callback_answer(query_id)
    assert answer.show_alert, (data, answer)
    return answer.text or ""


async def organisation_settings(running_bot: RunningBot, organisation_id: int) -> tuple:
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        organisation = await uow.organisations.get(organisation_id)
        assert isinstance(organisation, Organisation)
        return organisation.morning_hour, organisation.one_report_closes, organisation.timezone


async def test_forged_buttons_are_out_of_date_change_nothing_and_log_no_traceback(
    running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Cases 4 and 5: `rep:99999999999`, `set:h:abc`, `org:h:-1`, `org:c:zzz`… each
    answers that the button is out of date; the organisation's settings stay as they were
    (a forged `org:c:zzz` used to switch off "one report closes the measure")."""
    seeded = await seed(running_bot)
    coordinator = user(running_bot, COORDINATOR)
    await coordinator.send_text("/orgsettings")
    await coordinator.wait_for_text("Organisation settings")
    before = await organisation_settings(running_bot, seeded.organisation_id)
    assert before[1] is True  # one report closes the measure
    caplog.set_level(logging.INFO)
    for n, data in enumerate(FORGED):
        assert await press_forged(running_bot, coordinator, data, n) == OUT_OF_DATE, data
    officer = user(running_bot, BOBROV)
    await officer.send_text("/settings")
    await officer.wait_for_text("Settings")
    for n, data in enumerate(["set:h:abc", f"rep:{BEYOND}", "set:l:xx"]):
        assert await press_forged(running_bot, officer, data, 100 + n) == OUT_OF_DATE, data

    assert await organisation_settings(running_bot, seeded.organisation_id) == before
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert problems == []
    assert not any("went wrong" in m.content for m in coordinator.messages + officer.messages)
    # The real buttons still work: switch the closing rule and back.
    await coordinator.press("org:c:0")
    await running_bot.tg.wait_until(
        lambda: "each responsible person reports separately" in coordinator.messages[-1].content,
        10,
        failure="the closing rule did not change",
    )
    assert (await organisation_settings(running_bot, seeded.organisation_id))[1] is False
    assert running_bot.tg.failed_calls == []


# --- case 3: file names ---------------------------------------------------------------

BAD_NAMES = [
    "акт\x00сверки.pdf",  # the NUL byte that lost a whole report on PostgreSQL
    "../../etc/passwd",
    "C:\\Windows\\system32\\приказ.docx",
    "счёт\u202efdp.exe",  # a right-to-left override: shows as "счётexe.pdf"
    "строка\nвторая\tтаб.pdf",
    "\ud800half.pdf",  # an unpaired surrogate (valid JSON, invalid UTF-8)
    "Протокол " + "очень " * 80 + "длинный.xlsx",
    "order.pdf",
]


async def test_a_report_with_a_bad_file_name_is_saved_whole_with_clean_names(
    running_bot: RunningBot,
) -> None:
    """Case 3: 8 files, one named with a NUL byte (and the others with every other kind
    of bad name): the report and all 8 files are stored, the names cleaned; each stored
    copy is on disk under its checksum."""
    from sqlalchemy import select

    from storage.models import Attachment, Report

    await seed(running_bot)
    bobrov = user(running_bot, BOBROV)
    await bobrov.send_text("отчёт 1.2")
    prompt = await bobrov.wait_for_message(
        lambda m: any(b.get("callback_data", "").startswith("rf:d") for b in m.buttons)
    )
    for n, name in enumerate(BAD_NAMES):
        await bobrov.send_document(f"file {n}".encode(), name, mime_type="application/pdf")
        await bobrov.wait_for_text(f"{n + 1} file" if n == 0 else f"{n + 1} files")
    await bobrov.press(prompt, "rf:d")
    saved = await bobrov.wait_for_message(
        lambda m: "Report saved" in m.content or "wrong" in m.content
    )
    assert "Report saved" in saved.content

    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        reports = list((await uow.session.execute(select(Report))).scalars())
        attachments = list(
            (await uow.session.execute(select(Attachment).order_by(Attachment.id))).scalars()
        )
        uow.session.expunge_all()  # readable after the unit of work closes
    assert len(reports) == 1 and len(attachments) == 8
    names = [a.file_name or "" for a in attachments]
    for name in names:
        assert name and len(name) <= 300
        assert not any(ch in name for ch in "\x00\n\t/\\\u202e\ud800"), name
        assert not name.startswith(".")
    assert names[0] == "акт сверки.pdf"
    assert names[-1] == "order.pdf"
    assert names[6].endswith(".xlsx") and "…" in names[6]
    for attachment in attachments:
        assert attachment.stored_path is not None
        assert (running_bot.settings.files_dir / attachment.stored_path).is_file()
    assert running_bot.tg.failed_calls == []


# --- case 4: names longer than their columns -------------------------------------------

LONG_NAME = "Иванова-" * 375  # 3,000 characters


async def test_over_long_names_are_refused_with_their_limit_on_both_engines(
    running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A 3,000-character name in /invite (and a unit, a group, an organisation): PostgreSQL
    refused what SQLite stored; now both say the limit and store nothing."""
    from sqlalchemy import func, select

    from storage.models import Person, Unit
    from tests.e2e.conftest import ADMIN_ID

    seeded = await seed(running_bot)
    coordinator = user(running_bot, COORDINATOR)
    caplog.set_level(logging.INFO)

    async def counts() -> tuple[int, int, int]:
        async with UnitOfWork(running_bot.app.session_factory) as uow:
            assert uow.session is not None
            return (
                await uow.session.scalar(select(func.count()).select_from(Person)) or 0,
                await uow.session.scalar(select(func.count()).select_from(Unit)) or 0,
                await uow.session.scalar(select(func.count()).select_from(Organisation)) or 0,
            )

    before = await counts()
    await coordinator.send_text(f"/invite {LONG_NAME}")
    reply = await coordinator.wait_for_message()
    assert reply.text == "A name can be at most 200 characters long; this one has 3000."
    await coordinator.send_text(f"/unit {LONG_NAME}; Бобров В.С.")
    reply = await coordinator.wait_for_message()
    assert reply.text == "A unit name can be at most 300 characters long; this one has 3000."
    await coordinator.send_text(f"/unit МОУО; {LONG_NAME}")
    reply = await coordinator.wait_for_message()
    assert reply.text == "A name can be at most 200 characters long; this one has 3000."
    await coordinator.send_text(f"/group {LONG_NAME}; СОШ №3")
    reply = await coordinator.wait_for_message()
    assert reply.text == "A group name can be at most 300 characters long; this one has 3000."
    admin = user(running_bot, ADMIN_ID)
    await admin.send_text(f"/neworg {LONG_NAME}; Europe/Kaliningrad; Петрова А.А.")
    reply = await admin.wait_for_message()
    assert "at most 300 characters" in (reply.text or "")
    await admin.send_text(f"/neworg СОШ №9; Europe/Kaliningrad; {LONG_NAME}")
    reply = await admin.wait_for_message()
    assert reply.text == "A name can be at most 200 characters long; this one has 3000."
    # A name within the limit is still taken; one with a NUL byte is cleaned.
    await coordinator.send_text("/invite Петрова\x00 А.А.")
    reply = await coordinator.wait_for_text("Invite link")
    assert "Петрова А.А." in (reply.text or "")

    assert await counts() == (before[0] + 1, before[1], before[2])
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []
    assert seeded.organisation_id
    assert running_bot.tg.failed_calls == []


async def test_what_people_typed_is_quoted_and_shortened_in_refusals(
    running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Markup or a whole page typed where a name belongs comes back in the refusal as
    text, not as broken HTML or a message over Telegram's limit (the person used to get
    nothing, and the log a traceback)."""
    await seed(running_bot)
    coordinator = user(running_bot, COORDINATOR)
    caplog.set_level(logging.INFO)
    await coordinator.send_text("/unit <b>МОУО; Бобров В.С.")
    reply = await coordinator.wait_for_message()
    assert reply.text == "No unit «<b>МОУО» in your plans. Units: МОУО."
    await coordinator.send_text("/assign 1.2<i>; Бобров В.С.")
    reply = await coordinator.wait_for_message()
    assert reply.text == "Measure 1.2<i> was not found."
    await coordinator.send_text("/schools remove " + "Школа " * 680)
    reply = await coordinator.wait_for_message()
    assert (reply.text or "").startswith("No member organisation «Школа Школа")
    assert len(reply.text or "") < 300
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []
    assert running_bot.tg.failed_calls == []


async def test_a_plan_whose_file_name_has_a_nul_byte_is_imported(running_bot: RunningBot) -> None:
    """The plan's file name is kept as its source: cleaned, on PostgreSQL too."""
    from handlers.callbacks import ImportAction, ImportCallback
    from tests.e2e.seed import SMALL_PLAN

    seeded = await seed(running_bot)
    coordinator = user(running_bot, COORDINATOR)
    plan = SMALL_PLAN.replace("2022—2024", "2023—2025").replace("системы оценки", "оценки")
    await coordinator.send_document(plan.encode(), "План\x00 на\u202e 2023.txt")
    preview = await coordinator.wait_for_message(
        lambda m: "check before saving" in m.content, timeout=30
    )
    await coordinator.press(preview, ImportCallback(action=ImportAction.CONFIRM).pack())
    await coordinator.wait_for_text("Roadmap saved", timeout=30)
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        roadmaps = await uow.roadmaps.for_organisation(seeded.organisation_id)
        names = sorted(r.source_name or "" for r in roadmaps)
    assert "План на 2023.txt" in names
    assert running_bot.tg.failed_calls == []


async def test_a_report_text_beyond_its_limit_is_refused_not_cut(running_bot: RunningBot) -> None:
    """Free text too: the part that would take a report past its limit is refused with the
    limit; what was written before is saved whole."""
    from sqlalchemy import select

    from storage.models import Report

    await seed(running_bot)
    bobrov = user(running_bot, BOBROV)
    await bobrov.send_text("отчёт 1.2")
    prompt = await bobrov.wait_for_message(
        lambda m: any(b.get("callback_data", "").startswith("rf:d") for b in m.buttons)
    )
    first, second, third = "Первое. " * 250, "Второе. " * 250, "Третье. " * 250
    for part in (first, second):
        await bobrov.send_text(part)
        await bobrov.wait_for_text("Text added.")
    await bobrov.send_text(third)
    refused = await bobrov.wait_for_text("at most 4000 characters")
    assert "not added" in (refused.text or "")
    await bobrov.press(prompt, "rf:d")
    await bobrov.wait_for_text("Report saved")
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        (report,) = list((await uow.session.execute(select(Report))).scalars())
        assert report.text == f"{first.strip()}\n{second.strip()}"
    assert running_bot.tg.failed_calls == []


async def test_numbers_dates_and_zones_beyond_reason_are_refused(
    running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Typed values that used to end in the generic error (a cadence of 99999999999 days,
    a 3,000-character time zone) or be stored to overflow later (leave until 9999)."""
    seeded = await seed(running_bot)
    coordinator = user(running_bot, COORDINATOR)
    caplog.set_level(logging.INFO)
    before = await organisation_settings(running_bot, seeded.organisation_id)
    await coordinator.send_text("/cadence 99999999999 1 1 7")
    reply = await coordinator.wait_for_message()
    assert reply.text == "Reminders come at most 365 days before or after a deadline."
    await coordinator.send_text("/orgsettings " + "Europe/" * 430)
    reply = await coordinator.wait_for_message()
    assert (reply.text or "").startswith("Unknown time zone: Europe/Europe/")
    await coordinator.send_text("/leave 31.12.9999")
    reply = await coordinator.wait_for_message()
    assert reply.text == "Leave can last at most 366 days: write an earlier last day."
    assert await organisation_settings(running_bot, seeded.organisation_id) == before
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []
    assert running_bot.tg.failed_calls == []
