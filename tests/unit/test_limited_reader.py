"""Issue 13, item 1: documents are read in a limited child process. The bot (this process,
here) stays small whatever the file, keeps its event loop, and gets the same result or the
same refusal as reading in-process would give."""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

import pytest

import bot.limited_reader as limited
from bot import import_flow
from bot.limited_reader import ReaderLimits, read_roadmap
from bot.roadmap import parse_document, raw
from bot.roadmap.errors import ImportRefused
from tests import hostile_files as hostile
from tests.memory import PeakMemory
from tests.unit.roadmap.builders import build_docx, build_pdf, build_xlsx, tables_from_text

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
# The aim of issue 13: any file costs the bot process at most this much above idle.
PARENT_BUDGET = 200 * MB


class Children(list):
    """Every child process the limited reader starts, in order; `started` is set at the
    first."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> Children:
    started = Children()
    real = asyncio.create_subprocess_exec

    async def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        process = await real(*args, **kwargs)
        started.append(process)
        started.started.set()
        return process

    monkeypatch.setattr(limited.asyncio, "create_subprocess_exec", spy)
    return started


# --- the same answers as in-process ------------------------------------------------------


def _forms() -> list[tuple[bytes, str]]:
    paragraphs, tables = tables_from_text(hostile.sample_plan_text("000"))
    return [
        (hostile.sample_plan_text("000").encode(), "План.txt"),
        (build_docx(paragraphs, tables), "План.docx"),
        (build_xlsx(paragraphs, tables), "План.xlsx"),
        (build_pdf(paragraphs, tables), "План.pdf"),
        (hostile.plan_docx("004"), "Городской план.docx"),
    ]


async def test_every_form_reads_exactly_as_in_process() -> None:
    forms = _forms()
    results = await asyncio.gather(*(read_roadmap(d, n) for d, n in forms))
    for (data, name), parsed in zip(forms, results, strict=True):
        assert parsed == parse_document(data, name), name
        assert parsed.measures  # a real plan, not two equal empties


async def test_the_period_and_refusals_travel_unchanged() -> None:
    data = hostile.sample_plan_text("002").encode()
    assert await read_roadmap(data, "p.txt", period=(2023, 2025)) == parse_document(
        data, "p.txt", period=(2023, 2025)
    )
    text = "№\tМероприятие\tОтветственный\n1\tПервое\tОО\n".encode()
    with pytest.raises(ImportRefused) as in_child:
        await read_roadmap(text, "plan.txt")
    with pytest.raises(ImportRefused) as in_process:
        parse_document(text, "plan.txt")
    assert (in_child.value.reason, in_child.value.details) == (
        in_process.value.reason,
        in_process.value.details,
    )


async def test_document_limits_changed_here_apply_in_the_child(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(raw, "MAX_CELLS", 10)
    with pytest.raises(ImportRefused) as info:
        await read_roadmap(hostile.sample_plan_text("000").encode(), "p.txt")
    assert info.value.reason == "too_many_cells"
    assert info.value.details["limit"] == 10


# --- what the limits stop ----------------------------------------------------------------


async def test_a_document_that_passes_every_cap_but_eats_memory_costs_the_bot_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The DOCX of issue 13 with the caps lifted: only the child's memory limit stands
    between it and the 2-5 GB it took. Read through the import flow, as the bot does."""
    monkeypatch.setattr(raw, "MAX_UNCOMPRESSED", 10**10)
    monkeypatch.setattr(raw, "MAX_MARKUP_UNCOMPRESSED", 10**10)
    monkeypatch.setattr(limited, "DEFAULT_LIMITS", ReaderLimits(memory_bytes=400 * MB))
    data, name = hostile.docx_with_header_parts()
    pending = import_flow.save_upload(tmp_path, data, name)
    del data
    with PeakMemory() as peak, pytest.raises(ImportRefused) as info:
        await import_flow.parse_pending(pending)
    assert info.value.reason == "too_heavy"
    assert info.value.details == {"limit": 400}
    assert peak.growth < PARENT_BUDGET


