"""The form's logic over the answers given: values, relevance, constraints, defaults,
repeats, the order of questions and the suggested result (XLSForm, through XPath)."""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from bot.i18n import N_
from bot.rules import xpath
from bot.rules.checklist import (
    ADD_DONE,
    ADD_FIRST,
    ADD_MORE,
    ADD_NONE,
    ADD_YES,
    ENTRY_LABEL,
    MAX_ENTRIES,
    NOT_ASKED,
    Checklist,
    Choice,
    Question,
    Repeat,
)
from bot.rules.evidence import FILE_TYPES
from bot.rules.visit.answers import Answer, Invalid, _normal, parse_typed, typed_value
from bot.rules.visit.vocabulary import FOUND_PROBLEMS


class FormValues(dict[str, xpath.Value]):
    """The answers as the form's expressions see them, knowing which questions each repeat
    group holds, so that a question of entry n sees its own entry's answers."""

    def __init__(self, members: Mapping[str, tuple[str, ...]]) -> None:
        super().__init__()
        self.members = dict(members)  # repeat name → its questions' names


def scoped(values: Mapping[str, xpath.Value], question: Question
           ) -> Mapping[str, xpath.Value]:
    """The values as `question`'s expressions see them: inside entry n of a repeat group,
    ${price} is entry n's price and position(..) is n; elsewhere, all the entries."""
    if not question.entry or not isinstance(values, FormValues):
        return values
    entry = question.entry
    own: dict[str, xpath.Value] = {
        name: values.get(f"{name}#{entry}", "")
        for name in values.members.get(question.repeat or "", ())}
    own[xpath.POSITION] = float(entry)
    return ChainMap(own, values)


def _entries(checklist: Checklist) -> dict[str, int]:
    """How many entries each repeat group has in an expanded form."""
    found = dict.fromkeys((r.name for r in checklist.repeats), 0)
    for question in checklist.questions:
        if question.entry and question.repeat in found and not question.more:
            found[question.repeat] = max(found[question.repeat], question.entry)
    return found


def _gather(values: FormValues, repeat: str, names: Iterable[str], entries: int) -> None:
    """Outside its entries, a repeated question is the set of its answers (count, sum)."""
    for name in names:
        values[name] = xpath.Nodes(values.get(f"{name}#{n}", "")
                                   for n in range(1, entries + 1))
    values[repeat] = xpath.Nodes(("",) * entries)


def form_values(checklist: Checklist, answers: Mapping[str, Answer],
                today: date) -> FormValues:
    """The answers as the form's expressions see them: typed, and blank ('') where skipped
    or where the question is not relevant any more (ODK clears a non-relevant answer, so
    an answer given before a change of mind does not feed later logic). A repeated question
    is one value per entry (`price#2`), and the set of them as `price`."""
    values = FormValues({r.name: r.members for r in checklist.repeats})
    recorded = dict(checklist.recorded)
    values.update({name: today if kind in ("today", "start", "end") else recorded.get(name, "")
                   for name, kind in checklist.meta})
    by_name = {q.name: q for q in checklist.questions}
    for name, answer in answers.items():
        question = by_name.get(name)
        if question is not None and not answer.skipped:
            values[name] = typed_value(question, answer.value)
    entries = _entries(checklist)
    for repeat in checklist.repeats:
        _gather(values, repeat.name, repeat.members, entries[repeat.name])
    labels = {q.base: {c.name: c.label.get("zh_CN") or c.name for c in q.choices}
              for q in checklist.questions if q.choices}
    # The set of a repeated question's answers is gathered again once the form order
    # leaves its group (inside an entry, its own entry's answers are read directly).
    changed: dict[str, set[str]] = {}
    for question in checklist.questions:  # in form order: earlier blanks count later
        if changed and question.repeat not in changed:
            for group, names in changed.items():
                _gather(values, group, names, entries[group])
            changed.clear()
        if question.type == "calculate" and question.calculation:
            values[question.name] = xpath.evaluate(
                xpath.parse(question.calculation), scoped(values, question), "", today,
                labels=labels) if is_relevant(question, values, today) else ""
        elif question.name in values and not is_relevant(question, values, today):
            values[question.name] = ""
        else:
            continue
        if question.entry and question.repeat in entries and not question.more:
            changed.setdefault(question.repeat, set()).add(question.base)
    for group, names in changed.items():
        _gather(values, group, names, entries[group])
    return values


