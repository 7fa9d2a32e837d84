"""A municipal plan across its member organisations (bot/summaries/shares.py), with
hand-built records: the status of each school on each measure, the line across schools,
who has not reported, completion per school worst first, and the roll-up of the schools'
own plans kept apart from the municipal plan."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

from docx import Document as DocxDocument
from openpyxl import load_workbook

from bot.exports.docx import plan_docx
from bot.exports.xlsx import plan_xlsx
from bot.i18n import use_locale
from bot.records import MemberPlanRow, OccurrenceRow, OrganisationRow, RoadmapRow, UnitRow
from bot.summaries.compute import assess
from bot.summaries.render import (
    render_municipal_summary_text,
    render_not_reported,
    render_school_overdue,
)
from bot.summaries.shares import (
    across,
    across_text,
    cell_state,
    measures_numbered,
    municipal_summary,
    not_reported,
    only_organisation,
    status_matrix,
)
from tests.unit.summaries.dto import measure, occurrence, plan_data, report, summary_data

TODAY = date(2023, 6, 15)
OFFICE = 1
A = OrganisationRow(11, "МБОУ «СОШ № 1»", "СОШ №1", "school")
B = OrganisationRow(12, "МБОУ «СОШ № 2»", "СОШ №2", "school")
C = OrganisationRow(13, "МБОУ «СОШ № 3»", "СОШ №3", "school")
SCHOOLS = (A, B, C)
OO, MOUO = 501, 502
UNITS = [UnitRow(OO, "ОО", (), "member_organisations"), UnitRow(MOUO, "МОУО", (7,), "owner")]

M1 = measure("2.1", "Анализ ВПР", units={OO: "ОО"})
M2 = measure("2.2", "Совещание директоров", units={MOUO: "МОУО", OO: "ОО"})
M3 = measure("3.1", "Мониторинг", units={OO: "ОО"}, position=50)


def of(org: OrganisationRow | int, o: OccurrenceRow) -> OccurrenceRow:
    return replace(o, organisation_id=org if isinstance(org, int) else org.id)


def scenario() -> list[OccurrenceRow]:
    return [
        # 2.1 due in May: A done, B reported not done, C silent.
        of(A, occurrence(M1, date(2023, 5, 20), "done", rep=report("done"))),
        of(B, occurrence(M1, date(2023, 5, 20), "not_done", rep=report("not_done"))),
        of(C, occurrence(M1, date(2023, 5, 20))),
        # 2.2 due in June (past): the office done; A done, B partial, C done.
        of(OFFICE, occurrence(M2, date(2023, 6, 1), "done", rep=report())),
        of(A, occurrence(M2, date(2023, 6, 1), "done", rep=report())),
        of(B, occurrence(M2, date(2023, 6, 1), "partial", rep=report("partial"))),
        of(C, occurrence(M2, date(2023, 6, 1), "done", rep=report())),
        # 3.1 due in December: nothing due yet, for A and B only.
        of(A, occurrence(M3, date(2023, 12, 20))),
        of(B, occurrence(M3, date(2023, 12, 20))),
    ]


def test_a_cell_is_the_worst_of_what_is_due_and_open_when_nothing_is() -> None:
    due = [assess(o, TODAY) for o in scenario()]
    assert cell_state(due[0:1]) == "done"
    assert cell_state(due[1:2]) == "not_done"
    assert cell_state(due[2:3]) == "not_reported"
    assert cell_state(due[5:6]) == "partial"
    assert cell_state(due[7:8]) == "open"
    assert cell_state([]) is None
    # Done once, silent the next time: the silence shows.
    later = of(A, occurrence(M1, date(2023, 6, 10)))
    assert cell_state([due[0], assess(later, TODAY)]) == "not_reported"


def test_the_matrix_leaves_out_the_office_and_what_a_school_does_not_share() -> None:
    matrix = status_matrix(SCHOOLS, scenario(), TODAY)
    assert [m.number for m in matrix.measures] == ["2.1", "2.2", "3.1"]
    assert matrix.cell(C.id, M3.id) is None
    assert matrix.cell(OFFICE, M2.id) is None
    assert matrix.cell(B.id, M2.id) == "partial"


def test_across_schools_names_who_did_not_do_it() -> None:
    matrix = status_matrix(SCHOOLS, scenario(), TODAY)
    line = across(matrix, M1.id)
    assert line is not None
    assert (line.total, line.done, line.not_done) == (3, (A,), (B, C))
    with use_locale("ru"):
        assert across_text(line) == (
            "выполнено в 1 из 3 организаций; не выполнено: МБОУ «СОШ № 2», МБОУ «СОШ № 3»"
        )
        second = across(matrix, M2.id)
        assert second is not None
        assert across_text(second) == ("выполнено в 2 из 3 организаций; в работе: МБОУ «СОШ № 2»")
        third = across(matrix, M3.id)
        assert third is not None
        assert across_text(third) == "выполнено в 0 из 2 организаций; срок не наступил: 2"
    assert across(matrix, 10**6) is None


def test_not_reported_is_past_due_open_and_without_a_report() -> None:
    found = not_reported(SCHOOLS, scenario(), TODAY, [M1.id])
    assert found.organisations == ((C, 1),)
    assert (found.due, found.total) == (3, 3)
    # Nothing due yet on 3.1: nobody owes, and the answer says so.
    future = not_reported(SCHOOLS, scenario(), TODAY, [M3.id])
    assert future.organisations == () and (future.due, future.total) == (0, 2)
    with use_locale("ru"):
        (text,) = render_not_reported(future, "3.1", TODAY)
        assert "сроки ещё не наступили" in text
        (text,) = render_not_reported(found, "2.1", TODAY)
        assert "Не отчитались по 2.1 «Анализ ВПР»: 1 из 3" in text
        assert "МБОУ «СОШ № 3» — 1 срок" in text and "СОШ № 2" not in text
        (text,) = render_not_reported(not_reported(SCHOOLS, scenario(), TODAY, []), "9.9", TODAY)
        assert "нет мероприятия с номером 9.9" in text


def test_a_number_names_the_measure_or_those_under_it() -> None:
    pool = [M1, M2, M3, measure("2.10", "Другое")]
    assert measures_numbered(pool, "2.1") == [M1]
    assert measures_numbered(pool, "2.1.") == [M1]
    assert measures_numbered(pool, "2") == [M1, M2, pool[3]]
    assert measures_numbered(pool, "7") == []


def _data():  # type: ignore[no-untyped-def]
    own_plan = RoadmapRow(90, "План школы №1", 2023, 2023)
    own = measure("1", "Своё мероприятие")
    own = replace(own, roadmap_id=90)
    return replace(
        summary_data(scenario(), units=UNITS),
        organisation_id=OFFICE,
        organisation_name="Управление образования",
        members=SCHOOLS,
        member_plans=(MemberPlanRow(A.id, own_plan),),
        member_plan_occurrences=(
            of(A, occurrence(own, date(2023, 3, 1), "done", rep=report())),
            of(A, occurrence(own, date(2023, 4, 1))),
        ),
    )


def test_the_municipal_summary_ranks_schools_and_counts_units_where_they_work() -> None:
    figures = municipal_summary(_data(), TODAY)
    # Worst first: B (not done, partly done), C (done, silent), A (both done).
    assert [(r.label, r.done, r.due) for r in figures.schools] == [
        ("СОШ №2", 0, 2),
        ("СОШ №3", 1, 2),
        ("СОШ №1", 2, 2),
    ]
    units = {r.label: (r.done, r.due) for r in figures.summary.units}
    assert units == {"ОО": (3, 6), "МОУО": (1, 1)}  # ОО on the schools, МОУО on the office
    assert figures.summary.totals.due == 7  # everyone's, the schools' own plans apart
    assert [s.organisation for s in figures.overdue_by_school] == [B, C]
    assert figures.owner_overdue == ()
    (row,) = figures.rollup
    assert (row.organisation, row.roadmap.id, row.totals.done, row.totals.due) == (A, 90, 1, 2)
    with use_locale("ru"):
        text = "\n".join(render_municipal_summary_text(figures))
    assert (
        text.index("СОШ №2 — 0 из 2")
        < text.index("СОШ №3 — 1 из 2")
        < text.index("СОШ №1 — 2 из 2 (100%)")
    )
    assert "Собственные планы организаций" in text
    assert "СОШ №1: План школы №1 — 1 из 2 (50%), просрочено: 1" in text


def test_one_school_narrowed_sees_nothing_of_the_others() -> None:
    data = only_organisation(_data(), B.id)
    assert {o.organisation_id for o in data.occurrences} == {B.id}
    assert data.member_plans == () and data.members == (B,)
    figures = municipal_summary(data, TODAY)
    assert [r.label for r in figures.schools] == ["СОШ №2"]
    late = figures.overdue_by_school[0]
    with use_locale("ru"):
        (text,) = render_school_overdue(late, B.name, TODAY)
    assert "Просрочено у МБОУ «СОШ № 2»: 1" in text and "2.1 Анализ ВПР" in text


def test_the_exports_hold_the_sheet_and_the_line_across_schools() -> None:
    shares = [o for o in scenario() if o.organisation_id != OFFICE]
    plan = replace(
        plan_data([M1, M2, M3], [o for o in scenario() if o.organisation_id == OFFICE]),
        members=SCHOOLS,
        member_occurrences=tuple(shares),
    )
    workbook = load_workbook(io.BytesIO(plan_xlsx(plan, TODAY, locale="ru").content))
    sheet = workbook["По организациям"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1][:4] == ["Организация", "2.1", "2.2", "3.1"]
    by_school = {row[0]: row[1:] for row in rows[3:]}
    assert by_school[A.name] == ["выполнено", "выполнено", "срок не наступил", "2 из 3"]
    assert by_school[C.name] == ["нет отчёта", "выполнено", "—", "1 из 2"]
    assert by_school[B.name][:2] == ["не выполнено", "выполнено частично"]

    document = DocxDocument(io.BytesIO(plan_docx(plan, TODAY, locale="ru").content))
    lines = {row.cells[0].text: row.cells[-1].text for row in document.tables[0].rows}
    # 2.1 is the schools' only: listed all the same, with the line across them.
    assert (
        "выполнено в 1 из 3 организаций; не выполнено: МБОУ «СОШ № 2», МБОУ «СОШ № 3»"
        in (lines["2.1"])
    )
    assert "выполнено в 2 из 3 организаций" in lines["2.2"]
    assert lines["3.1"].endswith("срок не наступил: 2")
