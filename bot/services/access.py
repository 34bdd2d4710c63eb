"""Who may call a service: every entry point that changes or reveals office data checks
its actor here (the handlers check too, for a friendly answer; this is the rule).

The command line and the scheduler act as `SYSTEM`, explicitly: it is falsy, like "no
person", so that `actor.id if actor else None` reads naturally, but it is never `None` —
forgetting to say who acts is a TypeError, not the system's rights.
"""

from __future__ import annotations

from typing import Literal

from bot.rules.models import Person
from bot.services.errors import Refusal, Refused


class System:
    """The command line and the scheduler: they act for the office (audited as `cli`)."""

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = System()
Actor = Person | System


def label(actor: Actor) -> str:
    """How the audit log names the actor."""
    return f"person:{actor.id}" if actor else "cli"


def _checked(actor: object) -> Actor:
    if not isinstance(actor, Person | System):
        raise TypeError(f"a service was called without saying who acts: {actor!r}"
                        " (the command line passes SYSTEM)")
    return actor


def require_office(actor: Actor) -> None:
    """The office, an administrator, or the system; anyone else is refused."""
    actor = _checked(actor)
    if actor and not actor.is_office:
        raise Refused(Refusal.NOT_ALLOWED)


def require_person(actor: Actor) -> Person:
    """A person (for what only someone registered does); the system is not one."""
    actor = _checked(actor)
    if not actor:
        raise TypeError("this service acts for a person, not for the system")
    return actor