def with_metadata(checklist: Checklist, inspector: str, device: str,
                  place: tuple[float, float] | None) -> Checklist:
    """The form's metadata rows filled for one visit, as ODK Collect fills them: username
    is the inspector answering, deviceid this Choucha account, start-geopoint the
    inspector's check-in ("lat lon"). Phone numbers, SIM and e-mail stay blank: Choucha
    does not hand personal data to a form."""
    filled = {"username": inspector, "deviceid": device,
              "start-geopoint": f"{place[0]:.6f} {place[1]:.6f}" if place else ""}
    values = tuple((name, filled[kind]) for name, kind in checklist.meta if kind in filled)
    return replace(checklist, recorded=values) if values else checklist


def expand(checklist: Checklist, answers: Mapping[str, Answer], today: date) -> Checklist:
    """The form as this visit asks it: each repeat group's questions once per entry
    (`price#1`, `price#2`, …), as many as its repeat_count says, or, without one, as many
    as the inspector adds: "add one?" before the first entry and "add another?" after each
    (the `more` questions, `prod#0`, `prod#1`, …). At most MAX_ENTRIES entries."""
    if not checklist.repeats:
        return checklist
    out: list[Question] = []
    for question in checklist.questions:
        if question.repeat is None:
            out.append(question)
            continue
        repeat = checklist.repeat(question.repeat)
        if repeat is None or question.name != repeat.members[0]:
            continue  # the group is laid out at its first question
        # The answers so far, where the group's relevant or count needs them.
        values: Mapping[str, xpath.Value] = form_values(
            replace(checklist, questions=tuple(out)), answers, today) \
            if repeat.relevant or repeat.count else {}
        if repeat.relevant and not xpath.to_bool(xpath.evaluate(
                xpath.parse(repeat.relevant), values, "", today)):
            continue
        templates = [q for q in checklist.questions if q.repeat == repeat.name]
        if repeat.count:
            wanted = xpath.to_number(xpath.evaluate(xpath.parse(repeat.count), values, "",
                                                    today))
            count = 0 if math.isnan(wanted) else int(max(0, min(MAX_ENTRIES, wanted)))
            for entry in range(1, count + 1):
                out += [_entry(q, repeat, entry) for q in templates]
            continue
        entry = 0
        while entry < MAX_ENTRIES:  # after the last entry allowed, no "add another?"
            out.append(_more(repeat, entry))
            answer = answers.get(f"{repeat.name}#{entry}")
            if answer is None or answer.value != "yes":
                break
            entry += 1
            out += [_entry(q, repeat, entry) for q in templates]
    return replace(checklist, questions=tuple(out))


def later_entries(checklist: Checklist, more: Question, names: Iterable[str]) -> list[str]:
    """The answers (of `names`) that "Done" after entry n deletes: those of the entries of
    the same repeat group after n, their "add another?" included (as ODK deletes a
    repeat)."""
    repeat = checklist.repeat(more.repeat)
    if repeat is None or not more.more:
        return []
    own = {*repeat.members, repeat.name}
    found = []
    for name in names:
        base, _, entry = name.partition("#")
        if base in own and entry.isdigit() and int(entry) > more.entry:
            found.append(name)
    return sorted(found)


def _entry(question: Question, repeat: Repeat, entry: int) -> Question:
    def named(language: str) -> str:
        return ENTRY_LABEL.format(repeat=repeat.label.get(language) or repeat.name, n=entry,
                                  label=question.label.get(language) or question.name)

    return replace(question, name=f"{question.name}#{entry}", entry=entry,
                   label={language: named(language) for language in question.label})


def _more(repeat: Repeat, entry: int) -> Question:
    """"Add one?" (entry 0) or "add another?" after entry n: yes adds the next entry."""
    wording = ADD_FIRST if entry == 0 else ADD_MORE
    return Question(
        name=f"{repeat.name}#{entry}", type="select_one", required=True, more=True,
        repeat=repeat.name, entry=entry,
        label={language: text.format(label=repeat.label.get(language) or repeat.name, n=entry)
               for language, text in wording.items()},
        choices=(Choice("yes", ADD_YES), Choice("no", ADD_NONE if entry == 0 else ADD_DONE)))