async def test_the_wall_clock_limit_kills_the_child(
    monkeypatch: pytest.MonkeyPatch, children: Children
) -> None:
    # A sheet within the caps that takes openpyxl many seconds, and a one-second limit.
    monkeypatch.setattr(raw, "MAX_MARKUP_UNCOMPRESSED", 10**10)
    monkeypatch.setattr(raw, "PRECOUNT_CELLS_FACTOR", 100)
    data, name = hostile.xlsx_huge_sheet(cells=2_000_000)
    with pytest.raises(ImportRefused) as info:
        await read_roadmap(data, name, limits=ReaderLimits(wall_seconds=1))
    assert info.value.reason == "timeout"
    assert [p.returncode for p in children] == [-signal.SIGKILL]


async def test_the_cpu_limit_ends_the_child(
    monkeypatch: pytest.MonkeyPatch, children: Children
) -> None:
    monkeypatch.setattr(raw, "MAX_MARKUP_UNCOMPRESSED", 10**10)
    monkeypatch.setattr(raw, "PRECOUNT_CELLS_FACTOR", 100)
    data, name = hostile.xlsx_huge_sheet(cells=2_000_000)
    with pytest.raises(ImportRefused) as info:
        await read_roadmap(data, name, limits=ReaderLimits(cpu_seconds=1, wall_seconds=60))
    assert info.value.reason == "timeout"
    assert children[0].returncode in (-signal.SIGXCPU, -signal.SIGKILL)


async def test_a_cancelled_reading_leaves_no_child_behind(
    monkeypatch: pytest.MonkeyPatch, children: Children
) -> None:
    monkeypatch.setattr(raw, "MAX_MARKUP_UNCOMPRESSED", 10**10)
    monkeypatch.setattr(raw, "PRECOUNT_CELLS_FACTOR", 100)
    data, name = hostile.xlsx_huge_sheet(cells=2_000_000)
    reading = asyncio.create_task(read_roadmap(data, name))
    await asyncio.wait_for(children.started.wait(), 30)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    assert children[0].returncode == -signal.SIGKILL


# --- the parent stays responsive, a few children at most --------------------------------


async def test_the_event_loop_runs_while_a_child_reads(children: Children) -> None:
    reading = asyncio.create_task(read_roadmap(hostile.plan_docx(), "plan.docx"))
    ticks_while_reading = 0
    while not reading.done():
        await asyncio.sleep(0.005)
        if children and children[0].returncode is None:
            ticks_while_reading += 1
    await reading
    assert ticks_while_reading > 0


async def test_at_most_the_configured_number_of_children_run_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running = 0
    most = 0
    real = limited._run_child

    async def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            return await real(*args, **kwargs)
        finally:
            running -= 1

    monkeypatch.setattr(limited, "_run_child", counting)
    data = hostile.sample_plan_text("004").encode()
    results = await asyncio.gather(
        *(read_roadmap(data, "p.txt", limits=ReaderLimits(concurrency=2)) for _ in range(5))
    )
    assert most == 2
    assert len({len(r.measures) for r in results}) == 1


# --- what the parent makes of a child that could not answer ------------------------------


@pytest.mark.parametrize(
    ("returncode", "stderr", "reason"),
    [
        (-signal.SIGSEGV, b"", "corrupt_file"),
        (1, b"Traceback ...\nIndexError: list index out of range", "corrupt_file"),
        (limited.EXIT_MEMORY, b"", "too_heavy"),
        (1, b"MemoryError", "too_heavy"),
        (-signal.SIGXCPU, b"", "timeout"),
        (0, b"", "corrupt_file"),  # exited cleanly without an answer
    ],
)
def test_a_child_without_an_answer_becomes_a_documented_refusal(
    returncode: int, stderr: bytes, reason: str
) -> None:
    answer, _ = limited._answer(
        bytearray(), stderr, returncode, False, False, ReaderLimits(), "PDF"
    )
    refusal = limited._refusal(answer["refusal"]["reason"], answer["refusal"]["details"])
    assert refusal.reason == reason
    if reason == "corrupt_file":
        assert refusal.details == {"kind": "PDF"}


