from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from storage.models import AuditEvent
from storage.repositories.base import Repository


class AuditRepository(Repository):
    async def record(
        self,
        *,
        action: str,
        now: datetime,
        organisation_id: int | None = None,
        person_id: int | None = None,
        object_type: str | None = None,
        object_id: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> AuditEvent:
        event = AuditEvent(
            action=action,
            organisation_id=organisation_id,
            person_id=person_id,
            object_type=object_type,
            object_id=object_id,
            data=data,
            created_at=now,
        )
        self.session.add(event)
        await self.session.flush()
        return event

    async def for_organisation(self, organisation_id: int) -> list[AuditEvent]:
        result = await self.session.execute(
            select(AuditEvent)
            .where(AuditEvent.organisation_id == organisation_id)
            .order_by(AuditEvent.id)
        )
        return list(result.scalars())

    async def claim_once(
        self, *, organisation_id: int, action: str, key: str, now: datetime
    ) -> bool:
        """Record `action` for `key` unless it was recorded already; True when this call did.

        The organisation row is locked first (PostgreSQL), so that several bot processes
        checking at the same moment agree on who does it. The caller commits.
        """
        from storage.models import Organisation

        await self.session.execute(
            select(Organisation.id).where(Organisation.id == organisation_id).with_for_update()
        )
        # `object_type` carries the key (e.g. "week:2022-W20"): events are looked up by it.
        done = await self.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.organisation_id == organisation_id,
                AuditEvent.action == action,
                AuditEvent.object_type == key,
            )
        )
        if done is not None:
            return False
        await self.record(action=action, now=now, organisation_id=organisation_id, object_type=key)
        return True

    async def unclaim(self, *, organisation_id: int, action: str, key: str) -> None:
        """Undo `claim_once` (the work it guarded failed and should be tried again)."""
        from sqlalchemy import delete

        await self.session.execute(
            delete(AuditEvent).where(
                AuditEvent.organisation_id == organisation_id,
                AuditEvent.action == action,
                AuditEvent.object_type == key,
            )
        )
