"""Trying a checklist before it is attached to an item: a practice run, one question per
message exactly as a visit asks it, with nothing recorded against a task.

The office sends the form with the caption "try" (试填); the form is checked as an import
would check it, and then asked. The run lives in the office's conversation row (the form
and the answers so far), so it survives a restart like any flow; photos, documents,
recordings and locations answer their questions but are neither downloaded nor kept. At
the end: the answers and the calculations, then "attach" (the checklist is loaded for its
item, as if it had been sent without the caption), "try again" or "discard".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules import evidence as files
from bot.rules import visit as rules
from bot.rules.checklist import Checklist, Question
from bot.rules.evidence import FILE_TYPES, PHOTO, FileKind, Incoming, Unfit
from bot.rules.models import Conversation, Flow, Person
from bot.services.access import Actor, require_office
from bot.services.errors import Refusal, Refused
from bot.services.imports import ImportReport, attach_checklist
from bot.services.visits.checklist import searchable, typed_answer
from storage import Tx

FLOW = Flow.PRACTICE
STEP = "q"  # answering (a question, or the end when none is open)
CAPTION_WORDS = ("try", "practice", "试填", "试用", "练习")


class PracticeScreen(enum.StrEnum):
    QUESTION = "question"
    END = "end"  # every relevant question answered: the answers and what to do
    STOPPED = "stopped"
    ATTACHED = "attached"


@dataclass(frozen=True)
class Practice:
    """A practice run as it stands (read from the conversation row)."""

    form: Checklist  # as written
    checklist: Checklist  # as asked: metadata filled, repeat groups laid out
    answers: dict[str, rules.Answer]
    question: Question | None  # the one being asked; None at the end
    selected: list[str]
    photos: dict[str, int]
    filename: str
    today: date
    search: str = ""  # what was typed to find one of a long list of choices

    def index(self, name: str) -> int:
        return next(i for i, q in enumerate(self.checklist.questions) if q.name == name)


@dataclass(frozen=True)
class PracticeView:
    kind: PracticeScreen
    practice: Practice | None = None
    report: ImportReport | None = None
    data: dict[str, Any] = field(default_factory=dict)


def wants_practice(caption: str | None) -> bool:
    """The office's caption asks to try the form rather than load it."""
    low = (caption or "").strip().lower()
    return any(word in low for word in CAPTION_WORDS)


def _read(data: dict[str, Any], person: Person, today: date) -> Practice:
    form = Checklist.from_json(str(data["form"]))
    answers = {name: rules.Answer(str(v[0]), bool(v[1]))
               for name, v in dict(data.get("answers", {})).items()}
    checklist = rules.expand(rules.with_metadata(form, person.name, f"choucha:{person.id}",
                                                 None), answers, today)
    name = data.get("q")
    question = rules.question(checklist, str(name)) if name else None
    return Practice(form, checklist, answers, question, list(data.get("sel", [])),
                    {str(k): int(v) for k, v in dict(data.get("photos", {})).items()},
                    str(data.get("file", "")), today, str(data.get("find", "")))


async def _save(tx: Tx, tg_user_id: int, data: dict[str, Any]) -> None:
    await tx.conversations.put(tg_user_id, FLOW, STEP, data, clock_now())


async def _conversation(tx: Tx, tg_user_id: int) -> dict[str, Any]:
    conversation = await tx.conversations.get(tg_user_id)
    if conversation is None or conversation.flow != FLOW:
        raise Refused(Refusal.STALE)
    return dict(conversation.data)


async def _move(tx: Tx, tg_user_id: int, data: dict[str, Any], person: Person, today: date,
                after: str | None) -> PracticeView:
    """To the next open question (after `after`), else to the end."""
    practice = _read({**data, "q": None}, person, today)
    found = rules.next_open(practice.checklist, practice.answers, today, after)
    selected = rules.selection(found, practice.checklist, practice.answers, today) \
        if found is not None else []
    await _save(tx, tg_user_id, {**data, "q": found.name if found else None, "sel": selected,
                                 "find": ""})
    return PracticeView(PracticeScreen.QUESTION if found else PracticeScreen.END,
                        replace(practice, question=found, selected=selected, search=""))


async def begin(core: Core, actor: Actor, person: Person, tg_user_id: int,
                checklist: Checklist, filename: str, sha256: str) -> PracticeView:
    """Start trying a checked form (the office only); any earlier run is replaced."""
    require_office(actor)
    data: dict[str, Any] = {"form": checklist.to_json(), "file": filename, "sha256": sha256,
                            "answers": {}, "photos": {}}
    async with core.db.transaction() as tx:
        return await _move(tx, tg_user_id, data, person, core.today(), None)


async def _pressed(tx: Tx, core: Core, person: Person, tg_user_id: int,
                   index: int) -> tuple[dict[str, Any], Practice, Question]:
    """The run and the question a button belongs to (which must be the one asked)."""
    data = await _conversation(tx, tg_user_id)
    practice = _read(data, person, core.today())
    question = practice.question
    if question is None or practice.index(question.name) != index:
        raise Refused(Refusal.NOT_CURRENT)
    return data, practice, question


