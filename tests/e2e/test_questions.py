"""Questions in plain Russian, through the fake Bot API, against the real gymnasium sample.

The organisation is seeded with sample 000 (the gymnasium's 2022-2024 plan) and the clock
stands at 16 May 2022, inside the plan period. Every expected list of measures is computed
here from the parsed sample, not from the database or the bot's own code.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from bot.roadmap import parse_text
from bot.roadmap.model import ParsedRoadmap, ScheduleKind
from tests.e2e.conftest import RunningBot
from tests.e2e.seed import SMALL_PLAN, seed_organisation
from tests.fake_telegram import ChatMessage, FakeUser

SAMPLE = "000_e27fd93dde372018.txt"
TODAY = date(2022, 5, 16)  # START_MOMENT in Kaliningrad
COORDINATOR_ID = 7001  # Лисичкина Г.А.
BOBROV_ID = 7002
SPANS = {ScheduleKind.CONTINUOUS, ScheduleKind.ON_REQUEST}
# A measure line as the phone shows it: status mark, number, title.
ITEM_RE = re.compile(r"^([⏳✅❗◐↪✖]) (\S+) ", re.MULTILINE)
PAGE_LIMIT = 4096
MAX_REPORT_BUTTONS = 10


@pytest.fixture
def plan(samples_dir: Path) -> str:
    return (samples_dir / SAMPLE).read_text(encoding="utf-8")


@pytest.fixture
def parsed(plan: str) -> ParsedRoadmap:
    return parse_text(plan)


@pytest.fixture
async def bot(running_bot: RunningBot, plan: str) -> RunningBot:
    await seed_organisation(
        running_bot.app.session_factory,
        running_bot.clock.now(),
        plan_text=plan,
        linked={"Бобров В.С.": BOBROV_ID},
        plan_reminders=False,
    )
    return running_bot


# --- expectations from the parsed sample -----------------------------------------------------


def expected(
    parsed: ParsedRoadmap,
    *,
    person: str | None = None,
    start: date | None = None,
    end: date | None = None,
    overdue: bool = False,
    number: str | None = None,
    title_has: str | None = None,
) -> Counter[str]:
    """Measure numbers, once per window, that the question should list."""
    found: Counter[str] = Counter()
    for measure in parsed.measures:
        if person is not None and person not in measure.persons:
            continue
        if number is not None and measure.number != number:
            continue
        if title_has is not None and title_has.lower() not in measure.title.lower():
            continue
        for window in measure.schedule.windows:
            if start is not None and window.due < start:
                continue
            if end is not None and window.start > end:
                continue
            if overdue and (measure.schedule.kind in SPANS or window.due >= TODAY):
                continue
            found[measure.number or ""] += 1
    return found


# --- talking to the bot ----------------------------------------------------------------------


def listed(message: ChatMessage) -> Counter[str]:
    return Counter(number for _mark, number in ITEM_RE.findall(message.text or ""))


def marks(message: ChatMessage) -> set[str]:
    return {mark for mark, _number in ITEM_RE.findall(message.text or "")}


def buttons_with(message: ChatMessage, prefix: str) -> list[dict]:
    return [b for b in message.buttons if b.get("callback_data", "").startswith(prefix)]


async def ask(user: FakeUser, text: str) -> ChatMessage:
    await user.send_text(text)
    return await user.wait_for_message()


async def all_pages(user: FakeUser, first: ChatMessage) -> list[ChatMessage]:
    """The first page and every page "ещё" brings, each checked against Telegram's limits."""
    pages = [first]
    while True:
        page = pages[-1]
        assert len(page.source_text or page.text or "") <= PAGE_LIMIT
        report_buttons = buttons_with(page, "rep:")
        assert len(report_buttons) == sum(listed(page).values()) <= MAX_REPORT_BUTTONS
        more = buttons_with(page, "pg:")
        if not more:
            return pages
        await user.press(page, more[0]["callback_data"])
        pages.append(await user.wait_for_message())
        assert len(pages) < 30, "paging does not end"


def listed_in(pages: list[ChatMessage]) -> Counter[str]:
    total: Counter[str] = Counter()
    for page in pages:
        total += listed(page)
    return total


# --- the questions ---------------------------------------------------------------------------


async def test_an_officer_gets_exactly_their_may_items_over_several_pages(
    bot: RunningBot, parsed: ParsedRoadmap
) -> None:
    bobrov = bot.tg.user(BOBROV_ID, language_code="ru")
    first = await ask(bobrov, "что у меня в мае")
    pages = await all_pages(bobrov, first)
    want = expected(parsed, person="Бобров В.С.", start=date(2022, 5, 1), end=date(2022, 5, 31))
    assert len(want) > 10  # a long answer: it has to be paged
    assert len(pages) > 1
    assert listed_in(pages) == want
    # Nothing overdue is due in May; the April measures are out of this period.
    assert "5" not in want and "6" not in want
    report_ids = [b["callback_data"] for p in pages for b in buttons_with(p, "rep:")]
    assert len(report_ids) == len(set(report_ids)) == sum(want.values())
    assert bot.tg.failed_calls == []


