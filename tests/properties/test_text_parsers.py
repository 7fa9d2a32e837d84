"""Properties of the text parsers, through their public entry points only (their insides
are being reworked): whatever text comes in, they answer within their documented types and
never raise.

- the deadline-phrase reader: `parse_deadline(phrase, plan_period) -> Schedule`, and
  `years_in(phrase)`;
- the question parser: `parse_query(text, today=, people=) -> Query` (it never raises by
  contract, and logs an error when its inside did: that log is what is checked);
- the unit/person splitter: `split_cell`, `PeopleIndex` (add every cell, finish, resolve),
  `normalise_person`.
"""

from __future__ import annotations

import logging
import re
from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from bot.queries.model import INTENTS, ME, STATUS_FILTERS
from bot.queries.parse import parse_query
from bot.roadmap.deadlines import parse_deadline, years_in
from bot.roadmap.model import Schedule, ScheduleKind
from bot.roadmap.people import PeopleIndex, normalise_person, split_cell
from tests.properties.strategies import (
    DEADLINE_WORDS,
    PEOPLE_WORDS,
    QUESTION_WORDS,
    any_text,
)

PLAN_PERIODS = st.one_of(
    st.none(),
    st.tuples(st.integers(1990, 2100), st.integers(0, 10)).map(lambda p: (p[0], p[0] + p[1])),
)
# "Фамилия И.О." or "Фамилия И." (what the splitter promises for a person).
PERSON = re.compile(r"^\S+ [A-ZА-ЯЁ]\.(?:[A-ZА-ЯЁ]\.)?$")


@given(any_text(DEADLINE_WORDS), PLAN_PERIODS)
@example("до 31 декабря 2023¹", (2022, 2024))  # a footnote mark: "¹".isdigit(), int() fails
@example("ежегодно, ² раза", None)
def test_a_deadline_phrase_always_reads_as_a_schedule(
    phrase: str, period: tuple[int, int] | None
) -> None:
    schedule = parse_deadline(phrase, period)
    assert isinstance(schedule, Schedule)
    assert isinstance(schedule.kind, ScheduleKind)
    for window in schedule.windows:
        assert isinstance(window.start, date) and isinstance(window.due, date)
        assert window.start <= window.due
    assert all(isinstance(w, str) for w in schedule.warnings)
    assert schedule.note is None or isinstance(schedule.note, str)
    assert all(isinstance(y, int) for y in years_in(phrase))


@given(
    any_text(QUESTION_WORDS),
    st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    st.lists(st.sampled_from(["Бобров Б.Б.", "Изотова А.С.", "Воропаева Е.В."]), max_size=3),
)
@example("FINISH", date(2000, 1, 1), [])  # found by make fuzz: a look-ahead past the end
@example("what did I finish", date(2026, 5, 1), [])
def test_a_question_is_always_understood_as_some_query(
    text: str, today: date, people: list[str]
) -> None:
    errors: list[logging.LogRecord] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(record)

    catch = Catch(logging.ERROR)
    parse_logger = logging.getLogger("bot.queries.parse")
    parse_logger.addHandler(catch)
    try:
        query = parse_query(text, today=today, people=people)
    finally:
        parse_logger.removeHandler(catch)
    assert errors == [], f"the parser failed inside on {text!r}"
    assert query.intent in INTENTS
    assert query.status_filter in (None, *STATUS_FILTERS)
    assert query.person is None or query.person == ME or isinstance(query.person, str)
    if query.period_start is not None or query.period_end is not None:
        assert query.period_start is not None and query.period_end is not None
        assert query.period_start <= query.period_end


@given(st.lists(any_text(PEOPLE_WORDS), min_size=1, max_size=12))
def test_responsible_cells_always_split_into_persons_and_units(cells: list[str]) -> None:
    index = PeopleIndex()
    parts = [index.add(cell) for cell in cells]
    index.finish()
    for cell, part in zip(cells, parts, strict=True):
        persons, units = index.resolve(part)
        for person in persons:
            assert PERSON.match(person), (cell, person)
        assert all(isinstance(u, str) and u.strip() for u in units), (cell, units)
        assert split_cell(cell).segments == part.segments  # the same cell, the same split
    assert all(isinstance(j, str) for j in index.joins)


@given(any_text(PEOPLE_WORDS))
def test_one_name_normalises_to_a_person_or_nothing(text: str) -> None:
    person = normalise_person(text)
    assert person is None or PERSON.match(person), (text, person)
