"""A member list sent as a file (/schools, `roadmap-bot org add-members`) is read like a
plan (issue 13): in the limited child process, after the importer's prechecks, so a hostile
workbook costs the bot neither memory nor its event loop."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook

import bot.limited_reader as limited
from bot.member_list import MemberListError
from bot.members import read_member_document
from tests import hostile_files as hostile
from tests.memory import PeakMemory

ROOT = Path(__file__).resolve().parents[3]
MB = 1024 * 1024


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def child_tasks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tasks handed to the limited reader (which still runs them in a child)."""
    seen: list[str] = []
    original = limited.read

    async def spy(task: str, *args: object, **kwargs: object) -> bytearray:
        seen.append(task)
        return await original(task, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(limited, "read", spy)
    return seen


async def test_an_xlsx_list_is_read_in_the_child(child_tasks: list[str]) -> None:
    data = workbook(
        [
            ["№", "Наименование", "ФИО директора"],
            [1, "МБОУ СОШ №1", "Иванова А.П."],
            [2, "  МБОУ   СОШ №2 ", None],
            [3, "МБОУ СОШ №1", "Петров П.П."],
        ]
    )
    members = await read_member_document(data, "schools.xlsx")
    assert [(e.name, e.contact, e.line) for e in members.entries] == [
        ("МБОУ СОШ №1", "Иванова А.П.", 2),
        ("МБОУ СОШ №2", None, 3),
    ]
    assert [(line, reason.value) for line, _text, reason in members.skipped] == [(4, "duplicate")]
    assert child_tasks == ["member_list"]


async def test_a_text_list_and_its_refusals_travel_unchanged(child_tasks: list[str]) -> None:
    members = await read_member_document("1. СОШ №3; Сидорова А.А.\n".encode(), "list.txt")
    assert [(e.name, e.contact) for e in members.entries] == [("СОШ №3", "Сидорова А.А.")]
    with pytest.raises(MemberListError) as refused:
        await read_member_document("№;Телефон\n1;2\n".encode(), "schools.csv")
    assert refused.value.code == "no_name_column"
    assert refused.value.params == {"columns": ["№", "Телефон"]}
    with pytest.raises(MemberListError) as refused:
        await read_member_document(b"x" * (2 * MB + 1), "big.txt")
    assert refused.value.code == "too_big"
    assert child_tasks == ["member_list", "member_list"]


async def test_a_hostile_workbook_is_refused_by_the_prechecks_and_costs_the_bot_nothing() -> None:
    sheet, _name = hostile.xlsx_huge_sheet(cells=3_000_000)
    assert len(sheet) < 2 * MB  # within the member file's own size limit
    bomb, _name = hostile.docx_with_header_parts()
    with PeakMemory() as peak:
        with pytest.raises(MemberListError) as refused:
            await read_member_document(sheet, "schools.xlsx")
        assert refused.value.params.get("reason") in ("zip_bomb", "too_many_cells")
        with pytest.raises(MemberListError) as refused:
            await read_member_document(bomb, "schools.xlsx")
        assert refused.value.params.get("reason") == "zip_bomb"
    assert peak.growth < 200 * MB


def test_no_entry_point_reads_a_member_file_in_process() -> None:
    """Only the child (through its task) reads a member file's bytes."""
    callers = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        relative = path.relative_to(ROOT).as_posix()
        if relative in ("bot/member_list.py", "bot/limited_reader/tasks.py"):
            continue
        if re.search(r"\bread_member_bytes\b", path.read_text("utf-8")):
            callers.append(relative)
    assert callers == []
