"""Checklists authored as XLSForm (the ODK/KoboToolbox standard), read with pyxform.

A checklist belongs to one item: its `settings` sheet's form_id is the item code.
Supported question types: select_one, select_multiple (with `or_other`, whose "specify
other" follows as a text question, and with choice_filter for cascading selects), text,
integer, decimal, date, time, dateTime, geopoint, image (photo evidence), file (a
document), audio (a recording), video, note, calculate and hidden, in groups or not; with
required (yes, or an expression) and required_message, relevant, constraint and
constraint_message, hint, and labels per language (label::zh / label::en). Metadata
(start, end, today, deviceid, …) is recorded, never asked. Anything else is refused,
naming the question.
"""

from __future__ import annotations

import csv
import io
import json
import re
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
    # Answered with files (bot/rules/evidence.py): a document, a recording, a video.
    "file": "file",
    "audio": "audio",
    "video": "video",
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
    "background-audio": N_("question type {type} cannot be answered in a chat: leave it out"
                           " (Choucha records no sound)"),
    "barcode": N_("question type {type} cannot be answered in a chat: use a text question"
                  " for the code"),
    "geotrace": N_("question type {type} cannot be answered in a chat: use a geopoint"
                   " question (one location)"),
    "geoshape": N_("question type {type} cannot be answered in a chat: use a geopoint"
                   " question (one location)"),
    "osm": N_("question type {type} cannot be answered in a chat: use a geopoint question"
              " (one location)"),
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
    from io import BytesIO

    from pyxform import xls2json_backends as backends

    data = path.read_bytes()
    if data[:4] == OLE_MAGIC:
        return {}  # the form itself is refused (old_excel) before this is read
    if path.suffix.lower() == ".csv":
        found = backends.csv_to_dict(str(path))
    else:  # read by its content, whatever its name
        found = backends.xlsx_to_dict(BytesIO(data))
    lists: dict[str, list[dict[str, Any]]] = {}
    for row in found.get("external_choices") or []:
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
    if control.get("tag") == "upload":  # "q audio", "add video prompt", "add file prompt", …
        media = str(control.get("mediatype", ""))
        by_media = {"image": "photo", "audio": "audio", "video": "video", "application": "file"}
        return by_media.get(media.partition("/")[0], kind), {}
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
    book: Any = None  # the workbook as pyxform read it (rows, for the row of a problem)


def _walk(children: list[dict[str, Any]], form: _Reading, group_relevant: str | None = None,
          repeat: str | None = None, section: dict[str, str] | None = None) -> None:
    """Read the survey's rows into questions; `section` is the label of the group they
    are in (shown above each question, as Collect shows it)."""
    for child in children:
        written, name = child.get("type", ""), child.get("name", "")
        kind, extra = _alias(written)
        bind = {**extra, **(child.get("bind", {}) or {})}
        relevant = _within(group_relevant, bind.get("relevant"))
        if kind == "group":
            if name == "meta" and (child.get("control") or {}).get("bodyless"):
                continue
            _walk(child.get("children", []), form, relevant, repeat,
                  _texts(child.get("label")) or section)
            continue
        if kind in META:
            form.meta.append((name, kind))
            continue
        if kind == "repeat":
            _walk_repeat(child, form, relevant, repeat, section)
            continue
        itemset = str(child.get("itemset", ""))
        with_choices = _file_choices(child, kind, itemset, form)
        if with_choices is None:
            continue
        child = with_choices
        if kind == "select one external" and form.external.get(itemset):
            # its choices in the form's external_choices sheet; a cascading select
            kind, child = "select one", {**child, "choices": form.external[itemset]}
        if kind not in TYPES:
            form.problems.append(_unknown_type(written, name, form.book) or FormProblem(
                name, _instead(kind), {"type": written}))
            continue
        form.questions.append(_question(child, kind, bind, relevant, repeat, section,
                                        form.lists))


def _within(group_relevant: str | None, relevant: str | None) -> str | None:
    """A row's relevant within its group's: both must hold."""
    if group_relevant and relevant:
        return f"({group_relevant}) and ({relevant})"
    if group_relevant:
        return group_relevant
    return relevant


