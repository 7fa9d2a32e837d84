"""Scanned pages (an image-only PDF page, a photo, a scanned image) → the common raw table.

Maintained parts do the hard work: OpenCV cleans the page and finds the ruling lines of the
table, Debian's `tesseract` (with its Russian data) reads the words. The page is deskewed by
the angle of its long horizontal lines, the lines are erased (they confuse the word finder),
`tesseract` is run once on the whole page (TSV: every word with its box and confidence) and
each word goes into the grid cell its centre falls in. A cell's lines are joined as the PDF
reader joins them; its confidence is that of its least certain word. Rows are named
`page N, row M` as the PDF reader names them, so the interpreter treats a scanned plan
exactly as a text one (repeated headers, a row continued on the next page, numbering).

`tesseract` runs as a child of the limited reader, under its limits (memory, CPU, no files
written: image in on stdin, TSV out on stdout), one thread, with a time limit per page.

The words themselves (running tesseract, correcting its slips) are in `ocr_words.py`, the
repairs made once every page is read (headers, numbers) in `ocr_repair.py`. This module,
a little over 600 lines, keeps what works on the page image: cleaning it, its grid (ruled or
found in the gaps of the print), the cells read again from their pieces.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from bot.roadmap import raw
from bot.roadmap.errors import ImportRefused
from bot.roadmap.raw import Budget, Progress, RawCell, RawDocument, RawRow
from bot.roadmap.readers.ocr_repair import NUMBER, finish
from bot.roadmap.readers.ocr_words import (
    LANGUAGES,
    LATIN,
    REREAD_BELOW,
    Word,
    better_latin,
    cell_text,
    correct_words,
    latin_suspects,
    paragraphs,
    require_tesseract,
    run_tesseract,
    second_reading,
    text_lines,
)

# The page is read at about this resolution (a scan's own, a photo scaled to it).
TARGET_DPI = 200
MAX_SIDE = 4000  # pixels: a larger photo is scaled down first (more costs only time)
MIN_SIDE = 2000  # pixels: a smaller one is enlarged to this (a photo Telegram compressed)
MAX_PIXELS = 60_000_000  # a larger image is refused before it is decoded (a bomb)


# ---- images ---------------------------------------------------------------------------------
def load_image(data: bytes) -> Any:
    """Image bytes (JPEG, PNG, TIFF, BMP) → a grayscale numpy array, upright (EXIF) and at
    most MAX_SIDE pixels on its longer side."""
    import numpy as np
    from PIL import Image, ImageOps

    try:
        with Image.open(BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ImportRefused("too_heavy", limit=round(MAX_PIXELS / 1_000_000), kind="image")
            upright = ImageOps.exif_transpose(image) or image
            gray = upright.convert("L")
    except ImportRefused:
        raise
    except Exception as exc:  # PIL's own errors for a damaged or unknown image
        raise ImportRefused("corrupt_file", kind="image") from exc
    if max(gray.size) > MAX_SIDE:
        gray.thumbnail((MAX_SIDE, MAX_SIDE))
    elif max(gray.size) < MIN_SIDE:
        # A photo Telegram compressed (1280 px): small print is read far better enlarged.
        scale = MIN_SIDE / max(gray.size)
        gray = gray.resize(
            (round(gray.width * scale), round(gray.height * scale)), Image.Resampling.BICUBIC
        )
    return np.asarray(gray)


def pdf_page_image(document: Any, index: int) -> Any:
    """A page of a pypdfium2 document → its picture as a grayscale array, ~TARGET_DPI."""
    import numpy as np

    page = document[index]
    try:
        width, height = page.get_size()
        scale = min(TARGET_DPI / 72, MAX_SIDE / max(width, height, 1.0))
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            return np.array(bitmap.to_pil().convert("L"))
        finally:
            bitmap.close()
    finally:
        page.close()


# ---- cleaning and the grid ------------------------------------------------------------------
def _ink(gray: Any) -> Any:
    """Dark marks as 255 on 0, robust to uneven lighting (a phone photo)."""
    import cv2

    return cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15
    )


def _horizontal(ink: Any) -> Any:
    import cv2

    width = ink.shape[1]
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(width // 40, 20), 1))
    return cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)


def _vertical(ink: Any) -> Any:
    import cv2

    height = ink.shape[0]
    # Bridge the gaps noise makes in a thin line, then keep only long vertical runs.
    closed = cv2.morphologyEx(
        ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5))
    )
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(height // 50, 20)))
    return cv2.morphologyEx(closed, cv2.MORPH_OPEN, kernel)


def text_skew(gray: Any, limit: float = 2.0, step: float = 0.05) -> float:
    """Degrees a page without ruling lines is turned by, from its lines of print: the turn
    (within ±limit) that makes the rows of ink sharpest, the page seen at 600 px wide."""
    import cv2
    import numpy as np

    scale = 600 / gray.shape[1]
    small = _ink(cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    h, w = small.shape
    best, best_score = 0.0, -1.0
    for angle in np.arange(-limit, limit + step / 2, step):
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), float(angle), 1.0)
        turned = cv2.warpAffine(small, matrix, (w, h), flags=cv2.INTER_NEAREST)
        rows = turned.sum(axis=1, dtype=np.float64)
        score = float(np.sum(np.diff(rows) ** 2))
        if score > best_score:
            best, best_score = float(angle), score
    return round(best, 2)


def skew_angle(gray: Any) -> float:
    """Degrees the page is turned by, from its long horizontal lines (by its lines of print
    when it has none: text_skew)."""
    import cv2
    import numpy as np

    lines_mask = _horizontal(_ink(gray))
    width = gray.shape[1]
    found = cv2.HoughLinesP(
        lines_mask, 1, np.pi / 1800, threshold=100, minLineLength=width // 8, maxLineGap=10
    )
    if found is None:
        return text_skew(gray)
    angles: list[float] = []
    weights: list[float] = []
    for x1, y1, x2, y2 in found.reshape(-1, 4).tolist():
        angle = float(np.degrees(np.arctan2(y2 - y1, x2 - x1)))
        if abs(angle) <= 5:
            angles.append(angle)
            weights.append(float(np.hypot(x2 - x1, y2 - y1)))
    if not angles:
        return text_skew(gray)
    order = sorted(range(len(angles)), key=angles.__getitem__)
    half, acc = sum(weights) / 2, 0.0
    for i in order:  # the weighted median: a few stray segments do not move it
        acc += weights[i]
        if acc >= half:
            return angles[i]
    return 0.0  # pragma: no cover


def clean_page(gray: Any) -> Any:
    """Deskewed and denoised grayscale page."""
    import cv2

    # The angle from the page at 3/4 size: twice as fast, nearly as exact (±0.05°).
    angle = skew_angle(cv2.resize(gray, None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA))
    if abs(angle) > 0.05:
        h, w = gray.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        gray = cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255,))
    return cv2.medianBlur(gray, 3)


@dataclass
class Grid:
    rows: list[tuple[int, int]]  # y spans of the row bands, top to bottom
    columns: list[int]  # x of every column boundary, left to right
    # For each row band, the column boundaries actually drawn in it (merged cells lack some).
    present: list[list[int]]

    @property
    def top(self) -> int:
        return self.rows[0][0] if self.rows else 0

    @property
    def width(self) -> int:
        """Columns of the table: as many as most row bands have (several tables on a page
        of one plan have the same columns, each with widths of its own)."""
        counts = Counter(len(p) for p in self.present)
        return counts.most_common(1)[0][0] - 1

    def full(self, r: int) -> bool:
        return len(self.present[r]) - 1 == self.width

    def column_of(self, r: int, c: int) -> int:
        """The table column of cell `c` of row band `r` (a merged cell: where it starts)."""
        if self.full(r):
            return c
        full = [i for i in range(len(self.rows)) if self.full(i)]
        if not full:
            return c
        reference = self.present[min(full, key=lambda i: abs(i - r))]
        x = self.present[r][c]
        return min(range(self.width), key=lambda j: abs(reference[j] - x))


def _cluster(values: Sequence[float], gap: float) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= gap:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def find_grid(gray: Any) -> tuple[Grid | None, Any]:
    """The table's ruling lines, and the mask of every line found (to erase before reading)."""
    import cv2
    import numpy as np

    ink = _ink(gray)
    horizontal = _horizontal(ink)
    vertical = _vertical(ink)
    width = gray.shape[1]
    mask = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    hlines: list[tuple[float, int, int]] = []
    for i in range(1, count):
        x, y, w, h, _area = (int(v) for v in stats[i])
        if w >= width * 0.2 and h <= 12:
            hlines.append((y + h / 2, x, x + w))
    count, _, stats, _ = cv2.connectedComponentsWithStats(vertical, connectivity=8)
    vlines: list[tuple[float, int, int]] = []
    for i in range(1, count):
        x, y, w, h, _area = (int(v) for v in stats[i])
        if w <= 12:
            vlines.append((x + w / 2, y, y + h))
    if len(hlines) < 2 or len(vlines) < 2:
        return None, mask
    ys = _cluster([y for y, _, _ in hlines], 6)
    xs = [round(x) for x in _cluster([x for x, _, _ in vlines], 8)]
    bands = [(round(a), round(b)) for a, b in itertools.pairwise(ys) if b - a >= 10]
    present: list[list[int]] = []
    kept_bands: list[tuple[int, int]] = []
    for top, bottom in bands:
        coverage: dict[int, int] = {}
        for x in xs:
            covered = 0
            for vx, vy0, vy1 in vlines:
                if abs(vx - x) <= 8:
                    covered += max(0, min(vy1, bottom) - max(vy0, top))
            if covered >= 0.6 * (bottom - top):
                coverage[x] = covered
        # Two tables of a page with boundaries a few pixels apart: the line of each counts
        # for both; a band has the one its line covers most (not a sliver of a column).
        inside: list[int] = []
        for x in sorted(coverage, key=lambda x: -coverage[x]):
            if all(abs(x - y) > 16 for y in inside):
                inside.append(x)
        inside.sort()
        if len(inside) >= 2:
            kept_bands.append((top, bottom))
            present.append(inside)
    if not kept_bands:
        return None, mask
    used = sorted({x for p in present for x in p})
    return Grid(kept_bands, used, present), mask


