"""What a visit step looks like on the phone: texts (through gettext) and buttons, as plain
Bot API dictionaries. One screen per step, big buttons, one thumb."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.buttons.base import Button
from bot.buttons.replacements import ReplacementAbsent
from bot.buttons.visits import (
    PartyOpinion,
    PartyRole,
    PartySkipId,
    VisitBack,
    VisitChoose,
    VisitClearPhotos,
    VisitDefault,
    VisitDone,
    VisitDraft,
    VisitEdit,
    VisitFollowUpDue,
    VisitFollowUpKind,
    VisitFollowUpOwner,
    VisitGo,
    VisitHome,
    VisitMaterials,
    VisitMemberPaper,
    VisitNoncooperation,
    VisitNotNow,
    VisitPartyConfirm,
    VisitPartyPaper,
    VisitPartyQr,
    VisitPartyRefuses,
    VisitPause,
    VisitResult,
    VisitResults,
    VisitReview,
    VisitShortcut,
    VisitShortcutDone,
    VisitSign,
    VisitSignatures,
    VisitSkip,
    VisitStart,
    VisitStartAnyway,
    VisitSubmit,
    VisitSubmitConfirm,
    VisitToggle,
    VisitWitnessWithoutPhoto,
)
from bot.formats.rendering.qr import qr_png
from bot.i18n import Translator
from bot.rules import models
from bot.rules import visit as rules
from bot.rules.methods import CheckMethod
from bot.rules.records import Signature, SignatureKind
from bot.services.errors import Refusal, Refused
from bot.services.party import PartyStep
from bot.services.visits.state import Absent, Note, Screen, State, View
from bot.texts.labels import flag_text, legal, method_label, unreachable_text
from bot.texts.visits import skip_label, summary_lines
from bot.views.questions import QuestionKeys, count_text, question_screen
from bot.views.refusals import worded


@dataclass(frozen=True)
class Shown:
    text: str
    markup: dict[str, Any] | None = None
    photo: bytes | None = None


def _b(text: str, button: Button) -> dict[str, str]:
    return button.markup(text)


def _inline(rows: list[list[dict[str, Any]]]) -> dict[str, Any]:
    return {"inline_keyboard": [row for row in rows if row]}


def _fit(lines: list[str]) -> str:
    """The screen's text, whatever its length: the bot splits a long message and cuts a
    long edit (bot/tg/tgbot.py)."""
    return "\n".join(lines)


def location_keyboard(t: Translator, skip: bool) -> dict[str, Any]:
    rows: list[list[dict[str, Any]]] = [[{"text": t._("📍 Share my location"),
                                          "request_location": True}]]
    if skip:
        rows.append([{"text": skip_label(t)}])
    return {"keyboard": rows, "resize_keyboard": True, "one_time_keyboard": True}


REMOVE_KEYBOARD = {"remove_keyboard": True}


def render(t: Translator, view: View, viewer: int) -> list[Shown]:
    """The messages that show `view` to person `viewer`, in order."""
    return RENDERERS[view.kind](t, view, viewer)


def _title(t: Translator, state: State) -> str:
    return t._("🏢 <b>{target}</b>").format(target=html.escape(state.task.target_name))


def _acting_line(t: Translator, state: State, viewer: int) -> list[str]:
    """Said to a member who acts for the team because its leader cannot be reached."""
    leader = state.leader
    if leader is None or leader.person_id == viewer or not state.acts(viewer):
        return []
    return ["", t._("ℹ️ The leader, {leader}, cannot be reached in Choucha, so you act for the"
                    " team: record the paper signatures, the party's signature, and submit"
                    " the record.").format(leader=html.escape(leader.name))]


# ---------------------------------------------------------------------------- start

def absent(t: Translator, found: Absent) -> Shown:
    """Before a visit opens: who of the team Choucha cannot reach, and what to do."""
    lines = [t._("⚠️ Before you start the visit of <b>{target}</b>:").format(
        target=html.escape(found.task.target_name)), ""]
    for member in found.members:
        why = unreachable_text(t, member.unreachable)
        lines.append(f"• <b>{html.escape(member.name)}</b>"
                     f" ({html.escape(member.department)}) {why}")
    lines += ["", t._("They will not get their items or be asked to sign in Choucha. What you"
                      " can do:"),
              t._("1. Ask the office to send them their invite (/people): once registered"
                  " they join the visit where it stands."),
              t._("2. Go ahead: you answer the items of their department, and they sign the"
                  " printed record on paper (📄 Print the record, then “signed on paper”)."),
              t._("3. Ask their supervisor or the office to replace them (a fresh random"
                  " draw)."),
              "", t._("Nothing has been recorded yet.")]
    task_id = found.task.id
    rows = [[_b(t._("▶️ Start anyway"), VisitStartAnyway(task_id))]]
    rows += [[_b(t._("🔁 Ask to replace {name}").format(name=member.name[:30]),
                 ReplacementAbsent(task_id, member.person_id))]
             for member in found.members]
    rows.append([_b(t._("Not now"), VisitNotNow(task_id))])
    return Shown(_fit(lines), _inline(rows))


def _checkin(t: Translator, view: View, viewer: int) -> list[Shown]:
    return [Shown(_title(t, view.state) + "\n\n" + t._(
        "📍 Check-in: share your current location with the button below, so the record"
        " shows where and when the check began. If you cannot, tap “Skip check-in” and"
        " say why."), location_keyboard(t, skip=True))]


def _checkin_reason(t: Translator, view: View, viewer: int) -> list[Shown]:
    return [Shown(t._("Why can you not share your location? (for example: no GPS signal"
                      " indoors)"), REMOVE_KEYBOARD)]


def _home(t: Translator, view: View, viewer: int) -> list[Shown]:
    state = view.state
    task = state.task
    lines = [_title(t, state), t._("Plan: {plan} · window {start} – {due}").format(
        plan=html.escape(task.plan), start=task.window_start, due=task.window_due)]
    if state.visit.started_late:
        lines.append(t._("⚠️ This visit began after its window ended ({due}); the record"
                         " says so.").format(due=task.window_due))
    if state.correction:
        lines.append(t._("✏️ Correcting version {version} of the record: {reason}. Change what"
                         " needs changing; everyone signs again, then the leader submits the"
                         " new version.").format(version=state.correction.version,
                                                 reason=html.escape(state.correction.reason)))
    for checkin in state.checkins:
        if checkin.skip_reason:
            lines.append(t._("📍 {name}: check-in skipped ({reason})").format(
                name=html.escape(checkin.name), reason=html.escape(checkin.skip_reason)))
        else:
            lines.append(t._("📍 {name}: checked in at {at} ({lat:.5f}, {lon:.5f})").format(
                name=html.escape(checkin.name), at=state.local(checkin.at),
                lat=checkin.latitude, lon=checkin.longitude)
                + (f" ⚠️ {flag_text(checkin.flag, t)}" if checkin.flag else ""))
    if not state.on_site:
        lines.append(t._("🗂 {methods}: not on the party's premises, so nobody checks in and"
                         " the party does not sign here.").format(methods="、".join(
            dict.fromkeys(method_label(t, i.row.method) for i in state.items))))
    lines += ["", t._("Items:")]
    for number, item in enumerate(state.items, start=1):
        done, total = item.progress(state.today)
        result = legal(rules.RESULTS, item.result, t) if item.result else "—"
        method = "" if item.row.method in (None, CheckMethod.ON_SITE) else (
            f" · {method_label(t, item.row.method)}")
        lines.append(t._("{n}. {item} ({department}) · {who}: {done}/{total} answered ·"
                         " result: {result}").format(
            n=number, item=html.escape(item.row.name) + method,
            department=html.escape(item.row.department),
            who=html.escape(item.row.answerer_name or "—"), done=done, total=total,
            result=result))
    if state.results_in:
        signed = len(state.members) - len(state.unsigned)
        lines += ["", t._("✍️ Team signatures: {signed} of {total}").format(
            signed=signed, total=len(state.members))]
    lines += _acting_line(t, state, viewer)
    if view.note.nothing_mine:
        lines += ["", t._("No item of this plan is yours to answer; the leader sees the"
                          " progress here.")]
    rows: list[list[dict[str, str]]] = []
    if not state.open:
        return [Shown(_fit(lines))]
    mine = state.mine(viewer)
    if mine and not all(i.result for i in mine):
        rows.append([_b(t._("▶️ Continue my checklist"), VisitGo(state.id))])
    elif mine:
        rows.append([_b(t._("📝 My answers and results"), VisitReview(state.id))])
    if not state.started and not state.visit.shortcut:
        rows.append([_b(t._("🚪 Cannot be contacted at the address"),
                        VisitShortcut(state.id, rules.Shortcut.UNREACHABLE))])
        rows.append([_b(t._("🏚 No such business activity"),
                        VisitShortcut(state.id, rules.Shortcut.NO_ACTIVITY))])
    if state.results_in:
        rows.append([_b(t._("✍️ Signatures and submission"), VisitSignatures(state.id))])
    absent = state.absent()
    if absent:
        lines += ["", t._("⚠️ Not reachable in Choucha: {names}. Their items fall to whoever"
                          " is there; they sign the printed record on paper.").format(
            names="、".join(html.escape(m.name) for m in absent))]
    if state.desk_items and state.acts(viewer):
        rows.append([_b(t._("📨 Ask the party for its documents (link)"),
                        VisitMaterials(state.id))])
    if state.materials:
        lines += ["", t._("📥 The party's documents: {names}").format(
            names="、".join(html.escape(m.name) for m in state.materials))]
    rows.append([_b(t._("📄 Print the record (draft, to sign)"), VisitDraft(state.id))])
    rows.append([_b(t._("🔄 Refresh"), VisitHome(state.id)),
                 _b(t._("⏸ Pause"), VisitPause(state.id))])
    return [Shown(_fit(lines), _inline(rows))]


# ------------------------------------------------------------------------ questions

def _question(t: Translator, view: View, viewer: int) -> list[Shown]:
    state, item, question = view.state, view.item, view.question
    assert item is not None and question is not None and item.checklist is not None
    count = rules.question_count(item.checklist, item.answers, state.today, question)
    position, index = item.position, item.question_index(question.name)
    text, rows = question_screen(
        t, t._("📋 {item} · {count}").format(item=html.escape(item.row.name),
                                            count=count_text(t, count)),
        item.checklist, item.answers, question, state.today,
        len(item.photos.get(question.name, [])), list(view.note.selected),
        QuestionKeys(choose=lambda c: VisitChoose(state.id, position, index, c),
                     toggle=lambda c: VisitToggle(state.id, position, index, c),
                     done=VisitDone(state.id, position, index),
                     back=VisitBack(state.id, position, index),
                     skip=VisitSkip(state.id, position, index),
                     leave=(t._("⏸ Pause"), VisitPause(state.id)),
                     default=VisitDefault(state.id, position, index),
                     retake=VisitClearPhotos(state.id, position, index)),
        view.note.search)
    shown = [Shown(text, _inline(rows))]
    if question.type == "geopoint":
        shown.append(Shown(t._("📍 Tap the button to share the location."),
                           location_keyboard(t, skip=False)))
    return shown


def _saved_text(t: Translator, kind: str, note: Note) -> str:
    """"Photo 2 saved.", "File 1 saved: report.pdf", "Recording 1 saved.", …"""
    n = note.count
    if kind == "image":
        return t._("This photo was saved already.") if note.again else \
            t._("📷 Photo {n} saved.").format(n=n)
    if note.again:
        return t._("This file was saved already.")
    if kind == "audio":
        return t._("🎤 Recording {n} saved.").format(n=n)
    if kind == "video":
        return t._("🎬 Video {n} saved.").format(n=n)
    if note.file:
        return t._("📎 File {n} saved: {name}").format(n=n, name=html.escape(note.file))
    return t._("📎 File {n} saved.").format(n=n)


def _photo_saved(t: Translator, view: View, viewer: int) -> list[Shown]:
    item, question = view.item, view.question
    assert item is not None and question is not None
    text = _saved_text(t, question.type, view.note)
    text += "\n" + t._("Send another, or tap Done.")
    index = item.question_index(question.name)
    return [Shown(text, _inline([[
        _b(t._("✅ Done"), VisitDone(view.state.id, item.position, index)),
        _b(t._("🗑 Retake"), VisitClearPhotos(view.state.id, item.position, index))]]))]


def _paused(t: Translator, view: View, viewer: int) -> list[Shown]:
    return [Shown(t._("⏸ Paused. Everything so far is saved; continue whenever you are"
                      " ready."), _inline([[_b(t._("▶️ Continue"),
                                               VisitStart(view.state.task.id))]]))]


# --------------------------------------------------------------------------- review

EDITS_PER_PAGE = 60


def _review(t: Translator, view: View, viewer: int) -> list[Shown]:
    state = view.state
    lang = t.lang
    lines = [t._("📝 Review your answers before the results."), ""]
    if view.note.saved:
        lines = [t._("✅ Saved."), *lines]
    rows: list[list[dict[str, str]]] = []
    edits: list[dict[str, str]] = []
    mine = state.mine(viewer)
    for number, item in enumerate(mine, start=1):
        lines.append(f"<b>{number}. {html.escape(item.row.name)}</b>")
        if item.checklist is None:
            lines.append("  " + t._("(no checklist for this item)"))
        values = item.values(state.today)
        open_now = {q.name for q in item.answerable(state.today, values)}
        for q_number, question in enumerate(item.relevant(state.today, values), start=1):
            answer = item.answers.get(question.name)
            value = rules.display(question, answer, lang,
                                  len(item.photos.get(question.name, [])))
            locked = "" if question.name in open_now else " 🔒"  # read-only now
            lines.append(f"  {number}.{q_number} " + html.escape(rules.labelled(
                rules.label(question, lang, values), value[:80], lang)) + locked)
            if not locked:
                edits.append(_b(f"✏️ {number}.{q_number}", VisitEdit(
                    state.id, item.position, item.question_index(question.name))))
        if item.checklist is not None:
            for question, value in rules.calculated(item.checklist, item.answers, state.today,
                                                    values):
                lines.append("  🧮 " + html.escape(rules.labelled(
                    rules.label(question, lang, values), value[:80], lang)))
        if item.result:
            lines.append("  " + t._("Result: {result}").format(
                result=legal(rules.RESULTS, item.result, t)))
    # Telegram takes at most 100 buttons: a long checklist's edits come a page at a time.
    pages = max(1, -(-len(edits) // EDITS_PER_PAGE))
    page = min(view.note.page, pages - 1)
    shown = edits[page * EDITS_PER_PAGE:(page + 1) * EDITS_PER_PAGE]
    for start in range(0, len(shown), 4):
        rows.append(shown[start:start + 4])
    if pages > 1:
        rows.append([_b(t._("✏️ Edit {first}–{last}").format(
            first=p * EDITS_PER_PAGE + 1, last=min(len(edits), (p + 1) * EDITS_PER_PAGE)),
            VisitReview(state.id, p)) for p in (page - 1, page + 1) if 0 <= p < pages])
    pending = [i for i in mine if not i.result]
    if pending:
        rows.append([_b(t._("➡️ Results"), VisitResults(state.id))])
    else:
        for number, item in enumerate(mine, start=1):
            rows.append([_b(t._("🔁 Change the result of {n}").format(n=number),
                            VisitResults(state.id, item.position))])
    if state.results_in:
        rows.append([_b(t._("✍️ Signatures and submission"), VisitSignatures(state.id))])
    rows.append([_b(t._("📋 Progress"), VisitHome(state.id)),
                 _b(t._("⏸ Pause"), VisitPause(state.id))])
    return [Shown(_fit(lines), _inline(rows))]


# -------------------------------------------------------------------------- results

def _result(t: Translator, view: View, viewer: int) -> list[Shown]:
    item = view.item
    assert item is not None
    suggested = list(view.note.suggested)
    lines = [t._("⚖️ Result for <b>{item}</b> (003 第二十三条)").format(
        item=html.escape(item.row.name))]
    if suggested:
        lines.append(t._("Suggested from the answers: {results}. You decide.").format(
            results="、".join(legal(rules.RESULTS, k, t) for k in suggested)))
    rows = []
    for index, key in enumerate(rules.RESULTS):
        mark = "⭐ " if key in suggested else ("✔️ " if item.result == key else "")
        rows.append([_b(mark + legal(rules.RESULTS, key, t),
                        VisitResult(view.state.id, item.position, index))])
    rows.append([_b(t._("📝 Back to my answers"), VisitReview(view.state.id))])
    return [Shown("\n".join(lines), _inline(rows))]


def _nc_kind(t: Translator, view: View, viewer: int) -> list[Shown]:
    item = view.item
    assert item is not None
    numerals = ("（一）", "（二）", "（三）", "（四）")
    lines = [t._("Which kind of non-cooperation (003 第二十六条)?")]
    rows = []
    for index, key in enumerate(rules.NONCOOPERATION):
        lines.append(f"{numerals[index]} {legal(rules.NONCOOPERATION, key, t)}")
        rows.append([_b(f"{numerals[index]} " + legal(rules.NONCOOPERATION, key, t)[:28],
                        VisitNoncooperation(view.state.id, item.position, index))])
    return [Shown("\n".join(lines), _inline(rows))]


def _nc_text(t: Translator, view: View, viewer: int) -> list[Shown]:
    return [Shown(t._("Describe the circumstances: what happened, when, and who was"
                      " involved. This is published with the result."))]


def _order_text(t: Translator, view: View, viewer: int) -> list[Shown]:
    return [Shown(t._("Type the correction order given (责令改正): its number and what must be"
                      " corrected by when."))]


def _fu_kind(t: Translator, view: View, viewer: int) -> list[Shown]:
    item = view.item
    assert item is not None
    rows = [[_b(legal(rules.FOLLOW_UPS, key, t),
                VisitFollowUpKind(view.state.id, item.position, index))]
            for index, key in enumerate(rules.FOLLOW_UPS)]
    return [Shown(t._("What follows for <b>{item}</b>?").format(
        item=html.escape(item.row.name)), _inline(rows))]


def _fu_due(t: Translator, view: View, viewer: int) -> list[Shown]:
    item = view.item
    assert item is not None
    today = view.state.today
    rows = [[_b(t._("In {days} days: {date}").format(
                 days=days, date=(today + timedelta(days=days)).isoformat()),
                 VisitFollowUpDue(view.state.id, item.position, days))] for days in (7, 15, 30)]
    kind = view.note.kind
    what = legal(rules.FOLLOW_UPS, kind, t) if kind in rules.FOLLOW_UPS else ""
    return [Shown(t._("Deadline for the party{what}: by when must it be done? Tap one of the"
                      " dates below or type a date (such as {example}).").format(
        what=f" ({what})" if what else "",
        example=(today + timedelta(days=60)).isoformat()), _inline(rows))]


def _fu_owner(t: Translator, view: View, viewer: int) -> list[Shown]:
    item = view.item
    assert item is not None
    rows = [[_b(f"{m.name} · {m.department}",
                VisitFollowUpOwner(view.state.id, item.position, m.person_id))]
            for m in view.state.members]
    return [Shown(t._("Due {due}. Who follows it up?").format(due=view.note.due),
                  _inline(rows))]


def _part_done(t: Translator, view: View, viewer: int) -> list[Shown]:
    state = view.state
    lines = [t._("✅ Your results are recorded.")]
    rows: list[list[dict[str, str]]] = []
    if state.results_in:
        lines.append(t._("Every item has its result: each team member is now asked to sign"
                         " the summary in their own chat."))
        rows.append([_b(t._("✍️ Signatures and submission"), VisitSignatures(state.id))])
    else:
        waiting = [i for i in state.items if not i.result]
        lines.append(t._("Waiting for: {items}").format(items="、".join(
            f"{html.escape(i.row.name)} ({html.escape(i.row.answerer_name or '—')})"
            for i in waiting)))
    rows.append([_b(t._("📋 Progress"), VisitHome(state.id))])
    return [Shown("\n".join(lines), _inline(rows))]


# ------------------------------------------------------------------------ shortcuts

def _shortcut(t: Translator, view: View, viewer: int) -> list[Shown]:
    kind = view.note.kind
    return [Shown(t._("Result for every item: <b>{result}</b>.\nSend one or more photos as"
                      " evidence (the premises, the door plate, the notice left), then tap"
                      " Done.").format(result=legal(rules.RESULTS, kind, t)),
                  _inline([[_b(t._("✅ Done"), VisitShortcutDone(view.state.id)),
                            _b(t._("✖️ Cancel"), VisitHome(view.state.id))]]))]


def _shortcut_photo(t: Translator, view: View, viewer: int) -> list[Shown]:
    return [Shown(t._("📷 Photo {n} saved.").format(n=view.note.count) + "\n"
        + t._("Send another, or tap Done."),
        _inline([[_b(t._("✅ Done"), VisitShortcutDone(view.state.id))]]))]


# ----------------------------------------------------------------------- signatures

def _signatures(t: Translator, view: View, viewer: int) -> list[Shown]:
    state = view.state
    lines = []
    if view.note.signed:
        lines += [t._("✅ You signed."), ""]
    if view.note.refused:
        lines += [t._("✅ The refusal and the witness are recorded."), ""]
    if view.note.paper:
        lines += [t._("✅ The photo of the signed paper record is saved."), ""]
    if view.note.member_paper:
        lines += [t._("✅ {name}'s signature on the paper record is saved.").format(
            name=html.escape(view.note.member_paper)), ""]
    lines += [_title(t, state), t._("Result summary (抽查结果汇总表):"),
              *summary_lines(t, state.rows),
              "", t._("Record hash: <code>{hash}</code>").format(hash=state.content_hash[:16]),
              "", t._("Team:")]
    paper = {s.person_id for s in state.signatures if s.kind == SignatureKind.MEMBER_PAPER}
    for member in state.members:
        mark = "✅" if state.signed(member.person_id) else "⏳"
        how = " · " + t._("on paper") if member.person_id in paper else ""
        lines.append(f"{mark} {html.escape(member.name)} · "
                     f"{html.escape(member.department)}{how}")
    party = state.party_signature
    if party is not None:
        lines.append(_party_line(t, party))
    elif state.party_needed:
        lines.append(t._("⏳ The inspected party has not signed yet."))
    elif not state.on_site:
        lines.append(t._("Nobody was on the party's premises (not an on-site check): no"
                         " signature of the party is needed; the record says why."))
    else:
        lines.append(t._("The party could not be contacted; no signature of the party is"
                         " needed."))
    lines += _acting_line(t, state, viewer)
    if state.open and state.results_in:
        lines += ["", _signatures_next(t, state, viewer)]
    rows: list[list[dict[str, Any]]] = []
    if state.open and state.results_in:
        if not state.signed(viewer):
            rows.append([_b(t._("✍️ Sign"), VisitSign(state.id, state.content_hash[:16]))])
        if state.acts(viewer):
            for member in state.unsigned:
                if member.person_id != viewer:
                    rows.append([_b(t._("📄 {name} signed on paper").format(
                        name=member.name[:30]), VisitMemberPaper(state.id,
                                                                    member.person_id))])
        if state.acts(viewer) and party is None and state.party_needed:
            if view.note.webapp:  # the Mini App: the party signs on this phone
                rows.append([{"text": t._("✍️ Party signs by hand on this phone"),
                              "web_app": {"url": view.note.webapp}}])
            rows.append([_b(t._("📱 Party signs on their phone (QR)"), VisitPartyQr(state.id))])
            rows.append([_b(t._("📷 Photo of the signed paper record"), VisitPartyPaper(state.id))])
            rows.append([_b(t._("🚫 The party refuses to sign"), VisitPartyRefuses(state.id))])
        rows.append([_b(t._("📄 Print the record (draft, to sign)"), VisitDraft(state.id))])
        if state.acts(viewer) and state.complete:
            rows.append([_b(t._("📤 Submit the record"), VisitSubmit(state.id))])
    rows.append([_b(t._("📋 Progress"), VisitHome(state.id)),
                 _b(t._("📝 My answers"), VisitReview(state.id))])
    return [Shown(_fit(lines), _inline(rows))]


def _signatures_next(t: Translator, state: State, viewer: int) -> str:
    """What comes next on the signatures screen, for this viewer."""
    acting = state.acting
    if state.complete:
        if state.acts(viewer):
            return t._("➡️ Everyone has signed: submit the record (it is then locked).")
        return t._("➡️ Everyone has signed: {name} submits the record.").format(
            name=html.escape(acting.name if acting else "—"))
    if not state.signed(viewer):
        return t._("➡️ Read the summary above, then sign it.")
    if state.acts(viewer):
        return t._("➡️ Collect the missing signatures with the buttons below; then submit.")
    return t._("➡️ You have signed. {name} collects the other signatures and submits the"
               " record; you will get the PDF.").format(
        name=html.escape(acting.name if acting else "—"))


def _party_line(t: Translator, party: Signature) -> str:
    if party.kind == SignatureKind.PARTY and party.png_sha256:
        return t._("✅ The party signed by hand on the inspector's phone: {name}").format(
            name=html.escape(party.name))
    if party.kind == SignatureKind.PARTY:
        return t._("✅ The party signed on their phone: {name}").format(
            name=html.escape(party.name))
    if party.kind == SignatureKind.PARTY_PAPER:
        return t._("✅ The party signed the paper record (photo {hash}…)").format(
            hash=(party.evidence_sha256 or "")[:12])
    return t._("🚫 The party refused to sign: {reason}. Witness: {witness}").format(
        reason=html.escape(party.reason or ""), witness=html.escape(party.witness or ""))


def _party_qr(t: Translator, view: View, viewer: int) -> list[Shown]:
    link = view.note.link
    caption = t._("Let the party scan this code with their phone (camera or Telegram). It"
                  " opens the summary in their own Telegram with a Confirm button. Single"
                  " use, valid {minutes} minutes, only for this version of the record.").format(
        minutes=view.note.minutes)
    return [Shown(caption + f"\n{html.escape(link)}",
                  _inline([[_b(t._("✍️ Signatures and submission"),
                               VisitSignatures(view.state.id))]]),
                  photo=qr_png(link))]


def _member_paper(t: Translator, view: View, viewer: int) -> list[Shown]:
    return [Shown(t._("Send a photo of the printed record with {name}'s signature on it. It"
                      " must be the version with the content hash <code>{hash}</code>.").format(
        name=html.escape(view.note.name), hash=view.state.content_hash[:16]))]


def _paper(t: Translator, view: View, viewer: int) -> list[Shown]:
    return [Shown(t._("Send a photo of the paper record signed or sealed by the party."))]


def _refuse_reason(t: Translator, view: View, viewer: int) -> list[Shown]:
    return [Shown(t._("Why is there no signature of the party? (for example: the manager"
                      " refused to sign)"))]


def _witness(t: Translator, view: View, viewer: int) -> list[Shown]:
    return [Shown(t._("Name of the witness (见证人), as written on the record:"))]


def _witness_photo(t: Translator, view: View, viewer: int) -> list[Shown]:
    return [Shown(t._("If the witness signed on paper, send a photo of it; otherwise"
                      " continue without."),
                  _inline([[_b(t._("Continue without a photo"),
                               VisitWitnessWithoutPhoto(view.state.id))]]))]


def _submit_confirm(t: Translator, view: View, viewer: int) -> list[Shown]:
    """What submitting locks, before it does."""
    state = view.state
    lines = [t._("📤 Submit the record of {target}?").format(
        target=html.escape(state.task.target_name)), "", *summary_lines(t, state.rows), "",
        t._("Signed by: {names}").format(names="、".join(
            html.escape(m.name) for m in state.members))]
    party = state.party_signature
    if party is not None:
        lines.append(_party_line(t, party))
    lines += ["", t._("Once submitted, the record is locked: nothing in it can be changed,"
                      " and it goes as a PDF to the team and the office. A mistake found"
                      " later needs a correction with a reason, signed again by everyone.")]
    return [Shown(_fit(lines), _inline([
        [_b(t._("📤 Submit and lock"), VisitSubmitConfirm(state.id, state.content_hash[:16]))],
        [_b(t._("✖️ Not yet"), VisitSignatures(state.id))]]))]


def _submitted(t: Translator, view: View, viewer: int) -> list[Shown]:
    return [Shown(t._("📤 Submitted. The record is frozen; the PDF goes to the team and the"
                      " office.\nRecord hash: <code>{hash}</code>").format(
        hash=view.note.record_hash), REMOVE_KEYBOARD)]  # no step of the visit is left


def party_step(t: Translator, step: PartyStep) -> Shown:
    """The party's next question on their phone, or the summary of what they will sign."""
    target = html.escape(step.state.task.target_name)
    if step.step == "name":
        return Shown(t._("Who signs for <b>{target}</b>? Please send your full name.").format(
            target=target))
    if step.step == "role":
        return Shown(t._("Your role:"), _inline([[
            _b(legal(rules.PARTY_ROLES, key, t), PartyRole(models.PartyRole(key)))]
            for key in rules.PARTY_ROLES]))
    if step.step == "id":
        return Shown(t._("If you wish, send the last four characters of your ID card"
                         " (身份证); otherwise skip."),
                     _inline([[_b(t._("Skip"), PartySkipId())]]))
    if step.step == "opinion":
        return Shown(t._("Your opinion on the record (当事人意见):"), _inline([[
            _b(legal(rules.OPINIONS, key, t), PartyOpinion(models.Opinion(key)))]
            for key in rules.OPINIONS]))
    if step.step == "opinion_text":
        return Shown(t._("What do you object to? Please write it in a few words."))
    signer = step.signer()
    lines = [t._("Please check, then confirm:"),
             t._("Signed by: {name}, {role}").format(
                 name=html.escape(signer.name),
                 role=legal(rules.PARTY_ROLES, signer.role.value, t))]
    if signer.id_last4:
        lines.append(t._("ID ending in {last4}").format(last4=html.escape(signer.id_last4)))
    opinion = legal(rules.OPINIONS, signer.opinion.value, t)
    if signer.opinion_text:
        opinion += f": {html.escape(signer.opinion_text)}"
    lines.append(t._("Opinion: {opinion}").format(opinion=opinion))
    lines.append(t._("Record hash: <code>{hash}</code>").format(
        hash=step.state.content_hash[:16]))
    return Shown("\n".join(lines), _inline([[
        _b(t._("✅ Confirm and sign"),
           VisitPartyConfirm(step.token_id, step.state.content_hash[:16]))]]))


