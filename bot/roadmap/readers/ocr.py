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
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import statistics
import subprocess
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from bot.roadmap import raw
from bot.roadmap.errors import ImportRefused
from bot.roadmap.raw import Budget, Progress, RawCell, RawDocument, RawRow
from bot.roadmap.readers.pdf import unwrap
from bot.roadmap.textnorm import clean_cell

# The page is read at about this resolution (a scan's own, a photo scaled to it).
TARGET_DPI = 200
MAX_SIDE = 4000  # pixels: a larger photo is scaled down first (more costs only time)
MIN_SIDE = 2000  # pixels: a smaller one is enlarged to this (a photo Telegram compressed)
MAX_PIXELS = 60_000_000  # a larger image is refused before it is decoded (a bomb)
LANGUAGES = "rus"
# A cell whose least certain word is below this is shown to the coordinator to confirm.
DOUBT_BELOW = 0.75


@dataclass
class Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float  # 0..1
    key: tuple[int, int, int]  # tesseract's block, paragraph, line

    @property
    def cx(self) -> float:
        return self.left + self.width / 2

    @property
    def cy(self) -> float:
        return self.top + self.height / 2


def tesseract_binary() -> str | None:
    return shutil.which("tesseract")


def require_tesseract() -> str:
    binary = tesseract_binary()
    if binary is None:
        raise ImportRefused("ocr_unavailable")
    return binary


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

    lines = _lines(words)
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


# ---- words ----------------------------------------------------------------------------------
def run_tesseract(
    image: Any, dpi: int, *, timeout: float, psm: str = "3", lang: str = LANGUAGES
) -> list[Word]:
    """Every word `tesseract` finds on the page image, with its box and confidence."""
    import cv2

    binary = require_tesseract()
    ok, png = cv2.imencode(".png", image)
    if not ok:  # pragma: no cover - encoding a uint8 array does not fail
        raise ImportRefused("corrupt_file", kind="image")
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "HOME")}
    env["OMP_THREAD_LIMIT"] = "1"  # one page, one thread: the machine is shared
    try:
        done = subprocess.run(
            [binary, "stdin", "stdout", "-l", lang, "--dpi", str(dpi), "--psm", psm, "tsv"],
            input=png.tobytes(),
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ImportRefused("timeout", seconds=round(timeout)) from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace")
        if "Failed loading language" in message or "Error opening data file" in message:
            raise ImportRefused("ocr_unavailable")
        raise ImportRefused("corrupt_file", kind="image")
    return parse_tsv(done.stdout.decode("utf-8", "replace"))


def parse_tsv(tsv: str) -> list[Word]:
    words: list[Word] = []
    for line in tsv.splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) < 12 or parts[0] != "5":
            continue
        text = parts[11].strip()
        if not text:
            continue
        try:
            left, top, width, height = (int(v) for v in parts[6:10])
            conf = float(parts[10])
        except ValueError:
            continue
        key = (int(parts[2]), int(parts[3]), int(parts[4]))
        words.append(Word(text, left, top, width, height, max(conf, 0.0) / 100, key))
    return words


def _lines(words: list[Word]) -> list[list[Word]]:
    """Words grouped into printed lines by their vertical position, each line left to right."""
    if not words:
        return []
    height = statistics.median(w.height for w in words)
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w.cy):
        if lines and abs(word.cy - statistics.fmean(w.cy for w in lines[-1])) <= 0.6 * height:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w.left) for line in lines]


def _cell_text(words: list[Word]) -> tuple[str, float | None]:
    lines = [" ".join(w.text for w in line) for line in _lines(words)]
    text = normalise_cell(clean_cell(unwrap("\n".join(lines))))
    meaningful = [w.conf for w in words if re.search(r"\w", w.text)]
    return text, (round(min(meaningful), 2) if meaningful else None)


