"""The report draft, typed entries, dates, the current period and receiving files."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.calendar import parse_date
from bot.reports.draft import (
    MAX_DOWNLOAD_BYTES,
    Draft,
    DraftFile,
    parse_caption,
    parse_entry,
)
from bot.reports.files import FileStore, Outcome, receive
from bot.reports.reading import current_occurrence

TODAY = date(2022, 5, 16)


@pytest.mark.parametrize(
    ("text", "number", "rest"),
    [
        ("отчёт 1.1.2", "1.1.2", ""),
        ("Отчет 1.1.2. приказ подписан", "1.1.2", "приказ подписан"),
        ("сделал 1.2", "1.2", ""),
        ("сделала №3.4 всё готово", "3.4", "всё готово"),
        ("выполнено 2.10", "2.10", ""),
        ("/report 1.1.2", "1.1.2", ""),
        ("/report", None, ""),
        ("отчёт", None, ""),
    ],
)
def test_typed_entries(text: str, number: str | None, rest: str) -> None:
    entry = parse_entry(text)
    assert entry is not None and (entry.number, entry.rest) == (number, rest)


@pytest.mark.parametrize("text", ["что у меня в мае", "отчётность за май", "1.2", ""])
def test_other_text_is_not_an_entry(text: str) -> None:
    assert parse_entry(text) is None


def test_captions_name_the_measure_by_its_number() -> None:
    assert parse_caption("1.1.2 приказ подписан") == parse_entry("отчёт 1.1.2 приказ подписан")
    assert parse_caption("1.1.2. — приказ").number == "1.1.2"
    assert parse_caption("сделал 1.3").number == "1.3"
    # A bare integer or plain words name no measure; the text stays the report's text.
    assert parse_caption("45 страниц").number is None
    assert parse_caption("приказ подписан") == parse_caption("приказ подписан")
    assert parse_caption(None).rest == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15.06.2022", date(2022, 6, 15)),
        ("15.06.22", date(2022, 6, 15)),
        ("15/06", date(2022, 6, 15)),
        ("10.01", date(2023, 1, 10)),  # no year: the next such day
        ("15 июня", date(2022, 6, 15)),
        ("1 сентября 2022 г.", date(2022, 9, 1)),
        ("31.02.2022", None),
        ("завтра", None),
    ],
)
def test_dates(text: str, expected: date | None) -> None:
    assert parse_date(text, TODAY) == expected


def test_draft_survives_json_and_skips_the_same_file_twice() -> None:
    draft = Draft(occurrence_id=5)
    draft.add_text("приказ")
    draft.add_text("  ")
    draft.add_text("подписан")
    assert draft.add_file(DraftFile("photo", "f1", "u1", size=10))
    assert not draft.add_file(DraftFile("photo", "f1-again", "u1", size=10))
    restored = Draft.from_dict(json.loads(json.dumps(draft.to_dict())))
    assert restored == draft
    assert restored.text == "приказ\nподписан" and len(restored.files) == 1
    assert Draft.from_dict(None) == Draft()


def occ(start: date, due: date, status: str = "open", postponed: date | None = None) -> Any:
    return SimpleNamespace(window_start=start, due_date=due, status=status, postponed_to=postponed)


def test_current_period_is_the_open_window_then_the_latest_overdue_then_the_next() -> None:
    may = occ(date(2022, 5, 1), date(2022, 5, 31))
    june = occ(date(2022, 6, 1), date(2022, 6, 30))
    april = occ(date(2022, 4, 1), date(2022, 4, 30))
    march = occ(date(2022, 3, 1), date(2022, 3, 31))
    assert current_occurrence([april, may, june], TODAY) is may
    assert current_occurrence([march, april, june], TODAY) is april
    assert current_occurrence([june, occ(date(2023, 6, 1), date(2023, 6, 30))], TODAY) is june
    may.status = "done"
    assert current_occurrence([may], TODAY) is None
    # A postponed period counts from its new date.
    moved = occ(date(2022, 3, 1), date(2022, 3, 31), "postponed", date(2022, 5, 20))
    assert current_occurrence([april, moved], TODAY) is moved


class FakeBot:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.downloads = 0

    async def download(self, file_id: str, destination: Any) -> None:
        self.downloads += 1
        destination.write(self.data)


async def test_receive_stores_by_checksum(tmp_path: Path) -> None:
    bot = FakeBot(b"scan")
    item = DraftFile("document", "fid", "uid", "../../etc/passwd", "application/pdf", 4)
    received = await receive(bot, FileStore(tmp_path), item)  # type: ignore[arg-type]
    sha = hashlib.sha256(b"scan").hexdigest()
    assert received.outcome is Outcome.STORED
    assert (received.file.sha256, received.file.stored_path) == (sha, f"{sha[:2]}/{sha}")
    assert (tmp_path / sha[:2] / sha).read_bytes() == b"scan"


async def test_an_oversized_file_is_not_downloaded(tmp_path: Path) -> None:
    bot = FakeBot(b"")
    item = DraftFile("video", "fid", "uid", size=MAX_DOWNLOAD_BYTES + 1)
    received = await receive(bot, FileStore(tmp_path), item)  # type: ignore[arg-type]
    assert received.outcome is Outcome.TOO_BIG and bot.downloads == 0


async def test_a_disk_error_keeps_the_file_by_its_telegram_id(tmp_path: Path) -> None:
    blocker = tmp_path / "files"
    blocker.write_text("not a directory")  # every write under it fails
    received = await receive(
        FakeBot(b"scan"),  # type: ignore[arg-type]
        FileStore(blocker),
        DraftFile("photo", "fid", "uid", size=4),
    )
    assert received.outcome is Outcome.NOT_STORED
    assert received.file.file_id == "fid" and received.file.stored_path is None
    assert received.file.sha256 == hashlib.sha256(b"scan").hexdigest()


def test_text_beyond_the_limit_is_refused_whole_never_cut() -> None:
    from bot.reports.draft import MAX_TEXT

    draft = Draft(occurrence_id=5)
    assert draft.add_text("а" * 3000)
    assert draft.length_with("б" * 1500) == 4501
    assert not draft.add_text("б" * 1500)
    assert draft.text == "а" * 3000  # nothing of the refused part, nothing cut
    assert draft.add_text("б" * (MAX_TEXT - 3001))
    assert len(draft.text) == MAX_TEXT
