"""Access rules, in one place: who may see, report on, import, link and export what.

Every check starts from the caller's Identity and the object's organisation, so that no
callback data, typed number or forwarded message can reach another organisation's data.
Failures raise AccessDenied (a UserError), which the error handler turns into a polite
message.
"""

from __future__ import annotations

from bot.errors import AccessDenied, NotFound
from bot.services import Identity
from storage.models import Measure, Occurrence, Roadmap
from storage.uow import UnitOfWork


def require_member(identity: Identity) -> int:
    """The caller's current organisation id; strangers have none."""
    organisation_id = identity.organisation_id
    if organisation_id is None or identity.person_id is None:
        raise AccessDenied()
    return organisation_id


def require_coordinator(identity: Identity) -> int:
    organisation_id = require_member(identity)
    if not identity.is_coordinator:
        raise AccessDenied("Only coordinators can do this.")
    return organisation_id


async def occurrence_for_report(
    uow: UnitOfWork, identity: Identity, occurrence_id: int
) -> tuple[Occurrence, Measure, Roadmap]:
    """The occurrence, if the caller may report on it: responsible (or via a unit), or a
    coordinator of its organisation."""
    organisation_id = require_member(identity)
    found = await uow.reports.occurrence(occurrence_id)
    # Each organisation reports on its own share only: a school on its occurrence of a
    # municipal measure, never on another school's.
    if found is None or found[0].organisation_id != organisation_id:
        # Another organisation's object is reported as missing, not as forbidden.
        raise NotFound("This measure was not found.")
    occurrence, measure, roadmap = found
    assert identity.person is not None
    if identity.is_coordinator:
        return found
    if not await uow.reports.is_responsible(
        occurrence.id, identity.person.id, is_coordinator=False
    ):
        raise AccessDenied("This measure is not assigned to you.")
    return occurrence, measure, roadmap


async def can_view_measure(uow: UnitOfWork, identity: Identity, measure_id: int) -> bool:
    if identity.organisation is None or identity.person is None:
        return False
    organisation_id = identity.organisation.id
    found = await uow.reports.measure(measure_id)
    if found is None:
        return False
    if identity.is_coordinator and found[1].organisation_id == organisation_id:
        return True  # the plan's owner
    return await uow.reports.responsible_for_measure(
        measure_id, organisation_id, identity.person.id, is_coordinator=identity.is_coordinator
    )