def party_text(t: Translator, state: State) -> str:
    """What the inspected party reads before confirming, in their own Telegram."""
    lines = [t._("🧾 Check record of <b>{target}</b>").format(
        target=html.escape(state.task.target_name)),
        t._("Plan: {plan}").format(plan=html.escape(state.task.plan)),
        t._("Inspectors: {names}").format(names="、".join(
            html.escape(f"{m.name} ({m.department}, {m.cert_no})")
            for m in state.members)), "", t._("Results:"), *summary_lines(t, state.rows), "",
        t._("Record hash: <code>{hash}</code>").format(hash=state.content_hash[:16]),
        t._("You will state who signs and your opinion, then confirm: that signs this"
            " record (003 第二十一条). What you state and the time are stored with it.")]
    return _fit(lines)


RENDERERS = {
    "checkin": _checkin, "checkin_reason": _checkin_reason, "home": _home,
    "question": _question, "photo_saved": _photo_saved, "paused": _paused,
    "review": _review, "result": _result, "nc_kind": _nc_kind, "nc_text": _nc_text,
    "order_text": _order_text, "fu_kind": _fu_kind, "fu_due": _fu_due,
    "fu_owner": _fu_owner, "part_done": _part_done, "shortcut": _shortcut,
    "shortcut_photo": _shortcut_photo, "signatures": _signatures, "party_qr": _party_qr,
    "paper": _paper, "member_paper": _member_paper, "refuse_reason": _refuse_reason,
    Screen.WITNESS: _witness,
    "witness_photo": _witness_photo, "submit_confirm": _submit_confirm,
    "submitted": _submitted,
}


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.TASK_CLOSED: t._("This task is finished or cancelled; nothing was changed."),
        Refusal.NO_PUBLIC_URL: t._("Choucha has no public address (CHOUCHA_PUBLIC_URL), so"
                                   " the party cannot open a link: ask for the documents on"
                                   " paper and photograph them in the checklist."),
        Refusal.NOT_DESK_CHECK: t._("No item of this check is a desk check (书面检查): the"
                                    " party is not asked for documents by link."),
        Refusal.SUBMITTED: t._("This record was submitted already and is frozen; nothing was"
                               " changed."),
        Refusal.NOT_YET: t._("The inspection window opens on {start}; the visit cannot start"
                             " before. Nothing was recorded: on that day, open the task from"
                             " /tasks and start it.").format(start=exc.params.get("start", "")),
        Refusal.NOT_CURRENT: t._("That button belongs to an earlier step. Nothing was changed;"
                                 " continue from the latest message."),
        Refusal.NOT_YOURS: t._("This item belongs to another department's inspector; only they"
                               " answer it (003 第二十四条)."),
        Refusal.CHOOSE_ONE: t._("Choose at least one, then tap Done."),
        Refusal.LOCATION_NEEDED: t._("Please share the location with the button below the"
                                     " message box."),
        Refusal.NOT_LOCATION: t._("A location is not what this question asks for; nothing was"
                                  " saved."),
        Refusal.USE_BUTTONS: t._("Please answer with the buttons of the question."),
        Refusal.REQUIRED: t._("This question is required and cannot be skipped."),
        Refusal.TOO_MANY_PHOTOS: t._("That is the most photos one question takes; tap Done."),
        Refusal.WITNESS_REQUIRED: t._("Please write the witness's name."),
        Refusal.TOO_SHORT: t._("Please write a little more, so that the record is clear."),
        Refusal.DUE_IN_PAST: t._("The due date must be after today: tap one of the dates"
                                 " above or type a later one."),
        Refusal.ALREADY_STARTED: t._("Answers or results exist already, so the shortcut is not"
                                     " available."),
        Refusal.RESULTS_MISSING: t._("Not every item has a result yet."),
        Refusal.CHANGED: t._("The record changed since this was shown. The new version has been"
                             " sent; please read it and sign again."),
        Refusal.ALREADY_SIGNED: t._("You have signed this version already."),
        Refusal.LEADER_ONLY: t._("Only the one who acts for the team does this: the leader,"
                                 " or a member while the leader cannot be reached in"
                                 " Choucha. Nothing was changed."),
        Refusal.PARTY_SIGNED: t._("The party's signature is recorded already."),
        Refusal.MEMBERS_UNSIGNED: t._("Not everyone on the team has signed yet: {names}.").format(
            names=html.escape(exc.params.get("names", ""))),
        Refusal.PARTY_UNSIGNED: t._("The party's signature (or the refusal with a witness) is"
                                    " still missing."),
        Refusal.TOKEN_UNKNOWN: t._("This signing link is not valid. Please ask the inspector for"
                                   " a new code."),
        Refusal.TOKEN_USED: t._("This signing link was used already: nothing more is needed"
                                " from you. If it was not you who signed, tell the"
                                " inspector."),
        Refusal.TOKEN_EXPIRED: t._("This signing link has expired. Please ask the inspector for a"
                                   " new code."),
        Refusal.TOKEN_CHANGED: t._("The record changed after this code was shown. Please ask the"
                                   " inspector for a new code."),
        Refusal.TOKEN_TAKEN: t._("This signing link was opened on another Telegram account. If"
                                 " you are the one to sign, ask the inspector for a new"
                                 " code."),
        Refusal.WEBAPP_AUTH: t._("This page was not opened from Choucha in Telegram, or it was"
                                 " open too long. Close it and open it again from the"
                                 " signature screen."),
        Refusal.SIGNATURE_EMPTY: t._("Please sign in the box first: nothing was drawn."),
        Refusal.SIGNATURE_UNREADABLE: t._("The signature could not be read. Clear the box and"
                                          " sign again."),
        Refusal.PARTY_IS_REGISTERED: t._("This account belongs (or belonged) to someone who"
                                         " works with Choucha, so it cannot sign for the"
                                         " inspected party. Hand the"
                                         " phone with the code to the party's own"
                                         " representative."),
        Refusal.PARTY_NAME: t._("Please send the full name of the person signing (2 to 50"
                                " characters)."),
        Refusal.PARTY_LAST4: t._("Please send exactly four characters: the last four of the ID card"
                                 " (digits, the last may be X), or tap Skip."),
        **_evidence_refusals(t, exc),
    })