# ---- a table printed without ruling lines ---------------------------------------------------
# Header words of a plan's table (stems): the line with two of them starts a borderless table.
_HEADER_STEMS = (
    "№",
    "мероприят",
    "наименован",
    "содержан",
    "срок",
    "ответствен",
    "исполнител",
    "результат",
    "дата",
)
GAP_SHARE = 0.04  # an x crossed by at most this share of a table's lines is a column gap


def _is_header_line(line: list[Word], dpi: int) -> bool:
    """Two header words, in cells apart (wide gaps between them; a sentence of the order
    that names measures and deadlines has none)."""
    text = " ".join(w.text.lower() for w in line)
    if sum(1 for stem in _HEADER_STEMS if stem in text) < 2:
        return False
    gaps = sum(1 for a, b in itertools.pairwise(line) if b.left - (a.left + a.width) > dpi / 5)
    return gaps >= 2


def column_gaps(covered: Sequence[int], lines: int, dpi: int) -> list[int]:
    """Column boundaries of a table without ruling lines, from how many of its printed
    lines have print at each x (`covered`, x from 0): the middles of the bands no line, or
    hardly any (a heading across the table), prints in, at least 1/12 inch wide, and the
    table's outer edges. Empty when nothing is printed."""
    inked = [x for x, count in enumerate(covered) if count]
    if not inked:
        return []
    left, right = inked[0], inked[-1]
    limit = max(1, round(GAP_SHARE * lines))
    bounds = [max(left - 4, 0)]
    run: int | None = None
    for x in range(left, right + 1):
        if covered[x] <= limit:
            run = x if run is None else run
        elif run is not None:
            if x - run >= dpi / 12:
                bounds.append((run + x) // 2)
            run = None
    bounds.append(right + 4)
    return bounds


def borderless_grid(page: Any, words: list[Word], dpi: int, continued: bool) -> Grid | None:
    """A grid for tables printed without ruling lines: a row band for each printed line
    (the interpreter joins the lines of a measure by its number, as it joins a row a page
    break split) and columns from the gaps between the words of the lines (column_gaps),
    found anew from each header line (tables of one plan on a page may have columns of
    their own widths). The first table starts at its header line, or at the top of a page
    that continues one (`continued`). None when no such table is found."""
    import cv2
    import numpy as np

    lines = text_lines(words)
    heads = [i for i, line in enumerate(lines) if _is_header_line(line, dpi)]
    ink = cv2.morphologyEx(_ink(page), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    if not heads and not continued:
        return None
    starts = heads if heads and (heads[0] == 0 or not continued) else [0, *heads]
    rows: list[tuple[int, int]] = []
    present: list[list[int]] = []
    for start, end in itertools.pairwise([*starts, len(lines)]):
        table = lines[start:end]
        tops = [min(w.top for w in line) for line in table]
        bottoms = [max(w.top + w.height for w in line) for line in table]
        covered = np.zeros(ink.shape[1], np.int32)
        for top, bottom in zip(tops, bottoms, strict=True):
            covered += ink[max(top, 0) : bottom].any(axis=0)
        columns = column_gaps(covered.tolist(), len(table), dpi)
        if len(columns) < 4:  # fewer than three columns: not a plan's table
            continue
        edges = [tops[0] - 4]
        edges += [(b + t) // 2 for b, t in zip(bottoms, tops[1:], strict=False)]
        edges.append(bottoms[-1] + 4)
        for band in itertools.pairwise(edges):
            if band[1] > band[0]:
                rows.append(band)
                present.append(columns)
    if not rows:
        return None
    return Grid(rows, sorted({x for p in present for x in p}), present)


def read_latin(page: Any, words: list[Word], dpi: int, budget: Budget) -> None:
    """Suspect words read again with the English data, in one more `tesseract` call."""
    suspects = latin_suspects(words)
    if not suspects:
        return
    pieces = []
    for i in suspects:
        w = words[i]
        crop = page[
            max(w.top - 4, 0) : w.top + w.height + 4, max(w.left - 4, 0) : w.left + w.width + 4
        ]
        if crop.size:
            pieces.append((i, crop))
    try:
        found = read_strip(pieces, dpi, budget, lang=LATIN)
    except ImportRefused as refused:
        if refused.reason == "ocr_unavailable":
            return  # no English data: the Cyrillic reading stays
        raise
    for i, latin in found.items():
        text = better_latin(words[i], latin)
        if text is not None:
            words[i].text = text
            words[i].conf = min(latin[0].conf, 0.74)  # still shown to confirm


# ---- pages → rows ---------------------------------------------------------------------------
def read_page(gray: Any, page_no: int, doc: RawDocument, budget: Budget, dpi: int) -> None:
    """One page image: its table rows appended to `doc`; the text above the first table of
    the document is its preamble."""
    page = clean_page(gray)
    grid, mask = find_grid(page)
    # The ruling lines erased: tesseract reads the words only.
    erased = page.copy()
    erased[mask > 0] = 255
    budget.tick()
    timeout = max(budget.deadline - _now(), 1.0)
    words = run_tesseract(erased, dpi, timeout=timeout)
    ruled = grid is not None
    if grid is None:  # no ruling lines: a table may still be printed without them
        continued = bool(doc.rows) and ", line " in doc.rows[-1].where
        grid = borderless_grid(erased, words, dpi, continued=continued)
    read_latin(erased, words, dpi, budget)
    numbers = read_again(erased, words, grid, dpi, budget, ruled=ruled)
    correct_words(words)
    budget.tick()
    if grid is None:
        if not doc.rows:
            doc.paragraphs.extend(paragraphs(words))
            doc.preamble_count = len(doc.paragraphs)
        return
    if not doc.rows:
        above = [w for w in words if w.cy < grid.top]
        doc.paragraphs.extend(paragraphs(above))
        doc.preamble_count = len(doc.paragraphs)
    cells: dict[tuple[int, int], list[Word]] = {}
    for word in words:
        for r, (top, bottom) in enumerate(grid.rows):
            if top <= word.cy < bottom:
                bounds = grid.present[r]
                for c in range(len(bounds) - 1):
                    if bounds[c] <= word.cx < bounds[c + 1]:
                        cells.setdefault((r, grid.column_of(r, c)), []).append(word)
                        break
                break
    for r in range(len(grid.rows)):
        row: list[RawCell] = []
        for c in range(grid.width):
            text, conf = cell_text(cells.get((r, c), []))
            if c == 0 and r in numbers:
                text, conf = _better_number((text, conf), numbers[r])
            row.append(RawCell(text, confidence=conf))
        budget.tick(len(row))
        if any(cell.text for cell in row):
            # A borderless table's rows are its printed lines, named so (the next page may
            # go on with it).
            unit = "row" if ruled else "line"
            doc.rows.append(RawRow(row, f"page {page_no}, {unit} {r + 1}"))


def _better_number(
    first: tuple[str, float | None], second: tuple[str, float | None]
) -> tuple[str, float | None]:
    """Of two readings of a number cell, the one that is a number and more certain (neither
    a number: the first, read with its neighbours, as «№» of a header)."""
    if not NUMBER.match(first[0]) and not NUMBER.match(second[0]):
        return first

    def score(reading: tuple[str, float | None]) -> tuple[bool, float]:
        return bool(NUMBER.match(reading[0])), reading[1] or 0.0

    best = max((first, second), key=score)
    text = best[0]
    if NUMBER.match(text):
        text = text.replace(",", ".")
    return text, best[1]


def read_strip(
    pieces: list[tuple[int, Any]], dpi: int, budget: Budget, lang: str = LANGUAGES
) -> dict[int, list[Word]]:
    """Small pieces of the page (number cells, single words) read by one `tesseract` call:
    enlarged twice (the dots of «1.2.14» are two pixels at 200 dpi), binarised with one
    threshold (Otsu; noise and JPEG blocks are what tesseract misreads small print by) and
    laid side by side on one baseline (at different heights they are read as several lines).
    The words found, by the key of their piece."""
    import cv2
    import numpy as np

    if not pieces:
        return {}
    big = [(k, cv2.resize(c, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)) for k, c in pieces]
    threshold, _ = cv2.threshold(
        np.concatenate([c.ravel() for _, c in big]), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU
    )
    tight: list[tuple[int, Any]] = []
    for key, cell in big:
        black = cell <= threshold
        ys = np.nonzero(black.any(axis=1))[0]
        if len(ys):
            tight.append((key, np.where(black, 0, 255).astype(np.uint8)[ys.min() : ys.max() + 1]))
    if not tight:
        return {}
    height = max(c.shape[0] for _, c in tight) + 40
    strip: list[Any] = []
    spans: list[tuple[int, int, int, int]] = []
    x = 0
    for key, cell in tight:
        canvas = np.full((height, cell.shape[1] + 100), 255, np.uint8)
        canvas[height - 20 - cell.shape[0] : height - 20, 50 : 50 + cell.shape[1]] = cell
        strip.append(canvas)
        spans.append((key, x, x + canvas.shape[1], height - 20 - cell.shape[0]))
        x += canvas.shape[1]
    words = run_tesseract(
        np.hstack(strip), dpi * 2, timeout=max(budget.deadline - _now(), 1.0), psm="6", lang=lang
    )
    found: dict[int, list[Word]] = {}
    for word in words:
        for key, a, b, top in spans:
            if a <= word.cx < b:
                # Back to the piece's own pixels: 0, 0 is its top left corner (about: the
                # piece was cut to its ink).
                word.left, word.top = (word.left - a - 50) // 2, (word.top - top) // 2
                word.width, word.height = word.width // 2, word.height // 2
                found.setdefault(key, []).append(word)
                break
    return found


def _number_pieces(page: Any, grid: Grid, dpi: int, margin: int = 3) -> list[tuple[int, Any]]:
    """The number cells to read once more, on their own, by their row band: a short number
    alone in a narrow column ("2.") is what the page-wide reading misses most."""
    import numpy as np

    if grid.width < 3:
        return []
    pieces: list[tuple[int, Any]] = []
    line = dpi / 7  # about the height of two printed lines
    for r, (top, bottom) in enumerate(grid.rows):
        if not grid.full(r):
            continue  # a merged (section) row: read with the page
        bounds = grid.present[r]
        x0, x1 = bounds[0], bounds[1]
        cell = page[top + margin : bottom - margin, x0 + margin : x1 - margin]
        if cell.size == 0:
            continue
        ys, xs = np.nonzero(_ink(cell))
        if len(xs) < 5:
            continue
        if xs.max() - xs.min() > 0.06 * (bounds[-1] - x0) or ys.max() - ys.min() > line:
            continue  # more than a number: a first column that is not the number column
        cell = cell[max(ys.min() - 2, 0) : ys.max() + 3, max(xs.min() - 2, 0) : xs.max() + 3]
        pieces.append((r, cell))
    return pieces


def _word_piece(page: Any, word: Word) -> Any:
    top, left = max(word.top - 4, 0), max(word.left - 4, 0)
    return page[top : word.top + word.height + 4, left : word.left + word.width + 4]


def read_again(
    page: Any,
    words: list[Word],
    grid: Grid | None,
    dpi: int,
    budget: Budget,
    *,
    ruled: bool = True,
) -> dict[int, tuple[str, float | None]]:
    """One more `tesseract` call on a strip of small pieces (read_strip): the number cells,
    and the words the page-wide reading was least sure of (МОУО at 0.4, «ОО» read
    «[е`е]»). A surer second reading of a word replaces the first. The number cells' new
    readings, by row band."""
    # A borderless table's bands are its printed lines, edge to edge: nothing to trim.
    numbers = _number_pieces(page, grid, dpi, 3 if ruled else 0) if grid is not None else []
    doubtful = [
        i
        for i, w in enumerate(words)
        if w.conf < REREAD_BELOW and re.search(r"[^\W\d_]", w.text) and w.height < dpi / 7
    ]
    # Without ruling lines a line's band catches the descenders of the one above: no cell
    # is read for print alone.
    empty = _empty_cells(page, words, grid) if grid is not None and ruled else []
    pieces = numbers + [(-1 - i, _word_piece(page, words[i])) for i in doubtful]
    pieces += [(_EMPTY_KEY + k, crop) for k, (_, _, crop) in enumerate(empty)]
    found = read_strip([(k, c) for k, c in pieces if c.size], dpi, budget)
    vocabulary = Counter(w.text for w in words)
    for i in doubtful:
        text = second_reading(words[i], found.get(-1 - i, []), vocabulary)
        if text is not None:
            words[i].text, words[i].conf = text, found[-1 - i][0].conf
    for k, (x0, y0, _) in enumerate(empty):
        for word in found.get(_EMPTY_KEY + k, []):
            if re.search(r"\w", word.text):
                word.left, word.top = word.left + x0, max(word.top, 0) + y0
                words.append(word)
    return {r: cell_text(ws) for r, ws in found.items() if 0 <= r < _EMPTY_KEY}


_EMPTY_KEY = 1_000_000  # keys of the empty cells' pieces on the strip, past any row band


def _empty_cells(page: Any, words: list[Word], grid: Grid) -> list[tuple[int, int, Any]]:
    """Cells no word of the page-wide reading fell in that have print in them (the layout
    analysis sometimes drops a word: a header cell «Ответственные» came back empty): each
    cut to its print, with the page position of its top left corner."""
    import cv2
    import numpy as np

    out: list[tuple[int, int, Any]] = []
    for r, (top, bottom) in enumerate(grid.rows):
        bounds = grid.present[r]
        for x0, x1 in itertools.pairwise(bounds):
            if any(x0 <= w.cx < x1 and top <= w.cy < bottom for w in words):
                continue
            cell = page[top + 4 : bottom - 4, x0 + 4 : x1 - 4]
            if cell.size == 0:
                continue
            # Print, not specks: what is left after an opening by 2×2 pixels.
            ink = cv2.morphologyEx(_ink(cell), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
            ys, xs = np.nonzero(ink)
            if len(xs) < 40:
                continue
            y_a, x_a = max(ys.min() - 2, 0), max(xs.min() - 2, 0)
            out.append((x0 + 4 + x_a, top + 4 + y_a, cell[y_a : ys.max() + 3, x_a : xs.max() + 3]))
    return out


def _now() -> float:
    import time

    return time.monotonic()


def scan_budget() -> Budget:
    """The time a scan may take: per page, up to the scan cap (raw.SCAN_TIME_BUDGET_SECONDS)."""
    return Budget(seconds=raw.SCAN_TIME_BUDGET_SECONDS)


def check_pages(pages: int) -> None:
    if pages > raw.MAX_SCAN_PAGES:
        raise ImportRefused("too_many_pages", pages=pages, limit=raw.MAX_SCAN_PAGES)


def read_images(
    images: list[bytes], budget: Budget | None = None, progress: Progress | None = None
) -> RawDocument:
    """Photos or scanned images of a plan's pages, in order: one plan."""
    check_pages(len(images))
    require_tesseract()
    budget = budget or scan_budget()
    doc = RawDocument(source="scan")
    for page_no, data in enumerate(images, start=1):
        if progress:
            progress(page_no, len(images))
        read_page(load_image(data), page_no, doc, budget, TARGET_DPI)
    if not doc.rows and not doc.paragraphs:
        raise ImportRefused("unreadable_scan")
    finish(doc)
    return doc
