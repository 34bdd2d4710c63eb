"""一公开: publishing finished tasks' results within 20 working days (003 第二十五条), with
non-cooperation named with its count, times and circumstances (第二十六条); withholding
with a reason; corrections as new publications; the export for the national enterprise
credit publicity system."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from bot.core import Core
from bot.formats.tabular import csv_bytes, xlsx_bytes
from bot.rules import visit as rules
from bot.rules.methods import wording
from bot.rules.models import AuditAction
from bot.rules.records import (
    CorrectionDue,
    FollowUpLine,
    FollowUpStatus,
    Publication,
    PublicationKind,
    WithheldResult,
)
from bot.services.access import Actor, label, require_office
from bot.services.chasing import calendar
from bot.services.digest import publication_due
from bot.services.errors import Refusal, Refused, typed_line
from bot.texts import publication as words
from storage import ReadTx, Tx, from_db_time

PER_POST = 8  # results in one channel message (the channel takes 20 messages a minute)
EXPORT_HEADERS = ["统一社会信用代码", "企业名称", "抽查计划", "抽查事项", "检查部门", "检查结果",
                  "检查日期", "公示日期", "不配合检查次数", "不配合检查时间", "不配合检查情形",
                  "更正说明", "责令改正", "后续处理"]


@dataclass(frozen=True)
class DueItem:
    task_id: int
    target: str
    target_code: str
    due: date
    left: int  # working days; negative when late

    @property
    def late(self) -> bool:
        return self.left < 0


async def due_items(core: Core, actor: Actor, today: date) -> list[DueItem]:
    """Finished results not yet published, with their deadlines (the office's list)."""
    require_office(actor)
    async with core.db.read() as rtx:
        cal = await calendar(rtx)
        rows = await rtx.publications.due()
    found = []
    for row in rows:
        due = publication_due(core, cal, row.finished_at)
        found.append(DueItem(row.id, row.target, row.target_code, due,
                             cal.between(today, due) if today <= due
                             else -cal.between(due, today)))
    return found


def _follow_up(follow: dict[str, Any] | None) -> str | None:
    """A follow-up as the export states it: its kind in the legal wording, and its term."""
    if not follow:
        return None
    return f"{rules.FOLLOW_UPS[follow['kind']][0]}（期限 {follow['due']}）"


async def _content(tx: ReadTx | Tx, core: Core, task_id: int) -> dict[str, Any]:
    """What is published of a task, from its latest frozen record."""
    record = await tx.visits.latest_record(task_id)
    if record is None:
        raise Refused(Refusal.NO_RECORD)
    content = record.content["content"]
    submitted = from_db_time(record.content["submitted"]["at"])
    assert submitted is not None
    checked = submitted.astimezone(core.settings.tz).date().isoformat()
    items = [{"code": i["code"], "name": i["name"], "department": i["department"],
              "result": i["result"], "result_wording": i["result_wording"],
              "method": i.get("method_wording") or wording(None),
              "order": (i.get("detail") or {}).get("order"),
              "follow_up": _follow_up(i.get("follow_up"))}
             for i in content["items"]]
    refused = [i for i in content["items"] if i["result"] == "noncooperation"]
    case = None
    if refused:
        case = {"date": checked,
                "kinds": sorted({rules.NONCOOPERATION[i["detail"]["kind"]][0] for i in refused
                                 if i["detail"].get("kind")}),
                "circumstances": "；".join(i["detail"].get("circumstances", "") for i in refused)}
    earlier = [p.content["noncooperation"] for p in
               await tx.publications.of_target(content["task"]["target_code"])
               if p.task_id != task_id and p.kind != PublicationKind.WITHHELD
               and p.content.get("noncooperation")]
    cases = [*earlier, case] if case else earlier
    return {"task_id": task_id, "target_code": content["task"]["target_code"],
            "target_name": content["task"]["target_name"], "plan": content["task"]["plan"],
            "items": items, "date": checked, "record_hash": record.record_hash,
            "noncooperation": case,
            "noncooperation_count": len(cases) if case else 0,
            "noncooperation_times": [c["date"] for c in cases] if case else []}


async def _post(tx: Tx, core: Core, key: str, contents: list[dict[str, Any]], now: datetime,
                correction: str | None = None) -> int:
    channel = core.settings.public_channel
    if channel is None:
        return 0
    posts = 0
    for start in range(0, len(contents), PER_POST):
        batch = contents[start:start + PER_POST]
        if await tx.outbox.enqueue(f"{key}:{start // PER_POST}", channel, "sendMessage",
                                   {"text": words.post_text(batch, correction),
                                    "parse_mode": "HTML"}, now, chat_kind="channel"):
            posts += 1
    return posts


@dataclass(frozen=True)
class Preview:
    """What publishing would post, exactly, before anything is published."""

    task_ids: list[int]
    posts: list[str]  # the channel posts, as the public will read them
    late: int


async def _chosen(core: Core, actor: Actor, task_ids: list[int] | None,
                  today: date) -> tuple[list[int], dict[int, DueItem]]:
    due = {d.task_id: d for d in await due_items(core, actor, today)}
    chosen = list(due) if task_ids is None else task_ids
    if not chosen or any(task_id not in due for task_id in chosen):
        raise Refused(Refusal.NOT_DUE)
    return chosen, due


async def preview(core: Core, actor: Actor, task_ids: list[int] | None,
                  now: datetime) -> Preview:
    """The public text of publishing these finished tasks (None: every one due), to show
    before confirming: publishing cannot be undone."""
    require_office(actor)
    chosen, due = await _chosen(core, actor, task_ids, now.astimezone(core.settings.tz).date())
    async with core.db.read() as rtx:
        contents = [await _content(rtx, core, task_id) for task_id in chosen]
    posts = [words.post_text(contents[start:start + PER_POST])
             for start in range(0, len(contents), PER_POST)]
    return Preview(chosen, posts, sum(1 for t in chosen if due[t].late))


@dataclass(frozen=True)
class Published:
    count: int
    posts: int
    late: int


async def publish(core: Core, actor: Actor, task_ids: list[int] | None,
                  now: datetime) -> Published:
    """Publish the given finished tasks (None: every one due). Each becomes a publication
    row (frozen), an audit row and part of a channel post."""
    require_office(actor)
    chosen, due = await _chosen(core, actor, task_ids, now.astimezone(core.settings.tz).date())
    contents = []
    async with core.db.transaction() as tx:
        for task_id in chosen:
            content = await _content(tx, core, task_id)
            publication_id = await tx.publications.add(task_id, PublicationKind.RESULT, content,
                                                       label(actor), now)
            await tx.audit.append(label(actor), AuditAction.PUBLICATION_PUBLISHED,
                                  f"task:{task_id}",
                                  {"publication": publication_id,
                                   "due": due[task_id].due.isoformat(),
                                   "late": due[task_id].late}, now)
            contents.append(content)
        posts = await _post(tx, core, f"publish:{now.isoformat()}", contents, now)
    return Published(len(contents), posts, sum(1 for t in chosen if due[t].late))


async def withhold(core: Core, actor: Actor, task_id: int, reason: str,
                   now: datetime) -> None:
    """Keep a result out of publication where the law says so (secrets, privacy)."""
    require_office(actor)
    reason = typed_line(reason)
    if len(reason) < 4:
        raise Refused(Refusal.REASON_REQUIRED)
    today = now.astimezone(core.settings.tz).date()
    if task_id not in {d.task_id for d in await due_items(core, actor, today)}:
        raise Refused(Refusal.NOT_DUE)
    async with core.db.transaction() as tx:
        publication_id = await tx.publications.add(task_id, PublicationKind.WITHHELD, {},
                                                   label(actor),
                                                   now, reason=reason[:500])
        await tx.audit.append(label(actor), AuditAction.PUBLICATION_WITHHELD, f"task:{task_id}",
                              {"publication": publication_id, "reason": reason[:500]}, now)


async def corrections_due(core: Core, actor: Actor) -> list[CorrectionDue]:
    """Published results whose record was corrected since: each owes a 更正 publication."""
    require_office(actor)
    async with core.db.read() as rtx:
        return await rtx.publications.to_correct()


async def _owed(tx: ReadTx | Tx, task_id: int) -> CorrectionDue:
    found = await tx.publications.to_correct(task_id)
    if not found:
        raise Refused(Refusal.NOT_PUBLISHED)
    return found[0]


async def correction_preview(core: Core, actor: Actor, task_id: int) -> Preview:
    """The 更正 post of a corrected record, exactly as the channel will show it."""
    require_office(actor)
    async with core.db.read() as rtx:
        owed = await _owed(rtx, task_id)
        content = await _content(rtx, core, task_id)
    return Preview([task_id], [words.post_text([content], correction=owed.reason)], 0)


async def correct(core: Core, actor: Actor, task_id: int, now: datetime) -> int:
    """A published result is never edited: a 更正 is a new publication of the task's
    corrected record that references the publication it corrects, with the record
    correction's reason."""
    require_office(actor)
    async with core.db.transaction() as tx:
        owed = await _owed(tx, task_id)
        content = await _content(tx, core, task_id)
        publication_id = await tx.publications.add(task_id, PublicationKind.CORRECTION, content,
                                                   label(actor), now, reason=owed.reason,
                                                   supersedes=owed.publication_id)
        await tx.audit.append(label(actor), AuditAction.PUBLICATION_CORRECTED, f"task:{task_id}",
                              {"publication": publication_id,
                               "supersedes": owed.publication_id,
                               "record_hash": content["record_hash"],
                               "reason": owed.reason}, now)
        await _post(tx, core, f"correct:{publication_id}", [content], now,
                    correction=owed.reason)
        return publication_id


async def withheld(core: Core, actor: Actor) -> list[WithheldResult]:
    """Results kept out of publication, with their reasons (the office may release one)."""
    require_office(actor)
    async with core.db.read() as rtx:
        return await rtx.publications.withheld()


async def _held(tx: ReadTx | Tx, task_id: int) -> WithheldResult:
    found = await tx.publications.withheld(task_id)
    if not found:
        raise Refused(Refusal.NOT_DUE)
    return found[0]


async def release_preview(core: Core, actor: Actor, task_id: int) -> Preview:
    """The post a withheld result would make once released."""
    require_office(actor)
    async with core.db.read() as rtx:
        await _held(rtx, task_id)
        content = await _content(rtx, core, task_id)
    return Preview([task_id], [words.post_text([content])], 0)


async def release(core: Core, actor: Actor, task_id: int, now: datetime) -> int:
    """Publish a result that was withheld (the reason no longer holds): a new publication
    that references the withholding, which stays on record."""
    require_office(actor)
    async with core.db.transaction() as tx:
        held = await _held(tx, task_id)
        content = await _content(tx, core, task_id)
        publication_id = await tx.publications.add(task_id, PublicationKind.RESULT, content,
                                                   label(actor), now,
                                                   supersedes=held.publication_id)
        await tx.audit.append(label(actor), AuditAction.PUBLICATION_RELEASED, f"task:{task_id}",
                              {"publication": publication_id,
                               "withheld": held.publication_id}, now)
        await _post(tx, core, f"release:{publication_id}", [content], now)
        return publication_id


async def export(core: Core, actor: Actor) -> tuple[bytes, bytes]:
    """Every published result, one row per item, for entry into the national enterprise
    credit publicity system: (.xlsx, .csv)."""
    require_office(actor)
    async with core.db.read() as rtx:
        published = await rtx.publications.published()
        follow_ups = {(f.task_id, f.item_code): f for f in await rtx.aftercare.follow_ups()}
    rows = export_rows(published, core.settings.tz, follow_ups)
    return (xlsx_bytes("抽查结果", EXPORT_HEADERS, rows),
            csv_bytes(EXPORT_HEADERS, rows))


def _follow_up_now(item: dict[str, Any], line: FollowUpLine | None) -> str:
    """The follow-up as published, and its closure where it came since."""
    text = item.get("follow_up") or ""
    if text and line is not None and line.status == FollowUpStatus.DONE:
        day = line.outcome_date.isoformat() if line.outcome_date else ""
        text += f"；已办结（{day}）：{line.outcome or ''}"
    return str(text)


def export_rows(published: list[Publication], tz: tzinfo,
                follow_ups: dict[tuple[int, str], FollowUpLine] | None = None
                ) -> list[list[Any]]:
    """One row per item of each publication (EXPORT_HEADERS); a follow-up closed since is
    said in its column."""
    follow_ups = follow_ups or {}
    rows = []
    for p in published:
        c = p.content
        case = c.get("noncooperation") or {}
        published_on = p.created_at.astimezone(tz).date().isoformat()
        for item in c["items"]:
            # The non-cooperation columns belong to the item found so, not to its siblings.
            refused = item.get("result") == "noncooperation" and case
            rows.append([c["target_code"], c["target_name"], c["plan"], item["name"],
                         item["department"], item["result_wording"], c["date"], published_on,
                         (c.get("noncooperation_count") or "") if refused else "",
                         "、".join(c.get("noncooperation_times") or []) if refused else "",
                         "；".join([*case.get("kinds", []), case.get("circumstances", "")])
                         if refused else "", p.reason or "", item.get("order") or "",
                         _follow_up_now(item, follow_ups.get((p.task_id,
                                                              item.get("code", ""))))])
    return rows
