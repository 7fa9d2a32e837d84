"""Summaries of how a plan is going: numbers, the message text and the weekly digest.

Read the data with `storage.read_summaries.read_summary_data`, then compute and render:

    data = await read_summary_data(session, organisation_id, start, end)
    summary = compute_summary(data, today, locale=locale)
    pages = render_summary_text(summary, locale)
"""

from bot.summaries.compute import (
    Assessment,
    CompletionRow,
    Digest,
    MonthPoint,
    OverdueItem,
    Summary,
    Totals,
    assess,
    compute_summary,
    digest,
    effective_due,
    is_assessed,
    is_not_reported,
    is_overdue,
    monthly_trend,
    plan_period,
    section_heading,
    state,
    week_of,
)
from bot.summaries.render import render_digest_text, render_summary_text

__all__ = [
    "Assessment",
    "CompletionRow",
    "Digest",
    "MonthPoint",
    "OverdueItem",
    "Summary",
    "Totals",
    "assess",
    "compute_summary",
    "digest",
    "effective_due",
    "is_assessed",
    "is_not_reported",
    "is_overdue",
    "monthly_trend",
    "plan_period",
    "render_digest_text",
    "render_summary_text",
    "section_heading",
    "state",
    "week_of",
]
