"""The checklist one question at a time: answers, multiple choices, photos, documents and
recordings, skipping, going back, pausing and the review."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules import evidence as files
from bot.rules import visit as rules
from bot.rules.checklist import Checklist, Question
from bot.rules.evidence import FILE_TYPES, FileKind, Incoming, Unfit
from bot.rules.models import AuditAction, Conversation, Person
from bot.rules.records import EvidenceKind, SignatureKind
from bot.services.errors import Refusal, Refused
from bot.services.visits.signing import _refused, _results_changed
from bot.services.visits.state import (
    FLOW,
    MAX_PHOTOS,
    PHOTO_STEPS,
    Item,
    Note,
    PhotoIn,
    Screen,
    State,
    View,
    VisitStep,
    _at,
    _conversation,
    _member_of,
    _open_state,
    _put,
    _require_leader,
    load,
)
from storage import Tx
from storage.files import write_blob


def _first_open(state: State, person_id: int, after: tuple[int, str] | None = None
                ) -> tuple[Item, Question] | None:
    """The next question of this person still without an answer."""
    mine = state.mine(person_id)
    if after is not None:
        position, name = after
        ordered = [i for i in mine if i.position >= position] + \
            [i for i in mine if i.position < position]
    else:
        ordered, name = mine, ""
    for index, item in enumerate(ordered):
        if item.checklist is None:
            continue
        since = name if (after is not None and index == 0) else None
        found = rules.next_open(item.checklist, item.answers, state.today, since)
        if found is not None:
            return item, found
    return None


async def _next(tx: Tx, tg_user_id: int, state: State, person: Person,
                after: tuple[int, str] | None, editing: bool) -> View:
    """After an answer: the next open question, else the review."""
    found = _first_open(state, person.id, after)
    if found is not None:
        item, question = found
        return await _ask(tx, tg_user_id, state, item, question, editing=editing)
    await _at(tx, tg_user_id, state, VisitStep.REVIEW)
    return View(Screen.REVIEW, state)


async def _ask(tx: Tx, tg_user_id: int, state: State, item: Item, question: Question,
               editing: bool = False) -> View:
    selected = rules.selection(question, item.checklist, item.answers, state.today) \
        if item.checklist is not None else []
    await _at(tx, tg_user_id, state, VisitStep.Q, item=item.position, q=question.name,
              sel=selected, edit=editing)
    return View(Screen.QUESTION, state, item, question, Note(selected=tuple(selected)))


async def go(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    """Continue this person's part: the open question, the review or the results."""
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        if not state.mine(person.id):
            await _at(tx, tg_user_id, state, VisitStep.HOME)
            return View(Screen.HOME, state, note=Note(nothing_mine=True))
        if all(i.result for i in state.mine(person.id)):
            await _at(tx, tg_user_id, state, VisitStep.REVIEW)
            return View(Screen.REVIEW, state)
        return await _next(tx, tg_user_id, state, person, None, False)


def _current(state: State, conversation: Conversation) -> tuple[Item, Question]:
    if conversation.step != VisitStep.Q:
        raise Refused(Refusal.STALE)
    item = state.item(int(conversation.data["item"]))
    question = rules.question(item.checklist, str(conversation.data["q"])) \
        if item.checklist else None
    if question is None:
        raise Refused(Refusal.STALE)
    return item, question


async def _pressed_question(tx: Tx, core: Core, person: Person, tg_user_id: int,
                            visit_id: int, position: int, index: int
                            ) -> tuple[State, Conversation, Item, Question]:
    """The question a button belongs to, which must be the one the person is at."""
    state = await _open_state(tx, core, person, visit_id)
    conversation = await _conversation(tx, tg_user_id)
    if int(conversation.data.get("visit", 0)) != visit_id:
        raise Refused(Refusal.STALE)
    item, question = _current(state, conversation)
    if item.position != position or item.question_index(question.name) != index:
        raise Refused(Refusal.NOT_CURRENT)
    if item.row.answerer != person.id:
        raise Refused(Refusal.NOT_YOURS)
    return state, conversation, item, question


