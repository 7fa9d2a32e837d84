"""Cleaning what people send before it is stored (issue 13): pure, no I/O.

PostgreSQL refuses a NUL byte and an unpaired surrogate in any text and a string longer
than its column, where SQLite stores them; a file name may carry path separators, control
characters or a right-to-left override that makes `exe.pdf` read as `fdp.exe`. So names
and texts are cleaned here, at the service edge, and both engines store the same thing.
"""

from __future__ import annotations

import unicodedata

from bot.errors import N_, UserError

ELLIPSIS = "…"
# Control characters (Cc), format characters (Cf: bidi overrides, zero-width marks),
# unpaired surrogates (Cs) and line/paragraph separators (Zl, Zp): never part of a name.
_NOT_IN_NAMES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# In free text line breaks and tabs stay; format characters too (emoji sequences use ZWJ).
_NOT_IN_TEXT = frozenset({"Cc", "Cs"})
_TEXT_KEEPS = frozenset("\n\t")
_PATH_SEPARATORS = str.maketrans({"/": "_", "\\": "_"})


def clean_line(text: str | None) -> str:
    """One line of plain text: control and format characters become spaces, runs of white
    space one space, no space at either end."""
    if not text:
        return ""
    kept = "".join(" " if unicodedata.category(ch) in _NOT_IN_NAMES else ch for ch in text)
    return " ".join(kept.split())


# What a name longer than its column gets told, by what it names.
PERSON_NAME_TOO_LONG = N_("A name can be at most {limit} characters long; this one has {length}.")
ORGANISATION_NAME_TOO_LONG = N_(
    "An organisation name can be at most {limit} characters long; this one has {length}."
)
UNIT_NAME_TOO_LONG = N_(
    "A unit name can be at most {limit} characters long; this one has {length}."
)
GROUP_NAME_TOO_LONG = N_(
    "A group name can be at most {limit} characters long; this one has {length}."
)


def fitted_line(text: str | None, limit: int, msgid: str) -> str:
    """`clean_line(text)`, refused with `msgid` (and its limit) when longer than `limit`:
    what a person types as a name is never cut silently."""
    line = clean_line(text)
    if len(line) > limit:
        raise UserError(msgid, limit=limit, length=len(line))
    return line


def clean_text(text: str | None) -> str:
    """Free text (a report, a reason): control characters and unpaired surrogates go,
    line breaks and tabs stay."""
    if not text:
        return ""
    return "".join(
        ch for ch in text if ch in _TEXT_KEEPS or unicodedata.category(ch) not in _NOT_IN_TEXT
    )


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, ending in "…" when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def clean_label(text: str | None, limit: int) -> str | None:
    """A short label (a MIME type, a code): one clean line of at most `limit` characters,
    None when empty."""
    return clip(clean_line(text), limit) or None


def clean_file_name(name: str | None, limit: int) -> str | None:
    """A sender's file name fit to show and store: one line, no path separators or control
    characters, no leading dots, at most `limit` characters with its extension kept. None
    when nothing is left. Files are stored by checksum, never by this name."""
    cleaned = clean_line(name).translate(_PATH_SEPARATORS).lstrip(". ")
    if not cleaned:
        return None
    if len(cleaned) <= limit:
        return cleaned
    stem, dot, extension = cleaned.rpartition(".")
    if not dot or not stem or len(extension) > 10 or len(extension) + 2 > limit:
        return clip(cleaned, limit)
    return clip(stem, limit - len(extension) - 1) + "." + extension
