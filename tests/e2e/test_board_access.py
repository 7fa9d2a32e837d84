"""The board over HTTP, on both engines: who gets in (initData checked, role read from the
database on every request), and that nothing of one organisation is reachable from another
by changing an id. The browser tests are in test_board_browser.py."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.board.auth import sign_init_data
from bot.clock import FixedClock
from bot.measure_edits import edit_measure
from bot.roadmap.edits import EditField
from bot.services import Services
from storage.models import Membership, Person, Role
from storage.uow import UnitOfWork
from tests.e2e.board_world import (
    COORDINATOR,
    FILE_CONTENT,
    FILE_NAME,
    NOW,
    OFFICER,
    OTHER_COORDINATOR,
    REPORT_TEXT,
    SCHOOL_COORDINATOR,
    board_server,
    board_settings,
    build_world,
    init_data,
)


async def _get(session: aiohttp.ClientSession, url: str, tma: str | None) -> tuple[int, bytes]:
    headers = {"Authorization": f"tma {tma}"} if tma is not None else {}
    async with session.get(url, headers=headers, allow_redirects=False) as response:
        return response.status, await response.read()


@pytest.fixture
async def world_and_url(session_factory, database_url: str, samples_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    files = tmp_path / "files"
    world = await build_world(session_factory, samples_dir, files)
    async with board_server(session_factory, board_settings(database_url, files)) as url:
        yield world, url


async def test_the_coordinator_gets_the_board_and_a_cell_with_its_report(world_and_url) -> None:  # type: ignore[no-untyped-def]
    world, url = world_and_url
    async with aiohttp.ClientSession() as session:
        status, body = await _get(session, url + "api/view", init_data(COORDINATOR))
        assert status == 200
        page = body.decode()
        assert 'id="board"' in page
        # Columns by school for a municipal plan: every school is a column.
        for school_id in world.school_names:
            assert f'data-c="o{school_id}"' in page
        status, body = await _get(
            session,
            url + f"api/cell?m={world.reported_measure}&c=o{world.reported_school}",
            init_data(COORDINATOR),
        )
        assert status == 200
        assert REPORT_TEXT in body.decode()
        assert FILE_NAME in body.decode()
        # The measure's history: the plan's import and the reminder sent about it.
        assert "план загружен" in body.decode()
        assert "напоминание отправлено" in body.decode()
        status, body = await _get(session, url + f"file/{world.attachment_id}?tma=x", None)
        assert status == 401
        async with session.get(
            url + f"file/{world.attachment_id}", params={"tma": init_data(COORDINATOR)}
        ) as response:
            assert response.status == 200
            assert await response.read() == FILE_CONTENT
            assert FILE_NAME in response.headers["Content-Disposition"]
        for fmt, magic in (("xlsx", b"PK"), ("docx", b"PK")):
            status, body = await _get(session, url + f"export.{fmt}", init_data(COORDINATOR))
            assert status == 200 and body.startswith(magic)


async def test_the_boards_municipal_export_holds_the_schools_sheet(world_and_url) -> None:  # type: ignore[no-untyped-def]
    """The XLSX a coordinator takes from the board of a municipal plan is the execution
    report by school too: a row per school, the reported school's row not all blank."""
    world, url = world_and_url
    async with aiohttp.ClientSession() as session:
        status, body = await _get(session, url + "export.xlsx", init_data(COORDINATOR))
    assert status == 200
    sheet = load_workbook(io.BytesIO(body))["По организациям"]
    rows = {
        str(row[0]): [c for c in row[1:] if c]
        for row in sheet.iter_rows(min_row=4, values_only=True)
        if row[0]
    }
    for name in world.school_names.values():
        assert name in rows, f"{name} is missing from the sheet"
    # The reports of the world are on the school's measures: the sheet says what they are.
    reported = world.school_names[world.reported_school]
    assert {"выполнено", "выполнено частично"} <= set(rows[reported])


async def test_a_measures_history_says_what_a_hand_edit_changed(  # type: ignore[no-untyped-def]
    world_and_url, database_url: str, tmp_path: Path, session_factory
) -> None:
    world, url = world_and_url
    async with UnitOfWork(session_factory) as uow:
        services = Services(
            uow=uow, clock=FixedClock(NOW), settings=board_settings(database_url, tmp_path)
        )
        identity = await services.identify(COORDINATOR, None)
        await edit_measure(
            uow,
            identity,
            world.reported_measure,
            EditField.DEADLINE,
            "ежегодно, ноябрь",
            now=NOW,
        )
    async with aiohttp.ClientSession() as session:
        status, body = await _get(
            session,
            url + f"api/cell?m={world.reported_measure}&c=o{world.reported_school}",
            init_data(COORDINATOR),
        )
    assert status == 200
    page = html.unescape(body.decode())
    assert "исправлено вручную: срок «" in page
    assert "» → «ежегодно, ноябрь»" in page


