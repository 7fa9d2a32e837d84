"""Button data is validated in one place (issue 13, case 4): every factory is listed in
`handlers.callbacks.FACTORIES`, the middleware accepts exactly what they unpack, and no
handler parses callback data by hand."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from aiogram.filters.callback_data import CallbackData

import handlers
from handlers.callbacks import (
    DB_INT_MAX,
    FACTORIES,
    PAGE_MAX,
    CheckAction,
    CheckCallback,
    OrgSettingsAction,
    OrgSettingsCallback,
    PageCallback,
    ReportCallback,
    SettingsAction,
    SettingsCallback,
    SummaryCallback,
    SummaryKind,
    page_data,
    report_data,
)
from handlers.middlewares.callbacks import RefuseUnknownButtons

HANDLERS_DIR = Path(handlers.__file__).parent


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def test_every_callback_data_factory_of_the_handlers_is_checked() -> None:
    for module in pkgutil.walk_packages(handlers.__path__, "handlers."):
        importlib.import_module(module.name)
    ours = {c for c in _all_subclasses(CallbackData) if c.__module__.startswith("handlers")}
    assert ours == set(FACTORIES)
    prefixes = [factory.__prefix__ for factory in FACTORIES]
    assert len(prefixes) == len(set(prefixes))


def test_no_handler_reads_callback_data_by_hand() -> None:
    hand_parsed = re.compile(r"\b(callback|query|event)\.data\b")
    offenders = [
        str(path.relative_to(HANDLERS_DIR))
        for path in HANDLERS_DIR.rglob("*.py")
        if path.name != "callbacks.py" and hand_parsed.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


REFUSE = RefuseUnknownButtons(FACTORIES)


@pytest.mark.parametrize(
    "button",
    [
        ReportCallback(occurrence_id=2**31 - 1),
        SettingsCallback(action=SettingsAction.HOUR, value="23"),
        SettingsCallback(action=SettingsAction.LANGUAGE, value="en"),
        SettingsCallback(action=SettingsAction.LEAVE, value="14"),
        SettingsCallback(action=SettingsAction.RESUME),
        OrgSettingsCallback(action=OrgSettingsAction.HOUR, value="7"),
        OrgSettingsCallback(action=OrgSettingsAction.CLOSING, value="0"),
        SummaryCallback(kind=SummaryKind.PERSON, key="12", start="2022-01-01", end="2022-12-31"),
        SummaryCallback(kind=SummaryKind.SECTION, key="3"),
        SummaryCallback(kind=SummaryKind.ORGANISATION, key="7", start="2022-01-01"),
        *(CheckCallback(action=action) for action in CheckAction),
    ],
)
def test_the_buttons_the_bot_makes_are_accepted(button: CallbackData) -> None:
    assert REFUSE.accepts(button.pack())


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "rep:2147483648",
        "rep:-1",
        "rep:1e3",
        "rep:١٢",  # Arabic-Indic digits: int() reads them, no button carries them
        "set:h:abc",
        "set:h:٣",
        "org:h:-1",
        "org:c:zzz",
        "org:c",
        "sum:o:99999999999::",
        "sum:o:abc::",
        "chk:zzz",
        "chk:ok:1",
        "nothing",
    ],
)
def test_forged_data_is_refused(data: str | None) -> None:
    assert not REFUSE.accepts(data)


def test_a_forged_value_cannot_be_built_either() -> None:
    with pytest.raises(ValueError):
        OrgSettingsCallback(action=OrgSettingsAction.CLOSING, value="zzz")


@pytest.mark.parametrize("occurrence_id", [0, 1, 12_345, DB_INT_MAX])
def test_report_data_is_what_the_factory_packs(occurrence_id: int) -> None:
    data = report_data(occurrence_id)
    assert data == ReportCallback(occurrence_id=occurrence_id).pack()
    assert ReportCallback.unpack(data).occurrence_id == occurrence_id


@pytest.mark.parametrize("occurrence_id", [-1, DB_INT_MAX + 1, "7:1"])
def test_report_data_refuses_what_the_factory_refuses(occurrence_id: object) -> None:
    with pytest.raises(ValueError):
        ReportCallback(occurrence_id=occurrence_id).pack()  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        report_data(occurrence_id)  # type: ignore[arg-type]


@pytest.mark.parametrize(("key", "page"), [("1", 0), ("17", 3), ("k", PAGE_MAX), ("9" * 50, 1)])
def test_page_data_is_what_the_factory_packs(key: str, page: int) -> None:
    data = page_data(key, page)
    assert data == PageCallback(key=key, page=page).pack()
    assert PageCallback.unpack(data) == PageCallback(key=key, page=page)


@pytest.mark.parametrize(
    ("key", "page"), [("", 1), ("a:b", 1), ("1", -1), ("1", PAGE_MAX + 1), ("9" * 60, 1)]
)
def test_page_data_refuses_what_the_factory_refuses(key: str, page: int) -> None:
    with pytest.raises(ValueError):
        PageCallback(key=key, page=page).pack()
    with pytest.raises(ValueError):
        page_data(key, page)
