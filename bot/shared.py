"""What the bot's processes share through Redis (with `REDIS_URL`): one client, and key
names separated per bot (its id), so several bots can use one Redis.

The users: aiogram's FSM storage and event isolation (`bot.app`), the per-chat locks and
album buffer of reports (`handlers.reports.albums`), the send budget
(`bot.reminders.pacing.RedisPacer`) and the choice of the process that polls
(`bot.runner`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis


class RedisUnavailable(RuntimeError):
    """The redis package is missing or the server does not answer; one line says which."""


@dataclass(frozen=True)
class Shared:
    redis: Redis
    namespace: str  # the bot's id

    def key(self, *parts: object) -> str:
        return ":".join(["roadmap", self.namespace, *(str(part) for part in parts)])

    async def close(self) -> None:
        await self.redis.aclose()


async def connect(url: str, namespace: str) -> Shared:
    try:
        from redis.asyncio import Redis
    except ImportError as exc:  # pragma: no cover - the image and the dev lock have it
        raise RedisUnavailable(
            "the redis package is not installed (pip install 'roadmap-bot[redis]')"
        ) from exc
    client = Redis.from_url(url)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise RedisUnavailable(f"{exc.__class__.__name__}: {first}".rstrip(": ")) from exc
    return Shared(redis=client, namespace=namespace)
