"""Checks made before any reader library opens a document.

python-docx parses every XML part of a package when it opens it, openpyxl builds an object
per cell before the reader sees the first row, pdfplumber walks every page. So what a
document would cost is judged here first, from what can be read cheaply: the zip central
directory, a streamed count of cell tags, the PDF's encryption dictionary and page tree, the
number of lines of a text. Limits are the module constants of `bot.roadmap.raw`, read at
call time (a deployment or a test may change them).

Each check raises `ImportRefused` with a documented reason, or returns quietly.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

from bot.roadmap import raw
from bot.roadmap.errors import ImportRefused

# A cell element in SpreadsheetML (<c ...>) or WordprocessingML (<w:tc>), any prefix.
_XLSX_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_DOCX_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?tc[\s/>]")
_MARKUP_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 1024 * 1024
# Word and Excel save a password-protected DOCX/XLSX as an OLE compound file holding these
# streams (MS-OFFCRYPTO); a legacy .doc/.xls does not have them.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def zip_kind(data: bytes, name: str) -> str:
    """ "docx" or "xlsx" for a zip container that is safe to open; refuses anything else."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        kind = "DOCX" if name.endswith(".docx") else "XLSX" if name.endswith(".xlsx") else "ZIP"
        raise ImportRefused("corrupt_file", kind=kind) from exc
    check_zip_directory(infos, len(data))
    names = {i.filename for i in infos}
    if "word/document.xml" in names:
        kind = "docx"
    elif "xl/workbook.xml" in names:
        kind = "xlsx"
    else:
        raise ImportRefused("unsupported_format", kind="ZIP archive")
    _check_cell_count(archive, infos, kind)
    return kind


def check_zip_directory(infos: list[zipfile.ZipInfo], compressed: int) -> None:
    """Refuse by the zip directory alone, before any member is inflated. Python's zipfile
    never inflates a member beyond the size its directory entry declares (it fails the CRC
    instead), so these declared sizes bound what the reader libraries can be made to read."""
    total = sum(max(i.file_size, 0) for i in infos)
    if len(infos) > raw.MAX_ZIP_PARTS:
        raise ImportRefused(
            "zip_bomb",
            uncompressed=total,
            compressed=compressed,
            parts=len(infos),
            limit=raw.MAX_ZIP_PARTS,
        )
    if total > raw.MAX_UNCOMPRESSED:
        raise ImportRefused("zip_bomb", uncompressed=total, compressed=compressed)
    markup = sum(max(i.file_size, 0) for i in infos if _is_markup(i.filename))
    if markup > raw.MAX_MARKUP_UNCOMPRESSED:
        raise ImportRefused("zip_bomb", uncompressed=markup, compressed=compressed, markup=True)
    for i in infos:
        if i.file_size >= raw.RATIO_MIN_SIZE and i.file_size > raw.MAX_RATIO * max(
            i.compress_size, 1
        ):
            raise ImportRefused("zip_bomb", uncompressed=i.file_size, compressed=i.compress_size)


def _is_markup(name: str) -> bool:
    return name.lower().endswith(_MARKUP_SUFFIXES)


def _check_cell_count(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], kind: str) -> None:
    """Count cell tags in the parts the reader will turn into cells, streaming (a chunk at a
    time, nothing kept), and refuse a table far beyond the cell budget before the library
    builds an object for every cell."""
    if kind == "xlsx":
        parts = [
            i for i in infos if i.filename.startswith("xl/worksheets/") and _is_markup(i.filename)
        ]
        pattern = _XLSX_CELL
    else:
        parts = [i for i in infos if i.filename == "word/document.xml"]
        pattern = _DOCX_CELL
    limit = raw.MAX_CELLS * raw.PRECOUNT_CELLS_FACTOR
    cells = 0
    for info in parts:
        try:
            cells += _count_tags(archive, info, pattern)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
            # RuntimeError: an encrypted zip member ("password required").
            raise ImportRefused("corrupt_file", kind=kind.upper()) from exc
        if cells > limit:
            raise ImportRefused("too_many_cells", cells=cells, limit=raw.MAX_CELLS)


def _count_tags(archive: zipfile.ZipFile, info: zipfile.ZipInfo, pattern: re.Pattern) -> int:
    count = 0
    tail = b""
    with archive.open(info) as member:
        while chunk := member.read(_CHUNK):
            block = tail + chunk
            # Keep the last bytes for the next round, so a tag split between chunks is
            # counted once: only matches that start before the kept tail are counted now.
            cut = max(len(block) - 64, 0)
            count += sum(1 for m in pattern.finditer(block) if m.start() < cut)
            tail = block[cut:]
    return count + len(pattern.findall(tail))


def check_pdf(data: bytes) -> None:
    """A PDF that needs a password is refused as `encrypted` (one that only restricts
    printing or copying opens with the empty password and is read as usual); a page tree
    that declares more than MAX_PAGES pages is refused before a page is read. A PDF whose
    structure cannot even be parsed here is left to the reader, which calls it damaged."""
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    try:
        document = PDFDocument(PDFParser(BytesIO(data)))
    except PDFEncryptionError as exc:  # also PDFPasswordIncorrect
        raise ImportRefused("encrypted", kind="PDF") from exc
    except Exception:  # a damaged file: the reader refuses it with its own words
        return
    try:
        pages = resolve1(resolve1(document.catalog.get("Pages")).get("Count"))
    except Exception:
        return
    if isinstance(pages, int) and pages > raw.MAX_PAGES:
        raise ImportRefused("too_many_pages", pages=pages, limit=raw.MAX_PAGES)


def check_ole(data: bytes, name: str) -> None:
    """An OLE compound file is either a password-protected DOCX/XLSX or a legacy .doc/.xls;
    both are refused, with the words that help."""
    if _ENCRYPTED_PACKAGE in data and _ENCRYPTION_INFO in data:
        lowered = name.lower()
        kind = "XLSX" if lowered.endswith((".xlsx", ".xlsm", ".xls")) else "DOCX"
        if not lowered.endswith((".docx", ".doc", ".xlsx", ".xlsm", ".xls")):
            kind = "Office"
        raise ImportRefused("encrypted", kind=kind)
    raise ImportRefused(
        "unsupported_format", kind="legacy Word/Excel file (.doc/.xls); save it as DOCX/XLSX"
    )


def check_text(data: bytes) -> None:
    lines = data.count(b"\n")
    if lines > raw.MAX_TEXT_LINES:
        raise ImportRefused("too_many_rows", rows=lines, limit=raw.MAX_TEXT_LINES)
