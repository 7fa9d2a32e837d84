"""The words of a scanned page: `tesseract` run on an image (TSV: every word with its box
and confidence), the words grouped into lines and cells, and recognition slips corrected —
marks misread inside words, a doubtful non-word one letter from a word of the page or of the
dictionary, Latin names (PISA, PIRLS) read as Cyrillic. Used by `ocr.py`, which finds the
table and says which words go into which cell.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.roadmap.errors import ImportRefused
from bot.roadmap.readers.pdf import unwrap
from bot.roadmap.textnorm import clean_cell

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


def text_lines(words: list[Word]) -> list[list[Word]]:
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


def cell_text(words: list[Word]) -> tuple[str, float | None]:
    lines = [" ".join(w.text for w in line) for line in text_lines(words)]
    text = normalise_cell(clean_cell(unwrap("\n".join(lines))))
    meaningful = [w.conf for w in words if re.search(r"\w", w.text)]
    return text, (round(min(meaningful), 2) if meaningful else None)


def paragraphs(words: list[Word]) -> list[str]:
    """Text outside the table in tesseract's paragraphs, in reading order."""
    groups: dict[tuple[int, int], list[Word]] = {}
    for w in words:
        groups.setdefault(w.key[:2], []).append(w)
    ordered = sorted(groups.values(), key=lambda ws: min(w.top for w in ws))
    out = []
    for ws in ordered:
        text, _ = cell_text(ws)
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
    print «00» itself), a zero among capitals read for «О» (Д0О), «(» read as «|» before a
    word when a «)» closes it."""
    if not _LOWER_WORD.search(text):
        text = _ZEROS.sub("ОО", text)
    text = zero_in_capitals(text)
    if " | " in f" {text} " and text.count(")") > text.count("("):
        text = re.sub(r"(?:^|(?<=\s))\|\s+(?=\w)", "(", text, count=1)
    return text


# A word of capitals with a zero inside (Д0О, М0УО): the zero is the letter О. A number
# («100%», «2025») has no capital letter, «ОГЭ-2026» a hyphen before its digits.
_CAPITALS_ZERO = re.compile(r"(?<![\w-])(?=[А-ЯЁ0]*[А-ЯЁ])(?=[А-ЯЁ]*0)[А-ЯЁ0]{3,6}(?![\w-])")


def zero_in_capitals(text: str) -> str:
    """Д0О → ДОО: a zero inside a short word of capital Cyrillic letters read for «О»."""
    return _CAPITALS_ZERO.sub(lambda m: m.group(0).replace("0", "О"), text)


_ABBREVIATION = re.compile(r"(?<![\w-])([А-ЯЁа-яё]{2,7})(?![\w-])")


def abbreviations(texts: list[str]) -> Counter[str]:
    """How often each abbreviation (2–6 capital Cyrillic letters) is printed in `texts`."""
    found: Counter[str] = Counter()
    for text in texts:
        for word in _ABBREVIATION.findall(text):
            if word.isupper() and len(word) <= 6:
                found[word] += 1
    return found


def _one_edit(a: str, b: str) -> bool:
    """Whether `b` is one deletion, insertion or substitution from `a`."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


TRUSTED_PRINTED = 2  # an abbreviation printed this often in the plan is taken as read


def correct_units(
    text: str,
    known: frozenset[str],
    printed: Counter[str],
    doubtful: bool,
    guesses: list[str] | None = None,
) -> str:
    """A cell of the responsible column: a word in small letters that is a unit abbreviation
    in capitals is it (имц → ИМЦ: и, м, ц look alike in both cases); with `doubtful` (the
    cell was read with doubt), an abbreviation that is no known unit (nor a word of one: КО,
    НОО of «ГБУ КО НОО ПРОД») and not printed twice in the plan, one letter from exactly
    one abbreviation printed more often in the plan, or a letter too many or misread from
    exactly one known unit, is that one (ИИМЦ → ИМЦ, иИМЦ → ИМЦ). Zeros for «ОО» are «ОО»
    here even beside a word in small letters (имц, 00). The corrections by a letter are
    added to `guesses` ("ИИМЦ → ИМЦ")."""
    from bot.morph import is_known

    text = zero_in_capitals(_ZEROS.sub("ОО", text))

    def fix(found: re.Match[str]) -> str:
        word = found.group(1)
        upper = word.upper()
        if word == upper and (upper in known or printed[upper] >= TRUSTED_PRINTED):
            return word  # a unit, or an abbreviation of the plan's own (КО, the region)
        if word != upper and upper in known and not is_known(word.lower()):
            return upper  # имц → ИМЦ; «Школы» and «Рабочая» are words
        if not doubtful or not 3 <= len(upper) <= 6:
            return word  # two letters have too many neighbours (ЦО, КО, МО, УО)
        if not (word.isupper() or _mostly_capitals(word)):
            return word
        # A known unit only by a letter too many or misread: ЦОКО is no slip of РЦОКО.
        for pool in (
            [u for u in printed if printed[u] > printed[upper] and u != upper],
            sorted(u for u in known if len(u) <= len(upper)),
        ):
            near = [u for u in pool if len(u) >= 3 and _one_edit(upper, u)]
            if len(near) == 1:
                if guesses is not None:
                    guesses.append(f"{word} → {near[0]}")
                return near[0]
        return word

    return _ABBREVIATION.sub(fix, text)


def _mostly_capitals(word: str) -> bool:
    """иИМЦ: capitals but for one letter."""
    return sum(1 for ch in word if ch.islower()) <= 1 and sum(ch.isupper() for ch in word) >= 2


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


REREAD_BELOW = 0.5  # a word read below this confidence is read again, cut out
REREAD_GAIN = 0.15  # the second reading is taken when this much surer

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
