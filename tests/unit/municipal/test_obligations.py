"""Who must do a measure and who answers for each share: the fan-out rules."""

from __future__ import annotations

from bot.obligations import MemberInfo, responsible_in, share_organisations
from storage.repositories.obligations import AssignmentRow

OWNER = 1
SCHOOLS = [MemberInfo(11, "school"), MemberInfo(12, "school"), MemberInfo(13, "school")]
GARDEN = MemberInfo(21, "kindergarten")
MEMBERS = [*SCHOOLS, GARDEN]


def unit(unit_id: int, kind: str, member_filter: str | None = None, org: int = OWNER):
    return AssignmentRow(1, org, None, unit_id, kind, member_filter)


def person(person_id: int, org: int = OWNER) -> AssignmentRow:
    return AssignmentRow(1, org, person_id, None, None, None)


OO = unit(100, "member_organisations", "school")
DOO = unit(101, "member_organisations", "kindergarten")
MOUO = unit(102, "owner")
MMO = unit(103, "people_group")
KOIRO = unit(104, "external")
SHNOR = unit(105, "member_organisations", "named")


def shares(*rows: AssignmentRow, linked=None) -> set[int]:  # type: ignore[no-untyped-def]
    return share_organisations(OWNER, list(rows), members=MEMBERS, linked=linked or {})


def test_oo_means_every_school_and_only_schools() -> None:
    assert shares(OO) == {11, 12, 13}
    assert shares(DOO) == {21}


def test_a_measure_of_the_owner_and_oo_is_both() -> None:
    assert shares(MOUO, OO) == {OWNER, 11, 12, 13}
    assert shares(person(5), OO) == {OWNER, 11, 12, 13}


def test_the_owner_keeps_what_names_no_member_group() -> None:
    assert shares(MOUO) == {OWNER}
    assert shares(MMO) == {OWNER}
    assert shares(KOIRO) == {OWNER}  # listed in the plan, reminds nobody
    assert shares() == {OWNER}  # nobody named: the coordinator answers for it
    assert shares(KOIRO, OO) == {11, 12, 13}


def test_a_named_group_is_the_members_the_coordinator_chose() -> None:
    assert shares(SHNOR, linked={105: {12, 99}}) == {12}  # 99 is no active member
    assert shares(SHNOR) == set()


def test_a_member_share_is_its_coordinators_until_handed_to_someone() -> None:
    coordinators = {11: {501}, OWNER: {400}}
    plan = [OO, MOUO]
    assert responsible_in(11, plan, unit_members={}, coordinators=coordinators) == {501}
    handed = [*plan, person(777, org=11)]
    assert responsible_in(11, handed, unit_members={}, coordinators=coordinators) == {777}


def test_the_owner_share_is_its_named_staff() -> None:
    coordinators = {OWNER: {400}}
    members = {102: {410, 411}}
    rows = [MOUO, OO]
    assert responsible_in(OWNER, rows, unit_members=members, coordinators=coordinators) == {
        410,
        411,
    }
    # A unit nobody reads yet reminds nobody (the coordinator sees it in /people).
    assert responsible_in(OWNER, rows, unit_members={}, coordinators=coordinators) == set()
    # Only an external body named: nobody to remind.
    assert responsible_in(OWNER, [KOIRO], unit_members={}, coordinators=coordinators) == set()
    # Nobody named at all: the coordinator.
    assert responsible_in(OWNER, [], unit_members={}, coordinators=coordinators) == {400}
