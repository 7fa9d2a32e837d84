"""The board in a real headless Chromium (Debian's `chromium`, driven by Playwright with the
system browser): the cells match what the stored rows say, filters change them, a cell shows
its report and its file downloads. Screenshots on a phone-sized and a desktop-sized window
go to `artifacts/screenshots/` (git-ignored) for a person to look at.

Skipped with the reason when chromium or Playwright is missing locally; CI installs both
(`.ci/run`), and there a missing browser fails instead of skipping.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.board_world import (
    COORDINATOR,
    FILE_CONTENT,
    FILE_NAME,
    REPORT_TEXT,
    World,
    board_server,
    board_settings,
    build_world,
    expected_cells,
    init_data,
)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
THEME = {"bg_color": "#fdf6e3", "text_color": "#073642", "button_color": "#3390ec"}
START, END = date(2022, 1, 1), date(2022, 12, 31)


def _browser_or_skip() -> None:
    missing = None
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing = f"chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.async_api  # noqa: F401
        except ImportError:
            missing = "playwright is not installed (make install)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the board's browser tests must run in CI: {missing}")
        pytest.skip(missing)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    _browser_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def board(
    sqlite_url: str, samples_dir: Path, tmp_path: Path
) -> AsyncIterator[tuple[World, str, Any]]:
    from storage.db import create_engine, create_session_factory

    engine = create_engine(sqlite_url)
    session_factory = create_session_factory(engine)
    files = tmp_path / "files"
    world = await build_world(session_factory, samples_dir, files)
    try:
        async with board_server(session_factory, board_settings(sqlite_url, files)) as url:
            yield world, url, session_factory
    finally:
        await engine.dispose()


async def _page(browser: Any, *, width: int, height: int, tma: str) -> Any:
    context = await browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True, locale="ru-RU"
    )
    # What Telegram's client provides: window.Telegram.WebApp with initData and the theme.
    await context.add_init_script(
        f"window.Telegram = {{WebApp: {{initData: {json.dumps(tma)}, "
        f"themeParams: {json.dumps(THEME)}, ready() {{}}, expand() {{}}}}}};"
    )
    return await context.new_page()


async def _cells(page: Any) -> dict[tuple[int, str], str]:
    """{(measure id, column key): class} of the non-empty cells on the page."""
    found: dict[str, str] = await page.evaluate(
        """() => {
            const keys = [...document.querySelectorAll('#board thead th')].map(th => th.dataset.c);
            const cells = {};
            for (const row of document.querySelectorAll('#board tbody tr[data-m]')) {
                for (const td of row.cells) {
                    const key = keys[td.cellIndex];
                    if (key && td.className && !td.classList.contains('t'))
                        cells[row.dataset.m + '|' + key] = td.className.replace(' sel', '');
                }
            }
            return cells;
        }"""
    )
    return {(int(k.split("|")[0]), k.split("|")[1]): v for k, v in found.items()}


async def test_the_board_shows_what_the_rows_say_and_filters_change_it(board, browser) -> None:  # type: ignore[no-untyped-def]
    world, url, session_factory = board
    page = await _page(browser, width=1366, height=900, tma=init_data(COORDINATOR))
    await page.goto(url)
    await page.wait_for_selector("#board")

    expected = await expected_cells(session_factory, world.roadmap_id, START, END)
    assert await _cells(page) == expected
    # Telegram's theme colours are the page's.
    colours = await page.evaluate(
        "() => [getComputedStyle(document.body).backgroundColor,"
        " getComputedStyle(document.body).color]"
    )
    assert colours == ["rgb(253, 246, 227)", "rgb(7, 54, 66)"]
    assert {"d", "p", "o", "r"} <= set(expected.values())  # the sample has variety
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "board-desktop.png"), full_page=False)

    # Status filter: only the done cells remain (and the URL says so).
    await page.select_option("select[name=status]", "done")
    await page.wait_for_url(lambda u: "status=done" in u)
    await page.wait_for_selector("#board")
    done = await expected_cells(session_factory, world.roadmap_id, START, END, only="d")
    assert await _cells(page) == done
    assert 0 < len(done) < len(expected)

    # Columns by month, with the status filter reset.
    await page.click("a.reset")
    await page.wait_for_url(lambda u: "status=" not in u)
    await page.select_option("select[name=cols]", "month")
    await page.wait_for_url(lambda u: "cols=month" in u)
    await page.wait_for_selector("#board thead th[data-c='2022-05']")
    by_month = await expected_cells(session_factory, world.roadmap_id, START, END, by="month")
    assert await _cells(page) == by_month

    # Text search narrows the rows; the filter state survives a reload (it is in the URL).
    await page.fill("input[name=q]", "zzzz-nothing-like-this")
    await page.click("#filters button[type=submit]")
    await page.wait_for_selector("#nothing")
    await page.reload()
    await page.wait_for_selector("#nothing")
    assert await page.input_value("input[name=q]") == "zzzz-nothing-like-this"


async def test_a_cell_shows_its_report_and_its_file_downloads(board, browser) -> None:  # type: ignore[no-untyped-def]
    world, url, _session_factory = board
    page = await _page(browser, width=390, height=844, tma=init_data(COORDINATOR))
    await page.goto(url)
    await page.wait_for_selector("#board")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "board-phone.png"))

    # The first column sticks while the board scrolls sideways.
    first = page.locator("#board tbody th.m").first
    before = await first.bounding_box()
    await page.evaluate("document.querySelector('.scroll').scrollLeft = 400")
    after = await first.bounding_box()
    assert before is not None and after is not None and abs(before["x"] - after["x"]) < 1

    column = await page.evaluate(
        "key => [...document.querySelectorAll('#board thead th')]"
        ".findIndex(th => th.dataset.c === key)",
        f"o{world.reported_school}",
    )
    assert column > 0
    cell = page.locator(
        f"#board tbody tr[data-m='{world.reported_measure}'] > :nth-child({column + 1})"
    )
    await cell.scroll_into_view_if_needed()
    await cell.click()
    panel = page.locator("#cell")
    await panel.get_by_text(REPORT_TEXT).wait_for()
    assert "Белкова С.Н." in await panel.inner_text()
    await page.screenshot(path=str(SCREENSHOTS / "board-phone-cell.png"))
    async with page.expect_download() as waiting:
        await panel.get_by_text(FILE_NAME).click()
    download = await waiting.value
    assert download.suggested_filename == FILE_NAME
    saved = await download.path()
    assert await asyncio.to_thread(Path(saved).read_bytes) == FILE_CONTENT


async def test_without_telegram_or_with_a_forged_init_data_the_page_says_so(
    board, browser
) -> None:  # type: ignore[no-untyped-def]
    _world, url, _session_factory = board
    page = await _page(browser, width=390, height=844, tma="")
    await page.goto(url)
    await page.wait_for_selector("#error[data-status='0']")
    assert "Telegram" in await page.inner_text("#error")
    forged = init_data(COORDINATOR).replace("hash=", "hash=0")
    page = await _page(browser, width=390, height=844, tma=forged)
    await page.goto(url)
    await page.wait_for_selector("#error[data-status='401']")
    assert await page.locator("#board").count() == 0
