"""Summaries of how a plan is going: numbers, the message text and the weekly digest.

Read the data through the unit of work, then compute and render (in the locale in force):

    data = await uow.reads.summary_data(organisation_id, start, end)
    summary = compute_summary(data, today)
    pages = render_summary_text(summary)
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
