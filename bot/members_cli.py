"""`roadmap-bot org add-members` and `roadmap-bot import`: scripting a region without Telegram.

Both do exactly what the chat does (the same services), so an admin can set up every
municipality of a region from files: its plan, then its schools with their contacts.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
from pathlib import Path

from bot.member_list import MemberList, MemberListError
from bot.members import read_member_document
from bot.settings import Settings

EXIT_OK = 0
EXIT_REFUSED = 2


async def read_member_file(path: Path) -> MemberList:
    """A member list from a text, CSV or XLSX file (read in the limited child, as in the
    chat), or raises MemberListError."""
    data = await asyncio.to_thread(path.read_bytes)
    return await read_member_document(data, path.name)


async def add_members_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.members import add_members
    from bot.people import invite_link
    from storage.db import create_engine, create_session_factory, upgrade
    from storage.statistics import wait_for_refreshes
    from storage.uow import UnitOfWork

    try:
        members = await read_member_file(Path(args.file))
    except OSError as error:
        print(f"add-members: cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return EXIT_REFUSED
    except MemberListError as error:
        print(f"add-members: {_describe(error)}", file=sys.stderr)
        return EXIT_REFUSED
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            parent = await uow.organisations.by_name(args.org)
            if parent is None:
                print(f"add-members: no organisation named {args.org!r}", file=sys.stderr)
                return EXIT_REFUSED
            result = await add_members(
                uow,
                parent_id=parent.id,
                members=members,
                now=SystemClock().now(),
            )
    finally:
        await wait_for_refreshes()  # the statistics of what was just written
        await engine.dispose()
    for member in result.added:
        line = f"added {member.name} ({member.kind})"
        if member.token:
            link = (
                invite_link(args.bot_username, member.token)
                if args.bot_username
                else f"https://t.me/<bot>?start={member.token}"
            )
            line += f"\tcoordinator {member.contact}: {link}"
        print(line)
    for name in result.existing:
        print(f"already a member: {name}")
    for line_number, text, reason in result.skipped:
        print(f"skipped line {line_number} ({reason}): {text}")
    print(
        f"{len(result.added)} added, {len(result.existing)} already there, "
        f"{len(result.skipped)} skipped; {result.obligations} obligations from the plans"
    )
    return EXIT_OK


def _describe(error: Exception) -> str:
    code = getattr(error, "code", "")
    params = getattr(error, "params", {})
    if code == "too_many":
        return f"the list has {params['count']} organisations; at most {params['limit']} at once"
    if code == "no_name_column":
        return "no column of organisation names; the columns are: " + ", ".join(
            params.get("columns", [])
        )
    if code == "too_big":
        return f"the file is over {params['limit'] // 1024} KB"
    return "the file cannot be read as a list of organisations"


async def import_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.import_flow import PeriodNeeded, save_roadmap
    from bot.limited_reader import read_roadmap
    from bot.roadmap.cli import parse_period
    from bot.roadmap.errors import ImportRefused
    from storage.db import create_engine, create_session_factory, upgrade
    from storage.statistics import wait_for_refreshes
    from storage.uow import UnitOfWork

    try:
        period = parse_period(args.period)
        data = await asyncio.to_thread(Path(args.file).read_bytes)
    except ValueError as error:
        print(f"import: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except OSError as error:
        print(f"import: cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        # In the limited child process, as the bot reads an upload.
        parsed = await read_roadmap(data, Path(args.file).name, period=period)
    except ImportRefused as error:
        print(f"import: refused ({error.reason}): {error}", file=sys.stderr)
        return EXIT_REFUSED
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            organisation = await uow.organisations.by_name(args.org)
            if organisation is None:
                print(f"import: no organisation named {args.org!r}", file=sys.stderr)
                return EXIT_REFUSED
            try:
                saved = await save_roadmap(
                    uow,
                    organisation_id=organisation.id,
                    parsed=parsed,
                    now=SystemClock().now(),
                    source_name=Path(args.file).name,
                    source_sha256=hashlib.sha256(data).hexdigest(),
                )
            except PeriodNeeded:
                print(
                    "import: the document states no plan period; give it with --period 2022-2024",
                    file=sys.stderr,
                )
                return EXIT_REFUSED
    finally:
        await wait_for_refreshes()  # the statistics of what was just written
        await engine.dispose()
    result = saved.result
    verb = "stored" if result.created else "updated"
    start, end = parsed.plan_period or (0, 0)
    print(
        f"{verb} «{parsed.title}» ({start}–{end}): "
        f"{len(parsed.measures)} measures, {len(result.organisation_ids)} organisations do "
        f"some of them; {len(parsed.problems)} rows to check"
    )
    if not result.created:
        print(
            f"added {len(result.added)}, changed {len(result.changed)}, "
            f"archived {len(result.archived)}"
        )
    return EXIT_OK
