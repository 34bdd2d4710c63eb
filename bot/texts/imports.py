"""The words of imports that the services send: an interrupted import finished or not,
an import waiting for another large write, a plan's window moved, what to do next."""

from __future__ import annotations

import html

from bot.i18n import Translator
from bot.rules.models import BulkKind, BulkWrite


def finished_text(t: Translator, file: str, rows: int, counts: tuple[int, int, int]) -> str:
    """To the office: an import interrupted by a restart was finished."""
    inserted, updated, unchanged = counts
    return t._("✅ The import of {file}, interrupted by a restart, has been finished: {rows}"
               " rows — {inserted} new, {updated} changed, {unchanged} unchanged.").format(
        file=html.escape(file), rows=rows, inserted=inserted, updated=updated,
        unchanged=unchanged) + "\n" + next_text(t, {"targets"})  # only targets are chunked


def unfinished_text(t: Translator, file: str, rows: int, done: int) -> str:
    """To the office: an import interrupted by a restart cannot be finished."""
    return t._("⚠️ The import of {file} was interrupted by a restart and cannot be finished:"
               " its checked rows were deleted from the server. {done} of {rows} rows were"
               " loaded. Send the file again: loading it again changes only what differs."
               ).format(file=html.escape(file), done=done, rows=rows)


def waiting_text(t: Translator, current: BulkWrite) -> str:
    """What a person is told while their large import waits for another bulk write."""
    what = (t._("a draw's tasks are being written") if current.kind is BulkKind.DRAW
            else t._("another large import is being loaded"))
    return t._("⏳ Every row is checked, but {what}; the file is loaded as soon as that"
               " ends.").format(what=what)


def window_text(t: Translator, plan: str, start: str, due: str, listed: str, n: int) -> str:
    return t.ngettext(
        "🗓 The office changed the inspection window of plan {plan}: your {n} task ({listed})"
        " is now to be done between {start} and {due}. /tasks shows it.",
        "🗓 The office changed the inspection window of plan {plan}: your {n} tasks ({listed})"
        " are now to be done between {start} and {due}. /tasks shows them.", n).format(
        plan=plan, listed=listed, start=start, due=due, n=n)


def next_text(t: Translator, loaded: set[str]) -> str:
    """After a load in the bot: what the office does next (by the kinds loaded)."""
    if "plans" in loaded:
        return t._("Next: /draw prepares the draw of a plan (its announcement before the draw"
                   " date).")
    if loaded == {"checklist"}:
        return t._("Next: visits of its item use this checklist from now on; /draw once the"
                   " plans are in.")
    return t._("Next: send the next table (/templates has them all, in order: departments,"
               " inspectors, targets, items, plans), then /draw.")