def _walk_repeat(child: dict[str, Any], form: _Reading, relevant: str | None,
                 repeat: str | None, section: dict[str, str] | None) -> None:
    """A repeat group's questions, and the repeat (refused inside another repeat)."""
    name = child.get("name", "")
    if repeat is not None:
        form.problems.append(FormProblem(name, INSTEAD["repeat"], {"type": "begin_repeat"}))
        return
    first = len(form.questions)
    # The repeat's relevant applies to its questions, as a group's does, and
    # decides whether "add one?" is asked.
    _walk(child.get("children", []), form, relevant, name, section)
    count = str((child.get("control") or {}).get("jr:count", "") or "").strip()
    label = _texts(child.get("label")) or {"zh_CN": name, "en": name}
    form.repeats.append(Repeat(name, label, tuple(q.name for q in form.questions[first:]),
                               count or None, relevant))


def _file_choices(child: dict[str, Any], kind: str, itemset: str,
                  form: _Reading) -> dict[str, Any] | None:
    """The row with its choices read from a file of the .zip when it selects from one;
    None when that file is missing or unreadable (the problem is recorded)."""
    name = child.get("name", "")
    if kind in ("select one", "select all that apply") and itemset.lower().endswith(
            (".csv", ".xml", ".geojson")):
        if itemset not in form.files:
            form.problems.append(FormProblem(name, INSTEAD["from file"], {
                "type": f"{kind.replace(' ', '_')}_from_file {itemset}"}))
            return None
        try:
            return {**child, "choices": _csv_choices(form.files[itemset])}
        except ValueError as exc:
            form.problems.append(FormProblem(name, N_("the choices file {file}: {detail}"),
                                             {"file": itemset, "detail": str(exc)}))
            return None
    return child


def _choices(child: dict[str, Any], kind: str, lists: Mapping[str, Any]) -> tuple[Choice, ...]:
    """A question's choices: its own, else its list's in the choices sheet; one OK
    button for an acknowledge."""
    itemset = str(child.get("itemset", ""))
    choices = tuple(
        Choice(str(c["name"]),
               OTHER_LABEL if c["name"] == "other" and c.get("label") == "Other"
               else _texts(c.get("label")),
               {str(k): str(v) for k, v in c.items() if k not in ("name", "label")
                and isinstance(v, str | int | float)})
        for c in child.get("choices") or lists.get(itemset) or [])
    if kind in ("acknowledge", "trigger"):  # one button; ODK stores OK
        choices = (Choice("OK", {"zh_CN": "确认", "en": "OK"}),)
    return choices


def _constraint(child: dict[str, Any], kind: str, constraint: str | None) -> str | None:
    """The constraint as written, and for a range the bounds the author set."""
    if kind == "range":  # typed, within the range the author set
        limits = _parameters(child.get("parameters"))
        bounds = " and ".join(f". {op} {limits[key]}" for key, op in
                              (("start", ">="), ("end", "<=")) if _number(limits.get(key)))
        constraint = f"({constraint}) and ({bounds})" if constraint and bounds \
            else constraint or bounds or None
    return constraint


def _question(child: dict[str, Any], kind: str, bind: dict[str, Any], relevant: str | None,
              repeat: str | None, section: dict[str, str] | None,
              lists: Mapping[str, Any]) -> Question:
    """One question of a type Choucha asks, from its survey row."""
    name = child.get("name", "")
    # randomize (a survey's guard against order bias) is not applied: an inspection's
    # choices keep the order written, so that every inspector sees the same buttons.
    randomized = _parameters(child.get("parameters")).get(
        "randomize", "false").lower() in ("true", "true()", "yes")
    choices = _choices(child, kind, lists)
    constraint = _constraint(child, kind, bind.get("constraint"))
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
    return Question(
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
    )


# Why a workbook cannot be read, in the office's words: each names the sheet, the row and
# the column where pyxform's English message does, and what to change. Keys are ours.
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc)


