"""A morning's reminders fit a phone: about 1,500 characters and at most 8 buttons per
message, the ongoing measures' check-ins in one message of their own with one button, and
every outbox row carried by exactly one message (within Telegram's 4096 characters and
64-byte callback data, whatever the titles)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.reminders.delivery import ReminderMessage, RenderedReminder
from bot.reminders.morning import layout_morning
from bot.reminders.planner import DigestLine, DigestState
from handlers.middlewares.i18n import build_i18n
from handlers.views import reminder_messages
from storage.repositories.reminders import ClaimedReminder, Recipient

TODAY = date(2022, 8, 1)
RECIPIENT = Recipient(1, "Сидорова А.А.", 7002, "ru", "Europe/Kaliningrad", 9, None, 1, "Школа")
LONG = "Очень длинное название мероприятия <с разметкой> & " * 20


def _row(index: int, kind: str, title: str, document: str | None = None) -> ClaimedReminder:
    return ClaimedReminder(
        id=index,
        organisation_id=1,
        person_id=1,
        kind=kind,
        fire_at=datetime(2022, 8, 1, 7, tzinfo=UTC),
        attempts=0,
        occurrence_id=index,
        window_start=date(2022, 1, 1),
        due_date=date(2022, 8, 5),
        occurrence_status="open",
        measure_id=index,
        measure_number=f"{index // 10 + 1}.{index % 10 + 1}",
        measure_title=title,
        document_type=document,
    )


def _morning(
    checkins: int, deadlines: int, escalations: int = 0, title: str = "Мониторинг"
) -> ReminderMessage:
    rows: dict[int, ClaimedReminder] = {}
    lines: list[DigestLine] = []
    plan = (
        [(DigestState.OVERDUE, 3, "overdue_1")] * (deadlines // 2)
        + [(DigestState.DUE_IN, 4, "due_in_7")] * (deadlines - deadlines // 2)
        + [(DigestState.ESCALATION, 9, "escalation")] * escalations
        + [(DigestState.CHECKIN, 0, "checkin:2022-08")] * checkins
    )
    for index, (state, days, kind) in enumerate(plan, start=1):
        rows[index] = _row(index, kind, title, "Приказ, положение, справка " * 8)
        lines.append(DigestLine(index, state, days, date(2022, 8, 5), date(2022, 1, 1), (index,)))
    return ReminderMessage(RECIPIENT, lines, rows, {i: ["СОШ №3"] for i in rows}, TODAY)


def _render(message: ReminderMessage) -> list[RenderedReminder]:
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("ru"):
        return reminder_messages(message)


def _buttons(part: RenderedReminder) -> list:  # type: ignore[type-arg]
    assert part.keyboard is not None
    return [button for row in part.keyboard.inline_keyboard for button in row]


def test_a_school_contacts_heavy_morning_is_two_short_messages() -> None:
    # The morning: 124 monthly check-ins and 16 deadlines for one school contact.
    message = _morning(checkins=124, deadlines=16, title=LONG)
    parts = _render(message)
    assert len(parts) == 2
    deadlines, checkins = parts
    for part in parts:
        assert len(part.text) <= 1500
        assert len(_buttons(part)) <= 8
        assert all(len((b.callback_data or "").encode()) <= 64 for b in _buttons(part))
        assert "&lt;с разметкой&gt;" in part.text  # titles are escaped
    assert "📋 Показать все (16)" in [b.text for b in _buttons(deadlines)]
    assert "Постоянные мероприятия (124): что сделано за август?" in checkins.text
    assert [b.text for b in _buttons(checkins)] == ["📝 Отчитаться по нескольким"]
    # Every row is carried by exactly one message.
    carried = [rid for part in parts for rid in part.reminder_ids]
    assert sorted(carried) == sorted(message.rows)


def test_a_few_deadlines_each_get_their_buttons_and_nothing_is_hidden() -> None:
    parts = _render(_morning(checkins=0, deadlines=3))
    assert len(parts) == 1
    texts = [b.text for b in _buttons(parts[0])]
    assert texts == [
        "✅ 1.2 выполнено",
        "⋯ 1.2",
        "✅ 1.3 выполнено",
        "⋯ 1.3",
        "✅ 1.4 выполнено",
        "⋯ 1.4",
    ]
    assert "ещё" not in parts[0].text


def test_an_ordinary_first_of_the_month_is_one_checkin_message() -> None:
    parts = _render(_morning(checkins=13, deadlines=0))
    assert len(parts) == 1
    assert "Постоянные мероприятия (13)" in parts[0].text
    assert "… и ещё 8" in parts[0].text
    assert len(_buttons(parts[0])) == 1


def test_a_single_checkin_is_reported_on_directly() -> None:
    (part,) = _render(_morning(checkins=1, deadlines=0))
    assert [b.text for b in _buttons(part)] == ["📎 Отчёт", "⋯"]


def test_a_coordinators_escalations_are_counted_past_a_few() -> None:
    (part,) = _render(_morning(checkins=0, deadlines=0, escalations=40))
    assert "Просрочено и нет отчёта (40)" in part.text
    assert "… и ещё 35" in part.text
    assert len(part.text) <= 1500
    assert part.keyboard is None or len(_buttons(part)) <= 8


def test_the_layout_keeps_every_line_once_in_urgency_order() -> None:
    message = _morning(checkins=4, deadlines=9, escalations=7)
    layout = layout_morning(message.lines)
    everything = [*layout.deadline_lines, *layout.checkins]
    assert sorted(line.occurrence_key for line in everything) == sorted(
        line.occurrence_key for line in message.lines
    )
    assert len(layout.with_buttons) == 3 and len(layout.listed) == 3
    assert [line.state for line in layout.with_buttons] == [DigestState.OVERDUE] * 3
