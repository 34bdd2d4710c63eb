"""A practice run on the phone: the question screens of a visit, marked as practice, and
the end with the answers, the calculations and what to do with the form."""

from __future__ import annotations

import html

from bot.buttons.practice import (
    PracticeAgain,
    PracticeAttach,
    PracticeBack,
    PracticeChoose,
    PracticeDefault,
    PracticeDone,
    PracticeSkip,
    PracticeStop,
    PracticeToggle,
)
from bot.i18n import Translator
from bot.rules import visit as rules
from bot.services.errors import Refusal, Refused
from bot.services.practice import Practice, PracticeScreen, PracticeView
from bot.texts.imports import next_text
from bot.views.imports import summary_text
from bot.views.questions import QuestionKeys, count_text, question_screen
from bot.views.visits import Shown, location_keyboard
from bot.views.visits import refusal_text as visit_refusal


def render(t: Translator, view: PracticeView) -> list[Shown]:
    if view.kind == PracticeScreen.QUESTION:
        assert view.practice is not None
        return _question(t, view.practice, view.data.get("photo"))
    if view.kind == PracticeScreen.END:
        assert view.practice is not None
        return [_end(t, view.practice)]
    if view.kind == PracticeScreen.STOPPED:
        return [Shown(t._("✖️ Practice of {file} discarded. Nothing of it was recorded, and"
                          " the checklist was not loaded.").format(
            file=html.escape(str(view.data.get("file", "")))))]
    assert view.report is not None
    text = html.escape(summary_text(t, view.report))
    if view.report.ok and view.report.kind:
        text += "\n\n" + next_text(t, {view.report.kind})
    if not view.report.ok:
        text += "\n\n" + t._("The practice is still open: load the item first, then tap"
                             " Attach again; or fix the form and send it again.")
    return [Shown(text)]


def _question(t: Translator, practice: Practice, photo: int | None) -> list[Shown]:
    question = practice.question
    assert question is not None
    count = rules.question_count(practice.checklist, practice.answers, practice.today,
                                 question)
    index = practice.index(question.name)
    heading = t._("🧪 Practice · {title} · {count}").format(
        title=html.escape(practice.form.title), count=count_text(t, count))
    if photo and question.type == "image":
        heading = t._("📷 Photo {n} received (a practice keeps no photos).").format(
            n=photo) + "\n" + heading
    elif photo:  # a document or recording: counted, never downloaded
        heading = t._("📎 File {n} received (a practice keeps no files).").format(
            n=photo) + "\n" + heading
    text, rows = question_screen(
        t, heading, practice.checklist, practice.answers, question, practice.today,
        practice.photos.get(question.name, 0), practice.selected,
        QuestionKeys(choose=lambda c: PracticeChoose(index, c),
                     toggle=lambda c: PracticeToggle(index, c),
                     done=PracticeDone(index), back=PracticeBack(index),
                     skip=PracticeSkip(index),
                     leave=(t._("✖️ Stop practising"), PracticeStop()),
                     default=PracticeDefault(index)),
        practice.search)
    shown = [Shown(text, {"inline_keyboard": rows})]
    if question.type == "geopoint":
        shown.append(Shown(t._("📍 Tap the button to share the location."),
                           location_keyboard(t, skip=False)))
    return shown


def _end(t: Translator, practice: Practice) -> Shown:
    lang = t.lang
    lines = [t._("🧪 Practice of {title} done. Nothing was recorded against any task.").format(
        title=html.escape(practice.form.title)), ""]
    values = rules.form_values(practice.checklist, practice.answers, practice.today)
    for number, question in enumerate(rules.relevant_questions(
            practice.checklist, practice.answers, practice.today, values), start=1):
        value = rules.display(question, practice.answers.get(question.name), lang,
                              practice.photos.get(question.name, 0))
        lines.append(f"{number}. " + html.escape(rules.labelled(
            rules.label(question, lang, values), value[:80], lang)))
    for question, value in rules.calculated(practice.checklist, practice.answers,
                                            practice.today, values):
        lines.append("🧮 " + html.escape(rules.labelled(
            rules.label(question, lang, values), value[:80], lang)))
    lines += ["", t._("Attach it to item {item} to use it in visits, try it again, or"
                      " discard it.").format(item=html.escape(practice.form.form_id))]
    rows = [[PracticeAttach().markup(t._("📎 Attach to item {item}").format(
                item=practice.form.form_id[:30]))],
            [PracticeAgain().markup(t._("🔁 Try again")),
             PracticeStop().markup(t._("✖️ Discard"))]]
    return Shown("\n".join(lines), {"inline_keyboard": rows})


def refusal_text(t: Translator, exc: Refused) -> str:
    """A practice's own refusals; the question screen's (a photo needed, use the buttons,
    …) read as in a visit."""
    own = {
        Refusal.STALE: t._("This practice has ended. Send the form again with the caption"
                           " \"try\" to practise it."),
        Refusal.NOT_ALLOWED: t._("Only the office tries and loads checklists."),
    }
    return own[exc.reason] if exc.reason in own else visit_refusal(t, exc)