async def _store(tx: Tx, state: State, item: Item, question: Question, value: str,
                 person: Person, skipped: bool = False) -> State:
    now = clock_now()
    await tx.visits.answer(state.id, item.code, question.name, value, skipped, person.id, now)
    await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_ANSWERED, f"visit:{state.id}",
                          {"item": item.code, "question": question.name, "value": value,
                           "skipped": skipped}, now)
    return await load(tx, state.id, state.today, state.tz)


async def _after_answer(tx: Tx, tg_user_id: int, state: State, person: Person, item: Item,
                        question: Question, editing: bool) -> View:
    fresh = state.item(item.position)
    if editing:
        found = _first_open(state, person.id, (fresh.position, question.name))
        if found is None:
            await _at(tx, tg_user_id, state, VisitStep.REVIEW)
            await _results_changed(tx, state)
            return View(Screen.REVIEW, state, note=Note(saved=True))
    return await _next(tx, tg_user_id, state, person, (fresh.position, question.name), editing)


async def choose(core: Core, person: Person, tg_user_id: int, visit_id: int, position: int,
                 index: int, choice: int) -> View:
    async with core.db.transaction() as tx:
        state, conversation, item, question = await _pressed_question(
            tx, core, person, tg_user_id, visit_id, position, index)
        if question.type != "select_one" or not _offered(state, item, question, choice):
            raise Refused(Refusal.STALE)
        value = question.choices[choice].name
        if question.more and value == "no":
            await _drop_entries(tx, state, item, question, person)
        state = await _store(tx, state, item, question, value, person)
        return await _after_answer(tx, tg_user_id, state, person, item, question,
                                   bool(conversation.data.get("edit")))


async def _drop_entries(tx: Tx, state: State, item: Item, more: Question,
                        person: Person) -> None:
    """"Done" after entry n of a repeat group: the entries after n are deleted, as ODK
    removes a repeat (their photos are set aside, kept and marked removed; audited), so
    that adding an entry later asks its questions afresh."""
    assert item.checklist is not None
    later = rules.later_entries(item.checklist, more, item.answers)
    if not later:
        return
    now = clock_now()
    photos = 0
    for key in later:
        await tx.visits.unanswer(state.id, item.code, key)
        photos += await tx.visits.remove_evidence(state.id, item.code, key, now)
    await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_ENTRIES_REMOVED,
                          f"visit:{state.id}", {"item": item.code, "repeat": more.repeat,
                                                "after": more.entry, "answers": later,
                                                "photos": photos}, now)


def _offered(state: State, item: Item, question: Question, choice: int) -> bool:
    """The choice is one the question offers now (a choice_filter may hide some)."""
    assert item.checklist is not None
    return any(i == choice for i, _ in rules.choices_for(question, item.checklist,
                                                         item.answers, state.today))


async def toggle(core: Core, person: Person, tg_user_id: int, visit_id: int, position: int,
                 index: int, choice: int) -> View:
    async with core.db.transaction() as tx:
        state, conversation, item, question = await _pressed_question(
            tx, core, person, tg_user_id, visit_id, position, index)
        if question.type != "select_multiple" or not _offered(state, item, question, choice):
            raise Refused(Refusal.STALE)
        selected = list(conversation.data.get("sel", []))
        name = question.choices[choice].name
        selected = [s for s in selected if s != name] if name in selected else [*selected, name]
        order = [c.name for c in question.choices]
        selected.sort(key=order.index)
        await _put(tx, tg_user_id, VisitStep.Q, {**conversation.data, "sel": selected})
        return View(Screen.QUESTION, state, item, question,
                    Note(selected=tuple(selected),
                         search=str(conversation.data.get("find", ""))))


