"""`roadmap-bot`: run the bot, chat with it locally, migrate, parse a plan, ask a question."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError

from bot.clock import Clock
from bot.settings import Settings, describe_errors

logger = logging.getLogger("roadmap_bot")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        for line in describe_errors(error):
            print(f"configuration error: {line}", file=sys.stderr)
        raise SystemExit(2) from None


def _clock(settings: Settings, value: str | None) -> Clock:
    from bot.clock import ShiftedClock, SystemClock, parse_clock_argument

    if value is None:
        return SystemClock()
    try:
        start = parse_clock_argument(value, settings.default_timezone)
    except ValueError:
        print(f"--clock: not an ISO date-time: {value!r}", file=sys.stderr)
        raise SystemExit(2) from None
    logger.warning("the clock is set to %s and runs on from there (--clock)", start.isoformat())
    return ShiftedClock(start)


async def _run(settings: Settings, clock_value: str | None, webhook: str | None) -> int:
    from bot.app import StartupError, build_app
    from bot.runner import run_polling, run_webhook

    if webhook and settings.redis_url and not settings.webhook_secret:
        print(
            "WEBHOOK_SECRET: required with REDIS_URL (every process behind the webhook URL "
            "must check the same secret)",
            file=sys.stderr,
        )
        return 2
    clock = _clock(settings, clock_value)
    try:
        app = await build_app(settings, clock)
    except StartupError as error:
        print(str(error), file=sys.stderr)
        return 2
    from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError

    try:
        if webhook:
            await run_webhook(app, webhook)
        else:
            await run_polling(app)
    except TelegramUnauthorizedError:
        print("BOT_TOKEN: Telegram does not accept this token", file=sys.stderr)
        return 2
    except TelegramAPIError as error:
        print(f"Telegram refused to start the bot: {error.message}", file=sys.stderr)
        return 2
    finally:
        await app.close()
    return 0


async def _web(settings: Settings, listen: str) -> int:
    from bot.app import StartupError, build_app
    from bot.runner import run_web

    if settings.bot_token is None:
        print(
            "BOT_TOKEN is not set: the board checks Telegram's signature with it", file=sys.stderr
        )
        return 2
    if not re.fullmatch(r"[^:\s]*:\d{1,5}", listen):
        print(f"--listen: expected HOST:PORT, got {listen!r}", file=sys.stderr)
        return 2
    try:
        # The bot beside it applies the migrations (two processes migrating at once race).
        app = await build_app(settings, _clock(settings, None), migrate=False, set_commands=False)
    except StartupError as error:
        print(str(error), file=sys.stderr)
        return 2
    try:
        await run_web(app, listen)
    finally:
        await app.close()
    return 0


async def _chat(
    settings: Settings, clock_value: str | None, as_name: str | None, org_name: str | None
) -> int:
    from bot.app import StartupError, build_app
    from bot.console import CONSOLE_USER_ID, ConsoleChat, ConsoleSession, run_console
    from bot.demo.setup import DemoSetupError, link_console_user
    from bot.runner import background_jobs
    from storage.uow import UnitOfWork

    clock = _clock(settings, clock_value)
    session = ConsoleSession(clock, files_dir=settings.files_dir / "console")
    try:
        app = await build_app(settings, clock, session=session)
    except StartupError as error:
        print(str(error), file=sys.stderr)
        return 2
    try:
        async with UnitOfWork(app.session_factory) as uow:
            try:
                who = await link_console_user(
                    uow,
                    clock,
                    telegram_user_id=CONSOLE_USER_ID,
                    organisation_name=org_name,
                    as_name=as_name,
                )
            except DemoSetupError as error:
                print(f"chat: {error}", file=sys.stderr)
                return 2
        interactive = sys.stdin.isatty()
        if interactive:
            print(f"You are {who.person_name} ({who.role}) in {who.organisation_name}.")
        chat = ConsoleChat(app, session, user_name=who.person_name.split()[0])
        await app.dispatcher.emit_startup(bot=app.bot, **app.dispatcher.workflow_data)
        async with background_jobs(app):
            await run_console(chat, sys.stdin, interactive=interactive)
        await app.dispatcher.emit_shutdown(bot=app.bot, **app.dispatcher.workflow_data)
    finally:
        await app.close()
    return 0


def _migrate(settings: Settings) -> int:
    from storage.db import upgrade_sync

    try:
        upgrade_sync(settings.database_url)
    except Exception as error:
        print(f"DATABASE_URL: migration failed: {error}", file=sys.stderr)
        return 2
    print("database is up to date")
    return 0


async def _org_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.errors import UserError
    from bot.people import create_organisation, display_name, invite_by_name, invite_link
    from storage.db import create_engine, create_session_factory, upgrade
    from storage.models import Role
    from storage.uow import UnitOfWork

    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    clock = SystemClock()
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            if args.command == "org" and args.org_command == "list":
                for organisation in await uow.organisations.list():
                    print(f"{organisation.name}\t{organisation.timezone}")
                return 0
            if args.command == "org":
                organisation, token = await create_organisation(
                    uow,
                    name=args.name,
                    timezone=args.timezone or settings.default_timezone,
                    now=clock.now(),
                    coordinator_name=args.coordinator,
                    morning_hour=args.hour,
                )
                print(f"created {organisation.name} ({organisation.timezone})")
                name = display_name(args.coordinator)
            else:
                found = await uow.organisations.by_name(args.org)
                if found is None:
                    print(f"invite: no organisation named {args.org!r}", file=sys.stderr)
                    return 2
                organisation = found
                name, token = await invite_by_name(
                    uow,
                    organisation_id=organisation.id,
                    full_name=args.name,
                    now=clock.now(),
                    role=Role(args.role),
                )
            if token:
                link = (
                    invite_link(args.bot_username, token)
                    if args.bot_username
                    else f"https://t.me/<bot>?start={token}"
                )
                print(f"invite for {name} (single use, 7 days): {link}")
            return 0
    except UserError as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()


async def _export_command(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.clock import SystemClock
    from bot.coordination import export
    from bot.errors import UserError
    from storage.db import create_engine, create_session_factory, upgrade
    from storage.uow import UnitOfWork

    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            organisation = await uow.organisations.by_name(args.org)
            if organisation is None:
                print(f"export: no organisation named {args.org!r}", file=sys.stderr)
                return 2
            try:
                document = await export(
                    uow,
                    None,
                    now=SystemClock().now(),
                    fmt=args.format,
                    text=args.period,
                    organisation_id=organisation.id,
                    locale=args.language,
                )
            except UserError as error:
                print(f"export: {error}", file=sys.stderr)
                return 2
        target = Path(args.out) if args.out else Path(document.file_name)
        target.write_bytes(document.content)
        print(f"written {target} ({len(document.content)} bytes)")
        return 0
    finally:
        await engine.dispose()


def _backup_command(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.backup import BackupError, create_backup
    from bot.clock import SystemClock

    now = SystemClock().now()
    target = Path(args.out or f"roadmap-backup-{now.strftime('%Y%m%d-%H%M%S')}.tar.gz")
    try:
        result = create_backup(settings, target, now=now, files_only=args.files_only)
    except (BackupError, OSError) as error:
        print(f"backup: {error}", file=sys.stderr)
        return 2
    what = "the database and " if result.database else ""
    print(f"written {result.archive} ({result.bytes} bytes): {what}{result.files} files")
    if not result.database and not settings.is_sqlite:
        print("the PostgreSQL database is not in it: back it up with pg_dump (README)")
    return 0


def _restore_command(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.backup import BackupError, restore_backup
    from bot.clock import SystemClock

    try:
        result = restore_backup(
            settings,
            Path(args.archive),
            now=SystemClock().now(),
            force=args.force,
            files_only=args.files_only,
        )
    except (BackupError, OSError) as error:
        print(f"restore: {error}", file=sys.stderr)
        return 2
    if result.moved_aside is not None:
        print(f"the database that was there is kept as {result.moved_aside}")
    if result.database is not None:
        print(f"restored the database to {result.database} (migrated when the bot starts)")
    print(f"restored {result.files} files into {settings.files_dir}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roadmap-bot",
        description="Telegram assistant for education roadmaps (plans of measures).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the bot (long polling, or a webhook)")
    run.add_argument("--webhook", metavar="URL", help="serve a webhook at this public URL")
    run.add_argument("--clock", metavar="ISO-DATETIME", help="start the bot's clock here")

    web = commands.add_parser(
        "web", help="serve the coordinator's board (next to a bot that runs by polling)"
    )
    web.add_argument(
        "--listen", metavar="HOST:PORT", default="0.0.0.0:8081", help="default 0.0.0.0:8081"
    )

    chat = commands.add_parser("chat", help="talk to the bot in this terminal (no Telegram)")
    chat.add_argument("--as", dest="as_name", metavar="NAME", help="play this person of the plan")
    chat.add_argument("--org", metavar="NAME", help="organisation (default: the demo one)")
    chat.add_argument("--clock", metavar="ISO-DATETIME", help="start the bot's clock here")

    commands.add_parser("migrate", help="apply database migrations")

    org = commands.add_parser("org", help="organisations (the bot's owner)")
    org_commands = org.add_subparsers(dest="org_command", required=True)
    org_create = org_commands.add_parser("create", help="create an organisation")
    org_create.add_argument("name")
    org_create.add_argument("--timezone", help="IANA name (default: DEFAULT_TIMEZONE)")
    org_create.add_argument("--hour", type=int, default=9, help="morning hour of reminders")
    org_create.add_argument(
        "--coordinator",
        required=True,
        metavar="NAME",
        help="the first coordinator, e.g. 'Воропаева Е.В.'",
    )
    org_create.add_argument("--bot-username", help="to print the full t.me link")
    org_commands.add_parser("list", help="list organisations")
    members = org_commands.add_parser(
        "add-members",
        help="add member organisations (a municipality's schools) from a list or a table",
    )
    members.add_argument("--org", required=True, metavar="NAME", help="the parent organisation")
    members.add_argument(
        "file", help="one organisation a line ('; contact' optional), CSV or XLSX"
    )
    members.add_argument("--bot-username", help="to print the full t.me links")

    import_parser = commands.add_parser(
        "import", help="store a roadmap for an organisation, as the chat import would"
    )
    import_parser.add_argument("--org", required=True, metavar="NAME")
    import_parser.add_argument("file")
    import_parser.add_argument("--period", metavar="Y1-Y2", help="plan period, e.g. 2022-2024")

    invite = commands.add_parser("invite", help="an invite link for a person")
    invite.add_argument("--org", required=True, metavar="NAME")
    invite.add_argument("--name", required=True, metavar="NAME")
    invite.add_argument("--role", choices=["officer", "coordinator"], default="officer")
    invite.add_argument("--bot-username", help="to print the full t.me link")

    export_parser = commands.add_parser("export", help="the execution report as XLSX or DOCX")
    export_parser.add_argument("--org", required=True, metavar="NAME")
    export_parser.add_argument(
        "--period", help="2022, 2022Q1, 2022-01-01..2022-03-31 or words (default: the plan)"
    )
    export_parser.add_argument("--format", choices=["xlsx", "docx"], default="xlsx")
    export_parser.add_argument("--language", choices=["ru", "en"], default="ru")
    export_parser.add_argument("--out", metavar="FILE", help="default: the suggested file name")

    backup = commands.add_parser(
        "backup", help="the SQLite database and the files directory as one archive"
    )
    backup.add_argument("--out", metavar="FILE", help="default: roadmap-backup-<time>.tar.gz")
    backup.add_argument(
        "--files-only", action="store_true", help="only FILES_DIR (with PostgreSQL: pg_dump)"
    )
    restore = commands.add_parser("restore", help="put a backup back, with the bot stopped")
    restore.add_argument("archive")
    restore.add_argument(
        "--force", action="store_true", help="replace an existing database (kept beside it)"
    )
    restore.add_argument("--files-only", action="store_true", help="only the files")

    parse = commands.add_parser("parse", help="read a roadmap document and print what it means")
    parse.add_argument("file")
    parse.add_argument("--period", metavar="Y1-Y2", help="plan period, e.g. 2022-2024")
    parse.add_argument("--format", choices=["json", "text"], default="text")

    ask = commands.add_parser("ask", help="show how questions are understood")
    ask.add_argument("questions", nargs="*", help="questions (default: one per line on stdin)")
    ask.add_argument("--today", type=date.fromisoformat, help="today's date, YYYY-MM-DD")
    ask.add_argument("--as", dest="as_name", metavar="NAME", help="who is asking")
    ask.add_argument("--format", choices=["json", "text"], default="json")
    ask.add_argument(
        "--plan",
        metavar="YEARS",
        help="the asker's plan years, e.g. 2022-2024 (months fall inside)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    if args.command == "parse":
        from bot.roadmap.cli import parse_command

        return parse_command(args.file, args.period, args.format)
    if args.command == "ask":
        from bot.queries.cli import ask_command

        questions = list(args.questions) or [line.rstrip("\n") for line in sys.stdin]
        today = args.today or _today()
        return ask_command(
            [q for q in questions if q.strip()], today, args.as_name, args.format, args.plan
        )

    settings = load_settings()
    from bot.logging_setup import setup_logging

    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    setup_logging(settings.log_level, token)
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "run":
        if settings.bot_token is None:
            print(
                "BOT_TOKEN is not set: starting the local chat mode instead (roadmap-bot chat).",
                file=sys.stderr,
            )
            return asyncio.run(_chat(settings, args.clock, None, None))
        return asyncio.run(_run(settings, args.clock, args.webhook))
    if args.command == "web":
        return asyncio.run(_web(settings, args.listen))
    if args.command == "chat":
        return asyncio.run(_chat(settings, args.clock, args.as_name, args.org))
    if args.command == "org" and args.org_command == "add-members":
        from bot.members_cli import add_members_command

        return asyncio.run(add_members_command(settings, args))
    if args.command == "import":
        from bot.members_cli import import_command

        return asyncio.run(import_command(settings, args))
    if args.command in {"org", "invite"}:
        return asyncio.run(_org_command(settings, args))
    if args.command == "export":
        return asyncio.run(_export_command(settings, args))
    if args.command == "backup":
        return _backup_command(settings, args)
    if args.command == "restore":
        return _restore_command(settings, args)
    return 2


def _today() -> date:
    from bot.clock import SystemClock

    return SystemClock().now().date()


if __name__ == "__main__":
    raise SystemExit(main())
