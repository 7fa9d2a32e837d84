"""People and organisations: invites, members, organisations, units, preferences, cadence.

    invites.py        links that join a Telegram account to a person of the plan
    members.py        names as the plan writes them; who has joined (the coordinator's list)
    organisations.py  creating an organisation; its hour, time zone and closing rule
    cadence.py        the days of reminders before and after deadlines
    units.py          who reads a unit's reminders
    preferences.py    a person's hour, language and leave

Every service takes the unit of work and the caller's `Identity`, checks the caller's
role, and says in its docstring whether it commits. The public entry points are
re-exported here: `from bot.people import accept_invite`.
"""

from bot.people.cadence import update_cadence
from bot.people.invites import (
    INVITE_LIFETIME,
    InviteProblem,
    Joined,
    accept_invite,
    create_invite,
    hash_token,
    invite_by_name,
    invite_everyone_not_joined,
    invite_link,
    invite_member,
    invite_person,
    revoke_by_name,
    revoke_invite,
)
from bot.people.members import PersonLine, display_name, people_of
from bot.people.organisations import create_organisation, update_organisation
from bot.people.preferences import UNCHANGED, update_preferences
from bot.people.units import CHOOSABLE_KINDS, UnitLine, link_unit_member, set_unit_kind, units_of

__all__ = [
    "CHOOSABLE_KINDS",
    "INVITE_LIFETIME",
    "UNCHANGED",
    "InviteProblem",
    "Joined",
    "PersonLine",
    "UnitLine",
    "accept_invite",
    "create_invite",
    "create_organisation",
    "display_name",
    "hash_token",
    "invite_by_name",
    "invite_everyone_not_joined",
    "invite_link",
    "invite_member",
    "invite_person",
    "link_unit_member",
    "people_of",
    "revoke_by_name",
    "revoke_invite",
    "set_unit_kind",
    "units_of",
    "update_cadence",
    "update_organisation",
    "update_preferences",
]
