"""Documents for the level above: the plan with execution marks (XLSX) and the official
execution report (DOCX), in the locale in force (or the `locale` given):

    plan = await uow.reads.plan(roadmap_id, start, end)
    content, file_name = plan_xlsx(plan, today)   # bot.exports.xlsx
    with use_locale("en"):
        content, file_name = plan_docx(plan, today)   # bot.exports.docx

Pure: records (`bot.records`) in, bytes out; the words come from the gettext catalogue.
"""
