"""Reading on material the project has never seen: plans and questions held out from tuning.

Run: .venv/bin/python bench/reading.py [--show-misses] [--set heldout|heldout2]

The held-out set (tests/fixtures/heldout, see its README) holds plans transcribed from
published Russian school, municipal and regional plans (each with its source address) and
plans written for the project in the layouts real plans arrive in, none derived from the
three samples, each with a hand-written expectation; and questions typed as people type them.
Every plan is read the way the bot reads an upload: `parse_document(bytes, filename)`, no
period given.

Figures (a measure is *matched* when a parsed measure has its number and its title starts
like the expected one):
- plans refused: plans the importer refused (every one has a header row);
- rows found: expected measures matched;
- deadline cells found: matched measures whose deadline text is the expected cell;
- phrases placed on dates: matched measures whose schedule has windows;
- schedules exact: kind and every window as expected;
- responsible exact: the persons and the units as expected (order aside);
- title / period / approval found: where the document states them; where it states no title
  the parser must give none (never a file name), where it states no period it must propose
  the span of the dated deadlines;
- unit kinds: the kind of each plan-level unit, where the expectation gives them;
- questions exactly understood: the whole Query as expected (held-out set, and the project's
  own set for comparison).
The last line is one JSON object with all the figures.
"""

from __future__ import annotations

import argparse
import calendar
import inspect
import json
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.queries.parse import parse_query  # noqa: E402
from bot.roadmap import ImportRefused, parse_document  # noqa: E402
from tests.unit.roadmap.builders import build_docx, build_pdf, build_xlsx  # noqa: E402

HELDOUT = ROOT / "tests" / "fixtures" / "heldout"
PROJECT_QUESTIONS = ROOT / "tests" / "fixtures" / "questions.jsonl"
QUERY_FIELDS = ("intent", "person", "period_start", "period_end", "number", "topic",
                "status_filter")  # fmt: skip
BUILDERS = {"docx": build_docx, "xlsx": build_xlsx, "pdf": build_pdf}
_QUOTES = re.compile(r"[«»“”„\"']")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")


def norm(text: str | None) -> str:
    """Lower case, ё→е, one kind of dash and quote, single spaces, no trailing stops."""
    text = _QUOTES.sub('"', _DASHES.sub("-", (text or "").lower().replace("ё", "е")))
    return " ".join(text.split()).strip(" .;,")


# ---- loading ---------------------------------------------------------------------------------
def load_plan(path: Path) -> tuple[bytes, str]:
    """The bytes an upload would carry and its file name."""
    name = path.name
    if name.endswith(".json"):
        spec = json.loads(path.read_text(encoding="utf-8"))
        form = name.rsplit(".", 2)[-2]
        data = BUILDERS[form](spec["paragraphs"], spec["tables"])
        return data, name.rsplit(".", 1)[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)  # the source comment is ours, not the document's
    return ("\n".join(lines) + "\n").encode("utf-8"), name


def expand_windows(spec: Any) -> list[tuple[str, str]]:
    """The expectation's windows; shorthands for long regular series:
    {"monthly": ["YYYY-MM", "YYYY-MM"], "day": D} (1st..D, clamped; the whole month without D),
    {"yearly": [Y1, Y2], "from": "MM-DD", "to": "MM-DD"}, {"quarters": [Y1, Y2]},
    {"halves": [Y1, Y2]}."""
    if isinstance(spec, list):
        return [(a, b) for a, b in spec]
    out: list[tuple[str, str]] = []
    if "monthly" in spec:
        (y, m), (y2, m2) = (tuple(int(x) for x in s.split("-")) for s in spec["monthly"])
        while (y, m) <= (y2, m2):
            last = calendar.monthrange(y, m)[1]
            day = min(spec.get("day", last), last)
            out.append((date(y, m, 1).isoformat(), date(y, m, day).isoformat()))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    elif "yearly" in spec:
        for y in range(spec["yearly"][0], spec["yearly"][1] + 1):
            out.append((f"{y}-{spec['from']}", f"{y}-{spec['to']}"))
    elif "quarters" in spec or "halves" in spec:
        step = 3 if "quarters" in spec else 6
        y1, y2 = spec.get("quarters") or spec["halves"]
        for y in range(y1, y2 + 1):
            for m in range(1, 13, step):
                last = calendar.monthrange(y, m + step - 1)[1]
                out.append((f"{y}-{m:02d}-01", f"{y}-{m + step - 1:02d}-{last:02d}"))
    return out