def test_a_child_answer_with_an_unknown_reason_is_not_trusted() -> None:
    assert limited._refusal("rm -rf", {"x": 1}).reason == "corrupt_file"


def test_the_child_gets_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db/x")
    monkeypatch.setenv("LANG", "C.UTF-8")
    env = limited._child_env()
    assert "BOT_TOKEN" not in env and "DATABASE_URL" not in env
    assert env["LANG"] == "C.UTF-8"
    assert str(ROOT) in env["PYTHONPATH"].split(":")


def test_every_reading_entry_point_goes_through_the_limited_reader() -> None:
    """Only the importer itself, the child and the trusted demo plan call the in-process
    parser; the bot, its handlers and the command line go through bot.limited_reader."""
    allowed = ("bot/roadmap/", "bot/limited_reader/", "bot/demo/")
    callers = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(allowed):
            continue
        if re.search(r"\b(parse_document|read_raw|parse_text)\b", path.read_text("utf-8")):
            callers.append(relative)
    assert callers == []


def test_roadmap_bot_parse_reads_in_the_limited_child(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.roadmap.cli import parse_command

    monkeypatch.setattr(raw, "MAX_UNCOMPRESSED", 10**10)
    monkeypatch.setattr(raw, "MAX_MARKUP_UNCOMPRESSED", 10**10)
    monkeypatch.setattr(limited, "DEFAULT_LIMITS", ReaderLimits(memory_bytes=400 * MB))
    data, name = hostile.docx_with_header_parts()
    path = tmp_path / name
    path.write_bytes(data)
    del data
    with PeakMemory() as peak:
        assert parse_command(str(path), None, "json") == 2
    assert capsys.readouterr().err.startswith("refused (too_heavy)")
    assert peak.growth < PARENT_BUDGET
    encrypted, name = hostile.encrypted_pdf()
    (tmp_path / name).write_bytes(encrypted)
    assert parse_command(str(tmp_path / name), None, "text") == 2
    assert "password" in capsys.readouterr().err


def test_which_new_refusals_still_show_someone_sent_a_plan() -> None:
    """Size-like refusals mean a plan too big to read (told to the coordinator); a
    protected file or a long PDF out of the blue is more likely a report's attachment."""
    plan_like = {"too_heavy", "too_many_rows"}
    for reason in plan_like:
        assert import_flow.is_plan_attempt(ImportRefused(reason))
    for reason in ("encrypted", "too_many_pages"):
        assert not import_flow.is_plan_attempt(ImportRefused(reason))


async def test_a_parsed_plan_too_big_for_the_bot_is_refused_as_too_heavy() -> None:
    data = hostile.sample_plan_text("000").encode()
    parsed = await read_roadmap(data, "plan.txt")
    from bot.limited_reader.tasks import roadmap_to_json

    size = len(roadmap_to_json(parsed))
    with pytest.raises(ImportRefused) as info:
        await read_roadmap(data, "plan.txt", limits=ReaderLimits(max_output_bytes=size - 1))
    assert info.value.reason == "too_heavy"
    # The cap holds the status line too ({"ok": true} and a newline).
    assert await read_roadmap(data, "plan.txt", limits=ReaderLimits(max_output_bytes=size + 64))


async def test_roadmap_bot_import_reads_in_the_limited_child(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from bot.members_cli import import_command
    from bot.settings import Settings

    data, name = hostile.encrypted_pdf()
    (tmp_path / name).write_bytes(data)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}",
        files_dir=tmp_path / "files",
    )
    args = argparse.Namespace(file=str(tmp_path / name), period=None, org="Школа")
    with PeakMemory() as peak:
        assert await import_command(settings, args) == 2
    assert capsys.readouterr().err.startswith("import: refused (encrypted)")
    assert peak.growth < PARENT_BUDGET
