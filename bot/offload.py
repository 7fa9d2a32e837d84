"""CPU-heavy pure work — drawing charts, writing XLSX and DOCX — in a process of its own.

A thread keeps such work off the event loop but not off the GIL: openpyxl, python-docx and
most of matplotlib are Python, so while a 10,000-measure report is written in a thread
(about 3 s) every answer of the bot waits its turn for the interpreter, several times per
answer. In another process it costs the bot's answers nothing but the pickling of the
arguments, and it uses the second core.

`run(fn, *args)` runs `fn` in the drawing process, in the locale in force (the process
does not share the caller's context variables). If the process dies under the work (killed,
out of memory), a new one tries once more, and if that one dies too the error is raised
(the caller says the document could not be made): it is not retried in the bot's own
process, where it could do the same. `RENDER_PROCESSES=0`, or a machine where no process
can be started, draws in a thread.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

from bot.i18n import current_locale, use_locale

logger = logging.getLogger(__name__)

T = TypeVar("T")

_pool: ProcessPoolExecutor | None = None
_processes = 1


def configure(processes: int) -> None:
    """How many drawing processes to use (0: threads). Takes effect at the next `run`."""
    global _processes
    if processes != _processes:
        shutdown()
    _processes = max(0, processes)


def shutdown() -> None:
    """Stop the drawing processes (at the bot's shutdown; `run` starts them again)."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def _executor() -> ProcessPoolExecutor | None:
    global _pool
    if _processes == 0:
        return None
    if _pool is None:
        # "spawn": a fork of a process holding an event loop, threads and open database
        # connections is unsafe; the child imports what it draws with, once.
        _pool = ProcessPoolExecutor(_processes, mp_context=multiprocessing.get_context("spawn"))
    return _pool


def _in_locale(locale: str, call: Callable[[], T]) -> T:
    with use_locale(locale):
        return call()


async def run(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` in the drawing process (a thread if there is none), in the
    caller's locale. `fn` and its arguments must be picklable: module-level functions and
    plain records."""
    call = partial(_in_locale, current_locale(), partial(fn, *args, **kwargs))
    for attempt in (1, 2):
        try:
            pool = _executor()
            if pool is None:
                break
            return await asyncio.get_running_loop().run_in_executor(pool, call)
        except BrokenProcessPool:
            logger.warning("the drawing process died under %s (attempt %d)", fn, attempt)
            shutdown()  # the next attempt, or the next call, starts a new one
            if attempt == 2:
                raise
        except (OSError, RuntimeError) as error:  # no process can be started here
            logger.warning("no drawing process (%s); drawn in a thread", error)
            break
    return await asyncio.to_thread(call)