READ_PROBLEMS = {
    "empty": N_("the file is empty: save the checklist from Excel or WPS as an .xlsx"
                " workbook and send that file"),
    "old_excel": N_("the checklist is an old Excel .xls file, which Choucha does not read"
                    " (its reader is unmaintained): open it in Excel or WPS, save it as an"
                    " .xlsx workbook and send that file"),
    "not_workbook": N_("the file is not an Excel workbook (it is {kind}): open the checklist"
                       " in Excel or WPS, save it as an .xlsx workbook and send that file"),
    "no_survey": N_("the workbook has no sheet named survey (its sheets: {sheets}): name the"
                    " sheet that lists the questions survey"),
    "survey_empty": N_("the survey sheet is empty: its first row names the columns (type,"
                       " name, label), each row below it is a question"),
    "select_no_list": N_("the survey sheet, row {row}: {type} needs the name of its choice"
                         " list after it, as in “{type} yn”, with that list on the choices"
                         " sheet"),
    "no_column": N_("the {sheet} sheet has no column {column}: write {column} in its first"
                    " row, above the cells it holds (the survey sheet needs type, name and"
                    " label)"),
    "twice": N_("a sheet has the column {column} twice: delete or rename one of them"),
    "no_type": N_("the survey sheet, row {row}: the type column is empty: write the"
                  " question's type (text, integer, select_one and its list, …) or delete"
                  " the row"),
    "no_name": N_("the survey sheet, row {row}: the name column is empty: give the question"
                  " a name (letters, digits and _, beginning with a letter)"),
    "bad_name": N_("the {sheet} sheet, row {row}: the name {value} cannot be used: a name"
                   " begins with a letter or _ and holds only letters, digits, _, - and ."),
    "same_name": N_("the survey sheet, row {row}: the name {value} is already used by a"
                    " question in the same group: give each question a name of its own"),
    "no_list": N_("the survey sheet, row {row}: the choice list {value} is not on the choices"
                  " sheet: add its choices there (list_name {value}) or correct the list's"
                  " name in the type column"),
    "no_choices": N_("the form has select questions but no choices sheet: add a sheet named"
                     " choices with the columns list_name, name and label"),
    "choice_no_name": N_("the choices sheet, row {row}: the name column is empty: give each"
                         " choice a name (what is stored) beside its label"),
    "unmatched": N_("the survey sheet, row {row}: {value} has no matching {other}: add the"
                    " missing {other} row, or delete this one"),
    "reference": N_("the survey sheet, row {row}, column {column}: {value} is not the name of"
                    " a question on the survey sheet: correct the name"),
    "value": N_("the {sheet} sheet, row {row}, column {column}: this value is not one the"
                " column takes: correct it as the XLSForm rules for {column} say"),
    "row": N_("the survey sheet, row {row}, cannot be read: check its type, name and label,"
              " then save the form as .xlsx and send it again"),
    "unreadable": N_("the form cannot be read as an XLSForm: open it in Excel or WPS, check"
                     " that its survey sheet has type, name and label columns, save it as"
                     " .xlsx and send it again"),
    "sheet_name": N_("the sheet {value} is not read: did you mean {suggestion}? Rename the"
                     " sheet"),
    "setting": N_("the settings sheet's column {value} is not a setting: did you mean"
                  " {suggestion}? Correct the column's name in the first row"),
    "unknown_type": N_("the survey sheet, row {row}: {type} is not a question type; did you"
                       " mean {suggestion}? Correct the type column"),
}
SHEETS = ("survey", "choices", "settings", "external_choices", "entities", "osm")
SETTINGS = ("form_title", "form_id", "version", "default_language", "instance_name", "style",
            "public_key", "submission_url", "allow_choice_duplicates", "clean_text_values",
            "namespaces", "auto_send", "auto_delete", "name", "set_form_title", "set_form_id")
