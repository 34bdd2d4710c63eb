"""A checklist in words, for the office to read before loading it
(`choucha checklist preview FILE`): each question in order with its logic."""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.rules import visit as rules
from bot.rules.checklist import NOT_ASKED, Checklist, FormProblem

TYPE_NAMES = {
    "select_one": N_("choose one"), "select_multiple": N_("choose any"), "text": N_("text"),
    "integer": N_("whole number"), "decimal": N_("number"), "date": N_("date"),
    "time": N_("time"), "dateTime": N_("date and time"), "geopoint": N_("location"),
    "image": N_("photos"), "file": N_("documents"), "audio": N_("recordings"),
    "video": N_("videos"), "note": N_("note"), "calculate": N_("calculation"),
    "hidden": N_("hidden value"),
}


def preview_lines(t: Translator, checklist: Checklist) -> list[str]:
    lang = t.lang
    lines = [t._("Checklist {title} for item {item}, version {version}").format(
        title=checklist.title, item=checklist.form_id, version=checklist.version)]
    if checklist.meta:
        lines.append(t._("Recorded without asking: {names}").format(
            names=", ".join(f"{name} ({kind})" for name, kind in checklist.meta)))
    number = 0
    for question in checklist.questions:
        repeat = checklist.repeat(question.repeat)
        if repeat is not None and question.name == repeat.members[0]:
            lines.append("")
            lines.append("🔁 " + t._("Repeated for each entry of {label} [{name}]").format(
                label=repeat.label.get(lang) or repeat.label.get("zh_CN") or repeat.name,
                name=repeat.name))
            lines.append("   " + (t._("as many entries as {expression}").format(
                expression=repeat.count) if repeat.count else t._(
                "the inspector adds entries one by one (\"add another\" or \"done\")")))
            if repeat.relevant:
                lines.append("   " + t._("asked only when {expression}").format(
                    expression=repeat.relevant))
        asked = question.type not in NOT_ASKED
        number += asked
        head = (f"{number}." if asked else "·") + (" 🔁" if repeat is not None else "")
        lines.append("")
        lines.append(f"{head} {rules.label(question, lang)} [{question.name}, "
                     f"{t._(TYPE_NAMES.get(question.type, question.type))}]")
        if question.required:
            lines.append("   " + t._("required"))
        choices = ", ".join(c.label.get(lang) or c.label.get("zh_CN") or c.name
                            for c in question.choices)
        for value, wording in (
                (question.required_if, t._("required when {expression}")),
                (question.relevant, t._("asked only when {expression}")),
                (question.constraint, t._("the answer must satisfy {expression}")),
                (question.readonly_if, t._("read-only (not asked) when {expression}")),
                (question.default, t._("suggested answer (the form's default): {expression}")),
                (question.calculation, t._("computed as {expression}")),
                (choices, t._("choices: {choices}")),
                (question.choice_filter, t._("choices offered only where {expression}"))):
            if value:
                lines.append("   " + wording.format(expression=value, choices=value))
        if question.randomized:
            lines.append("   " + t._("choices in the order written (randomize is not applied:"
                                     " every inspector sees the same buttons)"))
    return lines


def problem_lines(t: Translator, problems: list[FormProblem]) -> list[str]:
    whole = t._("(the form)")
    return [f"{p.question or whole}: {t._(p.message).format(**p.params)}" for p in problems]
