"""Errors a user can be told about: each carries an English msgid and its parameters.

Handlers never build error texts themselves: the error handler translates the msgid in
the user's language and formats it with the parameters.
"""

from __future__ import annotations

from typing import Any


def N_(msgid: str) -> str:
    """Marks a msgid for extraction where it is translated later (class attributes)."""
    return msgid


class UserError(Exception):
    """A problem caused by the user's request, with a message for them."""

    msgid: str = N_("Something went wrong, please try again.")

    def __init__(self, msgid: str | None = None, **params: Any) -> None:
        if msgid is not None:
            self.msgid = msgid
        self.params = params
        super().__init__(self.msgid.format(**params) if params else self.msgid)


class AccessDenied(UserError):
    msgid = N_("You do not have access to this.")


class NotFound(UserError):
    msgid = N_("Nothing found.")
