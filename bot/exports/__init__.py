"""Documents for the level above: the plan with execution marks (XLSX) and the official
execution report (DOCX), plus the words both use (`bot.exports.texts`).

    plan = await read_plan(session, roadmap_id, start, end)
    content, file_name = plan_xlsx(plan, today, locale="ru")   # bot.exports.xlsx
    content, file_name = plan_docx(plan, today, locale="ru")   # bot.exports.docx

Nothing is re-exported here: `bot.summaries` imports `bot.exports.texts`, and importing the
exporters from this package's `__init__` would make that import circular.
"""
