"""A coordinator imports the roadmap through Telegram: preview, period, confirm, cancel,
re-import of a corrected version, and every kind of bad file — over the fake Bot API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.import_flow import imports_dir
from bot.reminders.outbox import plan_range
from handlers.callbacks import ImportAction, ImportCallback
from storage.models import OccurrenceStatus
from storage.uow import UnitOfWork
from tests.e2e.conftest import START_MOMENT, RunningBot
from tests.e2e.seed import SMALL_PLAN, Seeded, seed_organisation
from tests.fake_telegram import ChatMessage, FakeUser
from tests.unit.roadmap.builders import (
    build_docx,
    build_scanned_pdf,
    build_zip_bomb_docx,
    tables_from_text,
    tiny_png,
)

GYMNASIUM = "000_e27fd93dde372018.txt"
GYMNASIUM_TITLE_START = "План мероприятий («Дорожная карта») по развитию гимназической"
CONFIRM = ImportCallback(action=ImportAction.CONFIRM).pack()
CANCEL = ImportCallback(action=ImportAction.CANCEL).pack()
PERIOD = ImportCallback(action=ImportAction.PERIOD).pack()
ACCEPT = ImportCallback(action=ImportAction.ACCEPT_PERIOD).pack()
TITLE = ImportCallback(action=ImportAction.TITLE).pack()
COORDINATOR_ID = 7001
OFFICER_ID = 7002


def gymnasium_docx(
    samples_dir: Path, *, retitle: dict[str, str] | None = None, drop: set[str] = frozenset()
) -> bytes:
    """The gymnasium sample as a DOCX; `retitle` changes measure titles by number, `drop`
    removes measures (rows) by number."""
    paragraphs, tables = tables_from_text((samples_dir / GYMNASIUM).read_text(encoding="utf-8"))
    edited = []
    for table in tables:
        rows = []
        for row in table:
            number = getattr(row[0], "text", row[0]).strip().rstrip(".")
            if number in drop:
                continue
            if number in (retitle or {}):
                row = [row[0], retitle[number], *row[2:]]
            rows.append(row)
        edited.append(rows)
    return build_docx(paragraphs, edited)


async def seed(running_bot: RunningBot, **kwargs: object) -> Seeded:
    return await seed_organisation(
        running_bot.app.session_factory, START_MOMENT, plan_reminders=False, **kwargs
    )


def coordinator(running_bot: RunningBot) -> FakeUser:
    # English keeps the assertions independent of when the Russian catalogue is merged.
    return running_bot.tg.user(COORDINATOR_ID, first_name="Галина", language_code="en")


async def wait_preview(user: FakeUser) -> ChatMessage:
    return await user.wait_for_message(lambda m: "check before saving" in m.content, timeout=30)


@dataclass(frozen=True)
class StoredRoadmap:
    id: int
    period: tuple[int, int]
    created_at: datetime


async def roadmaps(running_bot: RunningBot, organisation_id: int) -> dict[str, StoredRoadmap]:
    """Title -> a snapshot (the unit of work's objects expire when it closes)."""
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        return {
            r.title: StoredRoadmap(r.id, (r.period_start, r.period_end), r.created_at)
            for r in await uow.roadmaps.for_organisation(organisation_id)
        }


async def import_and_confirm(user: FakeUser, data: bytes) -> None:
    await user.send_document(data, "Дорожная карта.docx")
    await user.press(await wait_preview(user), CONFIRM)
    await user.wait_for_message(lambda m: "✅ Roadmap" in m.content, timeout=30)


async def test_coordinator_imports_the_gymnasium_docx(
    running_bot: RunningBot, samples_dir: Path
) -> None:
    tg = running_bot.tg
    seeded = await seed(running_bot)
    user = coordinator(running_bot)
    await user.send_document(gymnasium_docx(samples_dir), "Дорожная карта гимназии.docx")

    preview = await wait_preview(user)
    text = preview.text or ""
    assert GYMNASIUM_TITLE_START in text
    assert "Plan period: 2022–2024" in text
    assert "10 sections, 88 measures, 7 people, 0 units" in text
    assert "Изогова А.И. → Изотова А.И." in text
    assert "table 1, row 79 (2.2.1) — text moved back to its column" in text
    assert {b["callback_data"] for b in preview.buttons} == {CONFIRM, PERIOD, CANCEL}
    assert (COORDINATOR_ID, "upload_document") in tg.chat_actions
    assert len(await roadmaps(running_bot, seeded.organisation_id)) == 1  # nothing stored yet

    await user.press(preview, CONFIRM)
    saved = await user.wait_for_text("Roadmap saved", timeout=30)
    assert "88 measures" in (saved.text or "")
    assert "invite" in (saved.text or "").lower()
    assert "Воропаева Е.В." in (saved.text or "")
    assert preview.buttons == []  # the preview cannot be confirmed twice

    stored = await roadmaps(running_bot, seeded.organisation_id)
    title = next(t for t in stored if t.startswith(GYMNASIUM_TITLE_START))
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        roadmap = stored[title]
        assert roadmap.period == (2022, 2024)
        assert len(await uow.roadmaps.measures(roadmap.id)) == 88
        assert len(await uow.roadmaps.sections(roadmap.id)) == 10
        people = await uow.roadmaps.people_by_name(seeded.organisation_id)
        assert {"Изотова А.И.", "Быков Ю.В.", "Вайткене О.В."} <= set(people)
        assert "Изогова А.И." not in people
        # The coordinator is named in the plan and linked: the plan's days remind her
        # (rows are planned a day at a time; here the rest of 2022 at once).
        await plan_range(
            uow,
            seeded.organisation_id,
            first=date(2022, 5, 16),
            last=date(2022, 12, 31),
            now=running_bot.clock.now(),
        )
        reminders = await uow.reminders.for_person(seeded.persons["Лисичкина Г.А."])
        assert reminders
    assert list(imports_dir(running_bot.settings.files_dir).iterdir())  # the source is kept
    assert tg.failed_calls == []


async def test_reimport_of_a_corrected_version_updates_and_keeps_reports(
    running_bot: RunningBot, samples_dir: Path
) -> None:
    seeded = await seed(running_bot)
    user = coordinator(running_bot)
    await import_and_confirm(user, gymnasium_docx(samples_dir))
    stored = await roadmaps(running_bot, seeded.organisation_id)
    roadmap = next(r for t, r in stored.items() if t.startswith(GYMNASIUM_TITLE_START))

    # Someone reports on measure 6, and on 2.3.12 which the next version drops.
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        measures = {m.number: m for m in await uow.roadmaps.measures(roadmap.id)}
        report_ids = []
        for number in ("6", "2.3.12"):
            occurrence = (await uow.roadmaps.occurrences(measures[number].id))[0]
            occurrence.status = OccurrenceStatus.DONE
            report = await uow.reports.add(
                occurrence_id=occurrence.id,
                person_id=seeded.persons["Лисичкина Г.А."],
                status="done",
                text=f"сделано {number}",
                created_at=START_MOMENT,
                updated_at=START_MOMENT,
            )
            report_ids.append(report.id)
        await uow.commit()

    corrected = gymnasium_docx(
        samples_dir,
        retitle={"6": "Разработка и утверждение гимназических показателей (новая редакция)"},
        drop={"2.3.12"},
    )
    await user.send_document(corrected, "Дорожная карта (исправленная).docx")
    preview = await wait_preview(user)
    text = preview.text or ""
    assert "updates the roadmap already stored" in text
    assert "Added: 0" in text
    assert "Changed: 1\n   6" in text
    assert "Archived (not in this version): 1\n   2.3.12" in text
    assert "87 measures" in text

    await user.press(preview, CONFIRM)
    done = await user.wait_for_text("Roadmap updated", timeout=30)
    assert "added 0, changed 1, archived 1" in (done.text or "")

    async with UnitOfWork(running_bot.app.session_factory) as uow:
        stored = await roadmaps(running_bot, seeded.organisation_id)
        assert len(stored) == 2  # the seeded plan and the gymnasium one, not a third
        assert roadmap in stored.values()
        every = {
            m.number: m for m in await uow.roadmaps.measures(roadmap.id, include_archived=True)
        }
        assert every["6"].title.endswith("(новая редакция)")
        assert every["2.3.12"].archived_at is not None
        assert every["6"].archived_at is None
        for report_id in report_ids:
            assert await uow.reports.get(report_id) is not None
    assert running_bot.tg.failed_calls == []


def _columns_without_deadline() -> bytes:
    return "План на 2022-2024 годы\n№\tМероприятие\tОтветственный\n1\tПервое\tОО\n".encode()


@pytest.mark.parametrize(
    ("build", "filename", "expected"),
    [
        (tiny_png, "план.png", "picture or scan"),
        (build_zip_bomb_docx, "план.docx", "absurd size"),
        (build_scanned_pdf, "скан.pdf", "is a scan"),
        (
            _columns_without_deadline,
            "план.txt",
            "lacks required columns: deadline (Сроки). Columns found: №, Мероприятие, "
            "Ответственный",
        ),
    ],
)
async def test_bad_files_get_one_clear_message_and_nothing_is_stored(
    running_bot: RunningBot, build, filename: str, expected: str
) -> None:
    seeded = await seed(running_bot)
    user = coordinator(running_bot)
    await user.send_text("/import")
    await user.wait_for_text("Send the approved roadmap")
    await user.send_document(build(), filename)
    reply = await user.wait_for_text("Not imported", timeout=30)
    assert expected in (reply.text or "")
    assert reply.buttons == []
    assert len(await roadmaps(running_bot, seeded.organisation_id)) == 1
    assert list(imports_dir(running_bot.settings.files_dir).glob("*")) == []
    assert running_bot.tg.failed_calls == []


async def test_a_200_mb_file_is_refused_by_its_size_without_downloading(
    running_bot: RunningBot,
) -> None:
    tg = running_bot.tg
    await seed(running_bot)
    user = coordinator(running_bot)
    await user.send_text("/import")
    await user.wait_for_text("Send the approved roadmap")
    # Telegram announces the size; the bytes behind it never matter (and are never fetched).
    fake = tg.register_file(b"%PDF-1.4 tiny", "document", file_name="огромный.pdf")
    document = tg._document_dict(fake)
    document["file_size"] = 200 * 1024 * 1024
    await user._queue("message", user._new_message(document=document))
    reply = await user.wait_for_text("Not imported")
    assert "too large (200 MB)" in (reply.text or "")
    assert "up to 20 MB" in (reply.text or "")
    assert tg.calls_to("getFile") == []
    assert tg.failed_calls == []


async def test_a_photo_without_text_during_import_is_refused(running_bot: RunningBot) -> None:
    # Photos of a plan's pages are recognised (tests/e2e/test_import_scans.py); one with no
    # text on it is refused in plain words.
    await seed(running_bot)
    user = coordinator(running_bot)
    await user.send_text("/import")
    await user.wait_for_text("Send the approved roadmap")
    await user.send_photo(tiny_png())
    reply = await user.wait_for_text("Not imported", timeout=30)
    assert "picture or scan" in (reply.text or "") or "recognition" in (reply.text or "")
    assert running_bot.tg.failed_calls == []


async def test_an_officer_s_file_starts_a_report_and_is_never_read_as_a_plan(
    running_bot: RunningBot, samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13, case 2: only coordinators import, so an officer's file outside a report
    is a report's attachment (asked "which measure", the officer's own measures to pick),
    never parsed as a possible plan first; /import still says who may import."""
    import bot.import_flow as flow

    read: list[str] = []
    original = flow.read_roadmap

    async def spy(data: bytes, filename: str, **kwargs: object):  # type: ignore[no-untyped-def]
        read.append(filename)
        return await original(data, filename, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(flow, "read_roadmap", spy)
    seeded = await seed(running_bot, linked={"Бобров В.С.": OFFICER_ID})
    officer = running_bot.tg.user(OFFICER_ID, first_name="Виктор", language_code="en")
    await officer.send_document(gymnasium_docx(samples_dir), "Дорожная карта.docx")
    reply = await officer.wait_for_text("Which measure", timeout=30)
    picks = [b["text"] for b in reply.buttons if b.get("callback_data", "").startswith("rep:")]
    assert picks and all("1.2" in text or "1.4" in text for text in picks)  # Бобров's own
    assert not any("Only the coordinator" in m.content for m in officer.messages)
    assert read == []
    await officer.send_text("/import")
    await officer.wait_for_text("Only the coordinator")
    assert len(await roadmaps(running_bot, seeded.organisation_id)) == 1
    assert list(imports_dir(running_bot.settings.files_dir).glob("*")) == []
    # A coordinator's file is still read as a plan.
    user = coordinator(running_bot)
    await user.send_document(gymnasium_docx(samples_dir), "Дорожная карта.docx")
    await wait_preview(user)
    assert read == ["Дорожная карта.docx"]
    assert running_bot.tg.failed_calls == []


NO_PERIOD_PLAN = SMALL_PLAN.replace(" на 2022—2024 годы", "")


async def test_pasted_plan_without_a_period_asks_for_it_before_saving(
    running_bot: RunningBot,
) -> None:
    assert NO_PERIOD_PLAN != SMALL_PLAN
    seeded = await seed(running_bot)
    user = coordinator(running_bot)
    await user.send_text("/import")
    await user.wait_for_text("Send the approved roadmap")
    await user.send_text(NO_PERIOD_PLAN)

    first = await wait_preview(user)
    # Issue 11: the span of the dated deadlines is proposed, to be confirmed or replaced.
    assert "Plan period: not stated; the deadlines span 2022–2022" in (first.text or "")
    assert "6 measures" in (first.text or "")
    assert "does not name its plan period" in (first.text or "")
    assert CONFIRM not in {b["callback_data"] for b in first.buttons}  # no saving yet
    assert ACCEPT in {b["callback_data"] for b in first.buttons}

    await user.press(first, PERIOD)
    await user.wait_for_text("Send the plan period")
    await user.send_text("2024-2022")
    await user.wait_for_text("not a plan period")
    await user.send_text("2022—2024")
    second = await wait_preview(user)
    assert "Plan period: 2022–2024" in (second.text or "")
    assert CONFIRM in {b["callback_data"] for b in second.buttons}
    assert len(await roadmaps(running_bot, seeded.organisation_id)) == 1

    await user.press(second, CONFIRM)
    await user.wait_for_text("Roadmap saved", timeout=30)
    stored = await roadmaps(running_bot, seeded.organisation_id)
    assert len(stored) == 2
    new = [r for t, r in stored.items() if "2022—2024" not in t]
    assert [r.period for r in new] == [(2022, 2024)]
    assert running_bot.tg.failed_calls == []


async def test_the_proposed_period_is_confirmed_with_one_press(running_bot: RunningBot) -> None:
    seeded = await seed(running_bot)
    user = coordinator(running_bot)
    plan = NO_PERIOD_PLAN.replace("ежегодно, июнь", "июнь 2023 года")
    await user.send_document(plan.encode(), "план.txt")
    first = await wait_preview(user)
    assert "the deadlines span 2022–2023" in (first.text or "")
    await user.press(first, ACCEPT)
    second = await wait_preview(user)
    assert "Plan period: 2022–2023" in (second.text or "")
    await user.press(second, CONFIRM)
    await user.wait_for_text("Roadmap saved", timeout=30)
    stored = await roadmaps(running_bot, seeded.organisation_id)
    assert [r.period for t, r in stored.items() if "2022—2024" not in t] == [(2022, 2023)]
    assert running_bot.tg.failed_calls == []


async def test_a_plan_without_a_title_is_named_by_the_coordinator_never_by_its_file_name(
    running_bot: RunningBot,
) -> None:
    seeded = await seed(running_bot)
    user = coordinator(running_bot)
    table = SMALL_PLAN.split("\n\n", 2)[-1]  # the table alone: no title, no period
    await user.send_document(table.encode(), "Дорожная карта 2022.txt")
    first = await wait_preview(user)
    assert "the document states no title" in (first.text or "")
    assert "Дорожная карта 2022" not in (first.text or "")
    assert CONFIRM not in {b["callback_data"] for b in first.buttons}
    await user.press(first, TITLE)
    await user.wait_for_text("Send the plan's title")
    await user.send_text("   ")
    await user.send_text("12345")
    await user.wait_for_text("not a title")
    await user.send_text("План мероприятий по развитию ВСОКО")
    second = await wait_preview(user)
    assert "План мероприятий по развитию ВСОКО" in (second.text or "")
    await user.press(second, ACCEPT)
    third = await wait_preview(user)
    await user.press(third, CONFIRM)
    await user.wait_for_text("Roadmap saved", timeout=30)
    stored = await roadmaps(running_bot, seeded.organisation_id)
    assert "План мероприятий по развитию ВСОКО" in stored
    assert not any("Дорожная карта 2022" in title for title in stored)
    assert running_bot.tg.failed_calls == []


async def test_cancel_stores_nothing_and_old_previews_go_stale(
    running_bot: RunningBot, samples_dir: Path
) -> None:
    tg = running_bot.tg
    seeded = await seed(running_bot)
    user = coordinator(running_bot)
    await user.send_document(gymnasium_docx(samples_dir), "Дорожная карта.docx")
    old = await wait_preview(user)
    await user.send_document(SMALL_PLAN.encode(), "малый план.txt")
    new = await wait_preview(user)

    query = await user.press(old, CONFIRM)  # the older preview no longer acts
    answer = await tg.wait_for_callback_answer(query)
    assert answer.show_alert and "outdated" in (answer.text or "")

    await user.press(new, CANCEL)
    await user.wait_for_text("Import cancelled")
    assert new.buttons == []
    assert len(await roadmaps(running_bot, seeded.organisation_id)) == 1
    # The first upload was replaced and the second cancelled: neither file is kept.
    assert list(imports_dir(running_bot.settings.files_dir).glob("*")) == []
    assert tg.failed_calls == []


async def test_the_clock_is_the_apps(running_bot: RunningBot) -> None:
    # The import stamps rows with the app clock (2022), never the machine's.
    seeded = await seed(running_bot)
    user = coordinator(running_bot)
    await user.send_document(SMALL_PLAN.replace("развитию", "улучшению").encode(), "план.txt")
    await user.press(await wait_preview(user), CONFIRM)
    await user.wait_for_text("Roadmap saved")
    rows = (await roadmaps(running_bot, seeded.organisation_id)).values()
    assert max(r.created_at for r in rows) == datetime(2022, 5, 16, 6, 0, tzinfo=UTC)