async def test_a_coordinator_asks_about_bobrov_in_september(
    bot: RunningBot, parsed: ParsedRoadmap
) -> None:
    coordinator = bot.tg.user(COORDINATOR_ID, language_code="ru")
    pages = await all_pages(coordinator, await ask(coordinator, "что у Боброва в сентябре"))
    want = expected(parsed, person="Бобров В.С.", start=date(2022, 9, 1), end=date(2022, 9, 30))
    assert listed_in(pages) == want
    assert "1.3.4" in want  # «Ежегодно сентябрь»
    # Asked about someone else, the coordinator sees who is responsible.
    assert "Бобров В.С." in pages[0].text
    assert bot.tg.failed_calls == []


async def test_what_is_overdue_for_an_officer_and_for_the_coordinator(
    bot: RunningBot, parsed: ParsedRoadmap
) -> None:
    bobrov = bot.tg.user(BOBROV_ID, language_code="ru")
    coordinator = bot.tg.user(COORDINATOR_ID, language_code="ru")

    own = await all_pages(bobrov, await ask(bobrov, "что просрочено"))
    want_own = expected(parsed, person="Бобров В.С.", overdue=True)
    assert want_own and listed_in(own) == want_own
    assert {m for page in own for m in marks(page)} == {"❗"}

    everyone = await all_pages(coordinator, await ask(coordinator, "что просрочено"))
    want_all = expected(parsed, overdue=True)
    assert listed_in(everyone) == want_all
    assert set(want_all) > set(want_own)  # Воропаева's February measures are late too

    command = await all_pages(bobrov, await ask(bobrov, "/overdue"))
    assert listed_in(command) == want_own
    assert bot.tg.failed_calls == []


async def test_my_command_lists_this_month_and_overdue(
    bot: RunningBot, parsed: ParsedRoadmap
) -> None:
    bobrov = bot.tg.user(BOBROV_ID, language_code="ru")
    pages = await all_pages(bobrov, await ask(bobrov, "/my"))
    may = expected(parsed, person="Бобров В.С.", start=date(2022, 5, 1), end=date(2022, 5, 31))
    late = expected(parsed, person="Бобров В.С.", overdue=True)
    assert listed_in(pages) == may + late
    assert bot.tg.failed_calls == []


async def test_show_a_measure_by_number(bot: RunningBot, parsed: ParsedRoadmap) -> None:
    coordinator = bot.tg.user(COORDINATOR_ID, language_code="ru")
    bobrov = bot.tg.user(BOBROV_ID, language_code="ru")

    shown = await ask(coordinator, "покажи 1.1.2")
    want = expected(parsed, number="1.1.2")
    assert sum(want.values()) == 3  # yearly in 2022, 2023 and 2024
    assert listed(shown) == want
    assert len(buttons_with(shown, "rep:")) == 3
    assert "Воропаева Е.В., Изотова А.И." in shown.text

    # 1.1.2 is not Бобров's: an officer sees only their own measures.
    hidden = await ask(bobrov, "покажи 1.1.2")
    assert listed(hidden) == Counter()
    assert "Проведение процедур" not in hidden.text
    assert buttons_with(hidden, "rep:") == []
    assert bot.tg.failed_calls == []


@pytest.mark.parametrize(
    ("question", "word"), [("что по ВПР", "ВПР"), ("всё про олимпиаду", "олимпиад")]
)
async def test_search_by_topic(
    bot: RunningBot, parsed: ParsedRoadmap, question: str, word: str
) -> None:
    coordinator = bot.tg.user(COORDINATOR_ID, language_code="ru")
    pages = await all_pages(coordinator, await ask(coordinator, question))
    want = expected(parsed, title_has=word)
    assert want and listed_in(pages) == want
    assert bot.tg.failed_calls == []


async def test_an_empty_answer_offers_the_nearest_month(
    bot: RunningBot, parsed: ParsedRoadmap
) -> None:
    bobrov = bot.tg.user(BOBROV_ID, language_code="ru")
    empty = await ask(bobrov, "что у меня в марте 2025")
    assert listed(empty) == Counter()
    assert "декабрь 2024" in empty.text  # the plan ends in December 2024
    hint = buttons_with(empty, "qp:")
    assert len(hint) == 1 and "декабрь 2024" in hint[0]["text"]

    await bobrov.press(empty, hint[0]["callback_data"])
    december = await all_pages(bobrov, await bobrov.wait_for_message())
    want = expected(parsed, person="Бобров В.С.", start=date(2024, 12, 1), end=date(2024, 12, 31))
    assert want and listed_in(december) == want
    assert bot.tg.failed_calls == []


async def test_unknown_text_offers_three_examples_that_answer(
    bot: RunningBot, parsed: ParsedRoadmap
) -> None:
    bobrov = bot.tg.user(BOBROV_ID, language_code="ru")
    reply = await ask(bobrov, "ывапролд")
    examples = buttons_with(reply, "ex:")
    assert len(examples) == 3 == len(reply.buttons)
    assert listed(reply) == Counter()

    # The second example asks what is overdue.
    await bobrov.press(reply, examples[1]["callback_data"])
    answer = await all_pages(bobrov, await bobrov.wait_for_message())
    assert listed_in(answer) == expected(parsed, person="Бобров В.С.", overdue=True)

    # The first asks for this month.
    await bobrov.press(reply, examples[0]["callback_data"])
    month = await all_pages(bobrov, await bobrov.wait_for_message())
    assert listed_in(month) == expected(
        parsed, person="Бобров В.С.", start=date(2022, 5, 1), end=date(2022, 5, 31)
    )
    assert bot.tg.failed_calls == []


