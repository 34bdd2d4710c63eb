"""One checklist question on the phone, as a visit and a practice run both show it: the
notes before it, its label, hint, what to send, the current answer, and its buttons. The
caller names the buttons (a visit's and a practice run's are different kinds)."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from bot.buttons.base import Button
from bot.i18n import Translator
from bot.rules import visit as rules
from bot.rules.checklist import Checklist, Question
from bot.rules.evidence import FILE_TYPES


@dataclass(frozen=True)
class QuestionKeys:
    """The buttons of one question screen: what each press is."""

    choose: Callable[[int], Button]  # a select_one choice, by its index in the form
    toggle: Callable[[int], Button]  # a select_multiple choice
    done: Button  # done with a multiple choice, the photos or the files
    back: Button
    skip: Button
    leave: tuple[str, Button]  # ⏸ Pause, or ✖️ Stop practising
    default: Button | None = None  # answer with the form's default
    retake: Button | None = None  # set the photos (files) aside (a visit keeps them)


def type_hint(t: Translator, kind: str) -> str:
    return {
        "integer": t._("Type a whole number."),
        "decimal": t._("Type a number."),
        "date": t._("Type a date, such as 2026-11-23."),
        "time": t._("Type a time, such as 14:30."),
        "dateTime": t._("Type a date and a time, such as 2026-11-23 14:30."),
        "text": t._("Type the answer."),
        "image": t._("Send one or more photos, then tap Done."),
        "file": t._("Send the document (PDF, image or office file), then tap Done."),
        "audio": t._("Send a voice message or an audio file, then tap Done."),
        "video": t._("Send the video (or a round video message), then tap Done."),
        "geopoint": t._("Share the location with the button below."),
        "select_one": t._("Choose one."),
        "select_multiple": t._("Tap every choice that applies, then Done."),
    }.get(kind, "")


def question_screen(t: Translator, heading: str, checklist: Checklist,
                    answers: Mapping[str, rules.Answer], question: Question, today: date,
                    photos: int, selected: list[str], keys: QuestionKeys, search: str = ""
                    ) -> tuple[str, list[list[dict[str, str]]]]:
    """The question's text (HTML) and its rows of inline buttons. A long list of choices
    shows CHOICES_SHOWN at a time: the first ones, or those matching what was typed
    (`search`)."""
    lang = t.lang
    values = rules.form_values(checklist, answers, today)
    required = rules.is_required(question, values, today)
    lines = [heading, ""]
    section = question.section.get(lang) or question.section.get("zh_CN")
    if section:  # the group it is in, as Collect shows it
        lines.insert(1, "📂 " + html.escape(section))
    for note in rules.notes_before(checklist, question.name, answers, today, values):
        lines.append("ℹ️ " + html.escape(rules.label(note, lang, values)))
    lines.append(f"<b>{html.escape(rules.label(question, lang, values))}</b>")
    hint = rules.hint(question, lang, values)
    if hint:
        lines.append(f"<i>{html.escape(hint)}</i>")
    lines.append(type_hint(t, question.type) + (" " + t._("(required)") if required else ""))
    current = answers.get(question.name)
    if current is not None and not current.skipped:
        lines.append(t._("Current answer: {value}").format(value=html.escape(
            rules.display(question, current, lang, photos))))
    default = rules.default_answer(question, values, today) if current is None else None
    rows: list[list[dict[str, str]]] = []
    if default is not None and question.type not in ("select_one", "select_multiple"):
        shown = rules.display(question, rules.Answer(default), lang)
        lines.append(t._("The form suggests: {value}").format(value=html.escape(shown)))
        if keys.default is not None:
            rows.append([keys.default.markup(t._("✅ Use {value}").format(value=shown[:40]))])
    offered = rules.choices_for(question, checklist, answers, today, values)
    if search or len(offered) > rules.CHOICES_SHOWN:
        found = rules.find_choices(offered, search) if search else offered
        if search:
            lines.append(t.ngettext("{n} choice matches “{text}”.",
                                    "{n} choices match “{text}”.", len(found)).format(
                n=len(found), text=html.escape(search)))
        shown_now = (found or offered)[:rules.CHOICES_SHOWN]
        if len(offered) > len(shown_now):
            lines.append(t._("{shown} of {total} choices shown: type part of a name to find"
                             " the others.").format(shown=len(shown_now), total=len(offered)))
        offered = shown_now
    if question.type == "select_one":
        for c, choice in offered:
            mark = "✔️ " if current is not None and current.value == choice.name else \
                "👉 " if default == choice.name else ""
            rows.append([keys.choose(c).markup(mark + (choice.label.get(lang) or choice.name))])
    elif question.type == "select_multiple":
        for c, choice in offered:
            mark = "☑️ " if choice.name in selected else "⬜ "
            rows.append([keys.toggle(c).markup(mark + (choice.label.get(lang) or choice.name))])
        rows.append([keys.done.markup(t._("✅ Done"))])
    elif question.type in FILE_TYPES:
        row = [keys.done.markup(t._("✅ Done"))]
        if photos and keys.retake is not None:
            row.append(keys.retake.markup(t._("🗑 Retake")))
        rows.append(row)
    nav = [keys.back.markup(t._("◀️ Back"))]
    if not required:
        nav.append(keys.skip.markup(t._("⏭ Skip")))
    nav.append(keys.leave[1].markup(keys.leave[0]))
    rows.append(nav)
    return "\n".join(lines), rows


def count_text(t: Translator, count: rules.Count) -> str:
    """"question 2 of 8", or "question 2 of up to 8" while answers decide the total."""
    if count.exact:
        return t._("question {n} of {total}").format(n=count.number, total=count.total)
    return t._("question {n} of up to {total}").format(n=count.number, total=count.total)
