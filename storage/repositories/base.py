from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.ext.asyncio import AsyncSession


def affected(result: Result[Any]) -> int:
    """How many rows an UPDATE, DELETE or INSERT touched. `Session.execute` types its result
    as a plain `Result`, but for these statements it is a `CursorResult`, which counts; a
    driver that cannot tell says -1 or nothing, read as 0."""
    return max(cast(CursorResult[Any], result).rowcount or 0, 0)


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