# ---- plans -------------------------------------------------------------------------------------
def match_measures(expected: list[dict], parsed: list[Any]) -> list[Any | None]:
    used: set[int] = set()
    found: list[Any | None] = []
    for exp in expected:
        hit = None
        for strict in (True, False):
            for i, m in enumerate(parsed):
                if i in used or (m.number or "") != exp["number"]:
                    continue
                if strict and not norm(m.title).startswith(norm(exp["title"])):
                    continue
                hit = i
                break
            if hit is not None:
                break
        if hit is not None:
            used.add(hit)
        found.append(parsed[hit] if hit is not None else None)
    return found


def measure_plans(show_misses: bool, heldout: Path = HELDOUT) -> dict[str, Any]:
    totals = dict.fromkeys(
        ("measures", "rows", "deadlines", "dated", "schedules", "responsible"), 0
    )
    titles = {"stated": 0, "found": 0, "unstated": 0, "none_given": 0}
    periods = {"stated": 0, "found": 0, "unstated": 0, "proposed": 0}
    approvals = {"stated": 0, "found": 0}
    kinds = {"units": 0, "right": 0}
    refused: list[str] = []
    plans = sorted(p for p in (heldout / "plans").iterdir() if p.is_file())
    for path in plans:
        stem = path.name.split(".")[0]
        expected = json.loads((heldout / "expected" / f"{stem}.json").read_text("utf-8"))
        data, filename = load_plan(path)
        totals["measures"] += len(expected["measures"])
        try:
            parsed = parse_document(data, filename)
        except ImportRefused as exc:
            refused.append(f"{stem}: {exc.reason} ({exc})")
            titles["stated" if expected["title"] else "unstated"] += 1
            periods["stated" if expected["period"] else "unstated"] += 1
            approvals["stated"] += bool(expected["approval"])
            kinds["units"] += len(expected.get("unit_kinds", {}))
            continue
        misses: list[str] = []
        # Title: the document's own, or none at all.
        if expected["title"]:
            titles["stated"] += 1
            ok = norm(parsed.title) == norm(expected["title"])
            titles["found"] += ok
            if not ok:
                misses.append(f"title {parsed.title!r}")
        else:
            titles["unstated"] += 1
            ok = not parsed.title
            titles["none_given"] += ok
            if not ok:
                misses.append(f"title given though the document has none: {parsed.title!r}")
        # Period: stated, or proposed from the deadlines.
        got_period = list(parsed.plan_period) if parsed.plan_period else None
        if expected["period"]:
            periods["stated"] += 1
            ok = got_period == expected["period"]
            periods["found"] += ok
            if not ok:
                misses.append(f"period {got_period}")
        else:
            periods["unstated"] += 1
            proposed = getattr(parsed, "proposed_period", None)
            proposed = list(proposed) if proposed else None
            ok = got_period is None and proposed == expected["proposed_period"]
            periods["proposed"] += ok
            if not ok:
                misses.append(f"period {got_period}, proposed {proposed}")
        if expected["approval"]:
            approvals["stated"] += 1
            approval = getattr(parsed, "approval", None)
            ok = approval is not None and (approval.number, approval.date.isoformat()) == (
                expected["approval"]["number"],
                expected["approval"]["date"],
            )
            approvals["found"] += ok
            if not ok:
                misses.append(f"approval {approval}")
        if "unit_kinds" in expected:
            got_kinds = {
                norm(u["name"]): u["kind"] for u in parsed.to_json().get("units", [])
                if isinstance(u, dict)
            }  # fmt: skip
            for name, kind in expected["unit_kinds"].items():
                kinds["units"] += 1
                ok = got_kinds.get(norm(name)) == kind
                kinds["right"] += ok
                if not ok:
                    misses.append(f"unit {name}: {got_kinds.get(norm(name))} (want {kind})")
            extra = set(got_kinds) - {norm(n) for n in expected["unit_kinds"]}
            if extra:
                misses.append(f"units not in the plan: {sorted(extra)}")
        for exp, got in zip(
            expected["measures"], match_measures(expected["measures"], parsed.measures),
            strict=True,
        ):  # fmt: skip
            label = f"{exp['number']} {exp['title'][:30]}"
            if got is None:
                misses.append(f"{label}: row not found")
                continue
            totals["rows"] += 1
            if norm(got.deadline_raw) == norm(exp["deadline"]):
                totals["deadlines"] += 1
            else:
                misses.append(f"{label}: deadline cell {got.deadline_raw!r}")
            if got.schedule.windows and got.schedule.kind.value != "unparsed":
                totals["dated"] += 1
            windows = [(w.start.isoformat(), w.due.isoformat()) for w in got.schedule.windows]
            want = expand_windows(exp["windows"])
            if got.schedule.kind.value == exp["kind"] and windows == want:
                totals["schedules"] += 1
            else:
                shown = windows if len(windows) <= 4 else f"{len(windows)} windows {windows[:2]}…"
                misses.append(
                    f"{label}: schedule {got.schedule.kind.value} {shown} for "
                    f"{exp['deadline']!r} (want {exp['kind']}, {len(want)} windows)"
                )
            persons_ok = sorted(map(norm, got.persons)) == sorted(map(norm, exp["persons"]))
            units_ok = sorted(map(norm, got.units)) == sorted(map(norm, exp["units"]))
            if persons_ok and units_ok:
                totals["responsible"] += 1
            else:
                misses.append(f"{label}: persons {got.persons} units {got.units}")
        if show_misses:
            for line in misses:
                print(f"MISS {stem}: {line}")
    n = totals["measures"]
    return {
        "plans": len(plans),
        "plans_refused": len(refused),
        "refusals": refused,
        "measures": n,
        "rows_found": round(totals["rows"] / n, 4),
        "deadline_cells_found": round(totals["deadlines"] / n, 4),
        "phrases_on_dates": round(totals["dated"] / n, 4),
        "schedules_exact": round(totals["schedules"] / n, 4),
        "responsible_exact": round(totals["responsible"] / n, 4),
        "titles_stated": titles["stated"],
        "titles_found": titles["found"],
        "titles_unstated": titles["unstated"],
        "titles_unstated_left_empty": titles["none_given"],
        "periods_stated": periods["stated"],
        "periods_found": periods["found"],
        "periods_unstated": periods["unstated"],
        "periods_proposed_right": periods["proposed"],
        "approvals_stated": approvals["stated"],
        "approvals_found": approvals["found"],
        "unit_kinds": kinds["units"],
        "unit_kinds_right": kinds["right"],
    }


