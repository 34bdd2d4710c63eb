"""Checklists authored as XLSForm (the ODK/KoboToolbox standard), read with pyxform.

A checklist belongs to one item: its `settings` sheet's form_id is the item code.
Supported question types: select_one, select_multiple (with `or_other`, whose "specify
other" follows as a text question, and with choice_filter for cascading selects), text,
integer, decimal, date, time, dateTime, geopoint, image (photo evidence), note, calculate
and hidden, in groups or not; with required (yes, or an expression) and
required_message, relevant, constraint and constraint_message, hint, and labels per
language (label::zh / label::en). Metadata (start, end, today, deviceid, …) is recorded,
never asked. Anything else is refused, naming the question.
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.i18n import N_
from bot.rules import xpath

TYPES = {
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "text": "text",
    "integer": "integer",
    "decimal": "decimal",
    "date": "date",
    "geopoint": "geopoint",
    "photo": "image",
    "note": "note",
    "time": "time",
    "dateTime": "dateTime",
    "calculate": "calculate",
    "hidden": "hidden",
    "gps": "geopoint",  # Kobo's older name
    "acknowledge": "select_one",  # one button, stored as OK (ODK's value)
    "trigger": "select_one",
    "range": "decimal",  # typed, within its start and end
}
# What the office can do instead, for the types a chat cannot take (the refusal names the
# question and the type as the author wrote them).
INSTEAD: dict[str, str] = {
    "audio": N_("question type {type} cannot be answered in a chat: use a text question"
                " describing what was heard, or a photo"),
    "background-audio": N_("question type {type} cannot be answered in a chat: leave it out"
                           " (Choucha records no sound)"),
    "video": N_("question type {type} cannot be answered in a chat: use a photo (image)"
                " question; several photos may be sent"),
    "barcode": N_("question type {type} cannot be answered in a chat: use a text question"
                  " for the code"),
    "geotrace": N_("question type {type} cannot be answered in a chat: use a geopoint"
                   " question (one location)"),
    "geoshape": N_("question type {type} cannot be answered in a chat: use a geopoint"
                   " question (one location)"),
    "osm": N_("question type {type} cannot be answered in a chat: use a geopoint question"
              " (one location)"),
    "file": N_("question type {type} cannot be answered in a chat: use a photo (image)"
               " question for a picture of the document"),
    "rank": N_("question type {type} cannot be answered in a chat: use a select_multiple"
               " question, or one select_one per rank"),
    "repeat": N_("a repeat group inside a repeat group ({type} within {type}) cannot be"
                 " answered in a chat: write the inner questions once per entry of the outer"
                 " group, or make the inner one a separate checklist item"),
    "from file": N_("question type {type} needs its choices file: send the form and the"
                    " file together in one .zip, or write the choices in the form's choices"
                    " sheet"),
    "select one external": N_("question type {type} has no choices in the form's"
                              " external_choices sheet: add them there (list_name, name,"
                              " label and the columns its choice_filter uses)"),
    "loop": N_("question type {type} (pyxform's old loop over a list) is not supported: use"
               " a repeat group, or write the questions once per item of the list"),
    "include": N_("question type {type} (including another form) is not supported: copy the"
                  " questions of the included form into this one"),
    "cascading_select": N_("question type {type} (the old cascading select) is not"
                           " supported: use select_one with a choice_filter"),
}
NOT_ASKED = ("note", "calculate", "hidden")  # shown or computed, never answered
OTHER_LABEL = {"zh_CN": "其他", "en": "Other"}
# A repeat group's own question, between its entries (labels for both languages, like
# "Specify other"): {label} is the repeat's label, {n} the entries so far.
ADD_FIRST = {"zh_CN": "要填写“{label}”吗？", "en": "Add {label}?"}
ADD_MORE = {"zh_CN": "已填写 {n} 条“{label}”。再添加一条吗？",
            "en": "{label}: {n} so far. Add another?"}
ADD_YES = {"zh_CN": "➕ 添加", "en": "➕ Add"}
ADD_NONE = {"zh_CN": "没有", "en": "None"}
ADD_DONE = {"zh_CN": "✅ 完成", "en": "✅ Done"}
ENTRY_LABEL = "{repeat} {n} · {label}"  # a question of entry n, as the inspector reads it
SPECIFY_OTHER = {"zh_CN": "请说明“其他”", "en": "Specify other"}
# Metadata the form records by itself (XLSForm "metadata"): never asked; `today` and
# `start`/`end` are the day of the visit for the form's expressions, the others blank.
META = frozenset({"start", "end", "today", "deviceid", "subscriberid", "simserial",
                  "phonenumber", "username", "email", "audit", "start-geopoint",
                  "background-geopoint"})
COMPLIANT = ("符合", "yes", "compliant")
NONCOMPLIANT = ("不符合", "no", "noncompliant", "non-compliant")
NOT_APPLICABLE = ("不适用", "na", "n/a", "not applicable")


@dataclass(frozen=True)
class FormProblem:
    """What is wrong with one question (or the whole form); `message` is an N_ id."""

    question: str
    message: str
    params: dict[str, str] = field(default_factory=dict)


class ChecklistError(Exception):
    """The form cannot be used; `problems` name each question and what is wrong."""

    def __init__(self, problems: list[FormProblem]) -> None:
        super().__init__("; ".join(f"{p.question}: {p.message.format(**p.params)}"
                                   for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Choice:
    name: str
    label: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)  # other columns, for choice_filter


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    label: dict[str, str]
    hint: dict[str, str] = field(default_factory=dict)
    required: bool = False
    relevant: str | None = None
    required_if: str | None = None  # `required` written as an expression
    required_message: dict[str, str] = field(default_factory=dict)
    constraint: str | None = None
    constraint_message: dict[str, str] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    compliant: str | None = None  # the choice meaning 符合, for a compliance question
    noncompliant: str | None = None  # the choice meaning 不符合
    calculation: str | None = None  # a calculate question's expression
    choice_filter: str | None = None  # which choices are offered (cascading selects)
    repeat: str | None = None  # the repeat group it belongs to (one set per entry)
    entry: int = 0  # in a visit's expanded form: which entry (1, 2, …); 0 in the form
    more: bool = False  # the "add another?" question after an entry (not in the record)
    randomized: bool = False  # the author asked for randomize; shown in the order written
    readonly_if: str | None = None  # `readonly` as an expression: not asked while it holds
    default: str | None = None  # the author's default: offered, one tap to accept
    default_dynamic: bool = False  # the default is an expression (today(), ${x})
    section: dict[str, str] = field(default_factory=dict)  # its group's label, if any

    @property
    def base(self) -> str:
        """The name as the author wrote it (`price` for entry 2's `price#2`)."""
        return self.name.partition("#")[0]


@dataclass(frozen=True)
class Repeat:
    """A repeat group: its questions are answered once per entry (each sampled product,
    each finding). `count` is the author's repeat_count (a number or an expression); without
    it the inspector says "add another" or "done" after each entry."""

    name: str
    label: dict[str, str]
    members: tuple[str, ...]  # the names of its questions, in form order
    count: str | None = None
    relevant: str | None = None


@dataclass(frozen=True)
class Checklist:
    form_id: str
    title: str
    version: str
    questions: tuple[Question, ...]
    meta: tuple[tuple[str, str], ...] = ()  # (name, metadata type), recorded, not asked
    repeats: tuple[Repeat, ...] = ()
    # In a visit: what the metadata rows hold (username → the inspector, start-geopoint →
    # their check-in); never part of the stored form.
    recorded: tuple[tuple[str, str], ...] = ()

    def repeat(self, name: str | None) -> Repeat | None:
        return next((r for r in self.repeats if r.name == name), None)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Checklist:
        data = json.loads(text)
        questions = tuple(
            Question(**{**q, "choices": tuple(Choice(**c) for c in q["choices"])})
            for q in data["questions"]
        )
        repeats = tuple(Repeat(**{**r, "members": tuple(r["members"])})
                        for r in data.get("repeats", []))
        return cls(data["form_id"], data["title"], data["version"], questions,
                   tuple((str(n), str(k)) for n, k in data.get("meta", [])), repeats)


def _language(key: str) -> str:
    low = key.lower()
    if "zh" in low or "chinese" in low or "中文" in low:
        return "zh_CN"
    if "en" in low or "english" in low:
        return "en"
    return "default"


def _texts(value: Any) -> dict[str, str]:
    """pyxform gives a string or {language: text}; ours is {zh_CN, en} (default fills both)."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {"zh_CN": value, "en": value}
    found: dict[str, str] = {}
    for key, text in value.items():
        found[_language(key)] = str(text)
    default = found.pop("default", None)
    if default is not None:
        found.setdefault("zh_CN", default)
        found.setdefault("en", default)
    if "zh_CN" in found:
        found.setdefault("en", found["zh_CN"])
    if "en" in found:
        found.setdefault("zh_CN", found["en"])
    return found


def _compliance(choices: tuple[Choice, ...]) -> tuple[str | None, str | None]:
    def match(choice: Choice, words: tuple[str, ...]) -> bool:
        texts = {choice.name.lower(), *(t.strip().lower() for t in choice.label.values())}
        return bool(texts & set(words))

    yes = next((c.name for c in choices if match(c, COMPLIANT)), None)
    no = next((c.name for c in choices if match(c, NONCOMPLIANT)), None)
    if yes and no and all(match(c, COMPLIANT + NONCOMPLIANT + NOT_APPLICABLE) for c in choices):
        return yes, no
    return None, None


def _parameters(value: Any) -> dict[str, str]:
    """A question's `parameters`: pyxform gives a mapping, or the text as written
    (`max-pixels=3840 randomize=true`)."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    found: dict[str, str] = {}
    for part in str(value or "").replace(";", " ").replace(",", " ").split():
        key, _, val = part.partition("=")
        found[key.strip()] = val.strip()
    return found


def _number(value: str | None) -> bool:
    try:
        float(value or "")
    except ValueError:
        return False
    return True


_YES = ("yes", "true()", "true", "1")
_NO = ("", "no", "false()", "false", "0")


MAX_FILE_CHOICES = 5000


def _csv_choices(text: str) -> list[dict[str, Any]]:
    """The choices of select_one_from_file: a CSV with a `name` column and a label column
    (`label`, `label::zh`, `label::en`, …); other columns serve a choice_filter."""
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip() for h in reader.fieldnames or []]
    if "name" not in headers or not any(h.lower().startswith("label") for h in headers):
        raise ValueError("it needs a name column and a label column")
    found: list[dict[str, Any]] = []
    for row in reader:
        choice = _choice_row(row)
        if choice is None:
            continue
        if len(found) >= MAX_FILE_CHOICES:
            raise ValueError(f"more than {MAX_FILE_CHOICES} choices")
        found.append(choice)
    return found


