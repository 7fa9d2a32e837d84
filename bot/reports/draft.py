"""A report being written: kept in the conversation state until the person finishes.

Nothing reaches the database before "finish", so a cancelled or abandoned report leaves no
half-saved rows. The draft round-trips through plain JSON (FSM storage may be Redis).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

# Telegram's Bot API refuses to hand bots files above this size (getFile).
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_TEXT = 4000  # a report is a short note, not a document; files carry the rest

FILE_KINDS = ("document", "photo", "voice", "video_note", "video", "audio")


@dataclass
class DraftFile:
    """One received file: Telegram's ids always; checksum and stored copy when we got them."""

    kind: str
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    stored_path: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DraftFile:
        return cls(
            kind=data["kind"],
            file_id=data["file_id"],
            file_unique_id=data["file_unique_id"],
            file_name=data.get("file_name"),
            mime_type=data.get("mime_type"),
            size=data.get("size"),
            sha256=data.get("sha256"),
            stored_path=data.get("stored_path"),
        )


@dataclass
class Draft:
    occurrence_id: int | None = None
    text: str = ""
    files: list[DraftFile] = field(default_factory=list)
    # Set when files are being added to a report already stored (after "✅ done").
    report_id: int | None = None
    # Several ongoing measures answered at once (a monthly check-in): one text, same files.
    batch: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Draft:
        data = data or {}
        return cls(
            occurrence_id=data.get("occurrence_id"),
            text=data.get("text") or "",
            files=[DraftFile.from_dict(f) for f in data.get("files") or []],
            report_id=data.get("report_id"),
            batch=[int(i) for i in data.get("batch") or []],
        )

    def add_text(self, text: str) -> bool:
        """Add a message's text; False (and nothing added) when the report's text would
        grow beyond MAX_TEXT: the person is told, never a part silently cut off."""
        text = text.strip()
        if not text:
            return True
        joined = f"{self.text}\n{text}" if self.text else text
        if len(joined) > MAX_TEXT:
            return False
        self.text = joined
        return True

    def length_with(self, text: str) -> int:
        """How long the report's text would be with this text added."""
        text = text.strip()
        return len(f"{self.text}\n{text}" if self.text else text)

    def add_file(self, item: DraftFile) -> bool:
        """False when the very same file is already in the draft (sent twice)."""
        if any(f.file_unique_id == item.file_unique_id for f in self.files):
            return False
        self.files.append(item)
        return True


# --- recognising a measure in typed text and captions ---------------------------------

_NUMBER = r"(?:№\s*)?(?P<number>\d{1,3}(?:\.\d{1,3}){0,4})\.?"
_ENTRY = re.compile(
    r"^\s*(?:/report(?:@\w+)?|отч[её]т|сделал[аи]?|сделано|выполнено|выполнил[аи]?)"
    r"(?:\s+" + _NUMBER + r")?(?:\s+(?P<rest>.*))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CAPTION = re.compile(r"^\s*" + _NUMBER + r"(?=\s|$|[,:;—-])[\s,:;—-]*(?P<rest>.*)$", re.DOTALL)


@dataclass(frozen=True)
class Entry:
    """What a typed report request or a caption names: a measure number and the rest."""

    number: str | None
    rest: str


def parse_entry(text: str) -> Entry | None:
    """ "отчёт 1.1.2 приказ подписан" -> Entry("1.1.2", "приказ подписан"); None if not one."""
    match = _ENTRY.match(text or "")
    if match is None:
        return None
    return Entry(match.group("number"), (match.group("rest") or "").strip())


def asks_to_report(text: str) -> bool:
    """Typed text that starts a report ("отчёт", "сделал 1.1.2 приказ подписан"), rather
    than a question that starts with the same word ("отчёт по проекту готов?")."""
    entry = parse_entry(text)
    return entry is not None and not (entry.number is None and entry.rest)


def parse_caption(text: str | None) -> Entry:
    """A file's caption: "1.1.2 приказ подписан", or an entry form, or plain text."""
    entry = parse_entry(text or "")
    if entry is not None:
        return entry
    match = _CAPTION.match(text or "")
    if match is not None and "." in match.group("number"):
        return Entry(match.group("number"), match.group("rest").strip())
    return Entry(None, (text or "").strip())


def number_variants(number: str) -> list[str]:
    """Plans write "1.1.2" and "1.1.2."; both name the same measure."""
    bare = number.strip().rstrip(".")
    return [bare, bare + "."]