TYPE_WORDS = ("select_one", "select_multiple", "select_one_from_file",
              "select_multiple_from_file", "select_one_external", "text", "integer",
              "decimal", "date", "time", "dateTime", "geopoint", "image", "note",
              "calculate", "hidden", "acknowledge", "range", "begin_group", "end_group",
              "begin_repeat", "end_repeat", "rank", "audio", "video", "file", "barcode")


def _problem(key: str, row: int = 0, **params: str) -> FormProblem:
    return FormProblem("", READ_PROBLEMS[key], {"row": str(row), **params} if row else params)


def _kind_of_file(data: bytes, fallback: str = "CSV / TXT") -> str:
    """What a file that is no workbook is, for the sentence that says so (the names of
    formats, shown as they are); `fallback` when its first bytes do not tell."""
    import zipfile
    from io import BytesIO

    if data.startswith(b"%PDF"):
        return "PDF"
    if data.startswith((b"\x89PNG", b"\xff\xd8")):
        return "PNG / JPEG"
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                if "xl/workbook.xml" not in archive.namelist():
                    return "ZIP / Word / WPS"
        except zipfile.BadZipFile:
            return "ZIP"
    return fallback


_ROW = re.compile(r"\[row : (\d+)\]")


def _row_value(book: Any, sheet: str, row: int, column: str) -> str:
    rows = getattr(book, sheet, None) or [] if book is not None else []
    if 2 <= row < len(rows) + 2:
        return str(rows[row - 2].get(column) or "")
    return ""


def _worded(text: str, book: Any) -> FormProblem:
    """pyxform's message as one of READ_PROBLEMS (its English never reaches a person)."""
    found = _ROW.search(text)
    row = int(found.group(1)) if found else 0
    quoted = re.findall(r"'([^']*)'", text)
    if m := re.search(r"Invalid headers provided for sheet: '(\w+)'.*?not found: '(\w+)'",
                      text, re.S):
        return _problem("no_column", sheet=m.group(1), column=m.group(2))
    if "You must have a sheet named 'survey'" in text:
        names = getattr(book, "sheet_names", None) or []
        if "survey" in [name.strip().lower() for name in names]:
            return _problem("survey_empty")
        return _problem("no_survey", sheets=", ".join(names) or "—")
    if m := re.search(r"Duplicate column header: (\S+)", text):
        return _problem("twice", column=m.group(1))
    if "Question with no type" in text:
        return _problem("no_type", row)
    if "Question or group with no name" in text:
        return _problem("no_name", row)
    if m := re.search(r"List name not in choices sheet: (\S+)", text):
        return _problem("no_list", row, value=m.group(1))
    if "There should be a choices sheet" in text:
        return _problem("no_choices")
    if m := re.search(r"Unmatched '(\w+)'", text):
        begin = m.group(1)
        other = begin.replace("begin", "end") if begin.startswith("begin") else \
            begin.replace("end", "begin")
        return _problem("unmatched", row, value=begin, other=other)
    if "Choices must have a name" in text:
        return _problem("choice_no_name", row)
    if m := re.search(r"On the '(\w+)' sheet, the '(\w+)' value", text):
        sheet, column = m.group(1), m.group(2)
        if "must be unique" in text:
            return _problem("same_name", row, value=quoted[2] if len(quoted) > 2 else
                            _row_value(book, sheet, row, "name"))
        if column == "name":
            return _problem("bad_name", row, sheet=sheet,
                            value=_row_value(book, sheet, row, "name") or "—")
        if (ref := re.search(r"Could not find the name '([^']+)'", text)) is not None:
            return _problem("reference", row, column=column, value="${" + ref.group(1) + "}")
        return _problem("value", row, sheet=sheet, column=column)
    return _problem("row", row) if row else _problem("unreadable")


def _typos(book: Any) -> list[FormProblem]:
    """A sheet or a setting whose name is one letter away from XLSForm's: pyxform ignores
    them silently, and the form would load without its settings."""
    import difflib

    problems = []
    for name in getattr(book, "sheet_names", None) or []:
        low = name.strip().lower()
        close = difflib.get_close_matches(low, SHEETS, n=1, cutoff=0.75)
        if low not in SHEETS and close:
            problems.append(_problem("sheet_name", value=name, suggestion=close[0]))
    for header in (getattr(book, "settings_header", None) or [{}])[0]:
        low = str(header).strip().lower()
        close = difflib.get_close_matches(low, SETTINGS, n=1, cutoff=0.75)
        if low not in SETTINGS and close:
            problems.append(_problem("setting", value=str(header), suggestion=close[0]))
    return problems