def calculated(checklist: Checklist, answers: Mapping[str, Answer], today: date,
               values: FormValues | None = None) -> list[tuple[Question, str]]:
    """The labelled calculations that apply, with their values as text (for the review
    and the record). `values`: the form's values, when the caller has them already."""
    values = values if values is not None else form_values(checklist, answers, today)
    return [(q, xpath.to_string(values.get(q.name, ""))) for q in checklist.questions
            if q.type == "calculate" and q.label.get("zh_CN") not in (None, q.name)
            and is_relevant(q, values, today) and values.get(q.name, "") != ""]


def choices_for(question: Question, checklist: Checklist, answers: Mapping[str, Answer],
                today: date, values: FormValues | None = None) -> list[tuple[int, Choice]]:
    """The choices offered now, with their index in the form (a choice_filter keeps those
    whose columns fit the answers so far: cascading selects). `values`: the form's values,
    when the caller has them already."""
    if not question.choice_filter:
        return list(enumerate(question.choices))
    node = xpath.parse(question.choice_filter, fields=True)
    seen = scoped(values if values is not None else form_values(checklist, answers, today),
                  question)
    return [(i, c) for i, c in enumerate(question.choices)
            if xpath.to_bool(xpath.evaluate(node, seen, "", today, c.fields))]


CHOICES_SHOWN = 40  # buttons of one question at a time (Telegram takes 100 a message)


def find_choices(offered: list[tuple[int, Choice]], text: str) -> list[tuple[int, Choice]]:
    """The choices whose name or label (in any language) holds `text`, ignoring case and
    full-width forms: how an inspector finds one of a long list by typing part of it."""
    wanted = _normal(text).casefold()
    return [(i, c) for i, c in offered
            if any(wanted in _normal(s).casefold() for s in (c.name, *c.label.values()))]


def check_constraint(question: Question, value: str, values: Mapping[str, xpath.Value],
                     today: date, language: str) -> None:
    """Invalid with the form's message when the answer breaks the question's constraint."""
    if not question.constraint:
        return
    ok = xpath.to_bool(xpath.evaluate(xpath.parse(question.constraint),
                                      scoped(values, question),
                                      typed_value(question, value), today))
    if not ok:
        own = question.constraint_message.get(language) or question.constraint_message.get(
            "zh_CN")
        raise Invalid(N_("This answer is not allowed here."), own)


def default_answer(question: Question, values: Mapping[str, xpath.Value],
                   today: date) -> str | None:
    """The form's default for `question` as it would be stored (ODK pre-fills it): the
    value written, or its expression computed from the answers so far (`today()`,
    `${shop}`); None when there is none, or it does not fit the question's type, choices
    or constraint (then nothing is suggested)."""
    if question.default is None or question.type in (*FILE_TYPES, "geopoint"):
        return None
    text = question.default
    if question.default_dynamic:
        text = xpath.to_string(xpath.evaluate(xpath.parse(text), scoped(values, question),
                                              "", today))
    names = [c.name for c in question.choices]
    if question.type == "select_one":
        value: str | None = text if text in names else None
    elif question.type == "select_multiple":
        value = " ".join(n for n in names if n in text.split()) or None
    else:
        try:
            value = parse_typed(question, text)
        except Invalid:
            return None
    if value is None:
        return None
    try:
        check_constraint(question, value, values, today, "zh_CN")
    except Invalid:
        return None
    return value


def selection(question: Question, checklist: Checklist, answers: Mapping[str, Answer],
              today: date) -> list[str]:
    """A multiple choice's ticks when it is asked: its answer, else the form's default."""
    if question.type != "select_multiple":
        return []
    if question.name in answers:
        return answers[question.name].value.split()
    default = default_answer(question, form_values(checklist, answers, today), today)
    return default.split() if default else []


def is_relevant(question: Question, values: Mapping[str, xpath.Value], today: date) -> bool:
    if not question.relevant:
        return True
    return xpath.to_bool(xpath.evaluate(xpath.parse(question.relevant),
                                        scoped(values, question), "", today))