def _choice_row(row: Mapping[str | None, Any]) -> dict[str, Any] | None:
    """A choice as pyxform gives one (name, label as text or per language, the other
    columns) from a row of a choices file or sheet; None for a row without a name."""
    cells = {str(k or "").strip(): str(v if v is not None else "").strip()
             for k, v in row.items()}
    if not cells.get("name"):
        return None
    labels = {k.partition("::")[2] or "default": v for k, v in cells.items()
              if k.lower().startswith("label") and v}
    return {**{k: v for k, v in cells.items() if not k.lower().startswith("label")},
            "label": labels.get("default") if list(labels) == ["default"]
            else labels or cells["name"]}


def _external_choices(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The form's external_choices sheet (select_one_external), by list name."""
    from pyxform import xls2json_backends as backends

    suffix = path.suffix.lower()
    read = backends.xls_to_dict if suffix == ".xls" else backends.csv_to_dict \
        if suffix == ".csv" else backends.xlsx_to_dict
    lists: dict[str, list[dict[str, Any]]] = {}
    for row in read(str(path)).get("external_choices") or []:
        choice = _choice_row(row)
        if choice is not None and choice.get("list_name"):
            listed = lists.setdefault(choice.pop("list_name"), [])
            if len(listed) < MAX_FILE_CHOICES:
                listed.append(choice)
    return lists


MAX_ENTRIES = 50  # entries of one repeat group in a visit


def _instead(kind: str) -> str:
    """Why a type is refused and what to write instead; a type written with its list
    ("cascading_select cities", "select one external towns") by its first words."""
    known = [key for key in INSTEAD if kind == key or kind.startswith(key + " ")]
    return INSTEAD[max(known, key=len)] if known else N_("question type {type} is not"
                                                         " supported")


def _alias(kind: str) -> tuple[str, dict[str, str]]:
    """A type as pyxform knows it under another name ("string", "int", "phone number",
    "start time", "q picture", …): the name used here, and what its definition adds to the
    bind (a constraint). Names used here, and unknown ones, come back as written."""
    if kind in TYPES or kind in META or kind in INSTEAD or kind in ("group", "repeat"):
        return kind, {}
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    known = QUESTION_TYPE_DICT.get(kind)
    if not isinstance(known, dict):
        return kind, {}
    bind = dict(known.get("bind") or {})
    control = dict(known.get("control") or {})
    preload = bind.get("jr:preloadParams") or bind.get("jr:preload")
    if preload:  # metadata: start time → start, device id → deviceid, …
        by_preload = {"start": "start", "end": "end", "today": "today",
                      "deviceid": "deviceid", "phonenumber": "phonenumber",
                      "simserial": "simserial", "subscriberid": "subscriberid",
                      "username": "username", "email": "email"}
        found = by_preload.get(str(preload).removeprefix("uri:"))
        return (found, {}) if found else (kind, {})
    if control.get("tag") == "upload":
        media = str(control.get("mediatype", ""))
        return ("photo", {}) if media.startswith("image") else (
            "audio" if media.startswith("audio") else "video" if media.startswith("video")
            else "file", {})
    if control.get("tag") in (None, "input"):
        by_bind = {"string": "text", "int": "integer", "decimal": "decimal", "date": "date",
                   "time": "time", "dateTime": "dateTime", "geopoint": "geopoint"}
        found = by_bind.get(str(bind.get("type", "")))
        if found:
            extra = {"constraint": str(bind["constraint"])} if bind.get("constraint") else {}
            return found, extra
    return kind, {}


@dataclass
class _Reading:
    """What reading a form gathers, and what it reads from besides the survey: the CSV
    files of a .zip, the choices sheet by list name (for a select whose choices pyxform left
    there, as it does with randomize) and the external_choices sheet."""

    files: Mapping[str, str]
    lists: Mapping[str, Any]
    external: Mapping[str, list[dict[str, Any]]]
    questions: list[Question] = field(default_factory=list)
    problems: list[FormProblem] = field(default_factory=list)
    meta: list[tuple[str, str]] = field(default_factory=list)
    repeats: list[Repeat] = field(default_factory=list)


def _walk(children: list[dict[str, Any]], form: _Reading, group_relevant: str | None = None,
          repeat: str | None = None, section: dict[str, str] | None = None) -> None:
    """Read the survey's rows into questions; `section` is the label of the group they
    are in (shown above each question, as Collect shows it)."""
    questions, problems, meta = form.questions, form.problems, form.meta
    files, lists, external = form.files, form.lists, form.external
    for child in children:
        written, name = child.get("type", ""), child.get("name", "")
        kind, extra = _alias(written)
        bind = {**extra, **(child.get("bind", {}) or {})}
        relevant = bind.get("relevant")
        if group_relevant and relevant:
            relevant = f"({group_relevant}) and ({relevant})"
        elif group_relevant:
            relevant = group_relevant
        if kind == "group":
            if name == "meta" and (child.get("control") or {}).get("bodyless"):
                continue
            _walk(child.get("children", []), form, relevant, repeat,
                  _texts(child.get("label")) or section)
            continue
        if kind in META:
            meta.append((name, kind))
            continue
        if kind == "repeat":
            if repeat is not None:
                problems.append(FormProblem(name, INSTEAD["repeat"], {"type": "begin_repeat"}))
                continue
            first = len(questions)
            # The repeat's relevant applies to its questions, as a group's does, and
            # decides whether "add one?" is asked.
            _walk(child.get("children", []), form, relevant, name, section)
            count = str((child.get("control") or {}).get("jr:count", "") or "").strip()
            form.repeats.append(Repeat(name, _texts(child.get("label")) or {"zh_CN": name,
                                                                      "en": name},
                                  tuple(q.name for q in questions[first:]), count or None,
                                  relevant))
            continue
        itemset = str(child.get("itemset", ""))
        if kind in ("select one", "select all that apply") and itemset.lower().endswith(
                (".csv", ".xml", ".geojson")):
            if itemset not in files:
                problems.append(FormProblem(name, INSTEAD["from file"], {
                    "type": f"{kind.replace(' ', '_')}_from_file {itemset}"}))
                continue
            try:
                child = {**child, "choices": _csv_choices(files[itemset])}
            except ValueError as exc:
                problems.append(FormProblem(name, N_("the choices file {file}: {detail}"),
                                            {"file": itemset, "detail": str(exc)}))
                continue
        if kind == "select one external" and external.get(itemset):
            # its choices in the form's external_choices sheet; a cascading select
            kind, child = "select one", {**child, "choices": external[itemset]}
        if kind not in TYPES:
            problems.append(FormProblem(
                name, _instead(kind), {"type": written}))
            continue
        # randomize (a survey's guard against order bias) is not applied: an inspection's
        # choices keep the order written, so that every inspector sees the same buttons.
        randomized = _parameters(child.get("parameters")).get(
            "randomize", "false").lower() in ("true", "true()", "yes")
        choices = tuple(
            Choice(str(c["name"]),
                   OTHER_LABEL if c["name"] == "other" and c.get("label") == "Other"
                   else _texts(c.get("label")),
                   {str(k): str(v) for k, v in c.items() if k not in ("name", "label")
                    and isinstance(v, str | int | float)})
            for c in child.get("choices") or lists.get(itemset) or [])
        if kind in ("acknowledge", "trigger"):  # one button; ODK stores OK
            choices = (Choice("OK", {"zh_CN": "确认", "en": "OK"}),)
        constraint = bind.get("constraint")
        if kind == "range":  # typed, within the range the author set
            limits = _parameters(child.get("parameters"))
            bounds = " and ".join(f". {op} {limits[key]}" for key, op in
                                  (("start", ">="), ("end", "<=")) if _number(limits.get(key)))
            constraint = f"({constraint}) and ({bounds})" if constraint and bounds \
                else constraint or bounds or None
        label = _texts(child.get("label")) or {"zh_CN": name, "en": name}
        if name.endswith("_other") and child.get("label") == "Specify other.":
            label = SPECIFY_OTHER  # pyxform's or_other follow-up, in both languages
        yes, no = _compliance(choices) if TYPES[kind] == "select_one" else (None, None)
        locked = str(bind.get("readonly", "") or "").strip()
        readonly = locked.lower() in _YES
        kind_of = TYPES[kind]
        if readonly and kind_of not in NOT_ASKED:  # shown, never answered (ODK: read-only)
            kind_of = "calculate" if bind.get("calculate") else "note"
        written = str(bind.get("required", "") or "").strip()
        required = written.lower() in _YES
        required_if = None if required or written.lower() in _NO else written
        questions.append(Question(
            name=name,
            type=kind_of,
            label=label,
            hint=_texts(child.get("hint")),
            required=required,
            required_if=required_if,
            required_message=_texts(bind.get("jr:requiredMsg")),
            relevant=relevant,
            constraint=constraint,
            constraint_message=_texts(bind.get("jr:constraintMsg")),
            choices=choices,
            compliant=yes,
            noncompliant=no,
            calculation=bind.get("calculate"),
            choice_filter=child.get("choice_filter") or None,
            repeat=repeat,
            randomized=randomized,
            readonly_if=None if readonly or locked.lower() in _NO else locked,
            default=str(child["default"]) if child.get("default") not in (None, "") else None,
            default_dynamic=bool(child.get("_dynamic_default")),
            section=section or {},
        ))


def load_xlsform(path: Path, files: Mapping[str, str] | None = None) -> Checklist:
    """Read and check a form (with the CSV files of its select_one_from_file questions, by
    name, when it came in a .zip); ChecklistError lists every problem by question name."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import parse_file_to_json

    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = parse_file_to_json(str(path), warnings=notes)
    except PyXFormError as exc:
        raise ChecklistError([FormProblem("", N_("the form cannot be read: {detail}"),
                                          {"detail": str(exc)})]) from None
    except Exception as exc:  # pyxform raises plain errors for unreadable workbooks
        raise ChecklistError([FormProblem("", N_(
            "the form cannot be read ({detail}): an XLSForm needs a survey sheet with type,"
            " name and label columns; is this a choices or data file?"),
            {"detail": type(exc).__name__})]) from None
    external: dict[str, list[dict[str, Any]]] = {}
    if '"select one external"' in json.dumps(data.get("children", [])):
        try:
            external = _external_choices(path)
        except Exception:  # unreadable: each such question is refused by name below
            external = {}
    form = _Reading(files or {}, data.get("choices") or {}, external)
    _walk(data.get("children", []), form)
    questions, problems, meta, repeats = form.questions, form.problems, form.meta, form.repeats
    names = {q.name for q in questions} | {name for name, _ in meta} | {
        r.name for r in repeats}
    logic: list[tuple[str, tuple[tuple[str, str | None], ...]]] = [
        (q.name, (("relevant", q.relevant), ("constraint", q.constraint),
                  ("required", q.required_if), ("calculation", q.calculation),
                  ("choice_filter", q.choice_filter), ("readonly", q.readonly_if),
                  ("default", q.default if q.default_dynamic else None)))
        for q in questions]
    logic += [(r.name, (("relevant", r.relevant),
                        ("repeat_count", r.count if not _number(r.count) else None)))
              for r in repeats]
    for name, parts in logic:
        for label, source in parts:
            if not source:
                continue
            try:
                missing = xpath.references(
                    xpath.parse(source, fields=label == "choice_filter")) - names
            except (xpath.ExprError, RecursionError) as exc:
                problems.append(FormProblem(
                    name, N_("{part} {expression} is not supported: {detail}"),
                    {"part": label, "expression": source, "detail": str(exc)}))
                continue
            if missing:
                problems.append(FormProblem(
                    name, N_("{part} refers to unknown questions: {names}"),
                    {"part": label, "names": ", ".join(sorted(missing))}))
    if not problems and not [q for q in questions if q.type not in NOT_ASKED]:
        problems.append(FormProblem("", N_("the form has no questions")))
    if problems:
        raise ChecklistError(problems)
    form_id = str(data.get("id_string") or "")
    title = str(data.get("title") or form_id)
    return Checklist(form_id, title, str(data.get("version") or "1"), tuple(questions),
                     tuple(meta), tuple(repeats))
