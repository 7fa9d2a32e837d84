"""The parts of scan reading that need no tesseract: the number sequence repair, albums,
the page cap, doubtful fields by the rows a measure came from."""

from __future__ import annotations

import pytest

from bot.roadmap import ImportRefused, pack_album, parse_document, raw
from bot.roadmap.confidence import with_confidence
from bot.roadmap.raw import RawCell, RawDocument, RawRow
from bot.roadmap.readers.ocr import _follows, parse_tsv, repair_numbers
from bot.roadmap.table import interpret


def _row(where: str, *texts: str, conf: float = 0.95) -> RawRow:
    return RawRow([RawCell(t, confidence=conf if t else None) for t in texts], where)


def test_numbers_follow_each_other() -> None:
    assert _follows((1, 1, 3), (1, 1, 4))
    assert _follows((1, 1), (1, 1, 1))
    assert _follows((1, 1, 21), (1, 2))
    assert _follows((1, 1, 21), (2,))
    assert not _follows((1, 1, 3), (3, 1, 9))
    assert not _follows((1, 1, 3), (1, 1, 3))


def test_missing_and_misread_numbers_are_filled_from_their_neighbours() -> None:
    doc = RawDocument(source="scan")
    doc.rows = [
        _row("page 1, row 1", "1.1.1.", "Первое", "май", "ОО"),
        _row("page 1, row 2", "", "Второе", "май", "ОО"),  # missed
        _row("page 1, row 3", "3.1.9.", "Третье", "май", "ОО"),  # misread
        _row("page 1, row 4", "", "", "года", ""),  # a continuation: no title
        _row("page 1, row 5", "1.1.4.", "Четвёртое", "май", "ОО"),
    ]
    repair_numbers(doc)
    assert [r.cells[0].text for r in doc.rows] == ["1.1.1.", "1.1.2", "1.1.3", "", "1.1.4."]
    assert doc.rows[1].cells[0].confidence == 0.5  # filled in: shown as doubtful


def test_a_gap_that_does_not_match_is_left_alone() -> None:
    doc = RawDocument(source="scan")
    doc.rows = [
        _row("page 1, row 1", "2.1", "Первое", "май", "ОО"),
        _row("page 1, row 2", "", "Второе", "май", "ОО"),
        _row("page 1, row 3", "", "Третье", "май", "ОО"),
        _row("page 1, row 4", "2.3", "Четвёртое", "май", "ОО"),
    ]
    repair_numbers(doc)
    assert [r.cells[0].text for r in doc.rows] == ["2.1", "", "", "2.3"]


def test_an_album_is_refused_past_the_page_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(raw, "MAX_SCAN_PAGES", 2)
    album = pack_album([b"\xff\xd8\xff\xe0page"] * 3)
    with pytest.raises(ImportRefused) as info:
        parse_document(album, "album")
    assert info.value.reason == "too_many_pages"
    assert info.value.details == {"pages": 3, "limit": 2}


def test_a_damaged_album_is_refused() -> None:
    with pytest.raises(ImportRefused) as info:
        parse_document(pack_album([b"\xff\xd8\xff\xe0page"])[:-2], "album")
    assert info.value.reason == "corrupt_file"


def test_measures_get_the_confidence_of_their_rows() -> None:
    doc = RawDocument(source="scan", paragraphs=["План на 2022-2024 годы"], preamble_count=1)
    doc.rows = [
        _row("page 1, row 1", "№", "Мероприятие", "Срок", "Ответственный"),
        _row("page 1, row 2", "1", "Первое", "май 2022", "Иванов И.И."),
        RawRow(
            [
                RawCell("2", confidence=0.9),
                RawCell("Второе", confidence=0.92),
                RawCell("дскабрь 2022", confidence=0.41),
                RawCell("Петров П.П.", confidence=0.88),
            ],
            "page 1, row 3",
        ),
    ]
    parsed = with_confidence(interpret(doc), doc)
    first, second = parsed.measures
    assert first.confidence == 0.95 and first.doubtful == []
    assert second.confidence == 0.41 and second.doubtful == ["deadline"]
    assert second.to_json()["confidence"] == 0.41


def test_tesseract_tsv_words() -> None:
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight"
        "\tconf\ttext\n"
        "5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t96.5\tМай\n"
        "5\t1\t1\t1\t1\t2\t50\t20\t30\t12\t-1\t \n"
    )
    (word,) = parse_tsv(tsv)
    assert (word.text, word.left, word.conf) == ("Май", 10, 0.965)


def test_without_recognition_a_scan_is_refused_at_once() -> None:
    from .builders import build_scanned_pdf, tiny_png

    with pytest.raises(ImportRefused) as info:
        parse_document(build_scanned_pdf(), "scan.pdf", ocr=False)
    assert info.value.reason == "scanned_pdf"
    with pytest.raises(ImportRefused) as info:
        parse_document(tiny_png(), "scan.png", ocr=False)
    assert info.value.reason == "unsupported_format"
    with pytest.raises(ImportRefused) as info:
        parse_document(pack_album([tiny_png()]), "album", ocr=False)
    assert info.value.reason == "unsupported_format"
