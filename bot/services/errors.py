"""The one way a service says no."""

from __future__ import annotations


class Refused(Exception):
    """A request the rules refuse; `reason` is a stable key the caller turns into text."""

    def __init__(self, reason: str, **params: str) -> None:
        super().__init__(f"{reason} {params}" if params else reason)
        self.reason = reason
        self.params = params