async def done(core: Core, person: Person, tg_user_id: int, visit_id: int, position: int,
               index: int) -> View:
    """Done with a multiple choice (commits the selection) or with the photos of a question."""
    async with core.db.transaction() as tx:
        state, conversation, item, question = await _pressed_question(
            tx, core, person, tg_user_id, visit_id, position, index)
        editing = bool(conversation.data.get("edit"))
        if question.type == "select_multiple":
            selected = list(conversation.data.get("sel", []))
            if not selected:
                raise Refused(Refusal.CHOOSE_ONE)
            state = await _store(tx, state, item, question, " ".join(selected), person)
        elif question.type in FILE_TYPES:
            if not item.photos.get(question.name):
                raise _needed(question.type)
        else:
            raise Refused(Refusal.STALE)
        return await _after_answer(tx, tg_user_id, state, person, item, question, editing)


def _needed(question_type: str) -> Refused:
    """Nothing (or a text) where a question wants files: what it wants."""
    if question_type == "image":
        return Refused(Refusal.PHOTO_NEEDED)
    return Refused(Refusal.FILE_NEEDED, wants=question_type)


async def clear_photos(core: Core, person: Person, tg_user_id: int, visit_id: int,
                       position: int, index: int) -> View:
    """Retake: the question's photos (or documents, recordings) are set aside (kept, marked
    removed, audited)."""
    now = clock_now()
    async with core.db.transaction() as tx:
        state, _, item, question = await _pressed_question(
            tx, core, person, tg_user_id, visit_id, position, index)
        if question.type not in FILE_TYPES:
            raise Refused(Refusal.STALE)
        removed = await tx.visits.remove_evidence(state.id, item.code, question.name, now)
        await tx.visits.unanswer(state.id, item.code, question.name)
        await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_PHOTOS_REMOVED,
                              f"visit:{state.id}", {"item": item.code,
                                                    "question": question.name,
                                                    "count": removed}, now)
        state = await load(tx, state.id, state.today, state.tz)
        return View(Screen.QUESTION, state, state.item(position), question)


async def skip(core: Core, person: Person, tg_user_id: int, visit_id: int, position: int,
               index: int) -> View:
    async with core.db.transaction() as tx:
        state, conversation, item, question = await _pressed_question(
            tx, core, person, tg_user_id, visit_id, position, index)
        assert item.checklist is not None
        if rules.is_required(question, rules.form_values(item.checklist, item.answers,
                                                         state.today), state.today):
            raise Refused(Refusal.REQUIRED)
        state = await _store(tx, state, item, question, "", person, skipped=True)
        return await _after_answer(tx, tg_user_id, state, person, item, question,
                                   bool(conversation.data.get("edit")))


async def use_default(core: Core, person: Person, tg_user_id: int, visit_id: int,
                      position: int, index: int) -> View:
    """Answer with the form's default, as it stands now (checked like a typed answer)."""
    async with core.db.transaction() as tx:
        state, conversation, item, question = await _pressed_question(
            tx, core, person, tg_user_id, visit_id, position, index)
        assert item.checklist is not None
        value = rules.default_answer(question, rules.form_values(
            item.checklist, item.answers, state.today), state.today)
        if value is None or question.type in ("select_one", "select_multiple"):
            raise Refused(Refusal.STALE)
        state = await _store(tx, state, item, question, value, person)
        return await _after_answer(tx, tg_user_id, state, person, item, question,
                                   bool(conversation.data.get("edit")))


async def back(core: Core, person: Person, tg_user_id: int, visit_id: int, position: int,
               index: int) -> View:
    async with core.db.transaction() as tx:
        state, _, item, question = await _pressed_question(
            tx, core, person, tg_user_id, visit_id, position, index)
        assert item.checklist is not None
        earlier = rules.previous(item.checklist, item.answers, state.today, question.name)
        if earlier is not None:
            return await _ask(tx, tg_user_id, state, item, earlier)
        mine = [i for i in state.mine(person.id) if i.position < item.position and i.checklist]
        for before in reversed(mine):
            assert before.checklist is not None
            relevant = before.answerable(state.today)
            if relevant:
                return await _ask(tx, tg_user_id, state, before, relevant[-1])
        await _at(tx, tg_user_id, state, VisitStep.HOME)
        return View(Screen.HOME, state)


