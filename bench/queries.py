"""Question understanding: accuracy on the question set, against dateparser, and speed.

Run: .venv/bin/python bench/queries.py [--passes N]

Figures:
- exact: the whole Query (intent, person, period, number, topic, status) equals the expected one.
- period: our (period_start, period_end) equals the expected pair (null/null included).
- dateparser: `search_dates(text, languages=["ru", "en"], settings={"RELATIVE_BASE": today,
  "PREFER_DATES_FROM": "future"})` on the same text. It returns points, not spans, so the
  rule is generous to it:
    * expected period present → correct when it finds at least one date and every date it
      finds lies within [period_start, period_end] ("lenient"); "strict" also requires its
      earliest found date == period_start and its latest == period_end;
    * expected no period → correct when it finds no date at all (a measure number "1.1.2"
      read as 1 January is a miss).
  Our own period figure uses the same questions, so the columns compare like with like.
- time: parse_query per question, several passes over the set (the first pass is cold: the
  lemma caches are empty); median and p99 over all passes, and the cold pass's median.
The last line is one JSON object with all the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from datetime import date, datetime
from pathlib import Path

from bot.queries.morph import morph
from bot.queries.parse import parse_query

SET = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "questions.jsonl"
FIELDS = ("intent", "person", "period_start", "period_end", "number", "topic", "status_filter")


def _load() -> list[dict]:
    with SET.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _dateparser_verdicts(cases: list[dict]) -> tuple[list[bool], list[bool]]:
    warnings.simplefilter("ignore")  # dateparser warns about its own internals
    from dateparser.search import search_dates

    lenient: list[bool] = []
    strict: list[bool] = []
    for case in cases:
        today = date.fromisoformat(case["today"])
        base = datetime(today.year, today.month, today.day)  # noqa: DTZ001 - naive by design
        try:
            found = search_dates(
                case["query"],
                languages=["ru", "en"],
                settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future"},
            )
        except Exception:  # a crash on a question counts as a miss, like a wrong answer
            found = None
        days = sorted(d.date() for _, d in found or [])
        if case["period_start"] is None:
            ok = not days
            lenient.append(ok)
            strict.append(ok)
            continue
        start = date.fromisoformat(case["period_start"])
        end = date.fromisoformat(case["period_end"])
        inside = bool(days) and all(start <= d <= end for d in days)
        lenient.append(inside)
        strict.append(inside and days[0] == start and days[-1] == end)
    return lenient, strict


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    cases = _load()
    t0 = time.perf_counter()
    morph()  # the one-time analyser load is reported apart, not smeared into the p99
    load_ms = (time.perf_counter() - t0) * 1000

    timings: list[float] = []
    cold: list[float] = []
    exact = period = 0
    ours_dated: list[bool] = []  # period right, on the questions that name a period
    misses: list[str] = []
    for n in range(args.passes):
        for case in cases:
            today = date.fromisoformat(case["today"])
            t0 = time.perf_counter_ns()
            plan = tuple(case["plan"]) if case.get("plan") else None
            query = parse_query(case["query"], today=today, plan=plan)
            elapsed = (time.perf_counter_ns() - t0) / 1e6
            timings.append(elapsed)
            if n == 0:
                cold.append(elapsed)
                got = query.to_json(case["query"])
                if all(got[k] == case[k] for k in FIELDS):
                    exact += 1
                else:
                    misses.append(f"{case['query']!r}: got {got}")
                if (got["period_start"], got["period_end"]) == (
                    case["period_start"],
                    case["period_end"],
                ):
                    period += 1
                if case["period_start"] is not None:
                    ours_dated.append(
                        (got["period_start"], got["period_end"])
                        == (case["period_start"], case["period_end"])
                    )

    dp_lenient, dp_strict = _dateparser_verdicts(cases)
    total = len(cases)
    dated = [i for i, c in enumerate(cases) if c["period_start"] is not None]
    dp_dated = sum(dp_lenient[i] for i in dated)
    timings.sort()
    figures = {
        "questions": total,
        "exact_accuracy": round(exact / total, 4),
        "period_accuracy": round(period / total, 4),
        "dateparser_period_accuracy_lenient": round(sum(dp_lenient) / total, 4),
        "dateparser_period_accuracy_strict": round(sum(dp_strict) / total, 4),
        "median_ms": round(statistics.median(timings), 4),
        "p99_ms": round(timings[min(len(timings) - 1, int(0.99 * len(timings)))], 4),
        "cold_pass_median_ms": round(statistics.median(cold), 4),
        "analyser_load_ms": round(load_ms, 1),
        "questions_with_period": len(dated),
        "period_accuracy_on_dated": round(sum(ours_dated) / len(dated), 4),
        "dateparser_lenient_on_dated": round(dp_dated / len(dated), 4),
        "passes": args.passes,
    }
    print(f"questions                     {total}")
    print(f"exact Query match             {exact}/{total}  {figures['exact_accuracy']:.1%}")
    print(f"period match (ours)           {period}/{total}  {figures['period_accuracy']:.1%}")
    print(
        f"period match (dateparser)     {sum(dp_lenient)}/{total}  "
        f"{figures['dateparser_period_accuracy_lenient']:.1%} lenient, "
        f"{sum(dp_strict)}/{total}  {figures['dateparser_period_accuracy_strict']:.1%} strict"
    )
    print(
        f"  on the {len(dated)} questions naming a period: ours {sum(ours_dated)}, "
        f"dateparser {dp_dated} (lenient)"
    )
    print(
        f"time per question             median {figures['median_ms']} ms, "
        f"p99 {figures['p99_ms']} ms over {args.passes} passes "
        f"(cold pass median {figures['cold_pass_median_ms']} ms; "
        f"analyser load {figures['analyser_load_ms']} ms once)"
    )
    if args.show_misses:
        for line in misses:
            print("MISS", line)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
