"""Why a document was refused, and the codes of the problems reported on a parsed one.

`ImportRefused.reason` is one of `REFUSAL_REASONS`; `Problem.code` is one of `PROBLEM_CODES`.
Both sets are part of the contract with the bot, which translates them for people; add new
values, never rename old ones.
"""

from __future__ import annotations

from typing import Any

# reason -> English sentence template (formatted with the refusal's details).
REFUSAL_REASONS: dict[str, str] = {
    "too_large": "The file is too large ({size} bytes; the limit is {limit} bytes).",
    "unsupported_format": (
        "This kind of file cannot be read ({kind}); send the plan as DOCX, XLSX, PDF or text."
    ),
    "corrupt_file": "The file is damaged or is not really a {kind} file and cannot be read.",
    "zip_bomb": (
        "The file unpacks to an absurd size ({uncompressed} bytes from {compressed}); "
        "it was not opened."
    ),
    "too_many_cells": "The table has too many cells ({cells}; the limit is {limit}).",
    "timeout": "Reading the file took longer than the allowed {seconds} seconds.",
    "scanned_pdf": (
        "The PDF has no text layer (it is a scan); send the original DOCX/XLSX or a PDF with text."
    ),
    "no_table": "No plan table was found: no row names the columns (measure, deadline, ...).",
    "missing_columns": (
        "The plan table lacks required columns: missing {missing}; found {found}."
    ),
    "empty": "The document contains no measures.",
    # Added with the limited reader (bot.limited_reader) and the checks made before reading:
    "encrypted": (
        "The {kind} file is protected by a password and cannot be read; "
        "remove the password or send the DOCX."
    ),
    "too_many_pages": "The document has too many pages ({pages}; the limit is {limit}).",
    "too_many_rows": "The document has too many lines ({rows}; the limit is {limit}).",
    "too_heavy": ("Reading the file needed more memory than one document may use ({limit} MB)."),
    # Added with scanned plans (bot.roadmap.readers.ocr):
    "ocr_unavailable": (
        "The file is a scan, and text recognition (tesseract with Russian data) is not "
        "installed here; send the DOCX or XLSX."
    ),
    "unreadable_scan": "No text was recognised in the picture or scan.",
}

PROBLEM_CODES: dict[str, str] = {
    "unparsed_deadline": "the deadline phrase was not understood",
    "partly_parsed_deadline": "only part of the deadline phrase was understood",
    "no_deadline": "the measure has no deadline",
    "no_number": "the measure has no number",
    "duplicate_number": "another measure already has this number",
    "no_responsible": "the measure has no responsible person or unit",
    "no_title": "the measure has no title",
    "moved_cell": "text was moved back to the column it belongs to",
    "clamped_date": "a date that does not exist was moved to the month's last day",
    "unrecognised_row": "the row was not understood; its text is kept on the nearest measure",
    "no_plan_period": "the plan period was not found in the title",
    "deadline_warning": "the deadline was understood with a reservation",
}


class ImportRefused(Exception):
    """The document cannot be imported at all; `reason` says why (one of REFUSAL_REASONS)."""

    def __init__(self, reason: str, **details: Any) -> None:
        if reason not in REFUSAL_REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        self.reason = reason
        self.details = details
        super().__init__(self._sentence())

    def _sentence(self) -> str:
        template = REFUSAL_REASONS[self.reason]
        values: dict[str, Any] = {
            "size": "?",
            "limit": "?",
            "kind": "unknown",
            "uncompressed": "?",
            "compressed": "?",
            "cells": "?",
            "seconds": "?",
            "found": "none",
            "missing": "none",
            "pages": "?",
            "rows": "?",
        }
        for key, value in self.details.items():
            if isinstance(value, list | tuple):
                value = ", ".join(str(v) for v in value) or "none"
            values[key] = value
        return template.format(**values)

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "message": str(self), "details": dict(self.details)}