def _paragraphs(words: list[Word]) -> list[str]:
    """Text outside the table in tesseract's paragraphs, in reading order."""
    groups: dict[tuple[int, int], list[Word]] = {}
    for w in words:
        groups.setdefault(w.key[:2], []).append(w)
    ordered = sorted(groups.values(), key=lambda ws: min(w.top for w in ws))
    out = []
    for ws in ordered:
        text, _ = _cell_text(ws)
        if text.strip():
            out.append(text)
    return out


# ---- words corrected ------------------------------------------------------------------------
_CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
# ‘уровнях: a speck read as a quote that nothing closes.
_STRAY_QUOTE = re.compile(r"^[‘'`’](?=[а-яё][^‘'`’]*$)", re.IGNORECASE)
_SPLIT_U = re.compile(r"'/(?=[а-яё])")  # «у» read as two marks: '/чителями
_ZEROS = re.compile(r"(?<!\w)(?:0[0О]|О0)(?!\w)")  # «ОО» (schools) read as zeros: 00
_LOWER_WORD = re.compile(r"[а-яё]{3,}")
_CURLY = str.maketrans({"“": '"', "”": '"', "„": '"'})
_WORD_CORE = re.compile(r"^([^\w]*)([\w-]+?)([^\w]*)$")
# A word read with doubt that is no word is corrected; a sure one is left as printed (a typo
# of the plan itself, «включющего», is read at ~0.9 and stays).
CORRECT_BELOW = DOUBT_BELOW
TRUSTED_COUNT = 3  # a word printed this often on the page is taken as it is read


def normalise_word(text: str) -> str:
    """Recognition slips that need no dictionary: a stray quote before a word, «у» read as
    «'/», curly double quotes (a typed plan has straight ones, or «»)."""
    text = _STRAY_QUOTE.sub("", text)
    return _SPLIT_U.sub("у", text).translate(_CURLY)


def normalise_cell(text: str) -> str:
    """Slips seen only in a whole cell: «ОО» read as zeros in a list of units (a title may
    print «00» itself), «(» read as «|» before a word when a «)» closes it."""
    if not _LOWER_WORD.search(text):
        text = _ZEROS.sub("ОО", text)
    if " | " in f" {text} " and text.count(")") > text.count("("):
        text = re.sub(r"(?:^|(?<=\s))\|\s+(?=\w)", "(", text, count=1)
    return text


def _edits(word: str) -> set[str]:
    """Every string one deletion, insertion or substitution of a Cyrillic letter away."""
    out: set[str] = set()
    for i in range(len(word) + 1):
        head, tail = word[:i], word[i:]
        if tail:
            out.add(head + tail[1:])
        for letter in _CYRILLIC:
            out.add(head + letter + tail)
            if tail:
                out.add(head + letter + tail[1:])
    out.discard(word)
    return out


