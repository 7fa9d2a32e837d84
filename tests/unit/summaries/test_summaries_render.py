"""The summary and digest as Telegram HTML pages."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from bot.summaries import compute_summary, digest, render_digest_text, render_summary_text
from bot.summaries.compute import ShareOf
from bot.summaries.render import paginate, render_municipal_summary_text
from bot.summaries.shares import municipal_summary, parent_share
from tests.unit.summaries import scenario
from tests.unit.summaries.dto import measure, occurrence, person, summary_data
from tests.unit.summaries.scenario import TODAY

TAG = re.compile(r"<(/?)([a-zA-Z]+)[^>]*>")


def _assert_telegram_html(page: str) -> None:
    tags = TAG.findall(page)
    assert {name for _, name in tags} <= {"b", "i"}
    for name in ("b", "i"):
        assert page.count(f"<{name}>") == page.count(f"</{name}>")


def test_summary_text_in_russian() -> None:
    summary = compute_summary(scenario.data(), TODAY, locale="ru")
    pages = render_summary_text(summary, "ru")
    assert len(pages) == 1
    text = pages[0]
    _assert_telegram_html(text)
    assert text.startswith("<b>Исполнение плана за 2023 год</b>")
    assert "По состоянию на 15 июня 2023" in text
    for line in (
        "Сроков в периоде: 10",
        "Из них наступило: 7",
        "Выполнено: 3",
        "Частично: 1",
        "Перенесено: 2",
        "Просрочено: 3",
        "Срок прошёл, отчёта нет: 1",
        "Выполнение: <b>43%</b>",
        "Бобров В.С. — 0 из 3 (0%), просрочено: 2",
        "Без раздела — сроки не наступили",
        "2.1 Курсы повышения квалификации — просрочено на 107 дней (срок 28 февраля); "
        "Бобров В.С., МОУО",
        "1.3 Совещание — просрочено на 45 дней (срок 1 мая); Сидорова А.А.",
        "Юдина Е.Е. — не доставлено: 3 напоминания",
        "Сидорова А.А. — с 1 апреля 2023",
    ):
        assert line in text, line
    # Worst first: Бобров (0%) before Иванов (33%) before Сидорова (67%).
    assert (
        text.index("Бобров В.С. — 0")
        < text.index("Иванов И.И. — 1")
        < text.index("Сидорова А.А. — 2")
    )


def test_summary_text_in_english() -> None:
    text = "\n".join(render_summary_text(compute_summary(scenario.data(), TODAY), "en"))
    assert text.startswith("<b>Plan execution for 2023</b>")
    assert "107 days overdue" in text
    assert "Completion: <b>43%</b>" in text


def test_plan_text_is_escaped() -> None:
    m = measure("1<2", "Закупка <b>оборудования</b> & мебели", persons={5: "Петров <П.П.>"})
    data = summary_data(
        [occurrence(m, date(2023, 5, 31))], people=[person(5, "Петров <П.П.>", joined=False)]
    )
    pages = render_summary_text(compute_summary(data, TODAY), "ru")
    text = "\n".join(pages)
    _assert_telegram_html(text)
    assert "1&lt;2 Закупка &lt;b&gt;оборудования&lt;/b&gt; &amp; мебели" in text
    assert "Петров &lt;П.П.&gt;" in text


def test_long_summaries_are_split_into_phone_sized_pages() -> None:
    occurrences = [
        occurrence(
            measure(
                f"{n}.1",
                f"Мероприятие номер {n} " + "очень длинное название " * 10,
                persons={n: f"Сотрудник {n:03d}"},
            ),
            date(2023, 1, 1) + timedelta(days=n % 150),
        )
        for n in range(1, 301)
    ]
    summary = compute_summary(summary_data(occurrences), TODAY)
    pages = render_summary_text(summary, "ru", page_limit=1000, max_rows=300, max_overdue=300)
    assert len(pages) > 10
    for page in pages:
        assert len(page) <= 1000
        _assert_telegram_html(page)
    text = "\n".join(pages)
    for n in range(1, 301):
        assert f"Сотрудник {n:03d}" in text
    # Every overdue line is there, each once.
    assert text.count("просрочено на") == 300


def test_long_lists_are_cut_with_a_count_of_the_rest() -> None:
    occurrences = [
        occurrence(measure(str(n), f"М{n}", persons={n: f"Сотрудник {n}"}), date(2023, 5, 1))
        for n in range(1, 26)
    ]
    pages = render_summary_text(
        compute_summary(summary_data(occurrences), TODAY), "ru", max_rows=10, max_overdue=5
    )
    text = "\n".join(pages)
    assert "… и ещё 15" in text  # persons: 25 shown as 10
    assert "… и ещё 20" in text  # overdue: 25 shown as 5
    assert text.count("просрочено на 45 дней") == 5


def test_empty_summary_says_so() -> None:
    pages = render_summary_text(compute_summary(summary_data([]), TODAY), "ru")
    assert pages == [
        "<b>Исполнение плана за 2023 год</b>\nМБОУ «Гимназия № 1»\n"
        "По состоянию на 15 июня 2023\n\nВ этом периоде сроков нет."
    ]


def test_paginate_cuts_a_line_longer_than_a_page_without_breaking_markup() -> None:
    long_line = "<b>" + "&amp;" * 300 + "</b>"
    pages = paginate([["начало"], [long_line], ["конец"]], 400)
    assert all(len(p) <= 400 for p in pages)
    assert pages[0] == "начало"
    assert "<b>" not in pages[1] and pages[1].endswith("&amp;…")
    assert pages[-1].endswith("конец")


def test_digest_text() -> None:
    monday = date(2023, 6, 26)
    pages = render_digest_text(digest(scenario.data(), monday), monday, "ru")
    text = "\n".join(pages)
    _assert_telegram_html(text)
    assert text.startswith("<b>Неделя 26 июня — 2 июля</b>")
    assert "1.1 Утверждение плана — до 30 июня; Иванов И.И." in text
    assert "2.1 Курсы повышения квалификации — просрочено на 118 дней" in text
    assert "<b>Отчёты за неделю</b>\n<i>нет</i>" in text

    earlier = render_digest_text(
        digest(scenario.data(), date(2023, 6, 19)), date(2023, 6, 19), "en"
    )
    text = "\n".join(earlier)
    assert "<b>Due this week</b>\n<i>none</i>" in text
    assert "2.2 Отчёт в министерство — done (Сидорова А.А., 14 June)" in text


def test_deadlines_still_to_be_set_come_first() -> None:
    pending = measure("4.1", "Анализ сайта", persons={1: "Бобров В.С."})
    pending.deadline_unclear = True
    dated = measure("4.2", "Отчёт", persons={1: "Бобров В.С."})
    data = summary_data(
        [
            occurrence(dated, date(2023, 5, 31)),
            occurrence(pending, date(2024, 12, 31), start=date(2022, 1, 1), is_span=True),
        ]
    )
    summary = compute_summary(data, TODAY)
    assert [m.number for m in summary.unclear] == ["4.1"]
    text = "\n".join(render_summary_text(summary, "ru"))
    assert "Срок уточняется: 1" in text and "4.1 Анализ сайта; Бобров В.С." in text
    assert text.index("Срок уточняется") < text.index("Сроков в периоде")
    plain = compute_summary(summary_data([occurrence(dated, date(2023, 5, 31))]), TODAY)
    assert plain.unclear == () and "уточняется" not in "\n".join(render_summary_text(plain, "ru"))


def test_the_digest_keeps_its_title_and_names_the_shares_it_holds() -> None:
    monday = date(2023, 6, 19)
    result = replace(
        digest(scenario.data(), monday),
        shares=(ShareOf("План мероприятий округа", "Управление образования"),),
    )
    assert result.reported  # a report this week: its title once replaced the week's
    text = "\n".join(render_digest_text(result, monday, "ru"))
    _assert_telegram_html(text)
    assert text.startswith(
        "<b>Неделя 19 июня — 25 июня</b>\nВключая ваши мероприятия плана «План мероприятий"
        " округа» (Управление образования)\n"
    ), text
    plain = "\n".join(render_digest_text(digest(scenario.data(), monday), monday, "en"))
    assert plain.startswith("<b>Week 19 June — 25 June</b>\n\n"), plain


def test_a_municipal_summary_gives_its_part_of_the_parent_plan_apart() -> None:
    data = scenario.data()
    today = date(2023, 6, 15)
    share = parent_share(data, [ShareOf("Региональный план", "Министерство")], today)
    figures = replace(municipal_summary(replace(data, occurrences=()), today), parent_share=share)
    text = "\n".join(render_municipal_summary_text(figures, "ru"))
    _assert_telegram_html(text)
    part = text.split("<b>Свои мероприятия в плане «Региональный план» (Министерство)</b>")[1]
    totals = share.totals
    assert totals.due and totals.overdue
    assert f"Выполнено: {totals.done} из {totals.due} ({totals.percent}%)" in part
    assert f"Просрочено: {totals.overdue}" in part
    assert "2.1 Курсы повышения квалификации" in part
    # Nothing of its own plan in the period: the part of the parent's plan still shows.
    assert "В этом периоде сроков нет." in text.split("Свои мероприятия")[0]
