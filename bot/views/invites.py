"""The /invite journey's screens: the name, a namesake already listed, the department,
the roles, the card's caption; its refusals. Keyboards as Bot API JSON."""

from __future__ import annotations

import html
from typing import Any

from bot.buttons.people import (
    InviteCancel,
    InviteDepartment,
    InviteDone,
    InviteExisting,
    InviteNew,
    InviteRole,
)
from bot.i18n import Translator
from bot.logs import mask_cert
from bot.rules.models import Role
from bot.services import invite_flow
from bot.services.errors import Refusal, Refused
from bot.services.invite_flow import InviteDraft
from bot.texts.labels import role_label
from bot.texts.notices import Keyboard, inline
from bot.views.refusals import stale_text


def error_text(t: Translator, reason: Refusal) -> str:
    texts = {
        Refusal.NOT_ALLOWED: t._("Only administrators and the office can invite people."),
        Refusal.BAD_NAME: t._("Please send the person's name: 1 to 64 characters."),
        Refusal.NO_ROLE: t._("Choose at least one role."),
        Refusal.DEPARTMENT_REQUIRED: t._("Inspectors and supervisors belong to a department:"
                                         " start again with /invite and choose one."),
        Refusal.UNKNOWN_DEPARTMENT: t._("That department no longer exists. Start again with"
                                        " /invite."),
        Refusal.NAME_EXISTS: t._("Someone of that name is already in that department: start again"
                                 " with /invite and choose them from the list."),
        Refusal.ALREADY_BOUND: t._("That person is registered already; no invite is needed."),
        Refusal.NO_FLOW: stale_text(t),
    }
    return texts.get(reason, texts[Refusal.NO_FLOW])


def refusal_text(t: Translator, exc: Refused) -> str:
    return error_text(t, exc.reason)


Screen = tuple[str, Keyboard]


def _cancel_row(t: Translator) -> list[dict[str, Any]]:
    return [InviteCancel().markup(t._("Cancel"))]


def department_step(t: Translator, draft: InviteDraft) -> Screen:
    rows = [[InviteDepartment(d.id).markup(d.name)]
            for d in draft.departments]
    if invite_flow.office_roles(draft.grantable):
        # Office staff have no department; only an inviter who may grant their roles
        # is offered it (invite_flow.set_department refuses it otherwise).
        rows.append([InviteDepartment(None).markup(t._("No department (office staff)"))])
    rows.append(_cancel_row(t))
    text = t._("Which department is <b>{name}</b> in?").format(
        name=html.escape(draft.name or ""))
    return text, inline(rows)


def match_step(t: Translator, draft: InviteDraft) -> Screen:
    """People already in Choucha with that name: invite one of them, or confirm a new one."""
    lines = [t._("Already in Choucha with the name <b>{name}</b>:").format(
        name=html.escape(draft.name or "")), ""]
    rows = []
    for entry in draft.matches:
        department = entry.department_name or t._("no department")
        cert = f" · {mask_cert(entry.cert_no)}" if entry.cert_no else ""
        state = t._("registered") if entry.registered else t._("not registered")
        lines.append(f"• <b>{html.escape(entry.name)}</b> · {html.escape(department)}{cert}"
                     f" · {state}")
        if not entry.registered:
            label = t._("📨 Invite {name} · {department}{cert}").format(
                name=entry.name, department=department[:20], cert=cert)
            rows.append([InviteExisting(entry.person_id).markup(label[:60])])
    lines += ["", t._("Tap the person to invite them as they are in the directory. Only if"
                      " none of them is the person you mean, make a new one.")]
    rows.append([InviteNew().markup(t._("➕ None of these: a new person"))])
    rows.append(_cancel_row(t))
    return "\n".join(lines), inline(rows)


def roles_step(t: Translator, draft: InviteDraft) -> Screen:
    rows = []
    for role in draft.grantable:
        if role in (Role.INSPECTOR, Role.SUPERVISOR) and draft.department is None:
            continue
        mark = "✅ " if role in draft.roles else "▫️ "
        rows.append([InviteRole(role).markup(mark + role_label(t, role))])
    rows.append([InviteDone().markup(t._("Done — make the invite"))])
    rows.append(_cancel_row(t))
    department = html.escape(draft.department.name) if draft.department else t._("no department")
    text = t._("Roles of <b>{name}</b> ({department}): tap to select, then Done.").format(
        name=html.escape(draft.name or ""), department=department)
    return text, inline(rows)


def ask_name_text(t: Translator) -> str:
    return t._("Who are you inviting? Send the person's full name as on their enforcement"
               " certificate.") + "\n" + t._("Send /cancel to stop.")


def use_buttons_text(t: Translator) -> str:
    return t._("Please use the buttons above, or send /cancel to stop.")


def cancelled_text(t: Translator) -> str:
    return t._("Invite cancelled; nothing was created.")


def card_caption(t: Translator, name: str, department: str, roles: str, link: str,
                 expires: str) -> str:
    """The invite card's caption: whom, the link, until when."""
    return t._(
        "Invite for <b>{name}</b> ({department}; {roles}).\n"
        "Link: {link}\nValid once, until {expires}. Print the card or forward it to them."
    ).format(name=html.escape(name), department=html.escape(department),
             roles=roles, link=link, expires=expires)