# ---- questions ---------------------------------------------------------------------------------
def measure_questions(path: Path, show_misses: bool) -> tuple[int, int]:
    takes_plan = "plan" in inspect.signature(parse_query).parameters
    cases = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    exact = 0
    for case in cases:
        kwargs: dict[str, Any] = {"today": date.fromisoformat(case["today"])}
        if takes_plan and case.get("plan"):
            kwargs["plan"] = tuple(case["plan"])
        got = parse_query(case["query"], **kwargs).to_json(case["query"])
        if all(got[k] == case[k] for k in QUERY_FIELDS):
            exact += 1
        elif show_misses:
            diff = {k: got[k] for k in QUERY_FIELDS if got[k] != case[k]}
            print(f"MISS question {case['query']!r}: got {diff}")
    return exact, len(cases)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--set",
        default="heldout",
        help="heldout (the first held-out set) or heldout2 (written after the first was used)",
    )
    args = parser.parse_args()
    heldout = HELDOUT.parent / args.set
    figures = measure_plans(args.show_misses, heldout)
    held_exact, held_total = measure_questions(heldout / "questions.jsonl", args.show_misses)
    own_exact, own_total = measure_questions(PROJECT_QUESTIONS, False)
    figures.update(
        set=args.set,
        questions=held_total,
        questions_exact=round(held_exact / held_total, 4),
        project_questions=own_total,
        project_questions_exact=round(own_exact / own_total, 4),
    )
    f = figures
    print(f"plans                      {f['plans']} ({f['measures']} measures)")
    print(f"plans refused              {f['plans_refused']}")
    for line in f["refusals"]:
        print(f"  refused {line}")
    print(f"rows found                 {f['rows_found']:.1%}")
    print(f"deadline cells found       {f['deadline_cells_found']:.1%}")
    print(f"phrases placed on dates    {f['phrases_on_dates']:.1%}")
    print(f"schedules exact            {f['schedules_exact']:.1%}")
    print(f"responsible exact          {f['responsible_exact']:.1%}")
    print(
        f"title found                {f['titles_found']}/{f['titles_stated']} stated; "
        f"{f['titles_unstated_left_empty']}/{f['titles_unstated']} without one left untitled"
    )
    print(
        f"period found               {f['periods_found']}/{f['periods_stated']} stated; "
        f"{f['periods_proposed_right']}/{f['periods_unstated']} without one proposed right"
    )
    print(f"approval order found       {f['approvals_found']}/{f['approvals_stated']}")
    print(f"unit kinds right           {f['unit_kinds_right']}/{f['unit_kinds']}")
    print(
        f"questions exact            {held_exact}/{held_total} {f['questions_exact']:.1%} "
        f"(project set {own_exact}/{own_total} {f['project_questions_exact']:.1%})"
    )
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