async def test_help_smalltalk_and_summary_questions(bot: RunningBot) -> None:
    coordinator = bot.tg.user(COORDINATOR_ID, language_code="ru")
    bobrov = bot.tg.user(BOBROV_ID, language_code="ru")
    assert "Что я умею" in (await ask(bobrov, "помощь")).text
    hello = await ask(bobrov, "привет")
    assert listed(hello) == Counter() and hello.buttons == []
    # A coordinator's summary question is answered with the summary itself.
    assert (
        "Исполнение плана за апрель 2022 года" in (await ask(coordinator, "сводка за апрель")).text
    )
    await coordinator.wait_for_message(lambda m: m.photo is not None)  # its charts
    await coordinator.wait_for_message(lambda m: m.photo is not None)
    assert "Сроков в периоде" in (await ask(coordinator, "кто не отчитался")).text
    await coordinator.wait_for_message(lambda m: m.photo is not None)
    await coordinator.wait_for_message(lambda m: m.photo is not None)
    # Officers are pointed to their own lists instead.
    assert "/my" in (await ask(bobrov, "сводка за апрель")).text
    assert bot.tg.failed_calls == []


async def test_an_officer_asking_about_a_colleague_sees_only_shared_measures(
    bot: RunningBot, parsed: ParsedRoadmap
) -> None:
    bobrov = bot.tg.user(BOBROV_ID, language_code="ru")
    pages = await all_pages(bobrov, await ask(bobrov, "что у Потапенко"))
    shared = Counter(
        {
            number: count
            for number, count in expected(parsed, person="Потапенко С.М.").items()
            if number in expected(parsed, person="Бобров В.С.")
        }
    )
    assert shared and listed_in(pages) == shared
    # 1.2.11 and 2.2.10 are Потапенко's alone.
    assert "1.2.11" not in listed_in(pages) and "2.2.10" not in listed_in(pages)

    # Быков shares nothing with Бобров: a refusal, no list.
    refused = await ask(bobrov, "что у Быкова")
    assert listed(refused) == Counter()
    assert "Быков" in refused.text
    # The refusal (English until the lead merges the Russian texts), not a plain "nothing".
    assert "share" in refused.text or "ответственный" in refused.text
    assert bot.tg.failed_calls == []


async def test_another_organisation_sees_nothing_of_this_one(
    bot: RunningBot, parsed: ParsedRoadmap
) -> None:
    await seed_organisation(
        bot.app.session_factory,
        bot.clock.now(),
        name="МБОУ СОШ №2",
        plan_text=SMALL_PLAN,
        coordinator=("Петрова Н.Н.", 8001),
        linked={"Бобров В.С.": 8002},
        plan_reminders=False,
    )
    namesake = bot.tg.user(8002, language_code="ru")  # another Бобров В.С., another school
    other_coordinator = bot.tg.user(8001, language_code="ru")
    gymnasium = set(expected(parsed))

    vpr = await all_pages(namesake, await ask(namesake, "что по ВПР"))
    assert set(listed_in(vpr)) == {"1.2"}  # «Анализ результатов ВПР» of the small plan

    mine = await all_pages(namesake, await ask(namesake, "что у меня в мае"))
    assert set(listed_in(mine)) == {"1.2"}  # «ежегодно, май»; 1.4 is in June

    number = await ask(other_coordinator, "покажи 1.1.2")
    assert listed(number) == Counter()
    olympiad = await all_pages(
        other_coordinator, await ask(other_coordinator, "всё про олимпиаду")
    )
    assert set(listed_in(olympiad)) == {"1.3"}
    late = await all_pages(other_coordinator, await ask(other_coordinator, "что просрочено"))
    assert listed_in(late) == expected(parse_text(SMALL_PLAN), overdue=True)
    assert not set(listed_in(late)) & gymnasium
    assert bot.tg.failed_calls == []


# --- the plain question's lane (handlers.shortcuts.PlainQuestionLane) ------------------------


async def test_a_plain_question_is_answered_in_the_askers_language(bot: RunningBot) -> None:
    bobrov = bot.tg.user(BOBROV_ID, language_code="en")
    answer = await ask(bobrov, "что у меня в мае")
    assert answer.text.startswith("Your measures")
    assert bot.tg.failed_calls == []


async def test_a_failure_answering_a_plain_question_reaches_the_error_handler(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import handlers.questions

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(handlers.questions, "_answer", broken)
    bobrov = bot.tg.user(BOBROV_ID, language_code="ru")
    answer = await ask(bobrov, "что у меня в мае")
    assert answer.text == "Что-то пошло не так, попробуйте ещё раз."
    assert "Traceback" not in answer.text and "database" not in answer.text
