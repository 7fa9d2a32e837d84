"""Organisations: created by the bot's owner, their settings changed by coordinators."""

from __future__ import annotations

from datetime import datetime

from bot.access import require_coordinator
from bot.calendar import validate_timezone
from bot.cleaning import ORGANISATION_NAME_TOO_LONG, fitted_line
from bot.errors import UserError
from bot.people.invites import create_invite
from bot.people.members import display_name
from bot.reminders.outbox import replan_organisation
from bot.services import Identity, audit
from storage.models import ORGANISATION_NAME_CHARS, Organisation, Role
from storage.uow import UnitOfWork


async def create_organisation(
    uow: UnitOfWork,
    *,
    name: str,
    timezone: str,
    now: datetime,
    coordinator_name: str | None = None,
    morning_hour: int = 9,
    admin: Identity | None = None,
) -> tuple[Organisation, str | None]:
    """A new organisation and its first coordinator. Commits.

    With a coordinator name, returns an invite token for them; without one, the admin who
    asked becomes the coordinator at once.
    """
    name = fitted_line(name, ORGANISATION_NAME_CHARS, ORGANISATION_NAME_TOO_LONG)
    if not name:
        raise UserError("The organisation needs a name.")
    _check_timezone(timezone)
    if await uow.organisations.by_name(name) is not None:
        raise UserError("An organisation named «{name}» already exists.", name=name)
    organisation = await uow.organisations.add(
        name=name, timezone=timezone, now=now, morning_hour=morning_hour
    )
    token = None
    if coordinator_name:
        person = await uow.people.add(full_name=display_name(coordinator_name), now=now)
        await uow.people.add_membership(
            organisation_id=organisation.id, person_id=person.id, role=Role.COORDINATOR, now=now
        )
        token = await create_invite(
            uow, organisation_id=organisation.id, person_id=person.id, now=now
        )
    elif admin is not None:
        if admin.person is not None:
            person = admin.person
        else:
            person = await uow.people.add(full_name=display_name("Администратор"), now=now)
            person.telegram_user_id = admin.telegram_user_id
            person.chat_id = admin.telegram_user_id
        await uow.people.add_membership(
            organisation_id=organisation.id,
            person_id=person.id,
            role=Role.COORDINATOR,
            now=now,
            joined_at=now,
        )
    await uow.audit.record(
        action="organisation.created",
        now=now,
        organisation_id=organisation.id,
        person_id=admin.person.id if admin and admin.person else None,
        object_type="organisation",
        object_id=organisation.id,
    )
    await uow.commit()
    return organisation, token


async def update_organisation(
    uow: UnitOfWork,
    identity: Identity,
    *,
    now: datetime,
    morning_hour: int | None = None,
    timezone: str | None = None,
    one_report_closes: bool | None = None,
) -> Organisation:
    """A coordinator changes the organisation's hour, zone or closing rule. Commits.

    The future reminders are planned again to the new hour and zone.
    """
    organisation_id = require_coordinator(identity)
    organisation = await uow.organisations.get(organisation_id)
    assert organisation is not None
    before = {
        "morning_hour": organisation.morning_hour,
        "timezone": organisation.timezone,
        "one_report_closes": organisation.one_report_closes,
    }
    if morning_hour is not None:
        if not 0 <= morning_hour <= 23:
            raise UserError("The hour must be between 0 and 23.")
        organisation.morning_hour = morning_hour
    if timezone is not None:
        _check_timezone(timezone)
        organisation.timezone = timezone
    if one_report_closes is not None:
        organisation.one_report_closes = one_report_closes
    await audit(
        uow,
        identity,
        "organisation.settings",
        ("organisation", organisation_id),
        now=now,
        data={"before": before},
        organisation_id=organisation_id,
    )
    if morning_hour is not None or timezone is not None:
        await uow.flush()
        await replan_organisation(uow, organisation_id, now=now)
    await uow.commit()
    return organisation


def _check_timezone(name: str) -> None:
    if not validate_timezone(name):
        raise UserError("Unknown time zone: {zone}.", zone=name)
