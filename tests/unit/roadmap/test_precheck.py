"""Issue 13: what a document would cost is judged before a reader library opens it.

Each hostile case is refused with a documented reason, and the library that would have paid
for it is never called (it is replaced by one that fails the test if it is)."""

from __future__ import annotations

import io
import zipfile

import pytest

from bot.roadmap import parse_document, raw
from bot.roadmap.errors import ImportRefused
from tests import hostile_files as hostile


def refusal(data: bytes, name: str) -> ImportRefused:
    with pytest.raises(ImportRefused) as info:
        parse_document(data, name)
    return info.value


@pytest.fixture
def no_library(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A switch: once called, opening a document with python-docx, openpyxl or pdfplumber
    fails the test (the test builds its document with those libraries first)."""
    return lambda: _forbid_libraries(monkeypatch)


def _forbid_libraries(monkeypatch: pytest.MonkeyPatch) -> None:

    def forbid(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a reader library was called before the checks refused")

    import docx
    import openpyxl
    import pdfplumber

    from bot.roadmap.readers import docx as docx_reader
    from bot.roadmap.readers import pdf as pdf_reader
    from bot.roadmap.readers import xlsx as xlsx_reader

    monkeypatch.setattr(docx, "Document", forbid)
    monkeypatch.setattr(docx_reader, "Document", forbid)
    monkeypatch.setattr(openpyxl, "load_workbook", forbid)
    monkeypatch.setattr(xlsx_reader.openpyxl, "load_workbook", forbid)
    monkeypatch.setattr(pdfplumber, "open", forbid)
    monkeypatch.setattr(pdf_reader.pdfplumber, "open", forbid)


def test_the_docx_of_issue_13_with_58_header_parts_is_refused_unopened(no_library) -> None:
    data, name = hostile.docx_with_header_parts(parts=58, part_size=int(4.9 * hostile.MB))
    assert len(data) < 2 * hostile.MB
    no_library()
    exc = refusal(data, name)
    assert exc.reason == "zip_bomb"
    assert exc.details["uncompressed"] > 250 * hostile.MB


def test_xml_parts_are_capped_even_when_the_total_is_small(no_library) -> None:
    # 9 x 4.9 MB = 44 MB of header XML: under the total cap, over the cap on parsed XML.
    data, name = hostile.docx_with_header_parts(parts=9, part_size=int(4.9 * hostile.MB))
    no_library()
    exc = refusal(data, name)
    assert exc.reason == "zip_bomb"
    assert exc.details["markup"] is True
    assert exc.details["uncompressed"] > raw.MAX_MARKUP_UNCOMPRESSED


def test_too_many_zip_parts(no_library) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
        for n in range(raw.MAX_ZIP_PARTS):
            z.writestr(f"word/media/image{n}.png", b"")
    no_library()
    exc = refusal(out.getvalue(), "many.docx")
    assert exc.reason == "zip_bomb"
    assert exc.details["parts"] == raw.MAX_ZIP_PARTS + 1


def test_a_huge_sheet_is_counted_before_openpyxl_builds_it(no_library) -> None:
    cells = raw.MAX_CELLS * raw.PRECOUNT_CELLS_FACTOR + 10
    data, name = hostile.xlsx_huge_sheet(cells=cells)
    no_library()
    exc = refusal(data, name)
    assert exc.reason == "too_many_cells"
    assert exc.details == {"cells": cells, "limit": raw.MAX_CELLS}


def test_docx_table_cells_are_counted_before_python_docx_parses_them(
    monkeypatch: pytest.MonkeyPatch, no_library
) -> None:
    monkeypatch.setattr(raw, "MAX_CELLS", 50)
    from tests.unit.roadmap.builders import build_docx

    rows = [["№", "Мероприятие", "Сроки", "Ответственный"]] + [
        [str(n), "Совещание", "май 2022", "Иванов И.И."] for n in range(30)
    ]
    data = build_docx(["План на 2022-2024 годы"], [rows])
    no_library()
    exc = refusal(data, "plan.docx")
    assert exc.reason == "too_many_cells"
    assert exc.details["cells"] == 124


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_a_tag_split_between_chunks_is_counted_once(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    from bot.roadmap import precheck

    monkeypatch.setattr(precheck, "_CHUNK", chunk)  # tags cross chunk boundaries everywhere
    out = io.BytesIO()
    sheet = b"<row>" + b'<c r="A1"><v>1</v></c><x:c>2</x:c><c/><col/>' * 50 + b"</row>"
    document = b"<w:tbl><w:tr>" + b"<w:tc><w:p/></w:tc><w:tcPr/>" * 40 + b"</w:tr></w:tbl>"
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("sheet.xml", sheet)
        z.writestr("document.xml", document)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    assert precheck.count_cells(archive, archive.getinfo("sheet.xml"), "xlsx") == 150
    assert precheck.count_cells(archive, archive.getinfo("document.xml"), "docx") == 40


@pytest.mark.parametrize("part", ["word/document.xml", "word/styles.xml"])
def test_a_broken_deflate_stream_is_a_damaged_file(part: str) -> None:
    """Found by the property suite: zlib.error escaped the cell count."""
    data = bytearray(hostile.plan_docx())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(part)
    # The member's data starts after its local header (30 bytes, the name, the extra).
    name_length, extra_length = (
        int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little"),
        int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little"),
    )
    start = info.header_offset + 30 + name_length + extra_length
    data[start + 10 : start + 40] = b"\xff" * 30
    assert refusal(bytes(data), "plan.docx").reason == "corrupt_file"


def test_a_pdf_with_too_many_pages_is_refused_before_a_page_is_read(no_library) -> None:
    data, name = hostile.pdf_many_pages(raw.MAX_PAGES + 1)
    no_library()
    exc = refusal(data, name)
    assert exc.reason == "too_many_pages"
    assert exc.details == {"pages": raw.MAX_PAGES + 1, "limit": raw.MAX_PAGES}


def test_a_password_protected_pdf_is_told_apart_from_a_damaged_one() -> None:
    data, name = hostile.encrypted_pdf("secret")
    exc = refusal(data, name)
    assert exc.reason == "encrypted"
    assert exc.details == {"kind": "PDF"}
    assert "password" in str(exc)
    # Damaged stays damaged.
    assert refusal(data[: len(data) // 3], name).reason == "corrupt_file"


def test_a_pdf_that_only_restricts_printing_is_read_as_usual() -> None:
    data, name = hostile.encrypted_pdf("")
    assert refusal(data, name).reason == "no_table"  # opened: it just holds no plan


@pytest.mark.parametrize(("name", "kind"), [("plan.docx", "DOCX"), ("plan.xlsx", "XLSX")])
def test_password_protected_office_files(name: str, kind: str) -> None:
    data, _ = hostile.encrypted_office()
    exc = refusal(data, name)
    assert exc.reason == "encrypted"
    assert exc.details == {"kind": kind}


def test_a_legacy_doc_is_still_called_legacy() -> None:
    data, _ = hostile.encrypted_office()
    legacy = data.replace("EncryptedPackage".encode("utf-16-le"), b"W\x00o\x00r\x00d\x00")
    exc = refusal(legacy, "old.doc")
    assert exc.reason == "unsupported_format"
    assert ".doc" in exc.details["kind"]


def test_a_csv_of_blank_lines_is_refused_by_its_line_count() -> None:
    data = b"a;b;c\n1;2;3\n" + b"\n" * raw.MAX_TEXT_LINES
    exc = refusal(data, "rows.csv")
    assert exc.reason == "too_many_rows"
    assert exc.details == {"rows": raw.MAX_TEXT_LINES + 2, "limit": raw.MAX_TEXT_LINES}


def test_a_legitimate_file_near_the_download_limit_reads_as_its_small_self() -> None:
    data, name = hostile.legitimate_docx_near_limit()
    assert 18 * hostile.MB < len(data) < 20 * hostile.MB
    big = parse_document(data, name)
    small = parse_document(hostile.plan_docx(), name)
    assert big == small
    assert len(big.measures) == 88 or not hostile.SAMPLES.is_dir()
