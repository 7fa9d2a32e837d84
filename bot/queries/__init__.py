"""Understanding free-text questions about a roadmap, and selecting the measures they ask for.

Pure domain code: no Telegram, no database. "today" is always passed in.
"""

from bot.queries.model import Query
from bot.queries.parse import parse_query

__all__ = ["Query", "parse_query"]
