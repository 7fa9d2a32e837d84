"""Hostile and heavy documents, built in memory: the cases of issue 13 and a legitimate file
near Telegram's 20 MB limit. Shared by the tests and by bench/hostile.py.

Every builder returns `(bytes, filename)`; none writes to disk. Sizes are parameters so
tests can use small versions that still trip the same limit.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HEADER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
HEADER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
MB = 1024 * 1024


def sample_plan_text(key: str = "000") -> str:
    """One of the shared real samples, or a small plan when they are not beside the checkout."""
    found = sorted(SAMPLES.glob(f"{key}_*.txt")) if SAMPLES.is_dir() else []
    if found:
        return found[0].read_text(encoding="utf-8")
    return (
        "План мероприятий на 2022-2024 годы\n"
        "№\tМероприятие\tСроки\tОтветственный\n"
        "1\tСовещание\tмай 2022\tИванов И.И.\n"
        "2\tОтчёт\tдо 31 декабря 2023\tПетров П.П.\n"
    )


def plan_docx(key: str = "000") -> bytes:
    from tests.unit.roadmap.builders import build_docx, tables_from_text

    return build_docx(*tables_from_text(sample_plan_text(key)))


def _rewrite_zip(base: bytes, edit) -> bytes:  # type: ignore[no-untyped-def]
    """Copy a zip, letting `edit(name, data) -> data` change members, then add more."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, edit(info.filename, source.read(info.filename)))
        edit.add(target)  # type: ignore[attr-defined]
    return out.getvalue()


