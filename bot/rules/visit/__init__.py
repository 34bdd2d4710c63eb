"""The on-site inspection, as rules with no I/O: the eight results, the order of questions,
typed answers, the suggested result and the hashes that signatures bind to.

Sources: 003 第二十一条 (procedure, signature or witness), 第二十二条 (the team signs the
summary), 第二十三条 (the eight results), 第二十六条 (the four kinds of non-cooperation).

A package, one module per part: `vocabulary`, `answers`, `form`, `wording`, `hashing`,
`place`, `team`; this module is its face (`from bot.rules import visit as rules`)."""

from __future__ import annotations

from bot.rules.visit.answers import TYPED, Answer, Invalid, parse_typed, typed_value
from bot.rules.visit.form import (
    CHOICES_SHOWN,
    Count,
    FormValues,
    answerable,
    asked,
    calculated,
    check_constraint,
    choices_for,
    default_answer,
    expand,
    find_choices,
    form_values,
    is_relevant,
    is_required,
    later_entries,
    next_open,
    notes_before,
    previous,
    question,
    question_count,
    relevant_questions,
    scoped,
    selection,
    suggest,
    with_metadata,
)
from bot.rules.visit.hashing import all_results_in, canonical, digest
from bot.rules.visit.place import CHINA, checkin_flag
from bot.rules.visit.team import acting
from bot.rules.visit.vocabulary import (
    FOLLOW_UPS,
    FOUND_PROBLEMS,
    NONCOOPERATION,
    OPINIONS,
    PARTY_ROLES,
    RESULTS,
    SHORTCUTS,
    Shortcut,
)
from bot.rules.visit.wording import (
    display,
    hint,
    label,
    labelled,
    notice_filename,
    record_filename,
)

__all__ = [
    "CHINA",
    "CHOICES_SHOWN",
    "FOLLOW_UPS",
    "FOUND_PROBLEMS",
    "NONCOOPERATION",
    "OPINIONS",
    "PARTY_ROLES",
    "RESULTS",
    "SHORTCUTS",
    "TYPED",
    "Answer",
    "Count",
    "FormValues",
    "Invalid",
    "Shortcut",
    "acting",
    "all_results_in",
    "answerable",
    "asked",
    "calculated",
    "canonical",
    "check_constraint",
    "checkin_flag",
    "choices_for",
    "default_answer",
    "digest",
    "display",
    "expand",
    "find_choices",
    "form_values",
    "hint",
    "is_relevant",
    "is_required",
    "label",
    "labelled",
    "later_entries",
    "next_open",
    "notes_before",
    "notice_filename",
    "parse_typed",
    "previous",
    "question",
    "question_count",
    "record_filename",
    "relevant_questions",
    "scoped",
    "selection",
    "suggest",
    "typed_value",
    "with_metadata",
]