def _evidence_refusals(t: Translator, exc: Refused) -> dict[Refusal, str]:
    """Why a photo, a document or a recording was not saved."""
    wants = exc.params.get("wants", "file")
    return {
        Refusal.PHOTO_NEEDED: _needed_text(t, "image"),
        Refusal.FILE_NEEDED: _needed_text(t, wants),
        Refusal.WRONG_FILE: t._("That is not what this step takes, so nothing was saved.")
        + " " + _needed_text(t, wants),
        Refusal.FILE_TOO_LARGE: _too_large_text(t, wants),
        Refusal.NO_FILE_HERE: t._("The current step does not take a file or a recording, so"
                                  " nothing was saved. Use the buttons of the step you are"
                                  " at."),
        Refusal.NO_VISIT: t._("I don't know which task this photo belongs to, so it was not"
                              " saved. Open the task (/tasks) and continue the visit first."),
        Refusal.WRONG_TASK: t._("This photo replies to a question of another task than the one"
                                " you are working on now, so it was not saved. Send it again"
                                " without replying, or switch tasks from /tasks."),
        Refusal.NO_PHOTO_HERE: t._("The current step does not take a photo, so it was not saved."
                                   " Use the buttons of the step you are at."),
    }


def draft_caption(t: Translator, content_hash: str) -> str:
    return t._("📄 Draft of the record (草稿 · 待签), content hash <code>{hash}</code>."
               " Print it for those who sign on paper; if anything changes, print it"
               " again.").format(hash=content_hash[:16])


