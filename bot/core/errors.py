"""The error a person sees: what was wrong and what to type instead. Nothing is written."""

from __future__ import annotations


class UserError(Exception):
    """A message for the person who ran the command, as a catalog msgid plus its values.

    Raising it rolls back the command's transaction, so bad input leaves nothing half-done.
    """

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.values = values