def _same_case(model: str, word: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def correct_word(text: str, vocabulary: Counter[str]) -> str:
    """A word read with doubt that is no Russian word and not printed elsewhere on the page,
    one letter away from a word printed there often (ММОУО → МОУО) or from exactly one word
    the dictionary knows (Голожение → Положение): that word. Otherwise as read."""
    from bot.morph import is_known

    found = _WORD_CORE.match(text)
    if found is None:
        return text
    before, core, after = found.groups()
    # Short words are left alone: ДОО is not a slip of ОО.
    if len(core) < 5 or not re.fullmatch(r"[а-яё-]+", core, re.IGNORECASE):
        return text
    if vocabulary[core] >= 2 or ("-" not in core and is_known(core.lower())):
        return text
    candidates = _edits(core) | {_same_case(core, e) for e in _edits(core.lower())}
    frequent = [c for c in candidates if vocabulary[c] >= TRUSTED_COUNT and len(c) >= 4]
    if frequent:
        return before + max(frequent, key=lambda c: (vocabulary[c], c)) + after
    if "-" in core:
        return text
    known = {c.lower() for c in candidates if is_known(c.lower())}
    printed = {c for c in known if vocabulary[c] or vocabulary[_same_case(core, c)]}
    if len(printed) == 1 or len(known) == 1:
        return before + _same_case(core, (printed if len(printed) == 1 else known).pop()) + after
    return text


def correct_words(words: list[Word]) -> None:
    """The words of a page normalised, and those read with doubt corrected (correct_word)."""
    for word in words:
        word.text = normalise_word(word.text)
    vocabulary: Counter[str] = Counter()
    for word in words:
        found = _WORD_CORE.match(word.text)
        if found:
            vocabulary[found.group(2)] += 1
    for word in words:
        if word.conf < CORRECT_BELOW:
            word.text = correct_word(word.text, vocabulary)


# ---- Latin words -----------------------------------------------------------------------------
LATIN = "eng"  # Debian's tesseract-ocr depends on tesseract-ocr-eng
# Latin capitals and the Cyrillic letters they look like: MOYO is «МОУО» read in Latin.
_LOOKALIKE = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")
_PUNCTUATION = ".,;:()«»"
_LATIN_WORD = re.compile(r"^([(«]?)([A-Z][A-Za-z0-9-]{2,})([.,;:)»]*)$")
_SUSPECT = re.compile(r"^[А-ЯЁA-Z0-9$!|/]{3,}$")  # capitals and what they are misread as


def latin_suspects(words: list[Word]) -> list[int]:
    """Words that may be a Latin name read as Cyrillic (PISA read «Р15А», PIRLS «РИА»):
    read with doubt, in capitals, digits and marks, not printed twice on the page (an
    abbreviation of the plan is), no Russian word unless read with almost no confidence."""
    from bot.morph import is_known

    counts = Counter(w.text.strip(_PUNCTUATION) for w in words)
    out = []
    for i, word in enumerate(words):
        core = word.text.strip(_PUNCTUATION)
        if word.conf >= DOUBT_BELOW or counts[core] > 1 or not _SUSPECT.match(core):
            continue
        if not any(ch.isalpha() for ch in core):
            continue  # a number
        if core.isalpha() and word.conf >= 0.3 and is_known(core.lower()):
            continue  # a Russian word in capitals, unless read with no confidence at all
        out.append(i)
    return out


def better_latin(cyrillic: Word, latin: list[Word]) -> str | None:
    """The Latin reading of a suspect word when it is one sure Latin word in capitals that
    is not just the Cyrillic reading in Latin look-alikes; None to keep the Cyrillic one."""
    if len(latin) != 1 or latin[0].conf < 0.8:
        return None
    found = _LATIN_WORD.match(latin[0].text)
    if found is None or not found.group(2).isupper():
        return None
    if found.group(2).translate(_LOOKALIKE) == cyrillic.text.strip(_PUNCTUATION):
        return None
    return latin[0].text


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
            doc.paragraphs.extend(_paragraphs(words))
            doc.preamble_count = len(doc.paragraphs)
        return
    if not doc.rows:
        above = [w for w in words if w.cy < grid.top]
        doc.paragraphs.extend(_paragraphs(above))
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
            text, conf = _cell_text(cells.get((r, c), []))
            if c == 0 and r in numbers:
                text, conf = _better_number((text, conf), numbers[r])
            row.append(RawCell(text, confidence=conf))
        budget.tick(len(row))
        if any(cell.text for cell in row):
            # A borderless table's rows are its printed lines, named so (the next page may
            # go on with it).
            unit = "row" if ruled else "line"
            doc.rows.append(RawRow(row, f"page {page_no}, {unit} {r + 1}"))


_NUMBER_HEADER = re.compile(r"^(?:№|N[eo°º]?)\s*[а-яёa-z/.!|]{0,4}$", re.IGNORECASE)
_NUMBER = re.compile(r"^\d{1,2}(?:[.,]\d{1,2}){0,3}[.,]?$")


def _better_number(
    first: tuple[str, float | None], second: tuple[str, float | None]
) -> tuple[str, float | None]:
    """Of two readings of a number cell, the one that is a number and more certain (neither
    a number: the first, read with its neighbours, as «№» of a header)."""
    if not _NUMBER.match(first[0]) and not _NUMBER.match(second[0]):
        return first

    def score(reading: tuple[str, float | None]) -> tuple[bool, float]:
        return bool(_NUMBER.match(reading[0])), reading[1] or 0.0

    best = max((first, second), key=score)
    text = best[0]
    if _NUMBER.match(text):
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


REREAD_BELOW = 0.5  # a word read below this confidence is read again, cut out
REREAD_GAIN = 0.15  # the second reading is taken when this much surer


def _word_piece(page: Any, word: Word) -> Any:
    top, left = max(word.top - 4, 0), max(word.left - 4, 0)
    return page[top : word.top + word.height + 4, left : word.left + word.width + 4]


_LETTER = re.compile(r"[^\W\d_]")
_ODD_MARK = re.compile(r"[^\w\s.,;:()«»\"-]")  # А/И: a mark no word has inside
GARBAGE = 0.2  # a first reading below this is taken to be noise, whatever its letters


def second_reading(first: Word, again: list[Word], vocabulary: Counter[str]) -> str | None:
    """The text of a word read again on its own when that reading is one word, clearly
    surer, with no fewer letters (unless the first was noise: «ОО» read «[еде»). The same
    letters: the first text, its marks kept (a comma read again may come back a full stop),
    unless it has a mark no word has (А/И).
    Its case as the page prints it («оо» → «ОО»: о looks the same in both cases). None when
    the second reading is not taken."""
    if len(again) != 1 or again[0].conf < max(first.conf + REREAD_GAIN, REREAD_BELOW):
        return None
    old, new = _LETTER.findall(first.text), _LETTER.findall(again[0].text)
    if not new or (len(new) < len(old) and first.conf >= GARBAGE):
        return None
    if [c.lower() for c in old] == [c.lower() for c in new] and not _ODD_MARK.search(first.text):
        return first.text
    text = again[0].text
    if text.islower() and vocabulary[text.upper()] > vocabulary[text]:
        text = text.upper()
    return text


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
    return {r: _cell_text(ws) for r, ws in found.items() if 0 <= r < _EMPTY_KEY}


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


def _parts(text: str) -> tuple[int, ...] | None:
    if not _NUMBER.match(text):
        return None
    return tuple(int(p) for p in re.split(r"[.,]", text.rstrip(".,")) if p)


def _follows(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """Whether number `b` can come right after `a` in a plan's numbering (1.1.3 → 1.1.4,
    1.1 → 1.1.1, 1.1.21 → 1.2 or 2), allowing a few missing in between."""
    if len(b) == len(a) and b[:-1] == a[:-1]:
        return 0 < b[-1] - a[-1] <= 5
    if len(b) == len(a) + 1:
        return b[:-1] == a and b[-1] <= 5
    if len(b) < len(a):
        return b[:-1] == a[: len(b) - 1] and 0 < b[-1] - a[len(b) - 1] <= 5
    return False


DOUBTED = 0.5  # the confidence given to a number filled in from its neighbours


def finish(doc: RawDocument) -> None:
    """What is done once all pages are read: the header printed again on each page made
    exactly the first one (so the interpreter skips it and joins a row a page break split),
    then the number column repaired by its sequence."""
    repair_headers(doc)
    repair_numbers(doc)


HEADER_LIKE = 80  # rapidfuzz ratio of a cell to the header's cell in a header read again


def _header_tail(rows: list[RawRow], header: RawRow) -> list[RawRow]:
    """The lines under a borderless table's header that are the rest of its cells («Срок» /
    «выполнения»): up to two rows of printed lines, no number, no digit, text only under
    the header's cells."""
    tail: list[RawRow] = []
    for row in rows[:2]:
        texts = row.texts()
        if ", line " not in row.where or len(texts) != len(header.cells) or texts[0].strip():
            break
        if any(re.search(r"\d", t) for t in texts) or not any(t.strip() for t in texts):
            break
        if any(t.strip() and not h.text.strip() for t, h in zip(texts, header.cells, strict=True)):
            break
        tail.append(row)
    return tail


def _same_texts(row: RawRow, model: RawRow) -> bool:
    from rapidfuzz.fuzz import ratio

    from bot.roadmap.textnorm import norm_key

    if len(row.cells) != len(model.cells):
        return False
    pairs = [
        (norm_key(a.text), norm_key(b.text)) for a, b in zip(row.cells, model.cells, strict=True)
    ]
    return all((not a and not b) or (a and b and ratio(a, b) >= HEADER_LIKE) for a, b in pairs)


def repair_headers(doc: RawDocument) -> None:
    """Rows read from a scan that repeat the table's header with recognition slips (a cell
    misread, the «№ п/п» cell not read at all) get the header's own texts. A borderless
    table's header printed on two lines is one row, on every page (its second line would
    otherwise go on the measure a page break split)."""
    from rapidfuzz.fuzz import ratio

    from bot.roadmap.table import find_header
    from bot.roadmap.textnorm import norm_key

    found = find_header(doc.rows)
    if found is None:
        return
    at, _ = found
    header = doc.rows[at]
    if _NUMBER_HEADER.match(header.cells[0].text.strip()):
        # «№ пт», «Ne п/п»: how the number column's header is misread.
        header.cells[0] = RawCell("№ п/п", confidence=header.cells[0].confidence)
    keys = [norm_key(c.text) for c in header.cells]
    named = sum(1 for k in keys if k)
    tail = _header_tail(doc.rows[at + 1 :], header)
    merged = [
        RawCell(
            " ".join(t for t in [c.text, *(r.cells[i].text for r in tail)] if t.strip()),
            confidence=c.confidence,
        )
        for i, c in enumerate(header.cells)
    ]
    drop: set[int] = {id(r) for r in tail}
    rows = doc.rows
    for k in range(at + 1, len(rows)):
        row = rows[k]
        if len(row.cells) != len(keys) or not _scanned(row) or id(row) in drop:
            continue
        same = 0
        for cell, key in zip(row.cells, keys, strict=True):
            text = norm_key(cell.text)
            if key and text and ratio(text, key) >= HEADER_LIKE:
                same += 1
            elif text and not (_NUMBER_HEADER.match(text) and key.startswith("№")):
                break  # a cell that is not the header's: a data row
        else:
            if same >= 2 and same >= named - 1:
                row.cells = [RawCell(c.text, confidence=c.confidence) for c in merged]
                for follower, model in zip(rows[k + 1 :], tail, strict=False):
                    if not _same_texts(follower, model):
                        break
                    drop.add(id(follower))
    header.cells = merged
    doc.rows = [r for r in rows if id(r) not in drop]


def _successors(a: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The numbers that can come right after `a`: the next at its level, its first child,
    the next at each level above."""
    out = [(*a[:-1], a[-1] + 1), (*a, 1)]
    out += [(*a[: k - 1], a[k - 1] + 1) for k in range(len(a) - 1, 0, -1)]
    return out


_NUMBERISH = re.compile(r"^\d[\d.,:;\s]{0,10}$")  # digits with whatever their dots were read as


_SECTION_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,2})\.?\s+[А-ЯЁA-Z]")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def repair_numbers(doc: RawDocument, column: int = 0, title: int = 1) -> None:
    """The number column read by its sequence. A number whose digits are those of a number
    that can follow the one before (a measure or a section heading «1.3. Система …»), or the
    one after it, its dots lost or misread («128» after 1.2.7), is that number. Then a
    number that fits neither of its neighbours, or not the one place two neighbours leave
    (7 between 2.3.3 and 2.3.5), is doubted, and the measure rows between two numbers of the
    same level (a heading «2.3.» counting as 2.3.0) that are exactly as many as the numbers
    missing between them get those numbers. A number changed gets confidence DOUBTED, so
    the preview asks. Only rows read from a scan are touched; repeated headers are skipped."""
    rows = [
        r
        for r in doc.rows
        if len(r.cells) > max(column, title) and _scanned(r) and not _is_header_copy(r, column)
    ]
    previous: tuple[int, ...] | None = None
    for row in rows:
        text = row.cells[column].text.strip()
        me = _parts(text)
        heading = _SECTION_NUMBER.match(text)
        if me is None and heading:  # «2.2. Система …»: its measures are 2.2.1, 2.2.2, …
            me = _parts(heading.group(1))
        if previous is None:
            previous = me
            continue
        # The next numbers, or those one further (the row before was not read at all).
        near = _successors(previous)
        near += [b for a in near for b in _successors(a) if b not in near]
        if me in near:
            previous = me
        elif _NUMBERISH.match(text):
            for candidate in near:
                if _digits(text) == "".join(str(p) for p in candidate):
                    row.cells[column] = RawCell(".".join(map(str, candidate)), confidence=DOUBTED)
                    previous = candidate
                    break
            else:
                if me is not None and len(me) >= len(previous) and _follows(previous, me):
                    previous = me  # a few numbers missing, at the same level or deeper
        elif me is not None:
            previous = me
    numbers = [_parts(r.cells[column].text) for r in rows]
    for i, row in enumerate(rows):  # a section heading «1.2. …» stands for 1.2.0
        heading = _SECTION_NUMBER.match(row.cells[column].text.strip())
        if numbers[i] is None and heading and not row.cells[title].text.strip():
            numbers[i] = (*(_parts(heading.group(1)) or ()), 0)
    anchors = [i for i, n in enumerate(numbers) if n is not None]
    # A number that fits neither neighbour, or not the one place they leave, is no anchor.
    for k, i in enumerate(anchors):
        before = numbers[anchors[k - 1]] if k > 0 else None
        after = numbers[anchors[k + 1]] if k + 1 < len(anchors) else None
        me = numbers[i]
        assert me is not None
        fits = (before is not None and _follows(before, me)) or (
            after is not None and _follows(me, after)
        )
        if before is not None and after is not None:
            # Neighbours one apart (2.3.3 … 2.3.5) leave room for one number only (2.3.4).
            room = (*before[:-1], before[-1] + 1)
            if not fits or (after == (*before[:-1], before[-1] + 2) and me != room):
                numbers[i] = None
    anchors = [i for i, n in enumerate(numbers) if n is not None]
    for a, b in itertools.pairwise(anchors):
        first, last = numbers[a], numbers[b]
        assert first is not None and last is not None
        if len(first) != len(last) or first[:-1] != last[:-1]:
            continue
        between = [i for i in range(a + 1, b) if _measure_like(rows[i], column, title)]
        if not between or len(between) != last[-1] - first[-1] - 1:
            continue
        for step, i in enumerate(between, start=1):
            value = ".".join(str(p) for p in (*first[:-1], first[-1] + step))
            rows[i].cells[column] = RawCell(value, confidence=DOUBTED)


def _is_header_copy(row: RawRow, column: int) -> bool:
    return row.cells[column].text == "№ п/п"


def _measure_like(row: RawRow, column: int, title: int) -> bool:
    """A row that can be a measure: a title, and a number or another cell beside it (the
    rest of a title a page break split has nothing else)."""
    if not row.cells[title].text.strip():
        return False
    others = [c for i, c in enumerate(row.cells) if i not in (column, title) and c.text.strip()]
    return bool(row.cells[column].text.strip() or others)


def _scanned(row: RawRow) -> bool:
    return any(c.confidence is not None for c in row.cells)


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
