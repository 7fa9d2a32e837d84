"""Reading a list of member organisations: what a municipal coordinator pastes or uploads.

Pure: text (or table rows) in, entries out. One organisation a line, optionally with its
contact after `;` or a tab («МБОУ СОШ №3; Сидорова А.А.»). Numbering, bullets, blank lines
and repeated names are forgiven and reported; nothing is dropped without a word.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.cleaning import clean_line

MAX_MEMBERS = 500  # a municipality has at most a few hundred; more is a wrong file
MAX_NAME = 300  # the organisation name column
MAX_CONTACT = 200  # the person name column

# A line's own numbering, never a "№ 3" that belongs to the name.
_NUMBERING = re.compile(r"^\s*(?:\d{1,3}[.)]\s*|\d{1,3}\s+(?=\D)|[-–—•*·]\s+)")
_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"'})


class SkipReason(StrEnum):
    DUPLICATE = "duplicate"
    TOO_LONG = "too_long"
    NO_NAME = "no_name"


@dataclass(frozen=True)
class MemberEntry:
    name: str
    contact: str | None = None
    line: int = 0  # 1-based line (or row) it came from


@dataclass
class MemberList:
    entries: list[MemberEntry] = field(default_factory=list)
    skipped: list[tuple[int, str, SkipReason]] = field(default_factory=list)  # line, text, why


class MemberListError(ValueError):
    """The list as a whole cannot be taken (too long, no name column)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def name_key(name: str) -> str:
    """What makes two spellings of one organisation the same: case, quotes, spaces, № 3/№3."""
    text = name.translate(_QUOTES).casefold().replace("ё", "е")
    text = re.sub(r"№\s*", "№", text)
    return _SPACES.sub(" ", text.replace('"', " ")).strip()


def clean_name(text: str) -> str:
    # clean_line: no control characters (a NUL in a cell), one line, single spaces.
    return clean_line(text).strip(",;").strip()


def parse_member_lines(text: str) -> MemberList:
    """A pasted list: one organisation a line, `; contact` optional."""
    rows: list[tuple[int, str, str | None]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        line = _NUMBERING.sub("", raw, count=1)
        name, contact = line, None
        for separator in (";", "\t"):
            if separator in line:
                name, contact = line.split(separator, 1)
                break
        rows.append((number, name, contact))
    return _collect(rows)


def parse_member_rows(header: Sequence[object], rows: Iterable[Sequence[object]]) -> MemberList:
    """A table (XLSX/CSV): the name column by its header, the contact column if there is one."""
    titles = [str(cell or "").strip() for cell in header]
    name_col = _find_column(titles, _NAME_HEADERS)
    if name_col is None:
        raise MemberListError("no_name_column", columns=[t for t in titles if t])
    contact_col = _find_column(titles, _CONTACT_HEADERS, exclude=name_col)
    collected: list[tuple[int, str, str | None]] = []
    for number, row in enumerate(rows, start=2):
        cells = [str(cell or "").strip() for cell in row]
        name = cells[name_col] if name_col < len(cells) else ""
        contact = (
            cells[contact_col] if contact_col is not None and contact_col < len(cells) else None
        )
        if not name and not contact:
            continue
        collected.append((number, name, contact))
    return _collect(collected)


_NAME_HEADERS = ("наименование", "название", "организация", "учреждение", "школа", "оо", "name")
_CONTACT_HEADERS = ("фио", "контакт", "ответствен", "директор", "руководитель", "coordinator")


def _find_column(
    titles: list[str], words: tuple[str, ...], exclude: int | None = None
) -> int | None:
    for word in words:
        for index, title in enumerate(titles):
            if index == exclude:
                continue
            folded = title.casefold()
            if folded == word or folded.startswith(word) or f" {word}" in f" {folded}":
                return index
    return None


def _collect(rows: list[tuple[int, str, str | None]]) -> MemberList:
    if len(rows) > MAX_MEMBERS:
        raise MemberListError("too_many", limit=MAX_MEMBERS, count=len(rows))
    result = MemberList()
    seen: set[str] = set()
    for number, raw_name, raw_contact in rows:
        name = clean_name(raw_name)
        contact = clean_name(raw_contact) if raw_contact else None
        if not name:
            result.skipped.append((number, raw_contact or "", SkipReason.NO_NAME))
            continue
        if len(name) > MAX_NAME or (contact is not None and len(contact) > MAX_CONTACT):
            result.skipped.append((number, name[:60] + "…", SkipReason.TOO_LONG))
            continue
        key = name_key(name)
        if key in seen:
            result.skipped.append((number, name, SkipReason.DUPLICATE))
            continue
        seen.add(key)
        result.entries.append(MemberEntry(name=name, contact=contact or None, line=number))
    return result


# --- what kind of organisation a name says ----------------------------------------------

_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # Kindergartens first: «МБДОУ» contains «ОУ», «детский сад» is no school.
    ("kindergarten", ("доу", "детский сад", "д/с", "детского сада", "ясли")),
    (
        "supplementary",
        (
            "удо",
            "ддт",
            "цдо",
            "дюсш",
            "дши",
            "дмш",
            "дом детского творчества",
            "дворец детского",
            "станция юных",
            "дополнительного образования",
            "спортивная школа",
            "школа искусств",
            "музыкальная школа",
        ),
    ),
    (
        "centre",
        ("имц", "ммц", "ппмс", "методический центр", "информационно-методический", "центр"),
    ),
    (
        "school",
        (
            "сош",
            "оош",
            "нош",
            "школа",
            "гимназия",
            "лицей",
            "кадетский",
            "школа-интернат",
            "образовательный центр",
        ),
    ),
)