async def _answer(tx: Tx, tg_user_id: int, data: dict[str, Any], practice: Practice,
                  person: Person, question: Question, value: str,
                  skipped: bool = False) -> PracticeView:
    answers = {**dict(data.get("answers", {})), question.name: [value, skipped]}
    if question.more and value == "no":  # "done": the later entries go, as in a visit
        for name in rules.later_entries(practice.form, question, answers):
            del answers[name]
    return await _move(tx, tg_user_id, {**data, "answers": answers}, person, practice.today,
                       question.name)


async def choose(core: Core, person: Person, tg_user_id: int, index: int,
                 choice: int) -> PracticeView:
    """Access: the sender's own practice run (their conversation row)."""
    async with core.db.transaction() as tx:
        data, practice, question = await _pressed(tx, core, person, tg_user_id, index)
        if question.type != "select_one" or not _offered(practice, question, choice):
            raise Refused(Refusal.STALE)
        return await _answer(tx, tg_user_id, data, practice, person, question,
                             question.choices[choice].name)


def _offered(practice: Practice, question: Question, choice: int) -> bool:
    return any(i == choice for i, _ in rules.choices_for(
        question, practice.checklist, practice.answers, practice.today))


async def toggle(core: Core, person: Person, tg_user_id: int, index: int,
                 choice: int) -> PracticeView:
    """Access: the sender's own practice run (their conversation row)."""
    async with core.db.transaction() as tx:
        data, practice, question = await _pressed(tx, core, person, tg_user_id, index)
        if question.type != "select_multiple" or not _offered(practice, question, choice):
            raise Refused(Refusal.STALE)
        name = question.choices[choice].name
        selected = [s for s in practice.selected if s != name] \
            if name in practice.selected else [*practice.selected, name]
        order = [c.name for c in question.choices]
        selected.sort(key=order.index)
        await _save(tx, tg_user_id, {**data, "sel": selected})
        return PracticeView(PracticeScreen.QUESTION, replace(practice, selected=selected))


async def done(core: Core, person: Person, tg_user_id: int, index: int) -> PracticeView:
    """Done with a multiple choice, or with a question's photos.
    Access: the sender's own practice run (their conversation row)."""
    async with core.db.transaction() as tx:
        data, practice, question = await _pressed(tx, core, person, tg_user_id, index)
        if question.type == "select_multiple":
            if not practice.selected:
                raise Refused(Refusal.CHOOSE_ONE)
            return await _answer(tx, tg_user_id, data, practice, person, question,
                                 " ".join(practice.selected))
        if question.type in FILE_TYPES:
            if not practice.photos.get(question.name):
                raise Refused(Refusal.PHOTO_NEEDED) if question.type == "image" else \
                    Refused(Refusal.FILE_NEEDED, wants=question.type)
            return await _answer(tx, tg_user_id, data, practice, person, question,
                                 str(practice.photos[question.name]))
        raise Refused(Refusal.STALE)


async def skip(core: Core, person: Person, tg_user_id: int, index: int) -> PracticeView:
    """Access: the sender's own practice run (their conversation row)."""
    async with core.db.transaction() as tx:
        data, practice, question = await _pressed(tx, core, person, tg_user_id, index)
        values = rules.form_values(practice.checklist, practice.answers, practice.today)
        if rules.is_required(question, values, practice.today):
            raise Refused(Refusal.REQUIRED)
        return await _answer(tx, tg_user_id, data, practice, person, question, "",
                             skipped=True)


async def use_default(core: Core, person: Person, tg_user_id: int,
                      index: int) -> PracticeView:
    """Answer with the form's default.
    Access: the sender's own practice run (their conversation row)."""
    async with core.db.transaction() as tx:
        data, practice, question = await _pressed(tx, core, person, tg_user_id, index)
        value = rules.default_answer(question, rules.form_values(
            practice.checklist, practice.answers, practice.today), practice.today)
        if value is None or question.type in ("select_one", "select_multiple"):
            raise Refused(Refusal.STALE)
        return await _answer(tx, tg_user_id, data, practice, person, question, value)


async def back(core: Core, person: Person, tg_user_id: int, index: int) -> PracticeView:
    """Access: the sender's own practice run (their conversation row)."""
    async with core.db.transaction() as tx:
        data, practice, question = await _pressed(tx, core, person, tg_user_id, index)
        earlier = rules.previous(practice.checklist, practice.answers, practice.today,
                                 question.name)
        if earlier is None:
            return PracticeView(PracticeScreen.QUESTION, practice)
        selected = rules.selection(earlier, practice.checklist, practice.answers,
                                   practice.today)
        await _save(tx, tg_user_id, {**data, "q": earlier.name, "sel": selected, "find": ""})
        return PracticeView(PracticeScreen.QUESTION, replace(
            practice, question=earlier, selected=selected, search=""))


