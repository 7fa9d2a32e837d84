"""One hand-built organisation, with every kind of occurrence, shared by the unit tests.

The expected figures in the tests are counted by hand from this list (see the comments).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.records import SummaryData, UnitRow
from tests.unit.summaries.dto import (
    S1,
    S2,
    measure,
    occurrence,
    person,
    report,
    summary_data,
)

TODAY = date(2023, 6, 15)
A = {1: "Иванов И.И."}
B = {2: "Бобров В.С."}
C = {3: "Сидорова А.А."}
U = {7: "МОУО"}

m1 = measure("1.1", "Утверждение плана", persons=A, section=S1, position=1)
m2 = measure("1.2", "Мониторинг", persons={**A, **B}, section=S1, position=2)
m6 = measure("1.3", "Совещание", persons=C, section=S1, position=3)
m3 = measure("2.1", "Курсы повышения квалификации", persons=B, units=U, section=S2, position=4)
m4 = measure("2.2", "Отчёт в министерство", persons=C, section=S2, position=5)
m5 = measure(None, "Консультирование", units=U, section=None, position=6)

OCCURRENCES = [
    # 1: done with a report: due, done
    occurrence(m1, date(2023, 3, 31), "done", rep=report(files=("приказ.pdf",))),
    # 2: open, not due yet
    occurrence(m1, date(2023, 6, 30)),
    # 3: open, past due, no report: due, overdue, not reported
    occurrence(m2, date(2023, 4, 30)),
    # 4: partly done: due, partial
    occurrence(m2, date(2023, 5, 31), "partial", rep=report("partial", text="Частично")),
    # 5: postponed to a future date: neither due nor overdue
    occurrence(m3, date(2023, 5, 15), "postponed", postponed_to=date(2023, 7, 15)),
    # 6: reported as not done: due, not done, overdue (107 days)
    occurrence(m3, date(2023, 2, 28), "not_done", rep=report("not_done", text="Нет средств")),
    # 7: still open, but its latest report says done: due, done
    occurrence(
        m4,
        date(2023, 5, 31),
        rep=report(author="Сидорова А.А.", created=datetime(2023, 6, 14, 8, 0, tzinfo=UTC)),
    ),
    # 8: done early (due in December): due, done
    occurrence(m4, date(2023, 12, 31), "done", rep=report()),
    # 9: continuous work over the year: never overdue, not due yet
    occurrence(m5, date(2023, 12, 31), start=date(2023, 1, 1), is_span=True),
    # 10: postponed to a date already past, no report: due, overdue (45 days)
    occurrence(m6, date(2023, 4, 15), "postponed", postponed_to=date(2023, 5, 1)),
]

PEOPLE = [
    person(1, "Иванов И.И."),
    person(2, "Бобров В.С.", joined=False),
    person(3, "Сидорова А.А.", unreachable=True),
    person(4, "Юдина Е.Е.", failed=3),
]
UNITS = [UnitRow(7, "МОУО", (2,))]


def data() -> SummaryData:
    return summary_data(OCCURRENCES, people=PEOPLE, units=UNITS)
