"""What one morning's reminders look like on a phone: which lines get buttons, which are
listed, which are only counted, and the check-ins set apart.

Pure: lines in (`bot.reminders.planner.coalesce_due`), a layout out. A school contact of a
municipal plan may have dozens of items on a morning (a hundred continuous measures' monthly
check-ins at once): the message stays readable between lessons — about 1,500 characters and
8 buttons — by giving buttons to what is due soonest, counting the rest behind a "show all"
pager, and asking about all ongoing measures at once in a message of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.reminders.planner import DigestLine, DigestState

BUTTON_ITEMS = 3  # lines with their own buttons (two each), plus "show all": ≤ 8 buttons
TEXT_ITEMS = 6  # lines written out in the message; the rest is a count
ESCALATION_ITEMS = 5  # the coordinator's "overdue and not reported" lines written out
CHECKIN_ITEMS = 5  # ongoing measures named in the check-in message
MESSAGE_CHARS = 1500  # what fits a phone's screen or two


@dataclass(frozen=True)
class MorningLayout:
    """One person's morning: the deadline message and the check-in message (either may be
    empty). Every line of the morning is in exactly one of the lists."""

    with_buttons: list[DigestLine] = field(default_factory=list)
    listed: list[DigestLine] = field(default_factory=list)  # written out, no buttons
    counted: list[DigestLine] = field(default_factory=list)  # behind "show all"
    escalations: list[DigestLine] = field(default_factory=list)  # written out
    escalations_counted: list[DigestLine] = field(default_factory=list)
    checkins: list[DigestLine] = field(default_factory=list)

    @property
    def deadline_lines(self) -> list[DigestLine]:
        """Every line the deadline message stands for (its rows are marked with it)."""
        return [
            *self.with_buttons,
            *self.listed,
            *self.counted,
            *self.escalations,
            *self.escalations_counted,
        ]

    @property
    def hidden(self) -> int:
        return len(self.counted) + len(self.escalations_counted)


def layout_morning(
    lines: Sequence[DigestLine],
    *,
    button_items: int = BUTTON_ITEMS,
    text_items: int = TEXT_ITEMS,
    escalation_items: int = ESCALATION_ITEMS,
) -> MorningLayout:
    """Split a morning's lines (already in urgency order) into what the messages show."""
    own = [
        line for line in lines if line.state not in (DigestState.ESCALATION, DigestState.CHECKIN)
    ]
    escalations = [line for line in lines if line.state is DigestState.ESCALATION]
    checkins = [line for line in lines if line.state is DigestState.CHECKIN]
    shown = own[:text_items]
    return MorningLayout(
        with_buttons=shown[:button_items],
        listed=shown[button_items:],
        counted=own[text_items:],
        escalations=escalations[:escalation_items],
        escalations_counted=escalations[escalation_items:],
        checkins=checkins,
    )


def tighter(layout: MorningLayout) -> MorningLayout | None:
    """The same morning with one written-out line fewer (moved behind "show all"), when the
    message is too long for a phone; None when nothing more can be moved."""
    if layout.listed:
        return MorningLayout(
            with_buttons=layout.with_buttons,
            listed=layout.listed[:-1],
            counted=[layout.listed[-1], *layout.counted],
            escalations=layout.escalations,
            escalations_counted=layout.escalations_counted,
            checkins=layout.checkins,
        )
    if layout.escalations:
        return MorningLayout(
            with_buttons=layout.with_buttons,
            listed=layout.listed,
            counted=layout.counted,
            escalations=layout.escalations[:-1],
            escalations_counted=[layout.escalations[-1], *layout.escalations_counted],
            checkins=layout.checkins,
        )
    if len(layout.with_buttons) > 1:
        return MorningLayout(
            with_buttons=layout.with_buttons[:-1],
            listed=layout.listed,
            counted=[layout.with_buttons[-1], *layout.counted],
            escalations=layout.escalations,
            escalations_counted=layout.escalations_counted,
            checkins=layout.checkins,
        )
    return None