def searchable(question: Question, checklist: Checklist, answers: dict[str, rules.Answer],
               today: date) -> bool:
    """A select whose choices are too many to show at once: typing finds them."""
    return question.type in ("select_one", "select_multiple") and len(rules.choices_for(
        question, checklist, answers, today)) > rules.CHOICES_SHOWN


def typed_answer(question: Question, text: str, checklist: Checklist,
                 answers: dict[str, rules.Answer], today: date, language: str) -> str:
    """A typed answer as stored: Refused where the question takes buttons, files or a
    location; Invalid where it is not of the question's type or breaks its constraint."""
    if question.type in ("select_one", "select_multiple"):
        raise Refused(Refusal.USE_BUTTONS)
    if question.type in FILE_TYPES:
        raise _needed(question.type)
    if question.type == "geopoint":
        raise Refused(Refusal.LOCATION_NEEDED)
    value = rules.parse_typed(question, text)
    rules.check_constraint(question, value, rules.form_values(checklist, answers, today),
                           today, language)
    return value


async def typed(core: Core, person: Person, tg_user_id: int, conversation: Conversation,
                text: str, language: str) -> View:
    """A typed answer to the current question."""
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, int(conversation.data["visit"]))
        item, question = _current(state, conversation)
        assert item.checklist is not None
        if searchable(question, item.checklist, item.answers, state.today):
            # a long list: what was typed finds choices (nothing is saved)
            search = text.strip()[:100]
            await _put(tx, tg_user_id, VisitStep.Q, {**conversation.data, "find": search})
            return View(Screen.QUESTION, state, item, question, Note(
                selected=tuple(conversation.data.get("sel", [])), search=search))
        value = typed_answer(question, text, item.checklist, item.answers, state.today,
                             language)
        state = await _store(tx, state, item, question, value, person)
        return await _after_answer(tx, tg_user_id, state, person, item, question,
                                   bool(conversation.data.get("edit")))


async def located(core: Core, person: Person, tg_user_id: int, conversation: Conversation,
                  latitude: float, longitude: float) -> View:
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, int(conversation.data["visit"]))
        item, question = _current(state, conversation)
        if question.type != "geopoint":
            raise Refused(Refusal.NOT_LOCATION)
        state = await _store(tx, state, item, question, f"{latitude:.6f} {longitude:.6f}",
                             person)
        return await _after_answer(tx, tg_user_id, state, person, item, question,
                                   bool(conversation.data.get("edit")))


def photo_expected(conversation: Conversation | None, visit_of_reply: int | None,
                   photo: bool = True) -> Refusal | None:
    """None when a photo (`photo`, else a document or recording) may be welcome now;
    otherwise why not (checked before downloading; `file_fits` then asks whether this file
    answers the step)."""
    if conversation is None or conversation.flow != FLOW:
        return Refusal.NO_VISIT
    if visit_of_reply is not None and visit_of_reply != conversation.data.get("visit"):
        return Refusal.WRONG_TASK
    if conversation.step not in PHOTO_STEPS:
        return Refusal.NO_PHOTO_HERE if photo else Refusal.NO_FILE_HERE
    return None


def _wanted(state: State, conversation: Conversation, sent: Incoming) -> str:
    """The type of question the step is answered like: a checklist question's own type
    (Refused where it takes no file), "image" at the other photo steps."""
    if conversation.step != VisitStep.Q:
        return "image"
    _, question = _current(state, conversation)
    if question.type not in FILE_TYPES:
        raise Refused(Refusal.NO_PHOTO_HERE if sent.kind == FileKind.PHOTO
                      else Refusal.NO_FILE_HERE)
    return question.type


def _check_fits(wants: str, sent: Incoming) -> None:
    """Refused when the file is not what the step takes, or too large to download."""
    unfit = files.unfit(wants, sent)
    if unfit == Unfit.WRONG_KIND:
        raise Refused(Refusal.WRONG_FILE, wants=wants)
    if unfit == Unfit.TOO_LARGE:
        raise Refused(Refusal.FILE_TOO_LARGE, wants=wants)


