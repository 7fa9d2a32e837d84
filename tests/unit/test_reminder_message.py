"""A morning message with the most lines delivery puts in one message stays within
Telegram's limits (4096 characters, 100 buttons, 64-byte callback data)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.reminders.delivery import LINES_PER_MESSAGE, ReminderMessage, fit_messages
from bot.reminders.planner import DigestLine, DigestState
from handlers.middlewares.i18n import build_i18n
from handlers.views import reminder_message
from storage.repositories.reminders import ClaimedReminder, Recipient


def test_a_full_message_fits_telegram() -> None:
    today = date(2022, 5, 24)
    rows = {}
    lines = []
    for index in range(LINES_PER_MESSAGE):
        rows[index + 1] = ClaimedReminder(
            id=index + 1,
            organisation_id=1,
            person_id=1,
            kind="due_in_7",
            fire_at=datetime(2022, 5, 24, 7, tzinfo=UTC),
            attempts=0,
            occurrence_id=index + 1,
            window_start=date(2022, 5, 1),
            due_date=date(2022, 5, 31),
            occurrence_status="open",
            measure_id=index + 1,
            measure_number=f"10.10.{index + 10}",
            measure_title="Очень длинное название мероприятия <с разметкой> & " * 20,
            document_type="Приказ, положение, аналитическая справка и протокол " * 10,
        )
        lines.append(
            DigestLine(
                index + 1, DigestState.DUE_IN, 7, date(2022, 5, 31), date(2022, 5, 1), (index + 1,)
            )
        )
    recipient = Recipient(1, "Бобров В.С.", 7002, "ru", "Europe/Kaliningrad", 9, None, 1, "Школа")
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("ru"):
        parts = fit_messages(ReminderMessage(recipient, lines, rows, {}, today), reminder_message)
    assert 1 < len(parts) < LINES_PER_MESSAGE  # split, but not line by line
    # Every line is in exactly one message, in order.
    assert [line for part in parts for line in part[0].lines] == lines
    for _message, text, keyboard in parts:
        assert len(text) <= 4096
        assert "&lt;с разметкой&gt;" in text  # document text is escaped
        assert keyboard is not None
        buttons = [button for row in keyboard.inline_keyboard for button in row]
        assert len(buttons) <= 100
        assert all(len((b.callback_data or "").encode()) <= 64 for b in buttons)


def test_an_ordinary_morning_is_one_message() -> None:
    today = date(2022, 6, 1)
    rows, lines = {}, []
    for index in range(13):
        rows[index + 1] = ClaimedReminder(
            id=index + 1,
            organisation_id=1,
            person_id=1,
            kind="checkin:2022-06",
            fire_at=datetime(2022, 6, 1, 7, tzinfo=UTC),
            attempts=0,
            occurrence_id=index + 1,
            window_start=date(2022, 1, 1),
            due_date=date(2024, 12, 31),
            occurrence_status="open",
            measure_id=index + 1,
            measure_number=f"1.{index}",
            measure_title="Мониторинг качества образования",
            document_type=None,
        )
        lines.append(
            DigestLine(
                index + 1,
                DigestState.CHECKIN,
                0,
                date(2024, 12, 31),
                date(2022, 1, 1),
                (index + 1,),
            )
        )
    recipient = Recipient(1, "Бобров В.С.", 7002, "ru", "Europe/Kaliningrad", 9, None, 1, "Школа")
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("ru"):
        parts = fit_messages(ReminderMessage(recipient, lines, rows, {}, today), reminder_message)
    assert len(parts) == 1
