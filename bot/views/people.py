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
        Refusal.UNBIND_ADMIN: t._("Only an administrator can unlink an administrator's"
                                  " account: ask one. Nothing was changed."),
        Refusal.UNBIND_SELF: t._("You cannot unlink your own account here (you would lose"
                                 " access at once): ask a colleague of the office or an"
                                 " administrator."),
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


def unbind_usage_text(t: Translator) -> str:
    return t._("🔗 To unlink someone's Telegram account (a lost phone, someone who has left),"
               " send /unbind followed by their name or 执法证号, for example"
               " <code>/unbind {example}</code>. /people shows who is registered.").format(
        example="王芳")


def unbind_none_text(t: Translator, who: str) -> str:
    return t._("Nobody named {who} (or holding that 执法证号) has a Telegram account linked;"
               " nothing was changed. /people shows who is registered.").format(
        who=html.escape(who))


def unbind_choose_text(t: Translator, n: int, who: str) -> str:
    return t.ngettext("{n} person named {who} has a Telegram account linked: which one?",
                      "{n} people named {who} have a Telegram account linked: which one?",
                      n).format(n=n, who=html.escape(who))


def unbind_ask_text(t: Translator, name: str, details: str) -> str:
    """Before unlinking: whom, and what it does and does not do."""
    return "\n".join([
        t._("🔗 Unlink the Telegram account of <b>{name}</b>?").format(name=html.escape(name)),
        details,
        "",
        t._("They can no longer use Choucha from that account, and messages still waiting"
            " for them are withdrawn; they are told. Their tasks stay theirs: if they have"
            " left, record it with /withdraw so that their tasks are replaced. A new invite"
            " (/people) links an account again."),
    ])


def unbind_done_text(t: Translator, name: str) -> str:
    return t._("🔗 The Telegram account of <b>{name}</b> is unlinked; they were told. A new"
               " invite (/people) links an account again.").format(name=html.escape(name))


def unbind_gone_text(t: Translator, name: str) -> str:
    return t._("No account is linked to <b>{name}</b> any more (it was unlinked meanwhile);"
               " nothing more to do. /people shows who is registered.").format(
        name=html.escape(name))


def unbind_kept_text(t: Translator, name: str) -> str:
    return t._("Nothing was changed: the account of <b>{name}</b> stays linked. /people"
               " shows who is registered.").format(name=html.escape(name))
