"""Closing the app: updates still being handled finish first."""

from __future__ import annotations


async def test_closing_lets_updates_finish_and_cancels_the_stuck_ones() -> None:
    """aiogram's polling does not wait for updates being handled; the app does, so no
    handler still holds a database connection (or a reading child) when it closes."""
    import asyncio
    from types import SimpleNamespace

    from bot.app import App

    events: list[str] = []

    async def quick() -> None:
        await asyncio.sleep(0.05)
        events.append("quick finished")

    async def stuck() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            events.append("stuck cleaned up")

    tasks = {asyncio.create_task(quick()), asyncio.create_task(stuck())}
    app = SimpleNamespace(dispatcher=SimpleNamespace(_handle_update_tasks=tasks))
    await App.finish_updates(app, 0.5)  # type: ignore[arg-type]
    assert sorted(events) == ["quick finished", "stuck cleaned up"]
    assert all(task.done() for task in tasks)