def docx_with_header_parts(parts: int = 58, part_size: int = int(4.9 * MB)) -> tuple[bytes, str]:
    """The DOCX of issue 13: a real plan plus `parts` header parts of `part_size` bytes of
    paragraphs each. Every part stays under the old per-part ratio check; python-docx parses
    every header at load (284 MB of XML took the bot to 4.9 GB)."""
    paragraph = f'<w:p><w:r><w:t xml:space="preserve">{"Колонтитул " * 4}</w:t></w:r></w:p>'
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:hdr xmlns:w="{W_NS}">'
    body = paragraph * max(1, (part_size - len(head) - 8) // len(paragraph.encode()))
    header_xml = (head + body + "</w:hdr>").encode()

    class Edit:
        def __call__(self, name: str, data: bytes) -> bytes:
            if name == "[Content_Types].xml":
                overrides = "".join(
                    f'<Override PartName="/word/header{i}.xml" ContentType="{HEADER_TYPE}"/>'
                    for i in range(1, parts + 1)
                )
                return data.replace(b"</Types>", overrides.encode() + b"</Types>")
            if name == "word/_rels/document.xml.rels":
                rels = "".join(
                    f'<Relationship Id="rIdHostile{i}" Type="{HEADER_REL}" '
                    f'Target="header{i}.xml"/>'
                    for i in range(1, parts + 1)
                )
                return data.replace(b"</Relationships>", rels.encode() + b"</Relationships>")
            return data

        def add(self, target: zipfile.ZipFile) -> None:
            for i in range(1, parts + 1):
                target.writestr(f"word/header{i}.xml", header_xml)

    return _rewrite_zip(plan_docx(), Edit()), "headers.docx"


def docx_deep_ratio(size: int = 1024 * MB) -> tuple[bytes, str]:
    """One part (word/document.xml) that inflates `size` bytes of one repeated byte: a
    classic ratio bomb, about 1000:1."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"<" * MB
            for _ in range(size // MB):
                member.write(block)
    return out.getvalue(), "ratio.docx"


def xlsx_huge_sheet(cells: int = 3_000_000, width: int = 10) -> tuple[bytes, str]:
    """A workbook whose one sheet holds `cells` tiny numeric cells (about 20 bytes of XML
    each): small zipped, within any per-part size cap, millions of cell objects once opened."""
    rows = cells // width
    sheet = io.BytesIO()
    sheet.write(
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>"
    )
    row_cells = b"<c><v>1</v></c>" * width
    for r in range(1, rows + 1):
        sheet.write(b'<row r="%d">' % r + row_cells + b"</row>")
    sheet.write(b"</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="План" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet.getvalue())
    return out.getvalue(), "huge.xlsx"


def pdf_many_pages(pages: int = 5000) -> tuple[bytes, str]:
    """A PDF with a text layer and `pages` pages of one line each."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    for n in range(pages):
        c.drawString(40, 800, f"Page {n + 1}")
        c.showPage()
    c.save()
    return out.getvalue(), "pages.pdf"


def encrypted_pdf(user_password: str = "secret") -> tuple[bytes, str]:
    """A plan PDF that opens only with a password (with an empty `user_password` it opens
    for anyone and only its permissions are restricted)."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    encrypt = pdfencrypt.StandardEncryption(user_password, "owner-password", canPrint=1)
    c = canvas.Canvas(out, encrypt=encrypt)
    c.drawString(40, 800, "Plan of measures 2022-2024")
    c.save()
    return out.getvalue(), "protected.pdf"


def encrypted_office(kind: str = "docx") -> tuple[bytes, str]:
    """What Word/Excel save with "Encrypt with password": an OLE compound file holding the
    streams EncryptionInfo and EncryptedPackage (a minimal one: a header and a directory)."""
    sector = 512

    def entry(name: str, kind_byte: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded), kind_byte, 1)
            + struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
            + b"\x00" * 36
            + struct.pack("<IQ", 0xFFFFFFFE, 0)
        )[:128].ljust(128, b"\x00")

    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHH", 0x3E, 3, 0xFFFE, 9)
        + struct.pack("<H", 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 0x1000, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    ).ljust(sector, b"\xff")
    fat = struct.pack("<II", 0xFFFFFFFD, 0xFFFFFFFE).ljust(sector, b"\xff")
    directory = (
        entry("Root Entry", 5)
        + entry("EncryptionInfo", 2)
        + entry("EncryptedPackage", 2)
        + entry("\x06DataSpaces", 1)
    )
    return header + fat + directory + os.urandom(4096), f"protected.{kind}"


def random_junk(size: int = 20 * MB - 1024, name: str = "plan.pdf") -> tuple[bytes, str]:
    return os.urandom(size), name


def noise_png(width: int, height: int) -> bytes:
    """A valid PNG of random pixels: incompressible, so its size is what it says."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    stride = width * 3
    noise = os.urandom(stride * height)
    raw = b"".join(b"\x00" + noise[row * stride : (row + 1) * stride] for row in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 1))
        + chunk(b"IEND", b"")
    )


def legitimate_docx_near_limit(target: int = 19 * MB) -> tuple[bytes, str]:
    """A real plan (sample 000) with a scanned signature page as a big picture: what a school
    sends, just under Telegram's 20 MB download limit."""
    from docx import Document
    from docx.shared import Cm

    base = plan_docx()
    document = Document(io.BytesIO(base))
    side = int(((target - len(base)) / 3) ** 0.5)
    document.add_picture(io.BytesIO(noise_png(side, side)), width=Cm(15))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue(), "plan_with_scan.docx"


def legitimate_docx() -> tuple[bytes, str]:
    return plan_docx(), "plan.docx"


def monthly_plan_text(measures: int = 5000) -> tuple[bytes, str]:
    """A plan of `measures` monthly measures over three years: a small file whose parsed
    result (36 windows a measure) is the largest thing the bot keeps from a reading."""
    rows = ["План мероприятий на 2022-2024 годы", "№\tМероприятие\tСроки\tОтветственный"]
    for n in range(measures):
        section, item = divmod(n, 999)
        rows.append(
            f"{section + 1}.{item + 1}\tСовещание с руководителями ОО, вопрос {n}\t"
            "ежемесячно\tИванов И.И., МОУО"
        )
    return "\n".join(rows).encode(), "monthly.txt"
