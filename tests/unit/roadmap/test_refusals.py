"""Inputs that cannot be imported get a refusal with a documented reason; nothing crashes."""

from __future__ import annotations

import io
import zipfile

import pytest

from bot.roadmap import MAX_BYTES, parse_document, parse_text
from bot.roadmap.errors import PROBLEM_CODES, REFUSAL_REASONS, ImportRefused

from .builders import build_docx, build_pdf, build_scanned_pdf, build_zip_bomb_docx, tiny_png


def refusal(data: bytes, name: str) -> ImportRefused:
    with pytest.raises(ImportRefused) as info:
        parse_document(data, name)
    assert info.value.reason in REFUSAL_REASONS
    assert str(info.value).endswith(".")  # a sentence a person can read
    return info.value


def test_image_bytes():
    # Page images are recognised now: a picture with no text, or no image at all, is refused.
    assert refusal(tiny_png(), "plan.png").reason in ("unreadable_scan", "ocr_unavailable")
    assert refusal(b"\xff\xd8\xff\xe0" + b"\x00" * 100, "scan.jpg").reason in (
        "corrupt_file",
        "ocr_unavailable",
    )


def test_zip_archive():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("plan.txt", "hello")
    assert refusal(out.getvalue(), "plans.zip").reason == "unsupported_format"


def test_too_large_blob():
    assert refusal(b"a" * (30 * 1024 * 1024), "big.txt").reason == "too_large"
    assert MAX_BYTES < 30 * 1024 * 1024


def test_docx_zip_bomb_is_refused_from_the_directory():
    exc = refusal(build_zip_bomb_docx(), "bomb.docx")
    assert exc.reason == "zip_bomb"
    assert exc.details["uncompressed"] > 100 * exc.details["compressed"]


def test_empty_inputs():
    assert refusal(b"", "plan.txt").reason == "empty"
    assert refusal(b"   \n\n", "plan.txt").reason == "empty"
    with pytest.raises(ImportRefused) as info:
        parse_text("№\tМероприятие\tСроки\tОтветственный\n\t\t\t\n")
    assert info.value.reason == "empty"
    docx = build_docx(["План"], [[["№", "Мероприятие", "Сроки", "Ответственный"]]])
    assert refusal(docx, "plan.docx").reason == "empty"


def test_no_table():
    assert refusal("Просто письмо без таблицы.\nС уважением".encode(), "a.txt").reason == (
        "no_table"
    )


def test_table_without_the_deadline_column_says_what_was_found():
    text = "№\tМероприятие\tОтветственный\n1\tПервое\tОО\n"
    exc = refusal(text.encode(), "plan.txt")
    assert exc.reason == "missing_columns"
    assert exc.details == {"found": ["№", "Мероприятие", "Ответственный"], "missing": ["deadline"]}
    assert "deadline" in str(exc) and "Мероприятие" in str(exc)


def test_scanned_pdf():
    assert refusal(build_scanned_pdf(), "scan.pdf").reason == "scanned_pdf"


def test_pdf_without_a_ruled_table_falls_back_to_text_lines():
    from reportlab.pdfgen import canvas

    from .builders import _register_font

    font = _register_font()
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.setFont(font, 10)
    c.drawString(40, 800, "План мероприятий на 2022-2024 годы")
    for y, cells in ((760, ["№", "Мероприятие", "Сроки", "Ответственный"]),
                     (740, ["1", "Первое", "май 2022", "МОУО"])):  # fmt: skip
        for x, text in zip((40, 80, 300, 420), cells, strict=True):
            c.drawString(x, y, text)
    c.save()
    r = parse_document(out.getvalue(), "plain.pdf")
    assert [(m.number, m.title, m.units) for m in r.measures] == [("1", "Первое", ["МОУО"])]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.4 garbage", "x.pdf"),
        (b"PK\x03\x04" + b"\x00" * 60, "x.docx"),
        (b"not a docx at all", "x.docx"),
        (build_pdf(["x"], [[["a", "b"]]])[:300], "truncated.pdf"),
    ],
)
def test_broken_files_are_corrupt_not_crashes(data: bytes, name: str):
    assert refusal(data, name).reason == "corrupt_file"


def test_broken_docx_inside_a_valid_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<not xml")
    assert refusal(out.getvalue(), "x.docx").reason == "corrupt_file"


def test_binary_garbage():
    assert refusal(bytes(range(256)) * 10, "x.bin").reason == "unsupported_format"


def test_reasons_and_codes_are_documented():
    assert set(REFUSAL_REASONS) == {
        "too_large", "unsupported_format", "corrupt_file", "zip_bomb", "too_many_cells",
        "timeout", "scanned_pdf", "no_table", "missing_columns", "empty",
        "ocr_unavailable", "unreadable_scan",
        "encrypted", "too_many_pages", "too_many_rows", "too_heavy",
    }  # fmt: skip
    assert {"unparsed_deadline", "no_number", "duplicate_number", "no_responsible",
            "moved_cell", "clamped_date"} <= set(PROBLEM_CODES)  # fmt: skip
    with pytest.raises(ValueError):
        ImportRefused("not_a_reason")


def test_cell_limit_and_time_budget(monkeypatch):
    from bot.roadmap import raw

    monkeypatch.setattr(raw, "MAX_CELLS", 10)
    text = "№\tМероприятие\tСроки\tОтветственный\n" + "1\tА\tмай 2022\tОО\n" * 10
    with pytest.raises(ImportRefused) as info:
        parse_text(text)
    assert info.value.reason == "too_many_cells"
    monkeypatch.setattr(raw, "MAX_CELLS", 200_000)
    monkeypatch.setattr(raw, "TIME_BUDGET_SECONDS", -1.0)
    with pytest.raises(ImportRefused) as info:
        parse_text(text * 30)
    assert info.value.reason == "timeout"
