"""Labels shown in more than one place (marked for translation, translated where shown)."""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.models import Person, Role

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


def one_line(text: str | None, limit: int = 300) -> str | None:
    """A person's free text as one line (whitespace collapsed), at most `limit` characters;
    None when nothing is left."""
    if not text:
        return None
    return " ".join(text.split())[:limit] or None
