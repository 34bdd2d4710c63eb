"""The words of recovery at start: a large write that cannot be finished."""

from __future__ import annotations

import html

from bot.i18n import Translator
from bot.rules.models import BulkKind, BulkWrite


def stuck_text(t: Translator, taken: BulkWrite, error: str) -> str:
    what = t._("an import") if taken.kind is BulkKind.IMPORT else t._("a draw's tasks")
    return t._("⚠️ A large write ({what}) interrupted earlier cannot be finished: {error}."
               " Choucha tries again every half minute; until it is finished no other large"
               " import or draw can be written. Tell the administrator.").format(
        what=what, error=html.escape(error[:300]))