async def typed(core: Core, person: Person, tg_user_id: int, text: str,
                language: str) -> PracticeView:
    """A typed answer to the question asked; Invalid or Refused when it does not fit.
    Access: the sender's own practice run (their conversation row)."""
    async with core.db.transaction() as tx:
        data = await _conversation(tx, tg_user_id)
        practice = _read(data, person, core.today())
        question = practice.question
        if question is None:  # at the end: attach, try again or discard
            raise Refused(Refusal.USE_BUTTONS)
        if searchable(question, practice.checklist, practice.answers, practice.today):
            search = text.strip()[:100]  # a long list: typing finds choices
            await _save(tx, tg_user_id, {**data, "find": search})
            return PracticeView(PracticeScreen.QUESTION, replace(practice, search=search))
        value = typed_answer(question, text, practice.checklist, practice.answers,
                             practice.today, language)
        return await _answer(tx, tg_user_id, data, practice, person, question, value)


async def located(core: Core, person: Person, tg_user_id: int, latitude: float,
                  longitude: float) -> PracticeView:
    """Access: the sender's own practice run (their conversation row)."""
    async with core.db.transaction() as tx:
        data = await _conversation(tx, tg_user_id)
        practice = _read(data, person, core.today())
        if practice.question is None or practice.question.type != "geopoint":
            raise Refused(Refusal.NOT_LOCATION)
        return await _answer(tx, tg_user_id, data, practice, person, practice.question,
                             f"{latitude:.6f} {longitude:.6f}")


def wants_files(core: Core, person: Person, conversation: Conversation | None) -> bool:
    """Whether a document sent now answers the question asked (one answered with files),
    rather than being a form for the office's import.
    Access: the sender's own practice run (their conversation row)."""
    if not in_practice(conversation):
        return False
    assert conversation is not None
    question = _read(dict(conversation.data), person, core.today()).question
    return question is not None and question.type in FILE_TYPES


async def photo(core: Core, person: Person, tg_user_id: int,
                sent: Incoming = PHOTO) -> PracticeView:
    """A photo (a document, a recording) for the question asked: checked as a visit checks
    it, counted, never downloaded or kept (nothing of a practice is).
    Access: the sender's own practice run (their conversation row)."""
    async with core.db.transaction() as tx:
        data = await _conversation(tx, tg_user_id)
        practice = _read(data, person, core.today())
        question = practice.question
        if question is None or question.type not in FILE_TYPES:
            raise Refused(Refusal.NO_PHOTO_HERE if sent.kind == FileKind.PHOTO
                          else Refusal.NO_FILE_HERE)
        unfit = files.unfit(question.type, sent)
        if unfit is not None:
            raise Refused(Refusal.WRONG_FILE if unfit == Unfit.WRONG_KIND
                          else Refusal.FILE_TOO_LARGE, wants=question.type)
        photos = {**practice.photos, question.name: practice.photos.get(question.name, 0) + 1}
        await _save(tx, tg_user_id, {**data, "photos": photos})
        return PracticeView(PracticeScreen.QUESTION, replace(practice, photos=photos),
                            data={"photo": photos[question.name]})


async def again(core: Core, person: Person, tg_user_id: int) -> PracticeView:
    """The same form from the first question, the answers cleared.
    Access: the sender's own practice run (their conversation row)."""
    async with core.db.transaction() as tx:
        data = await _conversation(tx, tg_user_id)
        return await _move(tx, tg_user_id, {**data, "answers": {}, "photos": {}}, person,
                           core.today(), None)


async def stop(core: Core, person: Person, tg_user_id: int) -> PracticeView:
    """Discard the run (nothing of it was recorded anywhere).
    Access: the sender's own practice run (their conversation row)."""
    async with core.db.transaction() as tx:
        data = await _conversation(tx, tg_user_id)
        await tx.conversations.clear(tg_user_id)
    return PracticeView(PracticeScreen.STOPPED, data={"file": data.get("file", "")})


async def attach(core: Core, person: Person, tg_user_id: int) -> PracticeView:
    """Load the form tried for its item, as an import without the caption would; the run
    ends only when it loaded (else the report says why, and the run stays)."""
    require_office(person)
    async with core.db.read() as rtx:
        conversation = await rtx.conversations.get(tg_user_id)
    if conversation is None or conversation.flow != FLOW:
        raise Refused(Refusal.STALE)
    data = dict(conversation.data)
    report = await attach_checklist(core, person, Checklist.from_json(str(data["form"])),
                                    str(data.get("file", "")), str(data.get("sha256", "")))
    if report.ok:
        async with core.db.transaction() as tx:
            current = await tx.conversations.get(tg_user_id)
            if current is not None and current.flow == FLOW:
                await tx.conversations.clear(tg_user_id)
    return PracticeView(PracticeScreen.ATTACHED, report=report)


def in_practice(conversation: Conversation | None) -> bool:
    return conversation is not None and conversation.flow == FLOW