def _workbook(path: Path) -> tuple[Any, dict[str, Any]]:
    """The workbook as pyxform reads it, and the form it makes of it; ChecklistError when
    it cannot, worded by READ_PROBLEMS. The file's content decides how it is read, not its
    name: an .xlsx renamed .xls (or the reverse) is read as what it is."""
    from io import BytesIO

    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    data = path.read_bytes()
    if not data.strip():
        raise ChecklistError([_problem("empty")])
    if data.startswith(OLE_MAGIC):  # the binary .xls: xlrd, unmaintained, is not run on it
        raise ChecklistError([_problem("old_excel")])
    if _kind_of_file(data, "") in ("PDF", "PNG / JPEG", "ZIP / Word / WPS", "ZIP"):
        raise ChecklistError([_problem("not_workbook", kind=_kind_of_file(data))])
    book = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # Told what it is by its content: pyxform would otherwise try each reader in
            # turn, xlrd (unmaintained) too, even on bytes with no .xls header.
            book = get_xlsform(BytesIO(data),
                               file_type=".xlsx" if data[:2] == b"PK" else ".csv")
            typos = _typos(book)
            if typos:
                raise ChecklistError(typos)
            form = workbook_to_json(workbook_dict=book, form_name="data",
                                    fallback_form_name=path.stem, default_language="default",
                                    warnings=[])
    except PyXFormError as exc:
        if "was not recognized as a supported type" in str(exc):
            raise ChecklistError([_problem("not_workbook", kind=_kind_of_file(data))]) \
                from None
        raise ChecklistError([_worded(str(exc), book)]) from None
    except ChecklistError:
        raise
    except Exception:  # pyxform's plain errors for a workbook it cannot follow
        raise ChecklistError([_problem("unreadable")]) from None
    return book, form


def _unknown_type(kind: str, name: str, book: Any) -> FormProblem | None:
    """A type pyxform does not know either (a typo: "selct_one yn", "txet"): the row it
    is on and the type it was probably meant to be."""
    import difflib

    from pyxform import aliases
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    rows = getattr(book, "survey", None) or []
    row, raw = next(((index + 2, str(cells.get("type") or "")) for index, cells
                     in enumerate(rows) if cells.get("name") == name), (0, kind))
    word = raw.split()[0] if raw.split() else raw
    if word in ("select_one", "select_multiple") and raw.strip() == word:
        return FormProblem(name, READ_PROBLEMS["select_no_list"], {"row": str(row),
                                                                   "type": word})
    known = {*QUESTION_TYPE_DICT, *INSTEAD, *TYPE_WORDS, *aliases.select, *aliases.cascading,
             *aliases.osm}
    if raw in known or word in known or any(raw.startswith(k + " ") for k in known):
        return None
    kind = raw
    close = difflib.get_close_matches(word, TYPE_WORDS, n=1, cutoff=0.6)
    if not close:
        return None
    rest = kind[len(word):]
    return FormProblem(name, READ_PROBLEMS["unknown_type"],
                       {"row": str(row), "type": kind, "suggestion": close[0] + rest})


def load_xlsform(path: Path, files: Mapping[str, str] | None = None) -> Checklist:
    """Read and check a form (with the CSV files of its select_one_from_file questions, by
    name, when it came in a .zip); ChecklistError lists every problem by question name."""
    book, data = _workbook(path)
    external: dict[str, list[dict[str, Any]]] = {}
    if '"select one external"' in json.dumps(data.get("children", [])):
        try:
            external = _external_choices(path)
        except Exception:  # unreadable: each such question is refused by name below
            external = {}
    form = _Reading(files or {}, data.get("choices") or {}, external, book=book)
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
