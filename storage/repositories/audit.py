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
