"""The common raw table every reader produces, and the limits every reader obeys."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.roadmap.errors import ImportRefused

MAX_BYTES = 20 * 1024 * 1024  # input file size
MAX_CELLS = 200_000  # cells over all tables of a document
TIME_BUDGET_SECONDS = 30.0  # reading one document, checked between rows and pages
# Checked before any reader library opens a document (bot.roadmap.precheck). The library
# builds objects many times the size of what it reads (lxml: about 7 bytes of memory per byte
# of XML; openpyxl: about 700 bytes per cell), so these caps keep one document within the
# memory of the reading process (bot.limited_reader) and refuse a bomb in well under a second.
# Zip containers (DOCX/XLSX), from the central directory alone:
MAX_UNCOMPRESSED = 100 * 1024 * 1024  # all parts inflated (a 20 MB file of pictures fits)
MAX_MARKUP_UNCOMPRESSED = 40 * 1024 * 1024  # XML parts inflated: the libraries parse them all
MAX_ZIP_PARTS = 1000  # a plan has 15-100 parts; thousands are only there to be expensive
MAX_RATIO = 200  # uncompressed/compressed of a single large member
RATIO_MIN_SIZE = 5 * 1024 * 1024  # members smaller than this are never called bombs
# Counted in the inflated XML (streamed, never kept) before openpyxl/python-docx build cells:
# twice the cell budget, so a table the readers would accept is never refused early.
PRECOUNT_CELLS_FACTOR = 2
MAX_PAGES = 300  # PDF pages: at ~0.1 s a page, more cannot be read within the time budget
MAX_TEXT_LINES = 400_000  # text/CSV lines (a blank CSV line is still a row)
# Scans (bot.roadmap.readers.ocr): a page takes 1-5 s to recognise, so a scan gets a time
# budget of its own and a page cap that fits in it.
MAX_SCAN_PAGES = 60
SCAN_TIME_BUDGET_SECONDS = 240.0


Progress = Callable[[int, int], None]  # (scanned page being read, scanned pages in all)


@dataclass
class RawCell:
    text: str  # plain text (HTML already turned into lines)
    bold: bool = False  # the cell is printed bold (a heading hint)
    merged: bool = False  # a copy of the cell above (vertical merge), not new content
    # Recognition confidence (0..1) of the least certain word, for a cell read from a scan.
    confidence: float | None = None


@dataclass
class RawRow:
    cells: list[RawCell]
    where: str  # "line 120", "table 2, row 14", "sheet 'План', row 7", "page 3, row 5"

    def texts(self) -> list[str]:
        return [c.text for c in self.cells]

    def is_empty(self) -> bool:
        return not any(c.text.strip() for c in self.cells)


@dataclass
class RawDocument:
    paragraphs: list[str] = field(default_factory=list)  # text outside tables, in order
    rows: list[RawRow] = field(default_factory=list)  # all table rows, tables concatenated
    source: str = "text"  # text | csv | docx | xlsx | pdf | scan
    # Paragraphs that came before the first table row (title, order preamble).
    preamble_count: int = 0
    # Words a reader corrected by a guess, for the importer to report with its own joins
    # ("ИИМЦ → ИМЦ (probable recognition slip)").
    joins: list[str] = field(default_factory=list)


class Budget:
    """Time and size limits for one document; readers call `tick` as they go."""

    def __init__(self, seconds: float | None = None, max_cells: int | None = None) -> None:
        # Read the module limits at call time so a deployment (or a test) can change them.
        self.seconds = TIME_BUDGET_SECONDS if seconds is None else seconds
        self.max_cells = MAX_CELLS if max_cells is None else max_cells
        self.deadline = time.monotonic() + self.seconds
        self.cells = 0

    def extend(self, seconds: float) -> None:
        """A scan was found: reading it may take up to `seconds` from now."""
        self.seconds = max(self.seconds, seconds)
        self.deadline = max(self.deadline, time.monotonic() + seconds)

    def tick(self, cells: int = 0) -> None:
        self.cells += cells
        if self.cells > self.max_cells:
            raise ImportRefused("too_many_cells", cells=self.cells, limit=self.max_cells)
        if time.monotonic() > self.deadline:
            raise ImportRefused("timeout", seconds=self.seconds)
