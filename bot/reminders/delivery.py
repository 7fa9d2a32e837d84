"""Delivering due reminders: claim, coalesce, one message per person and morning, paced.

Sending is paced under Telegram's limits (about 30 messages a second per bot, one a
second per chat). A 429 is honoured with its `retry_after` (the whole pacer waits: with
Redis, every process; see `bot.reminders.pacing`); a 403 marks the person unreachable and
tells the coordinators; other errors retry with backoff and end as failed rows that
coordinators see. Rows are marked sent right after their
message went out, so a crash repeats at most the messages in flight.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup

from bot.calendar import local_date
from bot.clock import Clock
from bot.i18n import normalise_locale, use_locale
from bot.reminders import kinds
from bot.reminders.outbox import plan_due
from bot.reminders.pacing import MemoryPacer, Pacer
from bot.reminders.planner import DigestLine, DueReminder, coalesce_due, delivery_moment
from storage.db import SessionFactory
from storage.repositories.reminders import ClaimedReminder, Recipient
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
DEFAULT_CONCURRENCY = 32  # messages in flight at once; a crash can repeat at most these
# How long claimed rows stay a worker's: after a crash, another worker takes them then.
DEFAULT_LEASE = timedelta(minutes=5)
WRITE_CONCURRENCY = 3  # delivery's own transactions at once (of the pool's 5 + 10)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class ReminderMessage:
    """What one message to one recipient holds: rendered by handlers.views."""

    recipient: Recipient
    lines: list[DigestLine]
    rows: dict[int, ClaimedReminder]  # reminder id -> claimed row
    responsible: dict[int, list[str]]  # measure id -> names (for escalation lines)
    today: date


@dataclass(frozen=True)
class RenderedReminder:
    """One message of a person's morning and the outbox rows it stands for (they are
    marked sent with its message id, so its buttons and "show all" find them)."""

    text: str
    keyboard: InlineKeyboardMarkup | None
    reminder_ids: tuple[int, ...]


# The morning's messages, rendered by handlers.views (bot/ does not import handlers/).
Renderer = Callable[[ReminderMessage], list[RenderedReminder]]


@dataclass
class DeliveryStats:
    claimed: int = 0
    messages: int = 0
    sent_rows: int = 0
    retried_429: int = 0
    failed_rows: int = 0
    unreachable: list[int] = field(default_factory=list)
    deferred_rows: int = 0
    closed_rows: int = 0
    planned: int = 0


class ReminderDelivery:
    def __init__(
        self,
        *,
        bot: Bot,
        session_factory: SessionFactory,
        clock: Clock,
        render: Renderer,
        render_unreachable: Callable[[str, str], str],
        pacer: Pacer | None = None,
        worker: str | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.clock = clock
        self.render = render
        self.render_unreachable = render_unreachable
        self.pacer: Pacer = pacer or MemoryPacer()
        self.worker = worker or worker_name()
        self._semaphore = asyncio.Semaphore(concurrency)
        self.lease = lease
        # Writes of a burst (sent, deferred, closed, failed) take few connections at once:
        # the pool stays free for answers, and SQLite has one writer anyway.
        self._writes = asyncio.Semaphore(WRITE_CONCURRENCY)

    async def tick(self, max_persons: int = 50) -> DeliveryStats:
        """Claim and deliver until nothing is due; safe to run in several processes.

        Batches are small and the next one is claimed while the current one is being
        sent: the pacer never waits for the database, and several workers stay busy to
        the end of a burst instead of one of them finishing a large last batch alone.
        """
        total = DeliveryStats()
        # The days to come are planned first (a no-op but for the first tick of a day).
        total.planned = await plan_due(self.session_factory, self.clock.now())
        upcoming = asyncio.create_task(self._claim(max_persons))
        while True:
            batch = await upcoming
            if batch is None:
                return total
            claimed, recipients, responsible, now = batch
            # The batch was claimed ahead, while the previous one was being sent: its lease
            # ran meanwhile. Renew it, and leave out what another worker took after it ran
            # out, so a slow batch is never sent by two workers.
            claimed = await self._renew(claimed)
            stats = DeliveryStats(claimed=len(claimed))
            delivering = asyncio.create_task(
                self._deliver_batch(claimed, recipients, responsible, now, stats)
            )
            upcoming = asyncio.create_task(self._claim(max_persons))
            try:
                await delivering
            except BaseException:
                upcoming.cancel()
                raise
            for name in (
                "claimed",
                "messages",
                "sent_rows",
                "retried_429",
                "failed_rows",
                "deferred_rows",
                "closed_rows",
            ):
                setattr(total, name, getattr(total, name) + getattr(stats, name))
            total.unreachable += stats.unreachable
            # Deferred rows were given a later fire time, so the loop ends once nothing
            # due is left.

    async def _renew(self, claimed: list[ClaimedReminder]) -> list[ClaimedReminder]:
        async with UnitOfWork(self.session_factory) as uow:
            ours = await uow.reminders.renew_claims(
                [c.id for c in claimed], worker=self.worker, until=self.clock.now() + self.lease
            )
            await uow.commit()
        return [c for c in claimed if c.id in ours]

    async def _claim(
        self, max_persons: int
    ) -> tuple[list[ClaimedReminder], dict[int, Recipient], dict[int, list[str]], datetime] | None:
        now = self.clock.now()
        async with UnitOfWork(self.session_factory) as uow:
            claimed = await uow.reminders.claim_due(
                now=now, worker=self.worker, max_persons=max_persons, lease=self.lease
            )
            await uow.commit()
            if not claimed:
                return None
            recipients = await uow.reminders.recipients(sorted({c.person_id for c in claimed}))
            measure_ids = sorted({c.measure_id for c in claimed if c.measure_id is not None})
            responsible = await uow.reminders.responsible_names(measure_ids)
        return claimed, recipients, responsible, now

    async def _deliver_batch(
        self,
        claimed: list[ClaimedReminder],
        recipients: dict[int, Recipient],
        responsible: dict[int, list[str]],
        now: datetime,
        stats: DeliveryStats,
    ) -> None:
        by_person: dict[int, list[ClaimedReminder]] = {}
        for row in claimed:
            by_person.setdefault(row.person_id, []).append(row)
        await asyncio.gather(
            *(
                self._deliver_person(recipients.get(pid), rows, responsible, now, stats)
                for pid, rows in by_person.items()
            )
        )

    async def _deliver_person(
        self,
        recipient: Recipient | None,
        rows: list[ClaimedReminder],
        responsible: dict[int, list[str]],
        now: datetime,
        stats: DeliveryStats,
    ) -> None:
        ids = [r.id for r in rows]
        if recipient is None or recipient.chat_id is None:
            async with self._writes, UnitOfWork(self.session_factory) as uow:
                await uow.reminders.release(ids, fire_at=now + timedelta(hours=1))
                await uow.commit()
            stats.deferred_rows += len(ids)
            return
        moment = delivery_moment(
            now, tz=recipient.timezone, hour=recipient.hour, paused_until=recipient.paused_until
        )
        if moment > now:
            # On leave, or outside the allowed hours after downtime: not dropped, just later.
            async with self._writes, UnitOfWork(self.session_factory) as uow:
                await uow.reminders.release(ids, fire_at=moment)
                await uow.commit()
            stats.deferred_rows += len(ids)
            return

        closed = [r.id for r in rows if r.occurrence_status not in (None, "open", "postponed")]
        live = [r for r in rows if r.id not in set(closed)]
        if closed:
            async with self._writes, UnitOfWork(self.session_factory) as uow:
                await uow.reminders.mark_closed(closed, reason="occurrence closed")
                await uow.commit()
            stats.closed_rows += len(closed)
        if not live:
            return
        today = local_date(now, recipient.timezone)
        due = [
            DueReminder(
                reminder_id=r.id,
                occurrence_key=r.occurrence_id,
                kind=kinds.decode(r.kind),
                due_date=r.due_date or today,
                window_start=r.window_start or today,
            )
            for r in live
            if r.occurrence_id is not None
        ]
        lines = coalesce_due(due, today_local=today)
        by_id = {r.id: r for r in live}
        async with self._semaphore:
            with use_locale(normalise_locale(recipient.language)):
                parts = self.render(ReminderMessage(recipient, lines, by_id, responsible, today))
            for index, part in enumerate(parts):
                outcome = await self._send(recipient, part, stats)
                if outcome == "forbidden":
                    remaining = [rid for later in parts[index:] for rid in later.reminder_ids]
                    await self._unreachable(recipient, remaining, stats)
                    return

    async def _send(
        self, recipient: Recipient, part: RenderedReminder, stats: DeliveryStats
    ) -> str:
        ids = list(part.reminder_ids)
        error = ""
        for _attempt in range(5):
            try:
                async with self.pacer.slot(recipient.chat_id or 0):
                    sent = await self.bot.send_message(
                        recipient.chat_id or 0, part.text, reply_markup=part.keyboard
                    )
            except TelegramRetryAfter as exc:
                stats.retried_429 += 1
                await self.pacer.pause(exc.retry_after)
                continue
            except TelegramForbiddenError:
                return "forbidden"
            except TelegramBadRequest as exc:
                if "chat not found" in str(exc).lower():
                    return "forbidden"
                error = str(exc)
                break
            except (TelegramNetworkError, TelegramServerError) as exc:
                error = str(exc)
                break
            async with self._writes, UnitOfWork(self.session_factory) as uow:
                await uow.reminders.mark_sent(
                    ids, now=self.clock.now(), telegram_message_id=sent.message_id
                )
                await uow.commit()
            stats.messages += 1
            stats.sent_rows += len(ids)
            return "sent"
        else:
            error = error or "rate limited too many times"
        await self._retry_later(ids, error, stats)
        return "retry"

    async def _retry_later(self, ids: Sequence[int], error: str, stats: DeliveryStats) -> None:
        async with self._writes, UnitOfWork(self.session_factory) as uow:
            rows = [await uow.reminders.get(i) for i in ids]
            attempts = max((r.attempts for r in rows if r is not None), default=0)
            delay = BACKOFF[min(attempts, len(BACKOFF) - 1)]
            failed = await uow.reminders.retry_later(
                ids, fire_at=self.clock.now() + delay, error=error, max_attempts=MAX_ATTEMPTS
            )
            await uow.commit()
        stats.failed_rows += len(failed)
        logger.warning("reminder send failed (%s); %d rows will be retried", error, len(ids))

    async def _unreachable(
        self, recipient: Recipient, ids: list[int], stats: DeliveryStats
    ) -> None:
        now = self.clock.now()
        async with self._writes, UnitOfWork(self.session_factory) as uow:
            await uow.reminders.mark_failed(ids, error="blocked by the user")
            await uow.reminders.mark_unreachable(recipient.person_id, now=now)
            await uow.audit.record(
                action="person.unreachable",
                now=now,
                organisation_id=recipient.organisation_id,
                person_id=recipient.person_id,
                object_type="person",
                object_id=recipient.person_id,
            )
            reach = await uow.reminders.coordinator_recipients(
                recipient.organisation_id, excluding=recipient.person_id
            )
            await uow.commit()
        stats.failed_rows += len(ids)
        stats.unreachable.append(recipient.person_id)
        for coordinator in reach:
            assert coordinator.chat_id is not None
            with use_locale(normalise_locale(coordinator.language)):
                text = self.render_unreachable(recipient.full_name, recipient.organisation_name)
            try:
                async with self.pacer.slot(coordinator.chat_id):
                    await self.bot.send_message(coordinator.chat_id, text)
            except Exception:  # the failure itself is recorded; the coordinator list shows it
                logger.exception("could not tell coordinator %s", coordinator.person_id)


MAX_MESSAGE_CHARS = 4000  # Telegram's limit is 4096; a margin for entities
