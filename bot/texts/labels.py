"""Labels shown in more than one place (marked for translation, translated where shown)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, tzinfo

from bot.i18n import N_, Translator
from bot.rules.methods import WORDING, CheckMethod
from bot.rules.models import Person, Role, RosterEntry, RosterStatus
from bot.rules.records import CheckinFlag, FlagKind, Unreachable

ROLE_LABELS: dict[Role, str] = {
    Role.INSPECTOR: N_("inspector"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.OFFICE: N_("office"),
    Role.ADMIN: N_("administrator"),
}


def role_label(t: Translator, role: Role) -> str:
    return t._(ROLE_LABELS[role])


def describe_roles(t: Translator, person: Person) -> str:
    """'inspector, supervisor' in the reader's language, in a fixed order."""
    order = [Role.ADMIN, Role.OFFICE, Role.SUPERVISOR, Role.INSPECTOR]
    labels = [role_label(t, r) for r in order if r in person.role_set]
    separator = "、" if t.lang == "zh_CN" else ", "
    return separator.join(labels) if labels else t._("no role yet")


def method_label(t: Translator, method: CheckMethod | None) -> str:
    """检查方式 in the reader's language: the legal wording in Chinese (None: on site)."""
    chinese, english = WORDING[method or CheckMethod.ON_SITE]
    return chinese if t.lang == "zh_CN" else t._(english)


def task_status(t: Translator, status: str) -> str:
    """A task's status in words (TaskStatus values)."""
    return {"assigned": t._("assigned"), "in_progress": t._("under way"),
            "submitted": t._("finished")}.get(status, status)


def window_mark(t: Translator, start: date, due: date, today: date, open_task: bool) -> str:
    """Where today is against an inspection window, for a task still owed: "" inside it."""
    if not open_task:
        return ""
    if today < start:
        return t._("⏳ window opens {date}").format(date=start.isoformat())
    if today > due:
        days = (today - due).days
        return t.ngettext("🔴 overdue by {n} day (due {date})",
                          "🔴 overdue by {n} days (due {date})", days).format(
            n=days, date=due.isoformat())
    return ""


def unreachable_text(t: Translator, why: Unreachable | None) -> str:
    """Why Choucha cannot reach a team member, as a predicate ("… is not registered")."""
    if why is Unreachable.LEFT:
        return t._("is no longer in the directory")
    if why is Unreachable.BLOCKED:
        return t._("has blocked the bot")
    return t._("is not registered in Choucha")


def one_line(text: str | None, limit: int = 300) -> str | None:
    """A person's free text as one line (whitespace collapsed), at most `limit` characters;
    None when nothing is left."""
    if not text:
        return None
    return " ".join(text.split())[:limit] or None


# Marks for the chat; the command line writes the words alone.
ROSTER_MARKS = {RosterStatus.REGISTERED: "✅ ", RosterStatus.INVITED: "📨 ",
                RosterStatus.INVITE_EXPIRED: "⌛ ", RosterStatus.NOT_INVITED: "▫️ "}


def roster_status(t: Translator, entry: RosterEntry, tz: tzinfo, today: date,
                  marks: bool = False, until: str = "%Y-%m-%d %H:%M") -> str:
    """Where a person of the directory stands: registered (blocked the bot?), invited until
    when, invite expired, never invited; and an expired 执法证."""
    if entry.status == RosterStatus.REGISTERED:
        text = t._("registered")
        if entry.blocked:
            text += " · " + ("🚫 " if marks else "") + t._("has blocked the bot")
    elif entry.status == RosterStatus.INVITED:
        assert entry.invited_until is not None
        text = t._("invited, until {until}").format(
            until=entry.invited_until.astimezone(tz).strftime(until))
    elif entry.status == RosterStatus.INVITE_EXPIRED:
        text = t._("invite expired or replaced")
    else:
        text = t._("never invited")
    if marks:
        text = ROSTER_MARKS[entry.status] + text
    if entry.cert_expired(today):
        text += " · " + ("⚠️ " if marks else "") + t._("执法证 expired on {date}").format(
            date=entry.cert_valid_until)
    return text


def legal(table: Mapping[str, tuple[str, str]], key: str, t: Translator) -> str:
    """The legal wording in Chinese; its translation for other languages."""
    zh, english = table[key]
    return zh if t.lang.startswith("zh") else t._(english)


def flag_text(flag: CheckinFlag, t: Translator) -> str:
    """The flag in words, for the phone, the digest and (in Chinese) the record."""
    if flag.kind is FlagKind.ZERO:
        return t._("location 0,0 (no GPS fix, or not a real location)")
    if flag.kind is FlagKind.OUTSIDE_CHINA:
        return t._("location outside China")
    return t._("{km} km from the county").format(km=flag.km)
