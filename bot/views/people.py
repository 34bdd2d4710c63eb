"""The people journey's screens: /people by department, the confirmation before many
invites, /unbind's; its refusals. Keyboards as Bot API JSON."""

from __future__ import annotations

import html
from collections import Counter
from datetime import date, tzinfo
from typing import Any

from bot.buttons.people import (
    PeopleInvite,
    PeopleInviteAll,
    PeopleInviteDepartment,
    PeopleInviteNo,
    PeopleInviteSure,
    PeopleOverview,
    PeoplePage,
    UnbindAsk,
    UnbindNo,
    UnbindSure,
)
from bot.i18n import Translator
from bot.logs import mask_cert
from bot.rules.models import InviteScope, Person, Role, RosterEntry, RosterStatus
from bot.services.accounts import Linked, unbind_refusal
from bot.services.errors import Refusal, Refused
from bot.texts.labels import role_label, roster_status
from bot.texts.notices import Keyboard, inline
from bot.views.refusals import worded

Screen = tuple[str, Keyboard | None]


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


PAGE = 15
NO_DEPARTMENT = 0  # the department id of office staff without one, in buttons


def groups(t: Translator, entries: list[RosterEntry]) -> dict[int, list[RosterEntry]]:
    groups: dict[int, list[RosterEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.department_id or NO_DEPARTMENT, []).append(entry)
    return groups


def department_label(t: Translator, entry: RosterEntry) -> str:
    return entry.department_name or t._("No department")


def overview(t: Translator, entries: list[RosterEntry]) -> Screen:
    """Per department: how many are registered, invited, not yet invited."""
    lines = [t._("👥 <b>People in Choucha</b> (registered / all)"), ""]
    rows = []
    for department_id, group in groups(t, entries).items():
        registered = sum(1 for e in group if e.registered)
        invited = sum(1 for e in group if e.status == RosterStatus.INVITED)
        label = department_label(t, group[0])
        lines.append(t._("• {department}: {registered}/{n} registered, {invited} invited").format(
            department=html.escape(label), registered=registered, n=len(group),
            invited=invited))
        rows.append([PeoplePage(department_id, 0).markup(
            f"{label[:40]} · {registered}/{len(group)}")])
    waiting = sum(1 for e in entries if not e.registered)
    lines.append("")
    if waiting:
        lines.append(t._("{n} people cannot be told of their tasks until they register.")
                     .format(n=waiting))
        rows.append([invite_all_button(t, waiting)])
    else:
        lines.append(t._("Everyone is registered."))
    return "\n".join(lines), inline(rows)


def department_page(t: Translator, group: list[RosterEntry], department_id: int, page: int,
                    tz: tzinfo, today: date) -> Screen:
    """One page of a department: name, masked 执法证号, roles, status; invite buttons."""
    pages = max(1, -(-len(group) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = group[page * PAGE:(page + 1) * PAGE]
    label = department_label(t, group[0]) if group else t._("No department")
    lines = [t._("👥 <b>{department}</b> — page {page} of {pages}").format(
        department=html.escape(label), page=page + 1, pages=pages), ""]
    rows: list[list[dict[str, Any]]] = []
    names = Counter(e.name for e in group)
    for entry in shown:
        roles = "、".join(role_label(t, r) for r in entry.roles) or "—"
        cert = f" · {html.escape(mask_cert(entry.cert_no))}" if entry.cert_no else ""
        lines.append(f"<b>{html.escape(entry.name)}</b>{cert} · {roles}")
        lines.append("   " + roster_status(t, entry, tz, today, marks=True,
                                                until="%m-%d %H:%M"))
        if not entry.registered:
            # Two people of one name are told apart by their masked 执法证号.
            name = entry.name[:30] + (f" · {mask_cert(entry.cert_no)}"
                                      if entry.cert_no and names[entry.name] > 1 else "")
            rows.append([PeopleInvite(entry.person_id).markup(
                t._("📨 Invite {name}").format(name=name))])
    if any(e.registered for e in shown):
        lines += ["", t._("A lost phone, or someone who has left: /unbind and the name"
                          " unlinks their account.")]
    waiting = sum(1 for e in group if not e.registered)
    if waiting > 1:
        rows.append([PeopleInviteDepartment(department_id).markup(
            t._("📨 Invite all not registered here ({n})").format(n=waiting))])
    paging = []
    if page > 0:
        paging.append(PeoplePage(department_id, page - 1).markup("◀️"))
    if page < pages - 1:
        paging.append(PeoplePage(department_id, page + 1).markup("▶️"))
    paging.append(PeopleOverview().markup(t._("⬅️ All departments")))
    rows.append(paging)
    return "\n".join(lines), inline(rows)


def linked_details(t: Translator, found: Linked) -> str:
    """Department, masked 执法证号 and roles, as plain text (escape it for HTML)."""
    entry = found.entry
    parts = [department_label(t, entry)]
    if entry.cert_no:
        parts.append(t._("执法证 {cert}").format(cert=mask_cert(entry.cert_no)))
    if entry.roles:
        parts.append("、".join(role_label(t, r) for r in entry.roles))
    return " · ".join(parts)


def unbind_ask(t: Translator, me: Person, found: Linked) -> Screen:
    """The confirmation; or, for someone `me` may not unlink, why (and no button)."""
    entry = found.entry
    if found.tg_user_id is None:
        return unbind_gone_text(t, entry.name), None
    refusal = unbind_refusal(me, entry.person_id, Role.ADMIN in entry.roles)
    if refusal is not None:
        return refusal_text(t, Refused(refusal, name=entry.name)), None
    return unbind_ask_text(t, entry.name, html.escape(linked_details(t, found))), (
        inline([
            [UnbindSure(entry.person_id, found.tg_user_id).markup(
                t._("🔗 Unlink {name}").format(name=entry.name[:30]))],
            [UnbindNo(entry.person_id).markup(t._("✖️ Not now"))]]))


def invite_all_button(t: Translator, n: int) -> dict[str, str]:
    """The button inviting everyone not registered (/people, and after an import of the
    inspector directory)."""
    return PeopleInviteAll().markup(t._("📨 Invite everyone not registered ({n})").format(n=n))


def nobody_text(t: Translator) -> str:
    return t._("Nobody is in Choucha yet: send the inspector directory"
               " (/templates) or use /invite.")


def sheet_caption(t: Translator, count: int, names: str) -> str:
    return t.ngettext(
        "📨 {n} invite: print the card and hand it over, or forward the link. {names}",
        "📨 {n} invites: print the cards and cut them apart, or send each person their"
        " link from the CSV. {names}", count).format(n=count, names=names)[:1024]


def links_caption(t: Translator) -> str:
    return t._("Each link works once, for 7 days; an earlier invite of the same"
               " person no longer works.")


def invite_many_keyboard(t: Translator, n: int, scope: InviteScope, ref: int,
                         shown: str) -> Keyboard:
    return inline([[PeopleInviteSure(scope, ref, shown).markup(
                       t.ngettext("✅ Make {n} invite", "✅ Make {n} invites", n).format(n=n))],
                   [PeopleInviteNo().markup(t._("✖️ Not now"))]])


def unbind_choose_keyboard(t: Translator, found: list[Linked]) -> Keyboard:
    """A button for each person of the name (at most 20)."""
    return inline([[UnbindAsk(f.entry.person_id).markup(
        f"{f.entry.name[:30]} · {linked_details(t, f)}"[:60])] for f in found[:20]])
