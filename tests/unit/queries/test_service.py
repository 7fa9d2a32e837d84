"""Answering questions: access rules, overdue spans, hints; and the rendering of answers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.errors import AccessDenied
from bot.queries.answer import MeasureItem
from bot.queries.model import Query
from bot.queries.parse import parse_query
from bot.queries.service import Answer, answer_question, item_state, my_measures
from bot.roadmap.model import Schedule, ScheduleKind, Window
from bot.services import Identity
from handlers import questions_views as qv
from handlers.middlewares.i18n import build_i18n
from storage.models import Role, UnitMember
from storage.uow import UnitOfWork
from tests.factories import make_measure, make_roadmap, once
from tests.fake_telegram import parse_html

NOW = datetime(2022, 5, 16, 6, 0, tzinfo=UTC)
TODAY = date(2022, 5, 16)


PLAN = make_roadmap(
    [
        make_measure("1.1", "Анализ результатов ВПР", persons=["Воропаева Е.В."]),
        make_measure(
            "1.2",
            "Школьная олимпиада",
            persons=["Бобров В.С."],
            schedule=once(date(2022, 4, 1), date(2022, 4, 30)),
        ),
        make_measure(
            "1.3",
            "Сверка данных",
            units=["МОУО"],
            schedule=once(date(2022, 9, 1), date(2022, 9, 30)),
        ),
        # A span whose end has passed: checked in on, never "overdue".
        make_measure(
            "1.4",
            "Информирование родителей",
            persons=["Бобров В.С.", "Воропаева Е.В."],
            schedule=Schedule(
                kind=ScheduleKind.CONTINUOUS, windows=[Window(date(2022, 1, 1), date(2022, 3, 31))]
            ),
        ),
        make_measure(
            "1.5",
            "Мониторинг",
            persons=["Изотова А.И."],
            schedule=once(date(2022, 6, 1), date(2022, 6, 30)),
        ),
    ]
)


async def _setup(session_factory) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from bot.imports import store_roadmap

    async with UnitOfWork(session_factory) as uow:
        school = await uow.organisations.add(name="Гимназия", timezone="Europe/Moscow", now=NOW)
        other = await uow.organisations.add(name="Школа", timezone="Europe/Moscow", now=NOW)
        await store_roadmap(uow, organisation_id=school.id, parsed=PLAN, now=NOW)
        await store_roadmap(
            uow,
            organisation_id=other.id,
            parsed=make_roadmap([make_measure("1.2", "Чужое", persons=["Бобров В.С."])]),
            now=NOW,
        )
        people = await uow.roadmaps.people_by_name(school.id)
        others = await uow.roadmaps.people_by_name(other.id)
        membership = await uow.people.membership(school.id, people["Воропаева Е.В."].id)
        assert membership is not None
        membership.role = Role.COORDINATOR.value
        await uow.commit()
        ids = {name: person.id for name, person in people.items()}
        ids["school"], ids["other"] = school.id, other.id
        ids["other Бобров"] = others["Бобров В.С."].id
        return ids


async def _identity(uow: UnitOfWork, organisation_id: int, person_id: int) -> Identity:
    person = await uow.people.get(person_id)
    membership = await uow.people.membership(organisation_id, person_id)
    organisation = await uow.organisations.get(organisation_id)
    return Identity(
        telegram_user_id=1, person=person, membership=membership, organisation=organisation
    )


async def _ask(session_factory, organisation_id: int, person_id: int, text: str) -> Answer:  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        identity = await _identity(uow, organisation_id, person_id)
        return await answer_question(uow, identity, text, now=NOW)


def numbers(answer: Answer) -> list[str | None]:
    return [item.number for item in answer.items]


async def test_overdue_leaves_out_spans_and_other_peoples_measures(session_factory) -> None:  # type: ignore[no-untyped-def]
    ids = await _setup(session_factory)
    officer = await _ask(session_factory, ids["school"], ids["Бобров В.С."], "что просрочено")
    assert numbers(officer) == ["1.2"]
    assert officer.scoped and officer.states[officer.items[0].occurrence_id] == "overdue"
    coordinator = await _ask(
        session_factory, ids["school"], ids["Воропаева Е.В."], "что просрочено"
    )
    assert numbers(coordinator) == ["1.2"] and not coordinator.scoped


async def test_an_officer_sees_only_what_they_share_with_a_colleague(session_factory) -> None:  # type: ignore[no-untyped-def]
    ids = await _setup(session_factory)
    shared = await _ask(session_factory, ids["school"], ids["Бобров В.С."], "что у Воропаевой")
    assert numbers(shared) == ["1.4"] and not shared.refused
    refused = await _ask(session_factory, ids["school"], ids["Бобров В.С."], "что у Изотовой")
    assert refused.empty and refused.refused
    allowed = await _ask(session_factory, ids["school"], ids["Воропаева Е.В."], "что у Изотовой")
    assert numbers(allowed) == ["1.5"] and not allowed.refused


async def test_by_number_respects_access(session_factory) -> None:  # type: ignore[no-untyped-def]
    ids = await _setup(session_factory)
    officer = await _ask(session_factory, ids["school"], ids["Бобров В.С."], "покажи 1.1")
    assert officer.empty and officer.scoped
    coordinator = await _ask(session_factory, ids["school"], ids["Воропаева Е.В."], "покажи 1.1")
    assert numbers(coordinator) == ["1.1", "1.1", "1.1"]


async def test_units_make_measures_ones_own(session_factory) -> None:  # type: ignore[no-untyped-def]
    ids = await _setup(session_factory)
    before = await _ask(
        session_factory, ids["school"], ids["Бобров В.С."], "что у меня в сентябре"
    )
    assert before.empty
    async with UnitOfWork(session_factory) as uow:
        units = await uow.roadmaps.units_by_name(ids["school"])
        uow.session.add(UnitMember(unit_id=units["МОУО"].id, person_id=ids["Бобров В.С."]))
        await uow.commit()
    after = await _ask(session_factory, ids["school"], ids["Бобров В.С."], "что у меня в сентябре")
    assert numbers(after) == ["1.3"]


async def test_another_organisation_is_never_read(session_factory) -> None:  # type: ignore[no-untyped-def]
    ids = await _setup(session_factory)
    # The other school's Бобров В.С. is another person with only that school's plan.
    answer = await _ask(session_factory, ids["other"], ids["other Бобров"], "что по олимпиаде")
    assert answer.empty
    late = await _ask(session_factory, ids["other"], ids["other Бобров"], "что просрочено")
    assert late.empty


async def test_an_empty_period_hints_at_the_nearest_month(session_factory) -> None:  # type: ignore[no-untyped-def]
    ids = await _setup(session_factory)
    answer = await _ask(
        session_factory, ids["school"], ids["Бобров В.С."], "что у меня в марте 2025"
    )
    assert answer.empty and answer.period == (date(2025, 3, 1), date(2025, 3, 31))
    assert answer.hint == (date(2022, 4, 1), date(2022, 4, 30))


async def test_my_lists_this_month_and_overdue(session_factory) -> None:  # type: ignore[no-untyped-def]
    ids = await _setup(session_factory)
    async with UnitOfWork(session_factory) as uow:
        bobrov = await my_measures(
            uow, await _identity(uow, ids["school"], ids["Бобров В.С."]), now=NOW
        )
        voropaeva = await my_measures(
            uow, await _identity(uow, ids["school"], ids["Воропаева Е.В."]), now=NOW
        )
    assert numbers(bobrov) == ["1.2"]
    assert numbers(voropaeva) == ["1.1"]  # May 2022; the ended span is not overdue


async def test_fixed_intents_and_strangers(session_factory) -> None:  # type: ignore[no-untyped-def]
    ids = await _setup(session_factory)
    for text, intent in [
        ("помощь", "help"),
        ("сводка за апрель", "summary"),
        ("кто не отчитался", "not_reported"),
        ("ывапролд", "unknown"),
    ]:
        answer = await _ask(session_factory, ids["school"], ids["Бобров В.С."], text)
        assert answer.intent == intent and answer.empty and not answer.lists_items
    thanks = await _ask(session_factory, ids["school"], ids["Бобров В.С."], "спасибо")
    hello = await _ask(session_factory, ids["school"], ids["Бобров В.С."], "привет")
    assert (thanks.intent, thanks.thanks, hello.thanks) == ("smalltalk", True, False)
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(AccessDenied):
            await answer_question(uow, Identity(telegram_user_id=1, is_admin=True), "x", now=NOW)


def _item(
    oid: int, status: str = "open", due: date = date(2022, 5, 31), **kw: object
) -> MeasureItem:
    fields: dict = {"number": f"1.{oid}", "title": "Мероприятие", "section": None}
    fields.update(kw)
    return MeasureItem(
        occurrence_id=oid,
        measure_id=oid,
        window_start=date(2022, 5, 1),
        due=due,
        status=status,
        **fields,
    )


@pytest.mark.parametrize(
    ("status", "due", "is_span", "state"),
    [
        ("open", date(2022, 5, 31), False, "open"),
        ("open", date(2022, 5, 15), False, "overdue"),
        ("open", date(2022, 5, 16), False, "open"),  # due today is not late yet
        ("open", date(2022, 5, 15), True, "open"),
        ("done", date(2022, 5, 15), False, "done"),
        ("partial", date(2022, 5, 31), False, "partial"),
        ("partial", date(2022, 5, 1), False, "overdue"),
        ("postponed", date(2022, 6, 30), False, "postponed"),
        ("not_done", date(2022, 6, 30), False, "not_done"),
    ],
)
def test_item_state(status: str, due: date, is_span: bool, state: str) -> None:
    assert item_state(_item(1, status, due), TODAY, is_span=is_span) == state


# --- rendering -------------------------------------------------------------------------------


@pytest.fixture
def ru():  # type: ignore[no-untyped-def]
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("ru"):
        yield i18n


def _long_answer(count: int) -> Answer:
    items = [
        _item(
            i,
            due=date(2022, 5 + i % 3, 28),
            title=f"<script> & «длинное» название мероприятия номер {i} " * 6,
            persons=["Бобров В.С.", "Воропаева <Е.В.>"],
        )
        for i in range(count)
    ]
    items.sort(key=lambda i: (i.due, i.occurrence_id))
    groups: dict[date, list[MeasureItem]] = {}
    for item in items:
        groups.setdefault(item.due, []).append(item)
    return Answer(
        "search",
        Query("search", topic="<b>"),
        TODAY,
        items=items,
        groups=list(groups.items()),
        states={i.occurrence_id: "open" for i in items},
    )


def test_pages_stay_within_telegram_limits_and_escape_html(ru) -> None:  # type: ignore[no-untyped-def]
    answer = _long_answer(57)
    pages = qv.answer_pages(answer, "ru")
    assert len(pages) == 6
    seen = [item.occurrence_id for page in pages for item in page.items]
    assert sorted(seen) == list(range(57))  # every item once, in due order across pages
    for index, page in enumerate(pages):
        assert 0 < len(page.items) <= qv.PAGE_ITEMS
        text, _entities = parse_html(page.text)  # raises on broken HTML
        assert len(page.text) <= 4096
        assert "<script>" in text and "<b>" in text  # shown as typed, not as markup
        markup = qv.page_markup(answer, page, index=index, total=len(pages), key="7", locale="ru")
        assert markup is not None
        data = [b.callback_data for row in markup.inline_keyboard for b in row]
        assert [d for d in data if d.startswith("rep:")] == [
            f"rep:{item.occurrence_id}" for item in page.items
        ]
        assert ("pg:7:" + str(index + 1) in data) == (index + 1 < len(pages))
        assert all(len(d.encode()) <= 64 for d in data)


def test_an_empty_answer_has_its_hint_button(ru) -> None:  # type: ignore[no-untyped-def]
    answer = Answer(
        "my_items",
        Query("my_items", person="me"),
        TODAY,
        period=(date(2025, 3, 1), date(2025, 3, 31)),
        hint=(date(2024, 12, 1), date(2024, 12, 31)),
        scoped=True,
    )
    [page] = qv.answer_pages(answer, "ru")
    assert page.items == [] and "декабрь 2024" in page.text and "март 2025" in page.text.lower()
    markup = qv.page_markup(answer, page, index=0, total=1, key="3", locale="ru")
    assert markup is not None
    [[button]] = markup.inline_keyboard
    assert button.callback_data == (
        f"qp:3:{date(2024, 12, 1).toordinal()}:{date(2024, 12, 31).toordinal()}"
    )


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_example_questions_are_understood(locale: str) -> None:
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale(locale):
        examples = qv.example_questions()
    for questions in [examples]:
        queries = [parse_query(q, today=TODAY) for q in questions]
        assert [q.intent for q in queries] == ["my_items", "overdue", "my_items"]
        assert (queries[0].period_start, queries[0].period_end) == (
            date(2022, 5, 1),
            date(2022, 5, 31),
        )
        assert queries[2].period_start == date(2022, 5, 16)


WEEK_PLAN = make_roadmap(
    [
        # Due this week (16–22 May 2022).
        make_measure("2.1", "Отчёт по ВСОКО", persons=["Бобров В.С."],
                     schedule=once(date(2022, 5, 1), date(2022, 5, 18))),
        # Opens this week.
        make_measure("2.2", "Подготовка к ОГЭ", persons=["Бобров В.С."],
                     schedule=once(date(2022, 5, 20), date(2022, 6, 10))),
        # A long window that merely runs through the week: not "this week".
        make_measure("2.3", "Информирование родителей", persons=["Бобров В.С."],
                     schedule=Schedule(kind=ScheduleKind.CONTINUOUS,
                                       windows=[Window(date(2022, 1, 1), date(2024, 12, 31))])),
        # Overdue from before: said apart.
        make_measure("2.4", "Анализ всероссийских проверочных работ", persons=["Бобров В.С."],
                     schedule=once(date(2022, 4, 1), date(2022, 4, 30))),
        # Monthly: one measure, many deadlines.
        make_measure("2.5", "Мониторинг посещаемости", persons=["Бобров В.С."],
                     schedule=Schedule(kind=ScheduleKind.RECURRING, windows=[
                         Window(date(2022, m, 1), date(2022, m, 25)) for m in range(1, 13)])),
    ],
    title="План на 2022 год",
    period=(2022, 2022),
)  # fmt: skip


async def _week_setup(session_factory) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from bot.imports import store_roadmap

    async with UnitOfWork(session_factory) as uow:
        school = await uow.organisations.add(name="Лицей", timezone="Europe/Moscow", now=NOW)
        await store_roadmap(uow, organisation_id=school.id, parsed=WEEK_PLAN, now=NOW)
        people = await uow.roadmaps.people_by_name(school.id)
        await uow.commit()
        return {"school": school.id, "Бобров В.С.": people["Бобров В.С."].id}


async def test_this_week_is_what_is_due_or_opens_in_it_and_overdue_apart(session_factory) -> None:  # type: ignore[no-untyped-def]
    ids = await _week_setup(session_factory)
    answer = await _ask(
        session_factory, ids["school"], ids["Бобров В.С."], "что у меня на этой неделе"
    )
    assert sorted(numbers(answer)) == ["2.1", "2.2"]  # not the span 2.3 running through it
    # Overdue from before: April's 2.4 and the monthly 2.5's four past deadlines.
    assert sorted(i.number or "" for i in answer.overdue) == ["2.4", *["2.5"] * 4]
    assert {answer.states[i.occurrence_id] for i in answer.overdue} == {"overdue"}
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("ru"):
        text = qv.answer_pages(answer, "ru")[0].text
    assert text.index("просрочено") < text.index("Отчёт по ВСОКО")
    parse_html(text)


async def test_a_month_outside_the_plan_is_not_chosen(session_factory) -> None:  # type: ignore[no-untyped-def]
    ids = await _week_setup(session_factory)
    # On 16 May 2022 "в январе" could be January 2023, but the plan is for 2022.
    answer = await _ask(session_factory, ids["school"], ids["Бобров В.С."], "что у меня в январе")
    assert answer.period == (date(2022, 1, 1), date(2022, 1, 31))


async def test_an_abbreviation_finds_its_expansion(session_factory) -> None:  # type: ignore[no-untyped-def]
    ids = await _week_setup(session_factory)
    answer = await _ask(session_factory, ids["school"], ids["Бобров В.С."], "что по ВПР")
    assert numbers(answer) == ["2.4"]
    answer = await _ask(session_factory, ids["school"], ids["Бобров В.С."], "что по ГИА")
    assert numbers(answer) == ["2.2"]


async def test_one_measure_with_many_deadlines_is_one_measure(session_factory) -> None:  # type: ignore[no-untyped-def]
    ids = await _week_setup(session_factory)
    answer = await _ask(session_factory, ids["school"], ids["Бобров В.С."], "покажи 2.5")
    assert len(answer.items) == 12
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("ru"):
        text = qv.answer_pages(answer, "ru")[0].text
    assert "1 мероприятие, 12 сроков" in text
