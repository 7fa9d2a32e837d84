"""The meaning of one question typed to the bot.

The JSON form from `Query.to_json` is the contract of `roadmap-bot ask --format json`, and the
question set in tests/fixtures/questions.jsonl is written in it: change it only additively.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

INTENTS = (
    "my_items",
    "person_items",
    "overdue",
    "by_number",
    "search",
    "summary",
    "not_reported",
    "help",
    "smalltalk",
    "unknown",
)
STATUS_FILTERS = ("overdue", "open", "done")

ME = "me"


@dataclass(frozen=True)
class Query:
    intent: str
    person: str | None = None  # "me", or a surname in the nominative ("Бобров", "Изотова")
    period_start: date | None = None
    period_end: date | None = None
    number: str | None = None  # measure number such as "1.1.2"
    topic: str | None = None  # lemmatised key word(s), lowercase, space-separated
    status_filter: str | None = None  # one of STATUS_FILTERS

    def to_json(self, text: str) -> dict[str, Any]:
        return {
            "query": text,
            "intent": self.intent,
            "person": self.person,
            "period_start": self.period_start.isoformat() if self.period_start else None,
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "number": self.number,
            "topic": self.topic,
            "status_filter": self.status_filter,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Query:
        def _day(value: str | None) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            intent=data["intent"],
            person=data.get("person"),
            period_start=_day(data.get("period_start")),
            period_end=_day(data.get("period_end")),
            number=data.get("number"),
            topic=data.get("topic"),
            status_filter=data.get("status_filter"),
        )
