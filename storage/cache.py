"""A per-process cache of what every message reads: who is writing, and an organisation's
name directory and plan years.

Every update used to read the person, their memberships and organisations, and every
question the organisation's whole name directory and its plans: five statements before the
answer's own query. They change rarely (a join, a role, a leave, a rename, a language, an
import), so they are kept here:

* **Invalidation on change.** Session events watch every write to the tables they come
  from (`WATCHED`): an object flushed, or an INSERT/UPDATE/DELETE statement run through a
  session. Such a write bumps one process-wide version at flush time and again at commit
  (a reader between the two might have read the old rows); entries of an older version are
  never used. A session that has written to those tables reads past the cache for the rest
  of its life, so a service never sees its own change through an old entry. Moving the
  organisation's planning watermark (`planned_through`) is not a change of what is cached.
* **A short bound for other processes.** An entry is used for at most `TTL` seconds: a
  change made by another process (a CLI command, a second bot) is seen within that.
* **Per database.** Entries are keyed by the engine's URL; creating an engine drops them
  (tests reuse one URL for fresh databases).

The person is kept as a detached copy (with its memberships and their organisations). The
copy is handed out to be read (`cached_person_view`: who is writing, their role, time zone
and language, without touching the session) together with a function that merges it into
the asking session without loading (`Session.merge(load=False)`), for the handler that needs
session-bound objects; the copy itself is never attached or changed. Merging costs a third
of a plain question's own time, and most updates never need it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from storage.models import Person

__all__ = ["TTL", "cached", "cached_person", "cached_person_view", "clear", "version"]

T = TypeVar("T")

TTL = 10.0  # seconds an entry is trusted without a change seen in this process
# The tables whose rows the cached values are made of.
WATCHED = frozenset(
    {"person", "membership", "organisation", "unit", "unit_member", "unit_organisation", "roadmap"}
)
# Columns that change without changing anything cached (the daily planning watermark).
IGNORED_COLUMNS = frozenset({"planned_through"})
TOUCHED = "cache_touched"  # Session.info key: this session wrote to a watched table
PENDING = "cache_pending_attach"  # Session.info key: copies to merge before a statement
MAX_ENTRIES = 50_000

_version = 0
_entries: dict[Hashable, tuple[int, float, Any]] = {}


def version() -> int:
    return _version


def bump() -> None:
    """Every entry becomes stale."""
    global _version
    _version += 1


def clear() -> None:
    """Drop every entry (a new engine: possibly a fresh database behind a known URL)."""
    bump()
    _entries.clear()


def _changes_something(obj: Any) -> bool:
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        if attr.key in IGNORED_COLUMNS:
            continue
        if state.attrs[attr.key].history.has_changes():
            return True
    return False


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    for obj in chain(session.new, session.deleted, session.dirty):
        table = getattr(obj, "__tablename__", None)
        if table not in WATCHED:
            continue
        if obj in session.dirty and not _changes_something(obj):
            continue
        session.info[TOUCHED] = True
        bump()
        return


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in WATCHED:
        return
    if state.is_update:
        values = getattr(state.statement, "_values", None) or {}
        keys = {getattr(key, "key", key) for key in values}
        if keys and keys <= IGNORED_COLUMNS:
            return
    state.session.info[TOUCHED] = True
    bump()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(TOUCHED, False):
        bump()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if session.info.pop(TOUCHED, False):
        bump()


def _url(session: AsyncSession) -> str:
    bind = session.bind
    return str(getattr(bind, "url", id(bind)))


def _fresh(key: Hashable) -> tuple[bool, Any]:
    entry = _entries.get(key)
    if entry is None:
        return False, None
    seen, at, value = entry
    if seen != _version or time.monotonic() - at > TTL:
        return False, None
    return True, value


def _keep(key: Hashable, seen: int, value: Any) -> None:
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[key] = (seen, time.monotonic(), value)


async def cached(
    session: AsyncSession, name: str, key: Hashable, load: Callable[[], Awaitable[T]]
) -> T:
    """`load()`'s value, kept under (database, name, key). The value must be immutable (a
    tuple, a frozen record): every caller gets the same object."""
    if session.sync_session.info.get(TOUCHED):
        return await load()
    full = (_url(session), name, key)
    hit, value = _fresh(full)
    if hit:
        return value  # type: ignore[no-any-return]
    seen = _version
    value = await load()
    _keep(full, seen, value)
    return value


async def cached_person(
    session: AsyncSession,
    telegram_user_id: int,
    load: Callable[[], Awaitable[Person | None]],
) -> Person | None:
    """The person with that Telegram id (memberships and organisations loaded), bound to
    `session`: from a detached copy when one is fresh, else from `load()`."""
    person, attach = await cached_person_view(session, telegram_user_id, load)
    return attach() if attach is not None else person


async def cached_person_view(
    session: AsyncSession,
    telegram_user_id: int,
    load: Callable[[], Awaitable[Person | None]],
) -> tuple[Person | None, Callable[[], Person] | None]:
    """The person with that Telegram id (memberships and organisations loaded), to be read,
    and how to have it bound to `session`: `(copy, attach)` when a fresh detached copy is
    kept (the copy must not be changed; `attach()` returns the session's own object), else
    `(person, None)` with the person `load()` read into the session."""
    if session.sync_session.info.get(TOUCHED):
        return await load(), None
    full = (_url(session), "person", telegram_user_id)
    hit, copy = _fresh(full)
    if hit:
        if copy is None:
            return None, None
        return copy, _attach_later(session.sync_session, copy)
    seen = _version
    person = await load()
    _keep(full, seen, _detached_copy(person) if person is not None else None)
    return person, None


def _attach_later(session: Session, copy: Person) -> Callable[[], Person]:
    """A function that merges `copy` into `session` once and returns the session's object.

    It runs when first called, or before the session's next statement, whichever comes
    first: the session then never loads the person, their memberships or organisations
    apart from the identity's objects (merging a stale copy over rows the session has just
    read would put old values back in front of the handler)."""
    merged: list[Person] = []

    def attach() -> Person:
        if not merged:
            # Without loading, merging emits no SQL: it runs outside the session's greenlet.
            merged.append(session.merge(copy, load=False))
        return merged[0]

    session.info.setdefault(PENDING, []).append(attach)
    return attach


@event.listens_for(Session, "do_orm_execute")
def _attach_before_statement(state: ORMExecuteState) -> None:
    for attach in state.session.info.pop(PENDING, ()):
        attach()


def _detached_copy(person: Person) -> Person:
    holder = Session()
    try:
        copy = holder.merge(person, load=False)
        holder.expunge_all()
    finally:
        holder.close()
    return copy