async def test_forged_stale_or_missing_init_data_gets_401(world_and_url) -> None:  # type: ignore[no-untyped-def]
    _world, url = world_and_url
    genuine = init_data(COORDINATOR)
    forged_user = genuine.replace(str(COORDINATOR), str(OTHER_COORDINATOR))
    other_token = sign_init_data(
        {"auth_date": str(int(NOW.timestamp())), "user": f'{{"id":{COORDINATOR}}}'},
        "1111:ANOTHER-BOT-TOKEN",
    )
    stale = init_data(COORDINATOR, auth_date=NOW - timedelta(days=2))
    future = init_data(COORDINATOR, auth_date=NOW + timedelta(hours=1))
    async with aiohttp.ClientSession() as session:
        for tma in (None, "", "garbage", forged_user, other_token, stale, future):
            for path in ("api/view", "api/cell?m=1&c=o1", "export.xlsx", "file/1"):
                status, body = await _get(session, url + path, tma)
                assert status == 401, (path, tma)
                assert b"board" not in body.lower() or b"initData" in body
        # The page shell itself holds no data and needs no credentials.
        status, body = await _get(session, url, None)
        assert status == 200 and b"board.js" in body and b"data-m=" not in body


async def test_an_officer_and_a_stranger_get_403_and_a_demoted_coordinator_too(  # type: ignore[no-untyped-def]
    world_and_url, session_factory
) -> None:
    _world, url = world_and_url
    async with aiohttp.ClientSession() as session:
        for tid in (OFFICER, 55_555_555):
            status, _body = await _get(session, url + "api/view", init_data(tid))
            assert status == 403
        # The role is read on every request: demoted now, refused now.
        assert (await _get(session, url + "api/view", init_data(COORDINATOR)))[0] == 200
        async with UnitOfWork(session_factory) as uow:
            assert uow.session is not None
            person_id = (
                await uow.session.execute(
                    select(Person.id).where(Person.telegram_user_id == COORDINATOR)
                )
            ).scalar_one()
            await uow.session.execute(
                update(Membership)
                .where(Membership.person_id == person_id)
                .values(role=Role.OFFICER.value)
            )
            await uow.commit()
        assert (await _get(session, url + "api/view", init_data(COORDINATOR)))[0] == 403


async def test_another_organisation_sees_nothing_of_this_one(world_and_url) -> None:  # type: ignore[no-untyped-def]
    world, url = world_and_url
    tma = init_data(OTHER_COORDINATOR)
    async with aiohttp.ClientSession() as session:
        status, body = await _get(session, url + "api/view", tma)
        assert status == 200
        page = body.decode()
        # Their own plan only: neither the office's plan, nor its schools, nor its reports.
        assert f'value="{world.roadmap_id}"' not in page
        assert "Правдинск" not in page and "СОШ" not in page
        for path in (
            f"api/view?plan={world.roadmap_id}",
            f"api/cell?plan={world.roadmap_id}&m={world.reported_measure}"
            f"&c=o{world.reported_school}",
            f"api/cell?m={world.reported_measure}&c=o{world.reported_school}",
            f"file/{world.attachment_id}",
            f"export.xlsx?plan={world.roadmap_id}",
        ):
            status, body = await _get(session, url + path, tma)
            assert status == 404, path
            assert REPORT_TEXT.encode() not in body
        # Filtering their own board by the office's school shows none of its data either.
        status, body = await _get(session, url + f"api/view?who=o{world.reported_school}", tma)
        assert status == 200
        assert not re.search(r"<td class=[a-z]>", body.decode())


async def test_a_school_sees_its_own_share_of_the_municipal_plan_only(world_and_url) -> None:  # type: ignore[no-untyped-def]
    world, url = world_and_url
    tma = init_data(SCHOOL_COORDINATOR)
    async with aiohttp.ClientSession() as session:
        status, body = await _get(
            session, url + f"api/view?plan={world.roadmap_id}&cols=month", tma
        )
        assert status == 200
        status, body = await _get(session, url + f"api/view?plan={world.roadmap_id}", tma)
        assert status == 200
        page = body.decode()
        # Its own column only: no other school, not the office's own share.
        assert set(re.findall(r'data-c="o(\d+)"', page)) == {str(world.own_school)}
        for school_id in world.school_names:
            if school_id != world.own_school:
                status, body = await _get(
                    session,
                    url + f"api/cell?plan={world.roadmap_id}&m={world.reported_measure}"
                    f"&c=o{school_id}&cols=school",
                    tma,
                )
                assert REPORT_TEXT.encode() not in body
                assert "<article" not in body.decode()


async def test_the_board_speaks_the_language_of_the_telegram_client(world_and_url) -> None:  # type: ignore[no-untyped-def]
    _world, url = world_and_url
    async with aiohttp.ClientSession() as session:
        english = (await _get(session, url + "api/view", init_data(COORDINATOR, language="en")))[1]
        russian = (await _get(session, url + "api/view", init_data(COORDINATOR, language="ru")))[1]
    assert ">Total<" in english.decode() and "not reported" in english.decode()
    assert ">Итого<" in russian.decode() and "нет отчёта" in russian.decode()


async def test_the_access_log_keeps_no_init_data(world_and_url, caplog) -> None:  # type: ignore[no-untyped-def]
    world, url = world_and_url
    tma = init_data(COORDINATOR)
    with caplog.at_level("INFO", logger="aiohttp.access"):
        async with (
            aiohttp.ClientSession() as session,
            session.get(url + f"file/{world.attachment_id}", params={"tma": tma}) as response,
        ):
            assert response.status == 200
    logged = [record.getMessage() for record in caplog.records if record.name == "aiohttp.access"]
    assert any(f"/file/{world.attachment_id} 200" in line for line in logged)
    assert not any("hash" in line or "tma" in line for line in logged)
