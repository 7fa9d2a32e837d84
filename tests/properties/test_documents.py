"""Properties of the document readers, through `parse_document(bytes, filename)` (the entry
point the limited reader's child runs): whatever the bytes, the answer is a parsed roadmap
that survives the trip through the child's JSON, or an `ImportRefused` with a documented
reason. Nothing else ever escapes.

Inputs: random bytes under every name, random text, plans generated from the parsers'
vocabulary, and real plans (../shared/samples, tests/fixtures) built as DOCX, XLSX, PDF and
CSV and then mutated: bytes flipped, cut, inserted, deleted and repeated, in the file or
inside one part of a DOCX/XLSX (re-zipped, so the damage reaches the XML parsers).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.limited_reader.tasks import roadmap, roadmap_to_json
from bot.limited_reader.tasks import roadmap_from_json as from_json
from bot.roadmap import parse_document
from bot.roadmap.errors import PROBLEM_CODES, REFUSAL_REASONS, ImportRefused
from bot.roadmap.model import ParsedRoadmap
from tests import hostile_files as hostile
from tests.properties.profiles import examples
from tests.properties.strategies import DEADLINE_WORDS, PEOPLE_WORDS, phrase
from tests.unit.roadmap.builders import build_docx, build_pdf, build_xlsx, tables_from_text

# Documents are long: their repr in a failure report is cut, not a reason to fail.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "roadmap"
SURROGATE = re.compile("[\ud800-\udfff]")
NAMES = ("plan.pdf", "plan.docx", "plan.xlsx", "plan.csv", "plan.txt", "plan", "скан.jpg")


def read_or_refuse(data: bytes, name: str) -> ParsedRoadmap | ImportRefused:
    """The property every test here checks."""
    try:
        parsed = parse_document(data, name)
    except ImportRefused as refusal:
        assert refusal.reason in REFUSAL_REASONS
        assert str(refusal).endswith(".")
        json.dumps(refusal.details, default=str)  # the child can send it back
        return refusal
    assert isinstance(parsed, ParsedRoadmap)
    for measure in parsed.measures:
        assert isinstance(measure.title, str)
        for window in measure.schedule.windows:
            assert window.start <= window.due
    assert {p.code for p in parsed.problems} <= set(PROBLEM_CODES) | {"other"}
    # What the child prints is what the parent rebuilds: exactly, unless a lone surrogate
    # (which no database or JSON parser accepts) had to become U+FFFD.
    sent = roadmap(data, name, {})
    back = from_json(sent)
    assert roadmap_to_json(back) == sent
    if not SURROGATE.search(json.dumps(parsed.to_json(), ensure_ascii=False)):
        assert back == parsed
    return parsed


# --- bases: real plans in every form -----------------------------------------------------


def _csv(text: str) -> bytes:
    paragraphs, tables = tables_from_text(text)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    for p in paragraphs:
        writer.writerow([p])
    for table in tables:
        for row in table:
            writer.writerow([getattr(c, "text", c) for c in row])
    return out.getvalue().encode("cp1251", errors="replace")


@functools.cache
def bases() -> tuple[tuple[bytes, str], ...]:
    """Built once per session. The PDF is a short plan: pdfplumber is slow per page."""
    small = (FIXTURES / "small_plan.txt").read_text(encoding="utf-8")
    school = hostile.sample_plan_text("000")
    city = hostile.sample_plan_text("004")
    return (
        (small.encode(), "small_plan.txt"),
        (build_docx(*tables_from_text(school)), "school.docx"),
        (build_xlsx(*tables_from_text(city)), "city.xlsx"),
        (build_pdf(*tables_from_text(small)), "small.pdf"),
        (_csv(hostile.sample_plan_text("002")), "municipal.csv"),
    )


# --- mutations ---------------------------------------------------------------------------


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    buffer = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        if not buffer:
            break
        at = draw(st.integers(0, len(buffer) - 1))
        operation = draw(st.sampled_from(["flip", "cut", "insert", "delete", "repeat"]))
        if operation == "flip":
            buffer[at] = draw(st.integers(0, 255))
        elif operation == "cut":
            del buffer[at:]
        elif operation == "insert":
            buffer[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif operation == "delete":
            del buffer[at : at + draw(st.integers(1, 256))]
        else:
            size = draw(st.integers(1, 512))
            buffer[at:at] = buffer[at : at + size] * draw(st.integers(1, 8))
    return bytes(buffer)


@st.composite
def mutated_part(draw: st.DrawFn, data: bytes) -> bytes:
    """One part of a DOCX/XLSX damaged, the zip itself valid."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = [i.filename for i in source.infolist()]
    victim = draw(st.sampled_from(names))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            content = source.read(name)
            if name == victim:
                content = draw(mutated_bytes(content))
            target.writestr(name, content)
    return out.getvalue()


