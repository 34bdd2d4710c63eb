"""Inline buttons found by their kind (the typed callback data of bot/buttons), not by
their place on the keyboard (issue 30): a test says which button it means, and a
keyboard laid out anew does not make it press another."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.buttons import BadCallback, Button, parse_any
from bot.emulator import EmulatedUser
from bot.emulator.client import buttons as inline_buttons


def _kind_of(shown: dict[str, Any]) -> Button | None:
    try:
        return parse_any(shown.get("callback_data"))
    except BadCallback:
        return None


def _is(found: Button | None, kind: type[Button], fields: dict[str, object]) -> bool:
    return isinstance(found, kind) and all(
        getattr(found, name) == value for name, value in fields.items())


def _check_fields(kind: type[Button], fields: dict[str, object]) -> None:
    declared = {f.name for f in dataclasses.fields(kind)}  # type: ignore[arg-type]
    unknown = sorted(set(fields) - declared)
    if unknown:
        raise TypeError(f"{kind.__name__} has no field {', '.join(unknown)};"
                        f" its fields: {', '.join(sorted(declared)) or 'none'}")


def kinds_shown(message: dict[str, Any]) -> list[str]:
    """Each inline button of `message` as its kind and label, for failure messages."""
    shown = []
    for b in inline_buttons(message):
        found = _kind_of(b)
        what = (repr(found) if found is not None else
                "a link" if "callback_data" not in b else
                f"not a button of ours ({b['callback_data']!r})")
        shown.append(f"{what} {b.get('text')!r}")
    return shown


def buttons_of(message: dict[str, Any], kind: type[Button],
               **fields: object) -> list[dict[str, Any]]:
    """Every inline button of `message` whose callback data parses to a `kind` (with these
    field values, when given), in the order shown."""
    _check_fields(kind, fields)
    return [b for b in inline_buttons(message) if _is(_kind_of(b), kind, fields)]


def button(message: dict[str, Any], kind: type[Button], **fields: object) -> dict[str, Any]:
    """The one inline button of `message` whose callback data parses to a `kind` (with
    these field values, when given); fails, listing the kinds shown, unless exactly one."""
    found = buttons_of(message, kind, **fields)
    if len(found) != 1:
        wanted = f"{kind.__name__}({', '.join(f'{k}={v!r}' for k, v in fields.items())})"
        listed = "\n  ".join(kinds_shown(message)) or "(no inline buttons)"
        raise AssertionError(f"{len(found) or 'no'} {wanted} button{'s' * (len(found) > 1)}"
                             f" where one was expected; the message shows:\n  {listed}")
    return found[0]


def as_shown(user: EmulatedUser, message: dict[str, Any]) -> dict[str, Any]:
    """`message` as it stands now in the user's chat (after any edit)."""
    return next((m for m in user.bot_messages() if m["message_id"] == message["message_id"]),
                message)


async def press_kind(user: EmulatedUser, message: dict[str, Any], kind: type[Button],
                     **fields: object) -> str:
    """Tap the one button of `kind` (see `button`) on `message` as it stands now; the
    callback query's id."""
    current = as_shown(user, message)
    return await user.press(button(current, kind, **fields)["callback_data"], current)


async def press_first(user: EmulatedUser, message: dict[str, Any], kind: type[Button],
                      **fields: object) -> str:
    """Tap the first of several buttons of `kind` on `message` as it stands now (the first
    task of a list, when any will do); fails, listing the kinds shown, when there is none."""
    current = as_shown(user, message)
    found = buttons_of(current, kind, **fields)
    if not found:
        button(current, kind, **fields)  # fails, saying what is shown instead
    return await user.press(found[0]["callback_data"], current)