def nothing_recorded_alert(t: Translator) -> str:
    return t._("Nothing was recorded.")


def use_latest_buttons_text(t: Translator) -> str:
    return t._("Please use the buttons of the latest message, or send /tasks.")


def invalid_answer_text(t: Translator, exc: rules.Invalid) -> str:
    """A typed answer the question's type refuses: why, and that nothing was saved."""
    return ("⚠️ " + html.escape(exc.own or t._(exc.message))
            + "\n" + t._("Nothing was saved; please answer again."))


def checked_in_without_location_text(t: Translator) -> str:
    return t._("✅ Check-in recorded without a location.")


def _needed_text(t: Translator, wants: str) -> str:
    """What a question answered with files wants, and how to send it."""
    if wants == "image":
        return t._("A photo is needed here: send one with the camera (📎), then tap Done.")
    if wants == "audio":
        return t._("A recording is needed here: send a voice message (hold 🎤) or an audio"
                   " file, then tap Done.")
    if wants == "video":
        return t._("A video is needed here: send a video (📎) or a round video message, then"
                   " tap Done.")
    return t._("A document is needed here: send it as a file (📎): a PDF, an image, an"
               " office document (Word, Excel, PowerPoint, WPS, OFD) or a text file, then"
               " tap Done.")


def _too_large_text(t: Translator, wants: str) -> str:
    """A file larger than a bot may download (the Bot API's getFile: 20 MB), and what to
    send instead."""
    if wants == "image":
        return t._("This file is larger than 20 MB; please send it as a photo. Nothing was"
                   " saved.")
    if wants == "audio":
        return t._("This recording is larger than 20 MB, the most Telegram lets a bot"
                   " download, so nothing was saved. Send a shorter recording, or split it"
                   " into parts.")
    if wants == "video":
        return t._("This video is larger than 20 MB, the most Telegram lets a bot download,"
                   " so nothing was saved. Send a shorter video, or split it into parts.")
    return t._("This file is larger than 20 MB, the most Telegram lets a bot download, so"
               " nothing was saved. Send a smaller file: fewer pages, scans at a lower"
               " resolution, or the document in parts.")


def not_downloaded_text(t: Translator, photo: bool) -> str:
    """A file that could not be fetched: nothing was saved, send it again."""
    if photo:
        return t._("The photo could not be downloaded (weak signal?), so it was not saved."
                   " Please send it again.")
    return t._("The file could not be downloaded (weak signal?), so it was not saved."
               " Please send it again.")


def checked_in_text(t: Translator, latitude: float, longitude: float) -> str:
    return t._("✅ Checked in at {lat:.5f}, {lon:.5f}.").format(lat=latitude, lon=longitude)


def location_saved_text(t: Translator) -> str:
    return t._("✅ Location saved.")


def party_thanks_text(t: Translator, target: str, content_hash: str) -> str:
    """To the party, once they signed."""
    return t._("✅ Thank you. You signed the check record of {target}."
               "\nRecord hash: <code>{hash}</code>\nNothing more is needed"
               " from you.").format(target=html.escape(target), hash=content_hash[:16])
