"""Roadmap import speed: each sample in each form (text, DOCX, XLSX, PDF built as the tests
build them), rows per second and milliseconds per document; for PDF also the ratio to
pdfplumber's own text extraction of the same file. The last line is one JSON object.

Aims: a 200-row plan from text < 100 ms, from DOCX < 500 ms; PDF within 1.5x of pdfplumber's
extract_text over all pages.

Run: .venv/bin/python bench/import.py [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402

from bot.roadmap import parse_document, read_raw  # noqa: E402
from tests.unit.roadmap.builders import (  # noqa: E402
    build_docx,
    build_pdf,
    build_xlsx,
    tables_from_text,
)

SAMPLES = ROOT.parent / "shared" / "samples"
FORMS = ("text", "docx", "xlsx", "pdf")


def timed(fn, repeat: int) -> float:
    """Median seconds of `repeat` runs (after one warm-up run)."""
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def pdfplumber_text(data: bytes) -> None:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = sorted(SAMPLES.glob("*.txt"))
    if not files:
        print(f"no samples in {SAMPLES}", file=sys.stderr)
        return 1
    results: dict[str, dict[str, dict[str, float]]] = {}
    for path in files:
        key = path.name.split("_")[0]
        text = path.read_text(encoding="utf-8")
        paragraphs, tables = tables_from_text(text)
        blobs = {
            "text": text.encode("utf-8"),
            "docx": build_docx(paragraphs, tables),
            "xlsx": build_xlsx(paragraphs, tables),
            "pdf": build_pdf(paragraphs, tables),
        }
        results[key] = {}
        for form in FORMS:
            data = blobs[form]
            name = f"{key}.{'txt' if form == 'text' else form}"
            rows = len(read_raw(data, name).rows)
            repeat = max(2, args.repeat // 2) if form == "pdf" else args.repeat
            seconds = timed(lambda d=data, n=name: parse_document(d, n), repeat)
            figures = {
                "rows": rows,
                "ms_per_document": round(seconds * 1000, 1),
                "rows_per_second": round(rows / seconds),
                "ms_per_200_rows": round(seconds * 1000 * 200 / rows, 1),
            }
            line = (
                f"{key} {form:5} {rows:4} rows  {figures['ms_per_document']:8.1f} ms/doc  "
                f"{figures['rows_per_second']:7d} rows/s  "
                f"{figures['ms_per_200_rows']:7.1f} ms/200 rows"
            )
            if form == "pdf":
                baseline = timed(lambda d=data: pdfplumber_text(d), repeat)
                figures["pdfplumber_text_ms"] = round(baseline * 1000, 1)
                figures["ratio_to_pdfplumber_text"] = round(seconds / baseline, 2)
                line += (
                    f"  pdfplumber extract_text {baseline * 1000:.1f} ms, "
                    f"ratio {seconds / baseline:.2f}"
                )
            print(line)
            results[key][form] = figures
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