async def file_fits(core: Core, person: Person, conversation: Conversation,
                    sent: Incoming) -> None:
    """Before downloading: Refused unless the step the person is at takes this file (a
    document at a `file` question, a recording at an `audio` one, …) and a bot may
    download it (Telegram's 20 MB); nothing is changed either way.

    Access: the person's own visit (`_member_of`: a member, the visit open)."""
    async with core.db.read() as rtx:
        state = await load(rtx, int(conversation.data["visit"]), core.today(),
                           core.settings.tz)
    _member_of(state, person)
    _check_fits(_wanted(state, conversation, sent), sent)


async def wants_files(core: Core, person: Person, conversation: Conversation | None) -> bool:
    """Whether a document sent now answers the visit's question (a question answered with
    files), rather than being a file for the office's import.

    Access: reads the person's own visit only (`_member_of`)."""
    if conversation is None or conversation.flow != FLOW or conversation.step != VisitStep.Q:
        return False
    try:
        async with core.db.read() as rtx:
            state = await load(rtx, int(conversation.data["visit"]), core.today(),
                               core.settings.tz)
        _member_of(state, person)
        _, question = _current(state, conversation)
    except Refused:  # no visit of theirs open at a question: not the visit's file
        return False
    return question.type in FILE_TYPES


async def photo(core: Core, person: Person, tg_user_id: int, conversation: Conversation,
                photo_in: PhotoIn) -> View:
    """A photo (or a document or recording answering a question of type file, audio or
    video), stored by content and committed with who and when before anything else."""
    now = clock_now()
    sha256 = await asyncio.to_thread(write_blob, core.files_root, photo_in.data)
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, int(conversation.data["visit"]))
        conversation = await _conversation(tx, tg_user_id)
        step = conversation.step
        _check_fits(_wanted(state, conversation, photo_in.sent), photo_in.sent)
        await tx.files.remember(sha256, len(photo_in.data), photo_in.sent.mime, now)
        if step == VisitStep.Q:
            return await _answer_file(tx, state, conversation, person, photo_in, sha256, now)
        if step == VisitStep.SHORTCUT:
            await _evidence(tx, state, EvidenceKind.SHORTCUT, None, None, photo_in, sha256,
                            person, now)
            count = sum(1 for e in state.evidence if e.kind == EvidenceKind.SHORTCUT) + 1
            return View(Screen.SHORTCUT_PHOTO, state,
                        note=Note(count=count, kind=str(conversation.data["kind"])))
        if step == VisitStep.PAPER:
            _require_leader(state, person)
            await _evidence(tx, state, EvidenceKind.PARTY_PAPER, None, None, photo_in, sha256,
                            person, now)
            await tx.visits.sign(state.id, SignatureKind.PARTY_PAPER, state.task.target_name,
                                 state.content_hash, now, person_id=person.id,
                                 evidence_sha256=sha256)
            await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_PARTY_SIGNED_PAPER,
                                  f"visit:{state.id}", {"sha256": sha256,
                                                        "content_hash": state.content_hash},
                                  now)
            state = await load(tx, state.id, state.today, state.tz)
            await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
            return View(Screen.SIGNATURES, state, note=Note(paper=True))
        if step == VisitStep.MEMBER_PAPER:
            _require_leader(state, person)
            member = state.member(int(conversation.data["member"]))
            if member is None or state.signed(member.person_id) or not state.results_in:
                raise Refused(Refusal.STALE)
            await _evidence(tx, state, EvidenceKind.MEMBER_PAPER, None, None, photo_in, sha256,
                            person,
                            now)
            await tx.visits.sign(state.id, SignatureKind.MEMBER_PAPER, member.name,
                                 state.content_hash,
                                 now, person_id=member.person_id, evidence_sha256=sha256,
                                 recorded_by=person.id)
            await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_MEMBER_SIGNED_PAPER,
                                  f"visit:{state.id}", {"member": member.person_id,
                                                        "sha256": sha256,
                                                        "content_hash": state.content_hash},
                                  now)
            state = await load(tx, state.id, state.today, state.tz)
            await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
            return View(Screen.SIGNATURES, state, note=Note(member_paper=member.name))
        if step == VisitStep.WITNESS_PHOTO:
            _require_leader(state, person)
            await _evidence(tx, state, EvidenceKind.WITNESS, None, None, photo_in, sha256, person,
                            now)
            return await _refused(tx, tg_user_id, state, person, conversation, sha256)
        raise Refused(Refusal.NO_PHOTO_HERE)


