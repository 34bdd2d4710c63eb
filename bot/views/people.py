"""The people journey's words: its refusals, and the confirmation before many invites."""

from __future__ import annotations

import html

from bot.i18n import Translator
from bot.rules.models import RosterEntry, RosterStatus
from bot.services.errors import Refusal, Refused
from bot.views.refusals import worded


def not_office_text(t: Translator) -> str:
    return t._("Only the office and administrators see the people of the directory.")


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.NOT_OFFICE: not_office_text(t),
        Refusal.ALREADY_BOUND: t._("{name} is registered already; no invite is needed.").format(
            name=exc.params.get("name", "")),
        Refusal.NOT_ALLOWED: t._("Only an administrator can invite an administrator."),
    })


def invite_many_text(t: Translator, entries: list[RosterEntry], ttl_days: int) -> str:
    """What one "invite everyone" press will do, before it is done: whom, and whose
    working link (or printed card) stops working."""
    names = "、".join(html.escape(e.name) for e in entries[:30])
    if len(entries) > 30:
        names += "…"
    lines = [t.ngettext("📨 Make a new invite link for {n} person not yet registered?",
                        "📨 Make new invite links for {n} people not yet registered?",
                        len(entries)).format(n=len(entries)), names]
    open_ = sum(1 for e in entries if e.status == RosterStatus.INVITED)
    if open_:
        lines.append(t.ngettext(
            "⚠️ {n} of them has a link that still works: it stops working once the new one"
            " is made, and so does a card printed with it.",
            "⚠️ {n} of them have a link that still works: it stops working once the new"
            " ones are made, and so do cards printed with them.", open_).format(n=open_))
    lines.append(t.ngettext("Each new link works once, for {days} day. You get a sheet of"
                            " cards to print and a CSV of the links.",
                            "Each new link works once, for {days} days. You get a sheet of"
                            " cards to print and a CSV of the links.",
                            ttl_days).format(days=ttl_days))
    return "\n".join(lines)


def invite_many_none_text(t: Translator) -> str:
    return t._("Everyone concerned is registered already; no invite was made.")


def invite_many_kept_text(t: Translator) -> str:
    return t._("No invite was made; every earlier link still works. /people shows who is"
               " registered.")


def invite_many_changed_text(t: Translator) -> str:
    return t._("Someone concerned registered or left the directory meanwhile, so no invite"
               " was made and every earlier link still works: open /people and try again.")
