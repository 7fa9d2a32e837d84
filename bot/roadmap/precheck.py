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

# A cell element in SpreadsheetML (<c ...>, <x:c ...>) or WordprocessingML (<w:tc>).
_XLSX_PLAIN_CELL = (b"<c ", b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")
_XLSX_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")
_DOCX_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?tc[\s/>]")
_MARKUP_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 1024 * 1024
_LONGEST_TAG = 64  # "<" + a namespace prefix + "c" + one byte: far shorter in practice
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
    except Exception as exc:  # whatever breaks reading the directory: a damaged file
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
    else:
        parts = [i for i in infos if i.filename == "word/document.xml"]
    limit = raw.MAX_CELLS * raw.PRECOUNT_CELLS_FACTOR
    cells = 0
    for info in parts:
        try:
            cells += count_cells(archive, info, kind)
        except Exception as exc:
            # A broken deflate stream (zlib.error), a bad CRC (BadZipFile), an encrypted
            # member (RuntimeError), an unknown compression (NotImplementedError), ...
            raise ImportRefused("corrupt_file", kind=kind.upper()) from exc
        if cells > limit:
            raise ImportRefused("too_many_cells", cells=cells, limit=raw.MAX_CELLS)


def count_cells(archive: zipfile.ZipFile, info: zipfile.ZipInfo, kind: str) -> int:
    """Cell tags in one part, inflated a chunk at a time. Each chunk is counted up to its
    last "<" when that is near its end, and the rest carried over, so a tag split between
    chunks is counted once (a cell tag holds no "<" after its first byte)."""
    count = 0
    tail = b""
    with archive.open(info) as member:
        while chunk := member.read(_CHUNK):
            block = tail + chunk
            last = block.rfind(b"<")
            # A "<" far from the end started a tag that is already whole: nothing to carry.
            cut = last if last >= 0 and len(block) - last <= _LONGEST_TAG else len(block)
            count += _cells_in(block[:cut], kind)
            tail = block[cut:]
    return count + _cells_in(tail, kind)


def _cells_in(block: bytes, kind: str) -> int:
    if kind == "xlsx":
        # bytes.count runs at memory speed; a regex only for the rare prefixed form.
        plain = sum(block.count(tag) for tag in _XLSX_PLAIN_CELL)
        return plain + len(_XLSX_PREFIXED_CELL.findall(block))
    return len(_DOCX_CELL.findall(block))


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
