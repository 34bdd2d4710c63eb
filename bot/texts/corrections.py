"""The words of a record's correction (更正) that the services send (names, targets
and reasons arrive escaped for HTML)."""

from __future__ import annotations

from bot.i18n import Translator


def opened_text(t: Translator, name: str, target: str, version: int, reason: str) -> str:
    """To the team: a correction was opened."""
    return t._("✏️ {name} opened a correction of the check record of"
               " <b>{target}</b> (version {version}): {reason}\nWhat changes is"
               " answered as on site; everyone signs the new version.").format(
        name=name, target=target, version=version, reason=reason)


def republish_text(t: Translator, target: str, version: int, reason: str) -> str:
    """To the office: a corrected record whose result is published."""
    return t._("✏️ The check record of <b>{target}</b> was corrected (it supersedes"
               " version {version}: {reason}). Its result is published: publish the"
               " 更正.").format(target=target, version=version, reason=reason)
