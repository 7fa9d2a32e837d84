"""/import and documents sent by coordinators: receiving the plan and its preview
(`receiving.py`), the walk through a scan's doubtful cells before saving (`checks.py`).
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.services import Identity, Services
from handlers.callbacks import CheckAction, CheckCallback, ImportAction, ImportCallback
from handlers.filters import Coordinator, KnownPerson
from handlers.reports.albums import Albums
from handlers.roadmap_import import checks, receiving
from handlers.states import ImportForm
from storage.db import SessionFactory


def create_router() -> Router:
    router = Router(name=__name__)
    coordinator = Coordinator()
    router.message.register(receiving.cmd_cancel, Command("cancel"), StateFilter(ImportForm))
    router.message.register(receiving.cmd_import, Command("import"), coordinator)
    router.message.register(
        receiving.on_not_coordinator, Command("import"), KnownPerson(), ~coordinator
    )
    albums = Albums()

    async def on_album_page(
        message: Message,
        bot: Bot,
        state: FSMContext,
        identity: Identity,
        services: Services,
        session_factory: SessionFactory,
    ) -> None:
        album = await albums.collect(message)
        if album is not None:
            await receiving.receive_pages(album, bot, state, identity, services, session_factory)

    router.message.register(
        on_album_page,
        F.media_group_id,
        F.photo | F.document,
        coordinator,
        StateFilter(ImportForm.waiting_file),
    )
    router.message.register(
        receiving.on_document, F.document, coordinator, StateFilter(ImportForm)
    )
    # An idle coordinator's file is a plan, unless its caption names a measure ("1.2
    # приказ подписан"): that one is a report and goes on to the reports router.
    router.message.register(
        receiving.on_document,
        F.document,
        coordinator,
        StateFilter(None),
        receiving.caption_names_no_measure,
    )
    # An officer's file is never read as a plan: it goes on to the reports router, which
    # asks which measure it reports on (only coordinators import, so reading a report's
    # 500-page scan as a possible plan would only cost time).
    router.message.register(
        receiving.on_photo, F.photo, coordinator, StateFilter(ImportForm.waiting_file)
    )
    router.message.register(
        receiving.on_pasted_text,
        F.text,
        ~F.text.startswith("/"),
        coordinator,
        StateFilter(ImportForm.waiting_file),
    )
    router.message.register(
        receiving.on_preview_value,
        F.text,
        ~F.text.startswith("/"),
        coordinator,
        StateFilter(ImportForm.period, ImportForm.title),
    )
    router.message.register(
        checks.on_check_value,
        F.text,
        ~F.text.startswith("/"),
        coordinator,
        StateFilter(ImportForm.check_value),
    )
    router.callback_query.register(
        receiving.on_confirm, ImportCallback.filter(F.action == ImportAction.CONFIRM), coordinator
    )
    router.callback_query.register(
        checks.on_check_start, CheckCallback.filter(F.action == CheckAction.START), coordinator
    )
    router.callback_query.register(checks.on_check_button, CheckCallback.filter(), coordinator)
    router.callback_query.register(
        receiving.on_cancel_button,
        ImportCallback.filter(F.action == ImportAction.CANCEL),
        coordinator,
    )
    router.callback_query.register(
        receiving.on_period_button,
        ImportCallback.filter(F.action == ImportAction.PERIOD),
        coordinator,
    )
    router.callback_query.register(
        receiving.on_title_button,
        ImportCallback.filter(F.action == ImportAction.TITLE),
        coordinator,
    )
    router.callback_query.register(
        receiving.on_accept_period,
        ImportCallback.filter(F.action == ImportAction.ACCEPT_PERIOD),
        coordinator,
    )
    return router