def _legal_form_kind(tokens: list[str]) -> str | None:
    # The legal form says it most often: МБДОУ/МАДОУ (kindergarten), МБОУ/МАОУ/МКОУ (school),
    # МБУ ДО/МАУДО/УДО (supplementary).
    for index, token in enumerate(tokens):
        if re.fullmatch(r"[мгч]?[бак]?доу", token):
            return "kindergarten"
        if re.fullmatch(r"[мгч]?[бак]?у?до", token) or (
            re.fullmatch(r"[мгч]?[бак]?у", token) and tokens[index + 1 : index + 2] == ["до"]
        ):
            return "supplementary"
    for token in tokens:
        if re.fullmatch(r"[мгч]?[бак]?н?оу", token):
            return "school"
    return None


def guess_kind(name: str) -> str:
    """school | kindergarten | supplementary | centre | other, from the name's words."""
    folded = name.casefold().replace("ё", "е")
    spaced = f" {re.sub(r'[^а-яa-z0-9/-]+', ' ', folded)} "
    tokens = spaced.split()
    for kind, words in _KIND_WORDS:
        if kind == "school":
            break
        if any(f" {word} " in spaced or f" {word}" in spaced for word in words):
            return kind
    by_form = _legal_form_kind(tokens)
    if by_form is not None:
        return by_form
    for kind, words in _KIND_WORDS:
        if any(f" {word}" in spaced for word in words):
            return kind
    return "other"


_LEGAL_FORM = re.compile(
    r"^(?:муниципальное|государственное|частное)?\s*"
    r"(?:(?:М|Г|Ч)?(?:Б|А|К)?(?:Д|Н)?(?:ОУ|ОО|У|ОБУ)(?:\s*ДО)?)\s+",
    re.IGNORECASE,
)


def short_name(name: str) -> str:
    """What lists and charts show: the name without its legal form and outer quotes
    («МБОУ «СОШ № 3»» → «СОШ №3»); the full name when nothing else would be left."""
    full = re.sub(r"№\s+", "№", clean_name(name))
    text = _LEGAL_FORM.sub("", full, count=1).strip()
    if len(text) >= 2 and text[0] in '«"“' and text[-1] in '»"”':
        text = text[1:-1].strip()
    if not text or text.startswith("№") or text[0].isdigit():
        return full
    return text


# --- reading a file (in the limited child process: bot.limited_reader) -------------------

MAX_MEMBER_ROWS = 2000  # rows read from a sheet; the list itself is capped at 500
# Words of a header row (a table, not a list whose first line is a school).
HEADER_WORDS = ("наименование", "название", "организация", "фио", "телефон", "адрес", "№")


def read_member_bytes(data: bytes, filename: str = "members") -> MemberList:
    """A member list from the bytes of a text, CSV or XLSX file. Runs in the limited child
    (task `member_list`): an XLSX passes the importer's prechecks (zip directory, inflated
    sizes, cell count) before openpyxl opens it. Raises MemberListError, or ImportRefused
    for what the prechecks refuse."""
    if data[:2] == b"PK":
        from io import BytesIO

        from openpyxl import load_workbook

        from bot.roadmap.precheck import zip_kind

        if zip_kind(data, filename.lower()) != "xlsx":
            raise MemberListError("unreadable")
        try:
            sheet = load_workbook(BytesIO(data), read_only=True, data_only=True).active
            rows = (
                list(sheet.iter_rows(values_only=True, max_row=MAX_MEMBER_ROWS))
                if sheet is not None
                else []
            )
        except MemoryError:
            raise
        except Exception as error:  # any damage in the file: say it cannot be read
            raise MemberListError("unreadable") from error
        if not rows:
            raise MemberListError("unreadable")
        return parse_member_rows(rows[0], rows[1:])
    text = data.decode("utf-8-sig", errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    first = lines[0].casefold() if lines else ""
    separator = next((s for s in (";", "\t", ",") if s in first), None)
    if separator and _is_header(first.split(separator)):
        # A CSV table with a header row: read it by its columns.
        import csv

        table = list(csv.reader(lines, delimiter=separator))
        return parse_member_rows(table[0], table[1:])
    return parse_member_lines(text)


def _is_header(cells: list[str]) -> bool:
    # "№" heads a column only as a cell of its own: «СОШ №3; Сидорова А.А.» is a school.
    cells = [cell.strip() for cell in cells]
    return any(
        cell == "№" or any(word in cell for word in HEADER_WORDS if word != "№") for cell in cells
    )


def member_list_to_json(members: MemberList | MemberListError) -> bytes:
    """The child's answer: the list, or the refusal of the list as a whole."""
    if isinstance(members, MemberListError):
        payload: dict[str, object] = {"error": members.code, "params": members.params}
    else:
        payload = {
            "entries": [[e.name, e.contact, e.line] for e in members.entries],
            "skipped": [[line, text, reason.value] for line, text, reason in members.skipped],
        }
    return json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8", "replace")


def member_list_from_json(result: bytes | bytearray) -> MemberList:
    """Back from the child: the list, or raises its MemberListError."""
    payload = json.loads(result)
    if "error" in payload:
        raise MemberListError(str(payload["error"]), **dict(payload.get("params") or {}))
    return MemberList(
        entries=[
            MemberEntry(name=str(name), contact=contact, line=int(line))
            for name, contact, line in payload["entries"]
        ],
        skipped=[
            (int(line), str(text), SkipReason(reason)) for line, text, reason in payload["skipped"]
        ],
    )
