"""The text form of a parsed roadmap: what a person reads after an import."""

from __future__ import annotations

from collections import Counter

from bot.roadmap.model import ParsedMeasure, ParsedRoadmap, ScheduleKind, UnitInfo


def _schedule_text(m: ParsedMeasure) -> str:
    s = m.schedule
    if not s.windows:
        return f"{s.kind.value}"
    first, last = s.windows[0], s.windows[-1]
    if len(s.windows) == 1:
        span = f"{first.start.isoformat()}..{first.due.isoformat()}"
    else:
        span = f"{len(s.windows)} windows, first due {first.due.isoformat()}, last {last.due}"
    return f"{s.kind.value}: {span}"


def _unit_text(unit: UnitInfo) -> str:
    what = unit.kind.value
    if unit.members is not None:
        what += f": {unit.members.value}"
    return f"{unit.name} ({what})"


def format_text(parsed: ParsedRoadmap) -> str:
    kinds = Counter(m.schedule.kind for m in parsed.measures)
    period = (
        f"{parsed.plan_period[0]}–{parsed.plan_period[1]}" if parsed.plan_period else "not found"
    )
    if parsed.plan_period is None and parsed.proposed_period:
        first, last = parsed.proposed_period
        period = f"not stated (the deadlines span {first}–{last})"
    lines = [
        parsed.title or "(the document states no title)",
        f"Plan period: {period}",
        (
            f"Sections: {len(parsed.sections)}; measures: {len(parsed.measures)}; "
            f"persons: {len(parsed.persons)}; units: {len(parsed.units)}; "
            f"problems: {len(parsed.problems)}"
        ),
        "Schedules: " + ", ".join(f"{k.value} {kinds.get(k, 0)}" for k in ScheduleKind),
    ]
    if parsed.persons:
        lines.append("Persons: " + ", ".join(parsed.persons))
    if parsed.approval:
        lines.insert(1, f"Approved by: {parsed.approval.text}")
    if parsed.unit_details:
        lines.append("Units: " + "; ".join(_unit_text(u) for u in parsed.unit_details))
    elif parsed.units:
        lines.append("Units: " + "; ".join(parsed.units))
    for join in parsed.joins:
        lines.append(f"Joined: {join}")
    for join in parsed.unit_joins:
        lines.append(f"Units split: {join}")
    titles = {(s.number or s.title): s for s in parsed.sections}
    current: object = object()
    for m in parsed.measures:
        if m.section != current:
            current = m.section
            section = titles.get(m.section) if m.section else None
            heading = (
                f"{section.number + '. ' if section.number else ''}{section.title}"
                if section
                else "(no section)"
            )
            lines += ["", f"== {heading}"]
        who = "; ".join(m.persons + m.units) or "(nobody)"
        title = m.title.replace("\n", " ")
        if len(title) > 160:
            title = title[:157] + "..."
        lines.append(f"{m.number or '—'}. {title}")
        lines.append(f"    deadline: {m.deadline_raw or '—'} → {_schedule_text(m)}")
        lines.append(f"    responsible: {who}")
    if parsed.problems:
        lines += ["", "Problems:"]
        for p in parsed.problems:
            text = p.text.replace("\n", " ")
            if len(text) > 100:
                text = text[:97] + "..."
            lines.append(f"  [{p.code}] {p.where}: {p.problem}" + (f" — {text}" if text else ""))
    return "\n".join(lines) + "\n"
