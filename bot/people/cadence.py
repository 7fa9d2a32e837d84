"""The days of an organisation's reminders before and after each deadline."""

from __future__ import annotations

from datetime import datetime

from bot.access import require_coordinator
from bot.errors import UserError
from bot.reminders.outbox import replan_organisation
from bot.reminders.planner import Cadence
from bot.services import Identity, audit
from storage.uow import UnitOfWork

MAX_CADENCE_DAYS = 365


async def update_cadence(
    uow: UnitOfWork,
    identity: Identity,
    *,
    now: datetime,
    before: tuple[int, int],
    after: tuple[int, int],
) -> dict[str, object]:
    """Days before the deadline (early, last) and after it (first, second overdue) of the
    organisation's reminders; 0 switches one off. The escalation follows a day after the
    last overdue reminder. Commits; future reminders are planned again."""
    organisation_id = require_coordinator(identity)
    if any(not 0 <= days <= MAX_CADENCE_DAYS for days in (*before, *after)):
        # A reminder years away is a typo, and dates that far overflow the calendar.
        raise UserError(
            "Reminders come at most {limit} days before or after a deadline.",
            limit=MAX_CADENCE_DAYS,
        )
    organisation = await uow.organisations.get(organisation_id)
    assert organisation is not None
    current = Cadence.from_json(organisation.cadence)
    early, last = (value or None for value in before)
    first, second = (value or None for value in after)
    try:
        cadence = Cadence(
            window_open=current.window_open,
            window_open_min_days=current.window_open_min_days,
            early_warning_days=early,
            last_warning_days=last,
            on_due_day=current.on_due_day,
            first_overdue_days=first,
            second_overdue_days=second,
            escalation_days=max(d for d in (first, second, 0) if d is not None) + 1,
            checkin_working_day=current.checkin_working_day,
        )
    except ValueError:
        raise UserError(
            "Give days before the deadline from the earlier to the later and days after it "
            "from the earlier to the later, e.g. «/cadence 7 1 1 7»."
        ) from None
    organisation.cadence = cadence.to_json()
    await audit(
        uow,
        identity,
        "organisation.cadence",
        ("organisation", organisation_id),
        now=now,
        data={"before": current.to_json(), "after": cadence.to_json()},
        organisation_id=organisation_id,
    )
    await uow.flush()
    await replan_organisation(uow, organisation_id, now=now)
    await uow.commit()
    return cadence.to_json()
