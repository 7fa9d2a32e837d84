"""The drawing process (bot.offload): work runs in another process, in the caller's
locale; without processes (RENDER_PROCESSES=0), in a thread; a process that dies under the
work is replaced (one more try, never the bot's own process) and the next call works."""

from __future__ import annotations

import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest

from bot import offload
from bot.i18n import _, use_locale


def whose_work(text: str) -> tuple[int, str]:
    return os.getpid(), _(text)


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.fixture(autouse=True)
def fresh_pool():
    offload.shutdown()
    yield
    offload.configure(1)
    offload.shutdown()


async def test_work_runs_in_another_process_in_the_callers_locale() -> None:
    offload.configure(1)
    with use_locale("ru"):
        pid, text = await offload.run(whose_work, "Cancel")
    assert pid != os.getpid()
    assert text == "Отмена"
    with use_locale("en"):
        pid_again, text = await offload.run(whose_work, "Cancel")
    assert pid_again == pid  # one process, started once
    assert text == "Cancel"


async def test_without_processes_the_work_runs_in_a_thread_of_this_process() -> None:
    offload.configure(0)
    with use_locale("ru"):
        pid, text = await offload.run(whose_work, "Cancel")
    assert pid == os.getpid()
    assert text == "Отмена"


async def test_a_dead_process_loses_no_work() -> None:
    offload.configure(1)
    first, _text = await offload.run(whose_work, "Cancel")
    with pytest.raises(BrokenProcessPool):  # killed twice: said, not tried in this process
        await offload.run(die)
    pid, text = await offload.run(whose_work, "Cancel")
    assert pid not in (first, os.getpid())
    assert text == "Отмена"
