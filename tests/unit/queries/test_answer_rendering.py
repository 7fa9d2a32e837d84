"""Answers render to the very bytes they rendered before the rendering was made cheaper.

`tests/fixtures/answer_rendering.json` holds the text and keyboard of every page (and of the
page after the last) of answers of many shapes, in Russian and English, as the rendering
before issue 12's speed-up produced them. The keyboards are compared as Telegram receives
them (every field that is not None). Pages in the middle of a long answer are kept as a
SHA-256 of the same JSON, to keep the file small. Regenerate only for an intended change of
wording:

    .venv/bin/python -m tests.unit.queries.test_answer_rendering
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.queries.answer import MeasureItem
from bot.queries.model import Query
from bot.queries.service import MY_INTENT, Answer
from handlers import questions_views as qv
from handlers.middlewares.i18n import build_i18n

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "answer_rendering.json"
TODAY = date(2022, 5, 16)
MAY = (date(2022, 5, 1), date(2022, 5, 31))
STATES = ["open", "done", "overdue", "partial", "postponed", "not_done", "no_report"]
TITLES = [
    "Анализ результатов ВПР",
    "<script> & «длинное» название\nмероприятия   с  пробелами " * 5,
    "Совещание при директоре по итогам & <проверки>",
    "Short English title",
    "  ",
    "<&>" * 60,  # quoted four- or fivefold: pages fill up before their ten items
]
PERSONS = [
    [],
    ["Бобров В.С."],
    ["Воропаева <Е.В.>", "Изотова А.И."],
    ["Иванов " * 30],
    ["<&>" * 50],
]
UNITS = [[], ["МОУО"], ["ОО & <школы>"]]


def _items(count: int, seed: int) -> list[MeasureItem]:
    """`count` items of every kind: with and without numbers, long and hostile titles,
    spans across years, unclear deadlines, one measure with several deadlines."""
    rng = random.Random(seed)
    items = []
    for oid in range(1, count + 1):
        measure_id = oid if oid % 7 else oid - 1  # every 7th: a second deadline of a measure
        due = date(2022, rng.choice([4, 5, 5, 5, 6]), rng.choice([1, 15, 15, 31 - 3]))
        start = rng.choice([due, date(2022, 1, 10), date(2021, 9, 1), date(2022, 6, 30)])
        number = rng.choice([f"{oid % 9}.{oid}", None, f"<{oid}>&", f"1.{measure_id}"])
        items.append(
            MeasureItem(
                occurrence_id=oid,
                measure_id=measure_id,
                number=number,
                title=rng.choice(TITLES) + (f" {oid}" if rng.random() < 0.5 else ""),
                section=None,
                window_start=start,
                due=due,
                status="open",
                persons=list(rng.choice(PERSONS)),
                units=list(rng.choice(UNITS)),
                unclear=rng.random() < 0.05,
            )
        )
    items.sort(key=lambda i: (i.due, i.occurrence_id))
    return items


def _answer(
    intent: str,
    query: Query,
    items: list[MeasureItem],
    *,
    overdue: int = 0,
    seed: int = 0,
    **fields: Any,
) -> Answer:
    rng = random.Random(seed)
    late = items[:overdue]
    listed = items[overdue:]
    groups: dict[date, list[MeasureItem]] = {}
    for item in listed:
        groups.setdefault(item.due, []).append(item)
    return Answer(
        intent,
        query,
        TODAY,
        items=listed,
        groups=list(groups.items()),
        states={i.occurrence_id: rng.choice(STATES) for i in items},
        overdue=late,
        **fields,
    )


@functools.cache
def _answers() -> dict[str, Answer]:
    return {
        "search_10": _answer("search", Query("search", topic="впр <b>"), _items(10, 1), seed=1),
        "search_10_in_2022": _answer(
            "search",
            Query("search", topic="отчёт"),
            _items(10, 2),
            seed=2,
            period=(date(2022, 1, 1), date(2022, 12, 31)),
        ),
        "my_300_overdue": _answer(
            MY_INTENT,
            Query("my_items", person="me"),
            _items(300, 3),
            overdue=25,
            seed=3,
            period=MAY,
            scoped=True,
        ),
        "my_items_week": _answer(
            "my_items",
            Query("my_items", person="me"),
            _items(40, 4),
            overdue=5,
            seed=4,
            period=(date(2022, 5, 16), date(2022, 5, 22)),
            scoped=True,
        ),
        "person_300": _answer(
            "person_items",
            Query("person_items", person="Бобров & <Ко>"),
            _items(300, 5),
            seed=5,
            period=MAY,
        ),
        "person_shared": _answer(
            "person_items",
            Query("person_items", person="Изотова"),
            _items(12, 6),
            seed=6,
            scoped=True,
        ),
        "by_number": _answer(
            "by_number",
            Query("by_number", number="1.<7>"),
            [i for i in _items(60, 7) if i.measure_id in (6, 7, 13, 14, 20, 21)],
            seed=7,
        ),
        "overdue_scoped": _answer(
            "overdue", Query("overdue", person="me"), _items(23, 8), seed=8, scoped=True
        ),
        "overdue_all": _answer("overdue", Query("overdue"), _items(11, 9), seed=9),
        "measures_all": _answer("my_items", Query("my_items"), _items(31, 10), seed=10),
        "measures_scoped": _answer(
            "my_items", Query("my_items"), _items(9, 11), seed=11, scoped=True
        ),
        "empty_my_hint": _answer(
            MY_INTENT,
            Query("my_items", person="me"),
            [],
            period=(date(2025, 3, 1), date(2025, 3, 31)),
            hint=(date(2024, 12, 1), date(2024, 12, 31)),
            scoped=True,
        ),
        "empty_period_hint": _answer(
            "my_items",
            Query("my_items", person="me"),
            [],
            period=(date(2022, 3, 7), date(2022, 3, 13)),
            hint=(date(2022, 4, 1), date(2022, 4, 30)),
            scoped=True,
        ),
        "empty_year": _answer(
            "person_items",
            Query("person_items", person="Бобров"),
            [],
            period=(date(2023, 1, 1), date(2023, 12, 31)),
        ),
        "empty_refused": _answer(
            "person_items",
            Query("person_items", person="<Изотова>"),
            [],
            scoped=True,
            refused=True,
        ),
        "empty_number_scoped": _answer(
            "by_number", Query("by_number", number="9.9"), [], scoped=True
        ),
        "empty_number": _answer("by_number", Query("by_number", number="9&9"), []),
        "empty_overdue": _answer("overdue", Query("overdue"), []),
        "empty_search": _answer("search", Query("search", topic="<ремонт>"), []),
        "empty_search_period_hint": _answer(
            "search",
            Query("search", topic="ремонт"),
            [],
            period=MAY,
            hint=(date(2022, 9, 1), date(2022, 9, 30)),
        ),
        "empty_plain": _answer("my_items", Query("my_items"), []),
    }


def _render(answer: Answer, locale: str, index: int, *, editable: bool) -> dict[str, Any]:
    """What `handlers.questions._respond` sends for page `index` of `answer`."""
    page, total = qv.answer_page(answer, locale, index)
    if page is None:
        return {"text": qv.no_more_pages(), "markup": None}
    # answer_pages, built on the same layout, agrees page for page.
    assert qv.answer_pages(answer, locale)[index] == page and total >= index + 1
    key = "17" if total > 1 or answer.hint is not None else None
    markup = qv.page_markup(
        answer, page, index=index, total=total, key=key, locale=locale, editable=editable
    )
    if markup is None and answer.empty and answer.intent == "search":
        markup = qv.examples_keyboard()
    return {"text": page.text, "markup": _wire(markup)}


def _wire(markup: InlineKeyboardMarkup | None) -> Any:
    """The keyboard as Telegram gets it: sent with a message, serialised by aiogram."""
    if markup is None:
        return None
    assert type(markup) is InlineKeyboardMarkup
    for row in markup.inline_keyboard:
        for button in row:
            assert type(button) is InlineKeyboardButton
    method = SendMessage(chat_id=1, text="-", reply_markup=markup)
    sent = AiohttpSession().prepare_value(method.reply_markup, bot=None, files={})  # type: ignore[arg-type]
    assert json.loads(sent) == markup.model_dump(exclude_none=True)
    return json.loads(sent)


# Only a measure asked by number shows coordinators more (its "fix" buttons).
COORDINATOR_TOO = ("by_number", "search_10", "empty_search", "empty_my_hint")
CASES = [
    (name, locale, editable)
    for name in _answers()
    for locale in ("ru", "en")
    for editable in ((False, True) if name in COORDINATOR_TOO else (False,))
]


def _case_id(name: str, locale: str, editable: bool) -> str:
    return f"{name}/{locale}/{'coordinator' if editable else 'officer'}"


def _rendered(name: str, locale: str, editable: bool) -> list[dict[str, Any]]:
    answer = _answers()[name]
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale(locale):
        _page, total = qv.answer_page(answer, locale, 0)
        found = [_render(answer, locale, index, editable=editable) for index in range(total + 1)]
    return [
        page if index < 3 or index >= total - 1 else {"sha256": _digest(page)}
        for index, page in enumerate(found)
    ]


def _digest(page: dict[str, Any]) -> str:
    dumped = json.dumps(page, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(dumped.encode()).hexdigest()


@pytest.fixture(scope="module")
def expected() -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def test_the_fixture_covers_the_shapes(expected: dict[str, list[dict[str, Any]]]) -> None:
    assert set(expected) == {_case_id(*case) for case in CASES}
    pages = {case: len(found) - 1 for case, found in expected.items()}
    assert pages["my_300_overdue/ru/officer"] > 20 and pages["person_300/en/officer"] > 20
    assert pages["search_10/ru/officer"] == 1
    texts = [page["text"] for found in expected.values() for page in found if "text" in page]
    assert any("&lt;script&gt;" in text for text in texts)
    # Pages cut by size (fewer than ten items, not the last page) as well as by count.
    assert max(len(text) for text in texts) > 3000
    first = expected["search_10_in_2022/ru/officer"][0]["markup"]["inline_keyboard"]
    reports = [b for row in first for b in row if b["callback_data"].startswith("rep:")]
    assert len(reports) < qv.PAGE_ITEMS and first[-1][0]["callback_data"] == "pg:17:1"
    buttons = [
        button["callback_data"]
        for found in expected.values()
        for page in found
        if page.get("markup")
        for row in page["markup"]["inline_keyboard"]
        for button in row
    ]
    for prefix in ("rep:", "pg:17:", "qp:17:", "ed:", "ex:"):
        assert any(data.startswith(prefix) for data in buttons), prefix
    labels = [
        button["text"]
        for found in expected.values()
        for page in found
        if page.get("markup")
        for row in page["markup"]["inline_keyboard"]
        for button in row
    ]
    assert any(" · " in label for label in labels)  # one measure twice on a page


@pytest.mark.parametrize(("name", "locale", "editable"), CASES, ids=[_case_id(*c) for c in CASES])
def test_answers_render_as_before(
    name: str, locale: str, editable: bool, expected: dict[str, list[dict[str, Any]]]
) -> None:
    found = _rendered(name, locale, editable)
    before = expected[_case_id(name, locale, editable)]
    assert len(found) == len(before)
    for page, (now, then) in enumerate(zip(found, before, strict=True)):
        assert now.get("text") == then.get("text"), f"page {page}"
        assert now.get("markup") == then.get("markup"), f"page {page}"
        assert now.get("sha256") == then.get("sha256"), f"page {page}"


def test_examples_keyboard_is_as_before(expected: dict[str, list[dict[str, Any]]]) -> None:
    # Built once per locale and shared: sending it twice sends the same keyboard.
    i18n = build_i18n()
    for locale in ("ru", "en"):
        with i18n.context(), i18n.use_locale(locale):
            first, second = _wire(qv.examples_keyboard()), _wire(qv.examples_keyboard())
        assert first == second == expected[f"empty_search/{locale}/officer"][0]["markup"]


def _write_fixture() -> None:
    data = {_case_id(*case): _rendered(*case) for case in CASES}
    FIXTURE.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    _write_fixture()


class _Capture(AiohttpSession):
    """Records the form each method would be posted as (aiogram's build_form_data)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[dict[str, Any]] = []

    async def make_request(self, bot: Any, method: Any, timeout: int | None = None) -> Any:
        files: dict[str, Any] = {}
        form = {
            key: prepared
            for key, value in method.model_dump(warnings=False).items()
            if (prepared := self.prepare_value(value, bot=bot, files=files))
        }
        self.sent.append({"method": method.__api_method__, "form": form})
        return None


@pytest.mark.parametrize("with_markup", [False, True])
async def test_answers_are_posted_as_send_message_posts_them(with_markup: bool) -> None:
    from bot.app import build_bot
    from bot.settings import Settings
    from handlers.questions import _send

    session = _Capture()
    bot = build_bot(Settings(_env_file=None, bot_token="1:TEST"), session)  # type: ignore[call-arg]
    answer = _answers()["search_10"]
    page, _total = qv.answer_page(answer, "ru", 0)
    assert page is not None
    markup = qv.page_markup(answer, page, index=0, total=2, key="3", locale="ru")
    if not with_markup:
        markup = None
    await bot.send_message(42, "<b>Ответ</b>", reply_markup=markup)
    await _send(bot, 42, "<b>Ответ</b>", markup)
    # The keyboard's JSON is written by pydantic (no spaces, no \u escapes): the same JSON.
    aiograms, ours = (dict(sent["form"]) for sent in session.sent)
    if with_markup:
        assert json.loads(ours.pop("reply_markup")) == json.loads(aiograms.pop("reply_markup"))
    assert (session.sent[0]["method"], aiograms) == (session.sent[1]["method"], ours)
    assert session.sent[1]["form"]["parse_mode"] == "HTML"
    assert ("reply_markup" in session.sent[1]["form"]) == with_markup