@st.composite
def mutated_base(draw: st.DrawFn) -> tuple[bytes, str]:
    data, name = draw(st.sampled_from(bases()))
    if name.endswith((".docx", ".xlsx")) and draw(st.booleans()):
        return draw(mutated_part(data)), name
    return draw(mutated_bytes(data)), draw(st.sampled_from([name, *NAMES]))


@st.composite
def generated_plan(draw: st.DrawFn) -> str:
    """A tab-separated plan whose cells come from the parsers' vocabulary."""
    header = draw(st.permutations(["№", "Мероприятие", "Сроки", "Ответственный", "Результат"]))
    lines = [draw(phrase(DEADLINE_WORDS, 6)), "\t".join(header)]
    for n in range(draw(st.integers(0, 12))):
        cells = {
            "№": draw(st.sampled_from([f"{n + 1}.", f"1.{n}", "", "I.", f"{n}.{n}.{n}"])),
            "Мероприятие": draw(phrase(PEOPLE_WORDS + DEADLINE_WORDS, 5)),
            "Сроки": draw(phrase(DEADLINE_WORDS, 6)),
            "Ответственный": draw(phrase(PEOPLE_WORDS, 6)),
            "Результат": draw(st.text(max_size=10)),
        }
        row = [cells[h].replace("\t", " ").replace("\n", " ") for h in header]
        lines.append("\t".join(row[: draw(st.integers(1, len(row)))]))
    return "\n".join(lines)


# --- properties --------------------------------------------------------------------------


@settings(max_examples=examples(60))
@given(st.binary(max_size=4096), st.sampled_from(NAMES))
def test_random_bytes(data: bytes, name: str) -> None:
    read_or_refuse(data, name)


@settings(max_examples=examples(60))
@given(
    st.sampled_from([b"%PDF-1.", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\xef\xbb\xbf", b""]),
    st.binary(max_size=2048),
    st.sampled_from(NAMES),
)
def test_random_bytes_behind_a_known_signature(magic: bytes, tail: bytes, name: str) -> None:
    read_or_refuse(magic + tail, name)


@settings(max_examples=examples(60))
@given(st.text(max_size=2000), st.sampled_from(["utf-8", "cp1251", "utf-16"]))
def test_random_text(text: str, encoding: str) -> None:
    read_or_refuse(text.encode(encoding, errors="replace"), "plan.txt")


@settings(max_examples=examples(40))
@given(generated_plan(), st.sampled_from(["plan.txt", "plan.csv"]))
# Found by this property: a row of superscript digits passed str.isdigit, then int() failed.
@example("План\n№\tМероприятие\tСроки\tОтветственный\n¹\t²\t³\t⁴\n1\tА\tмай 2022\tОО", "p.txt")
@example("План\n№\tМероприятие\tСроки\n1\tСовещание\tдо 31 декабря 2023¹", "p.txt")
def test_generated_plans(text: str, name: str) -> None:
    read_or_refuse(text.encode(), name)


@settings(max_examples=examples(60))
@given(mutated_base())
def test_mutated_real_files(case: tuple[bytes, str]) -> None:
    read_or_refuse(*case)


def test_the_unmutated_bases_are_read() -> None:
    """The bases are real plans: without a mutation each is read, not refused."""
    for data, name in bases():
        assert isinstance(read_or_refuse(data, name), ParsedRoadmap), name