def is_required(question: Question, values: Mapping[str, xpath.Value], today: date) -> bool:
    """`required` as yes, or as an expression of the other answers (`${status} = 'dead'`)."""
    if question.required:
        return True
    if not question.required_if:
        return False
    return xpath.to_bool(xpath.evaluate(xpath.parse(question.required_if),
                                        scoped(values, question), "", today))


def asked(checklist: Checklist) -> list[Question]:
    """The questions that take an answer (notes are shown with the next question)."""
    return [q for q in checklist.questions if q.type not in NOT_ASKED]


def notes_before(checklist: Checklist, name: str, answers: Mapping[str, Answer],
                 today: date, values: FormValues | None = None) -> list[Question]:
    """The relevant notes directly before question `name`."""
    found: list[Question] = []
    values = values if values is not None else form_values(checklist, answers, today)
    for question in checklist.questions:
        if question.name == name:
            return found
        if question.type == "note":
            if is_relevant(question, values, today):
                found.append(question)
        else:
            found = []
    return []


def relevant_questions(checklist: Checklist, answers: Mapping[str, Answer], today: date,
                       values: FormValues | None = None) -> list[Question]:
    values = values if values is not None else form_values(checklist, answers, today)
    return [q for q in asked(checklist) if is_relevant(q, values, today)]


@dataclass(frozen=True)
class Count:
    """Where a question stands in its form, as a person reads it: its number among the
    questions asked now, and how many there are (`exact`), or at most (`exact` False:
    some questions are asked only depending on answers, so the total moves)."""

    number: int
    total: int
    exact: bool


def question_count(checklist: Checklist, answers: Mapping[str, Answer], today: date,
                   question: Question, values: FormValues | None = None) -> Count:
    """The question's number, and a total that does not jump as answers make questions
    relevant: the questions asked now plus those that may still be asked."""
    values = values if values is not None else form_values(checklist, answers, today)
    everything = asked(checklist)
    relevant = [q for q in everything if is_relevant(q, values, today)]
    number = next((n for n, q in enumerate(relevant, start=1) if q.name == question.name), 1)
    maybe = sum(1 for q in everything if q.relevant and not is_relevant(q, values, today))
    return Count(number, len(relevant) + maybe, maybe == 0)


def answerable(checklist: Checklist, answers: Mapping[str, Answer], today: date,
               values: FormValues | None = None) -> list[Question]:
    """The relevant questions that may be answered now: not those whose `readonly`
    expression holds (shown with their answer, as ODK shows them, but not asked)."""
    values = values if values is not None else form_values(checklist, answers, today)
    return [q for q in asked(checklist) if is_relevant(q, values, today)
            and not _holds(q.readonly_if, q, values, today)]


def _holds(expression: str | None, question: Question, values: Mapping[str, xpath.Value],
           today: date) -> bool:
    return bool(expression) and xpath.to_bool(xpath.evaluate(
        xpath.parse(str(expression)), scoped(values, question), "", today))


def next_open(checklist: Checklist, answers: Mapping[str, Answer], today: date,
              after: str | None = None) -> Question | None:
    """The first question that may be answered and has no answer, looking after `after`
    first."""
    questions = answerable(checklist, answers, today)
    names = [q.name for q in questions]
    start = names.index(after) + 1 if after in names else 0
    for question in questions[start:] + questions[:start]:
        if question.name not in answers:
            return question
    return None


def previous(checklist: Checklist, answers: Mapping[str, Answer], today: date,
             name: str) -> Question | None:
    questions = answerable(checklist, answers, today)
    names = [q.name for q in questions]
    if name not in names:
        return questions[-1] if questions else None
    index = names.index(name)
    return questions[index - 1] if index > 0 else None


def question(checklist: Checklist, name: str) -> Question | None:
    return next((q for q in checklist.questions if q.name == name), None)


def suggest(checklist: Checklist, answers: Mapping[str, Answer], today: date) -> list[str]:
    """The results the answers point to: any non-compliance → the two "发现问题" results;
    otherwise, with compliance questions answered → 未发现问题; else nothing."""
    given = [(q, answers[q.name].value) for q in relevant_questions(checklist, answers, today)
             if q.compliant and q.noncompliant and q.name in answers
             and not answers[q.name].skipped]
    if any(value == q.noncompliant for q, value in given):
        return list(FOUND_PROBLEMS)
    return ["no_problem"] if given else []