async def _answer_file(tx: Tx, state: State, conversation: Conversation, person: Person,
                       photo_in: PhotoIn, sha256: str, now: datetime) -> View:
    """A photo, document or recording answering the question the person is at; the same
    file again is recognised (by Telegram's file_unique_id), not kept twice."""
    item, question = _current(state, conversation)
    if item.row.answerer != person.id:
        raise Refused(Refusal.NOT_YOURS)
    taken = item.photos.get(question.name, [])
    if any(p.file_unique_id == photo_in.file_unique_id for p in taken):
        return View(Screen.PHOTO_SAVED, state, item, question,
                    Note(count=len(taken), again=True))
    if len(taken) >= MAX_PHOTOS:
        raise Refused(Refusal.TOO_MANY_PHOTOS)
    await _evidence(tx, state, EvidenceKind.ANSWER, item.code, question.name, photo_in,
                    sha256, person, now)
    state = await _store(tx, state, item, question, str(len(taken) + 1), person)
    return View(Screen.PHOTO_SAVED, state, state.item(item.position), question,
                Note(count=len(taken) + 1, file=photo_in.sent.name or ""))


async def _evidence(tx: Tx, state: State, kind: EvidenceKind, item: str | None,
                    question: str | None,
                    photo_in: PhotoIn, sha256: str, person: Person, now: datetime) -> None:
    sent = photo_in.sent
    await tx.visits.add_evidence(state.id, kind, item, question, photo_in.file_id,
                                 photo_in.file_unique_id, sha256, person.id, now,
                                 sent.mime, sent.name, len(photo_in.data))
    await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_PHOTO, f"visit:{state.id}",
                          {"kind": kind, "item": item, "question": question,
                           "sha256": sha256, "file_unique_id": photo_in.file_unique_id,
                           # a document or recording says what it is (a photo as before)
                           **({"sent": str(sent.kind), "mime_type": sent.mime,
                               "file_name": sent.name, "file_size": len(photo_in.data)}
                              if sent.kind != FileKind.PHOTO else {})}, now)


async def pause(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    """Access: members of the team (checked below: `not_member`)."""
    async with core.db.transaction() as tx:
        state = await load(tx, visit_id, core.today(), core.settings.tz)
        if state.member(person.id) is None:
            raise Refused(Refusal.NOT_MEMBER)
        await tx.conversations.clear(tg_user_id)
        return View(Screen.PAUSED, state)


async def review(core: Core, person: Person, tg_user_id: int, visit_id: int,
                 page: int = 0) -> View:
    """The review; `page` picks the edit buttons shown (a long checklist has several)."""
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        if _first_open(state, person.id) is not None:
            return await _next(tx, tg_user_id, state, person, None, False)
        await _at(tx, tg_user_id, state, VisitStep.REVIEW)
        return View(Screen.REVIEW, state, note=Note(page=page))


async def edit(core: Core, person: Person, tg_user_id: int, visit_id: int, position: int,
               index: int) -> View:
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        item = state.item(position)
        if item.row.answerer != person.id or item.checklist is None:
            raise Refused(Refusal.NOT_YOURS)
        if not 0 <= index < len(item.checklist.questions):
            raise Refused(Refusal.STALE)
        question = item.checklist.questions[index]
        if question not in item.answerable(state.today):  # not relevant, or read-only now
            raise Refused(Refusal.STALE)
        return await _ask(tx, tg_user_id, state, item, question, editing=True)
