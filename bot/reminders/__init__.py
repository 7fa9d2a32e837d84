"""Reminders: planning rows from schedules and merging the due ones into morning messages."""

from bot.reminders.planner import (
    CATCH_UP_GRACE,
    Cadence,
    DeliveryKey,
    DigestLine,
    DigestState,
    DueReminder,
    OccurrenceSpec,
    PlannedReminder,
    ReminderKind,
    coalesce_due,
    delivery_moment,
    group_for_delivery,
    occurrences_for,
    plan_escalation,
    plan_reminders,
    reschedule_for_snooze,
)

__all__ = [
    "CATCH_UP_GRACE",
    "Cadence",
    "DeliveryKey",
    "DigestLine",
    "DigestState",
    "DueReminder",
    "OccurrenceSpec",
    "PlannedReminder",
    "ReminderKind",
    "coalesce_due",
    "delivery_moment",
    "group_for_delivery",
    "occurrences_for",
    "plan_escalation",
    "plan_reminders",
    "reschedule_for_snooze",
]
