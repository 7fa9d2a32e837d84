"""The import conversation's service and texts: limits, pending state, period, preview
(a dry run that stores nothing), confirm, re-import, refusal texts, translations."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from bot import import_flow
from bot.clock import FixedClock
from bot.errors import AccessDenied
from bot.import_flow import (
    MAX_FILE_BYTES,
    ImportExpired,
    PendingImport,
    PeriodNeeded,
    Preview,
    check_announced_size,
    parse_period,
    save_upload,
)
from bot.roadmap import REFUSAL_REASONS, ImportRefused
from bot.roadmap.model import Problem
from bot.services import Identity, Services
from bot.settings import Settings
from handlers import import_views as views
from handlers.middlewares.i18n import build_i18n
from storage.models import ReminderState
from storage.uow import UnitOfWork
from tests.e2e.seed import SMALL_PLAN, seed_organisation
from tests.factories import make_measure, make_roadmap
from tests.fake_telegram import parse_html

NOW = datetime(2022, 5, 16, 6, 0, tzinfo=UTC)
REIMPORT_NOW = datetime(2022, 5, 24, 6, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
OWN_MODULES = [
    "handlers/import_check_views.py",
    "handlers/import_views.py",
    "handlers/roadmap_import/receiving.py",
    "handlers/roadmap_import/checks.py",
    "bot/import_flow.py",
]


# Plain file operations for the async tests (tiny files; a thread would only add noise).
def _write(path: str, data: bytes) -> None:
    Path(path).write_bytes(data)


def _remove(path: str) -> None:
    Path(path).unlink()


def _exists(path: str) -> bool:
    return Path(path).exists()


@pytest.fixture
def i18n_en():
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("en"):
        yield i18n


# --- limits and the pending import ---------------------------------------------------


def test_announced_size_is_checked_before_downloading() -> None:
    check_announced_size(None)  # Telegram may omit it; the downloaded bytes are checked then
    check_announced_size(MAX_FILE_BYTES)
    with pytest.raises(ImportRefused) as info:
        check_announced_size(200 * 1024 * 1024)
    assert info.value.reason == "too_large"
    assert info.value.details == {"size": 200 * 1024 * 1024, "limit": 20 * 1024 * 1024}


def test_upload_is_kept_by_its_hash_and_the_state_is_small_json(tmp_path: Path) -> None:
    pending = save_upload(tmp_path, SMALL_PLAN.encode(), "план/../x.txt")
    path = Path(pending.path)
    assert path.parent == tmp_path / "imports" and path.name == pending.sha256
    assert path.read_bytes() == SMALL_PLAN.encode()
    assert "/" not in pending.filename
    again = save_upload(tmp_path, SMALL_PLAN.encode(), "other.txt")
    assert again.path == pending.path  # the same bytes are kept once

    state = json.loads(json.dumps(pending.with_period((2022, 2024)).with_message(7).to_state()))
    restored = PendingImport.from_state(state)
    assert restored == PendingImport(
        pending.path, pending.filename, pending.sha256, (2022, 2024), 7
    )
    assert len(json.dumps(state)) < 500


def test_upload_over_the_limit_is_refused_even_without_an_announced_size(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused) as info:
        save_upload(tmp_path, b"a" * (MAX_FILE_BYTES + 1), "big.txt")
    assert info.value.reason == "too_large"
    assert not (tmp_path / "imports").exists() or not any((tmp_path / "imports").iterdir())


@pytest.mark.parametrize("data", [None, {}, {"path": "x"}, {"path": 1, "filename": "f"}])
def test_damaged_state_is_no_pending_import(data) -> None:
    assert PendingImport.from_state(data) is None


def test_discard_removes_only_files_in_the_imports_folder(tmp_path: Path) -> None:
    outside = tmp_path / "keep.txt"
    outside.write_text("x")
    import_flow.discard_upload(tmp_path, PendingImport(str(outside), "keep.txt", "0" * 64))
    assert outside.exists()
    pending = save_upload(tmp_path, b"plan", "p.txt")
    import_flow.discard_upload(tmp_path, pending)
    import_flow.discard_upload(tmp_path, pending)  # twice is harmless
    assert not Path(pending.path).exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-2024", (2022, 2024)),
        (" 2022 — 2024 годы ", (2022, 2024)),
        ("2022–2024 гг.", (2022, 2024)),
        ("с 2021 по 2025", (2021, 2025)),
        ("2023-2023", (2023, 2023)),
        ("2024-2022", None),
        ("2020-2035", None),
        ("1899-1900", None),
        ("22-24", None),
        ("в 2022 году", None),
        ("", None),
    ],
)
def test_plan_period(text: str, expected) -> None:
    assert parse_period(text) == expected


async def test_parse_pending_reads_the_saved_file_and_detects_changes(tmp_path: Path) -> None:
    pending = save_upload(tmp_path, SMALL_PLAN.encode(), "plan.txt")
    parsed = await import_flow.parse_pending(pending)
    assert len(parsed.measures) == 6 and parsed.plan_period == (2022, 2024)
    overridden = await import_flow.parse_pending(pending.with_period((2023, 2025)))
    assert overridden.plan_period == (2023, 2025)

    _write(pending.path, SMALL_PLAN.replace("ВПР", "ОГЭ").encode())
    with pytest.raises(ImportExpired):  # never store bytes nobody saw in a preview
        await import_flow.parse_pending(pending)
    _remove(pending.path)
    with pytest.raises(ImportExpired):
        await import_flow.parse_pending(pending)


def test_plan_like_refusals() -> None:
    assert import_flow.is_plan_attempt(ImportRefused("missing_columns", found=[], missing=[]))
    assert not import_flow.is_plan_attempt(ImportRefused("no_table"))
    assert not import_flow.is_plan_attempt(ImportRefused("unsupported_format", kind="PNG"))


# --- preview and confirm against a database ------------------------------------------


async def identity_of(uow: UnitOfWork, telegram_id: int) -> Identity:
    services = Services(uow=uow, clock=FixedClock(NOW), settings=Settings(_env_file=None))
    return await services.identify(telegram_id, None)


async def count_roadmaps(session_factory, organisation_id: int) -> int:
    async with UnitOfWork(session_factory) as uow:
        return len(await uow.roadmaps.for_organisation(organisation_id))


SECOND_PLAN = SMALL_PLAN.replace("системы оценки качества", "системы воспитания")


async def test_preview_is_a_dry_run_and_confirm_stores_and_plans(
    session_factory, tmp_path: Path
) -> None:
    seeded = await seed_organisation(session_factory, NOW, plan_reminders=False)
    pending = save_upload(tmp_path, SECOND_PLAN.encode(), "plan.txt")
    async with UnitOfWork(session_factory) as uow:
        identity = await identity_of(uow, 7001)
        preview = await import_flow.preview(session_factory, identity, pending, now=NOW)
        assert preview.changes is not None and preview.changes.created
        assert not preview.is_update and not preview.needs_period
        assert await count_roadmaps(session_factory, seeded.organisation_id) == 1

        confirmed = await import_flow.confirm(uow, identity, pending, now=NOW)
    assert confirmed.result.created
    assert await count_roadmaps(session_factory, seeded.organisation_id) == 2
    async with UnitOfWork(session_factory) as uow:
        # Reminders are planned a day at a time: the organisation's days up to tomorrow are.
        organisation = await uow.organisations.get(seeded.organisation_id)
        assert organisation is not None and organisation.planned_through is not None
        assert organisation.planned_through >= NOW.date() + timedelta(days=1)
        roadmap = await uow.roadmaps.get(confirmed.result.roadmap_id)
        assert roadmap is not None
        assert roadmap.source_sha256 == pending.sha256 and roadmap.source_name == "plan.txt"
        assert len(await uow.roadmaps.measures(roadmap.id)) == 6


async def test_reimport_preview_lists_changes_and_confirm_clears_stale_reminders(
    session_factory, tmp_path: Path
) -> None:
    # 24 May: the seed plans Бобров's 7-day warning of «ВПР, май» (due 31 May) for today.
    seeded = await seed_organisation(session_factory, REIMPORT_NOW, linked={"Бобров В.С.": 7002})
    corrected = SMALL_PLAN.replace("школьного этапа", "школьного и муниципального этапов")
    corrected = "\n".join(line for line in corrected.splitlines() if "ВПР" not in line)
    # Due 31 May too: planned at once for today, like the archived one was.
    corrected += "\n1.7.\tНовое мероприятие\tдо 31 мая 2022\tБобров В.С.\n"
    async with UnitOfWork(session_factory) as uow:
        measures = {m.number: m for m in await uow.roadmaps.measures(seeded.roadmap_id)}
        archived_occurrences = [o.id for o in await uow.roadmaps.occurrences(measures["1.2"].id)]
        before = await uow.reminders.for_person(seeded.persons["Бобров В.С."])
        # The seed planned Бобров's reminders, some of them for the measure about to go.
        assert [
            r
            for r in before
            if r.occurrence_id in archived_occurrences and r.state == ReminderState.PENDING
        ]

    pending = save_upload(tmp_path, corrected.encode(), "plan v2.txt")
    async with UnitOfWork(session_factory) as uow:
        identity = await identity_of(uow, 7001)
        preview = await import_flow.preview(session_factory, identity, pending, now=REIMPORT_NOW)
        assert preview.is_update
        assert preview.changes is not None
        assert (preview.changes.added, preview.changes.changed, preview.changes.archived) == (
            ["1.7"],
            ["1.3"],
            ["1.2"],
        )
        # The dry run left the stored roadmap as it was.
        measures = await uow.roadmaps.measures(seeded.roadmap_id)
        assert [m.number for m in measures] == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6"]
        await import_flow.confirm(uow, identity, pending, now=REIMPORT_NOW)

    async with UnitOfWork(session_factory) as uow:
        every = {
            m.number: m
            for m in await uow.roadmaps.measures(seeded.roadmap_id, include_archived=True)
        }
        assert every["1.2"].archived_at is not None
        assert every["1.3"].title.startswith("Организация школьного и муниципального этапов")
        assert await count_roadmaps(session_factory, seeded.organisation_id) == 1
        # Nothing pending will remind anyone of the archived measure any more.
        coordinator = seeded.persons["Лисичкина Г.А."]
        rows = await uow.reminders.for_person(coordinator) + await uow.reminders.for_person(
            seeded.persons["Бобров В.С."]
        )
        assert not [
            r
            for r in rows
            if r.occurrence_id in archived_occurrences and r.state == ReminderState.PENDING
        ]
        assert any(r.occurrence_id not in archived_occurrences for r in rows)


async def test_no_period_means_no_dry_run_and_no_confirm(session_factory, tmp_path: Path) -> None:
    await seed_organisation(session_factory, NOW, plan_reminders=False)
    text = SECOND_PLAN.replace(" на 2022—2024 годы", "")
    pending = save_upload(tmp_path, text.encode(), "plan.txt")
    async with UnitOfWork(session_factory) as uow:
        identity = await identity_of(uow, 7001)
        preview = await import_flow.preview(session_factory, identity, pending, now=NOW)
        assert preview.needs_period and preview.changes is None
        with pytest.raises(PeriodNeeded):
            await import_flow.confirm(uow, identity, pending, now=NOW)
        confirmed = await import_flow.confirm(
            uow, identity, pending.with_period((2022, 2024)), now=NOW
        )
        assert confirmed.parsed.plan_period == (2022, 2024)


async def test_only_coordinators_preview_or_confirm(session_factory, tmp_path: Path) -> None:
    await seed_organisation(
        session_factory, NOW, plan_reminders=False, linked={"Бобров В.С.": 7002}
    )
    pending = save_upload(tmp_path, SECOND_PLAN.encode(), "plan.txt")
    async with UnitOfWork(session_factory) as uow:
        officer = await identity_of(uow, 7002)
        with pytest.raises(AccessDenied):
            await import_flow.preview(session_factory, officer, pending, now=NOW)
        with pytest.raises(AccessDenied):
            await import_flow.confirm(uow, officer, pending, now=NOW)


async def test_cancelled_upload_is_removed_unless_it_is_a_stored_source(
    session_factory, tmp_path: Path
) -> None:
    await seed_organisation(session_factory, NOW, plan_reminders=False)
    stored = save_upload(tmp_path, SECOND_PLAN.encode(), "plan.txt")
    other = save_upload(tmp_path, b"another upload", "x.txt")
    async with UnitOfWork(session_factory) as uow:
        identity = await identity_of(uow, 7001)
        await import_flow.confirm(uow, identity, stored, now=NOW)
        await import_flow.discard_if_unused(uow, identity, tmp_path, stored)
        await import_flow.discard_if_unused(uow, identity, tmp_path, other)
    assert _exists(stored.path)
    assert not _exists(other.path)


# --- texts ----------------------------------------------------------------------------


def test_every_refusal_reason_has_its_own_text(i18n_en) -> None:
    samples = {
        "too_large": {"size": 200 * 1024 * 1024, "limit": 20 * 1024 * 1024},
        "unsupported_format": {"kind": "binary data"},
        "corrupt_file": {"kind": "DOCX"},
        "zip_bomb": {"uncompressed": 10**9, "compressed": 10**5},
        "too_many_cells": {"cells": 200_001, "limit": 200_000},
        "timeout": {"seconds": 30},
        "scanned_pdf": {},
        "no_table": {},
        "missing_columns": {"found": ["№", "Мероприятие <b>"], "missing": ["deadline"]},
        "empty": {},
        "encrypted": {"kind": "PDF"},
        "too_many_pages": {"pages": 5000, "limit": 300},
        "too_many_rows": {"rows": 400_001, "limit": 400_000},
        "too_heavy": {"limit": 1024},
        "ocr_unavailable": {},
        "unreadable_scan": {},
    }
    assert set(samples) == set(REFUSAL_REASONS)
    texts = {
        reason: views.refusal_text(ImportRefused(reason, **d)) for reason, d in samples.items()
    }
    assert len(set(texts.values())) == len(texts)
    for text in texts.values():
        assert text.startswith("❌ Not imported.")
        parse_html(text)  # valid HTML for Telegram
    assert "200 MB" in texts["too_large"] and "20 MB" in texts["too_large"]
    assert "deadline (Сроки)" in texts["missing_columns"]
    assert "Мероприятие &lt;b&gt;" in texts["missing_columns"]
    assert "password" in texts["encrypted"] and "DOCX" in texts["encrypted"]
    assert "damaged" not in texts["encrypted"]
    assert "5000" in texts["too_many_pages"] and "300" in texts["too_many_pages"]


@pytest.mark.parametrize(
    ("kind", "fragment"),
    [
        ("PNG image", "picture"),
        ("RAR archive", "archive"),
        ("legacy Word/Excel file (.doc/.xls); save it as DOCX/XLSX", ".doc/.xls"),
        ("RTF document; save it as DOCX", "RTF"),
    ],
)
def test_unsupported_formats_say_what_to_do(i18n_en, kind: str, fragment: str) -> None:
    assert fragment in views.refusal_text(ImportRefused("unsupported_format", kind=kind))


@pytest.mark.parametrize(
    ("where", "shown"),
    [
        ("line 12", "line 12"),
        ("table 2, row 14–15", "table 2, row 14–15"),
        ("sheet 'План <1>', row 7", "sheet «План &lt;1&gt;», row 7"),
        ("page 3, row 5", "page 3, row 5"),
        ("title", "title"),
        ("somewhere <odd>", "somewhere &lt;odd&gt;"),
    ],
)
def test_positions(i18n_en, where: str, shown: str) -> None:
    assert views.position(where) == shown


def test_a_huge_preview_fits_one_message_and_stays_valid_html(i18n_en) -> None:
    measures = [
        make_measure(f"{i}.1", "<Мероприятие> & " + "очень длинное название " * 20)
        for i in range(600)
    ]
    roadmap = make_roadmap(measures, title="План <b>" + "x" * 1000)
    roadmap.problems = [
        Problem(f"table 1, row {i}", "<текст> " * 40, "x", "unparsed_deadline", f"{i}.1")
        for i in range(300)
    ]
    roadmap.joins = [f"Иванова{i} А.А. → Иванов А.А. (probable typo)" for i in range(30)]
    preview = Preview(roadmap, PendingImport("p", "f", "0" * 64))
    text = views.preview_text(preview)
    assert len(text) < 4096
    parse_html(text)
    assert "and 290 more" in text  # the first ten problems, then how many are left
    assert text.endswith("Save it? Nothing is stored until you confirm.")
    assert "probable typo" not in text  # the importer's English note is replaced


def test_preview_without_a_period_offers_no_save(i18n_en) -> None:
    roadmap = make_roadmap([make_measure("1.1", "Первое", persons=["Иванова А.А."])])
    roadmap.plan_period = None
    preview = Preview(roadmap, PendingImport("p", "f", "0" * 64))
    text = views.preview_text(preview)
    assert "Plan period: not found" in text and "does not name its plan period" in text
    buttons = [b.text for row in views.preview_keyboard(preview).inline_keyboard for b in row]
    assert buttons == ["📅 Set the period", "✖️ Cancel"]


# --- translations ---------------------------------------------------------------------


def _own_msgids() -> list[str | tuple[str, str]]:
    keywords = {"_": None, "N_": None}
    found: list[str | tuple[str, str]] = []
    for module in OWN_MODULES:
        for _line, message, _comments, _context in extract_from_file(
            "python", str(ROOT / module), keywords=keywords
        ):
            found.append(tuple(message) if isinstance(message, list | tuple) else message)
    return found


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w*)\}", text))


def test_preview_shows_the_order_the_units_by_kind_and_what_was_split(i18n_en) -> None:
    from datetime import date as _date

    from bot.roadmap.model import Approval
    from bot.roadmap.units import classify

    roadmap = make_roadmap([make_measure("1.1", "Первое", persons=["Иванова А.А."])])
    roadmap.approval = Approval("приказ", "116", _date(2022, 2, 17))
    roadmap.unit_details = [classify(n) for n in ("МОУО", "ОО", "ШНОР", "ММО", "МО КО", "Клуб")]
    roadmap.unit_joins = ["МКУ Управление образования» ММО → МКУ «Управление образования»; ММО"]
    text = views.preview_text(Preview(roadmap, PendingImport("p", "f", "0" * 64)))
    assert "Approved by: приказ № 116 от 17.02.2022" in text
    assert "the plan's owner and its staff: МОУО" in text
    assert "member organisations: ОО (all schools); ШНОР (a group the office names)" in text
    assert "groups of people: ММО" in text
    assert "above the owner (listed, not reminded): МО КО" in text
    assert "not recognised: Клуб" in text
    assert "read as separate units: 1" in text
    parse_html(text)


def test_preview_of_a_plan_without_title_or_period_proposes_and_asks(i18n_en) -> None:
    roadmap = make_roadmap([make_measure("1.1", "Первое", persons=["Иванова А.А."])], title="")
    roadmap.plan_period = None
    roadmap.proposed_period = (2014, 2015)
    preview = Preview(roadmap, PendingImport("p", "Дорожная карта.docx", "0" * 64))
    text = views.preview_text(preview)
    assert "(the document states no title)" in text and "Дорожная карта" not in text
    assert "Plan period: not stated; the deadlines span 2014–2015" in text
    assert "press «Period 2014–2015» to confirm" in text
    assert "Press «Name the plan»" in text
    buttons = [b.text for row in views.preview_keyboard(preview).inline_keyboard for b in row]
    assert buttons == ["✅ Period 2014–2015", "✏️ Name the plan", "📅 Set the period", "✖️ Cancel"]


async def test_a_title_is_needed_before_saving_and_the_order_is_stored(
    session_factory, tmp_path: Path
) -> None:
    await seed_organisation(session_factory, NOW, plan_reminders=False)
    body = SECOND_PLAN.split("\n\n", 2)[-1]  # the table without its title
    text = "ПРИКАЗ № 7 от 10.01.2022\n\n" + body
    pending = save_upload(tmp_path, text.encode(), "Дорожная карта.txt")
    async with UnitOfWork(session_factory) as uow:
        identity = await identity_of(uow, 7001)
        preview = await import_flow.preview(
            session_factory, identity, pending.with_period((2022, 2024)), now=NOW
        )
        assert preview.needs_title and preview.changes is None
        with pytest.raises(import_flow.TitleNeeded):
            await import_flow.confirm(uow, identity, pending.with_period((2022, 2024)), now=NOW)
        named = pending.with_period((2022, 2024)).with_title("План по ВСОКО")
        confirmed = await import_flow.confirm(uow, identity, named, now=NOW)
        stored = await uow.roadmaps.get(confirmed.result.roadmap_id)
        assert stored is not None and stored.title == "План по ВСОКО"
        assert (stored.approval_kind, stored.approval_number, stored.approval_date) == (
            "приказ",
            "7",
            date(2022, 1, 10),
        )


def test_pending_state_keeps_the_title_and_the_proposal() -> None:
    pending = PendingImport("p", "f", "0" * 64).with_title("План").with_proposed((2014, 2015))
    again = PendingImport.from_state(json.loads(json.dumps(pending.to_state())))
    assert again == pending
    assert import_flow.parse_title("  План   мероприятий ") == "План мероприятий"
    assert import_flow.parse_title("123") is None
    assert import_flow.parse_title("x" * 501) is None
