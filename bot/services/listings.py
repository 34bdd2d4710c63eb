"""一公开 of the item list (抽查事项清单) and the plans (抽查计划), issue 31: the office publishes
them with a date and, where it gives one, the approving document's number (文号); each
publication is kept as it was (bot/rules/listing.py), audited, posted to the public
channel and put on the public site. A plan is prepared for its draw only as it was last
published (`require_published`, called by bot/services/draws.py)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.core import Core
from bot.rules import listing as rules
from bot.rules.models import AuditAction
from bot.rules.records import Listing, ListingKind, PlanForDraw
from bot.services.access import Actor, label, require_office
from bot.services.errors import Refusal, Refused, typed_line
from bot.texts import listings as words
from storage import ReadTx, Tx


@dataclass(frozen=True)
class ItemsState:
    """The item list now, and its last publication."""

    count: int  # active items
    published: Listing | None
    current: bool  # the list now is the one last published
    content: dict[str, Any]  # what publishing it now would publish

    @property
    def digest(self) -> str:
        """Of what is shown: Publish publishes it only if it is still this."""
        return rules.digest(self.content)


@dataclass(frozen=True)
class PlanState:
    """A plan, and its last publication."""

    plan_id: int
    name: str
    draw_date: date
    published: Listing | None
    current: bool  # it is as last published, names and all
    content: dict[str, Any]  # what publishing it now would publish
    terms_current: bool = True  # its terms (what the draw reads) are those last published

    @property
    def digest(self) -> str:
        """Of what is shown: Publish publishes it only if it is still this."""
        return rules.digest(self.content)


def doc_number(text: str | None) -> str | None:
    """A 文号 as typed: one line, at most DOC_NO_MAX characters; None for none."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", typed_line(text))
    if not text:
        return None
    if len(text) > rules.DOC_NO_MAX or text.startswith("/"):
        raise Refused(Refusal.BAD_DOC_NO)
    return text


async def _items_now(rtx: ReadTx | Tx) -> tuple[dict[str, Any], int]:
    items = await rtx.listings.public_items()
    return rules.items_content(items), len(items)


async def items_state(core: Core, actor: Actor) -> ItemsState:
    require_office(actor)
    async with core.db.read() as rtx:
        content, count = await _items_now(rtx)
        published = await rtx.listings.latest_items()
    return ItemsState(count, published,
                      published is not None and published.digest == rules.digest(content),
                      content)


async def _plan_state(rtx: ReadTx | Tx, plan: PlanForDraw) -> PlanState:
    published = await rtx.listings.latest_plan(plan.id)
    names = await rtx.listings.plan_names(plan.id)
    assert names is not None
    content = rules.plan_content(plan, names)
    # A department or item renamed since leaves the terms (and the draw) as they were, but
    # the published names are not those now: published again, the site shows the new.
    return PlanState(plan.id, plan.name, plan.draw_date, published,
                     published is not None and published.digest == rules.digest(content),
                     content,
                     rules.as_published(plan, published.content if published else None))


async def plan_states(core: Core, actor: Actor) -> list[PlanState]:
    """The active plans, those not published as they stand first."""
    require_office(actor)
    async with core.db.read() as rtx:
        states = []
        for line in await rtx.draws.plans():
            plan = await rtx.draws.plan_by_id(line.id)
            if plan is not None:
                states.append(await _plan_state(rtx, plan))
    return sorted(states, key=lambda s: (s.current, s.draw_date, s.name))


async def plan_state(core: Core, actor: Actor, plan_id: int) -> PlanState:
    require_office(actor)
    async with core.db.read() as rtx:
        plan = await rtx.draws.plan_by_id(plan_id)
        if plan is None:
            raise Refused(Refusal.STALE)
        return await _plan_state(rtx, plan)


def _same(last: Listing | None, digest: str, doc_no: str | None) -> bool:
    """Publishing again what was published, without a new 文号, publishes nothing (nor
    drops the 文号 it was published under)."""
    return last is not None and last.digest == digest and doc_no in (None, last.doc_no)


def _as_shown(digest: str, shown: str | None) -> None:
    """What the office saw is what is published: an import since then is refused."""
    if shown is not None and shown != digest:
        raise Refused(Refusal.CHANGED)


async def publish_items(core: Core, actor: Actor, doc_no: str | None, now: datetime,
                        shown: str | None = None) -> Listing:
    """Publish the item list as it stands (every active item); `shown`, the digest of what
    the office saw, when it must still be that."""
    require_office(actor)
    doc_no = doc_number(doc_no)
    async with core.db.transaction() as tx:
        content, count = await _items_now(tx)
        if not count:
            raise Refused(Refusal.NOTHING_TO_PUBLISH)
        return await _publish(tx, core, actor, _Publishing(
            ListingKind.ITEMS, None, doc_no, content, await tx.listings.latest_items(), shown,
            AuditAction.ITEMS_PUBLISHED, None, {"items": count}), now)


async def publish_plan(core: Core, actor: Actor, plan_id: int, doc_no: str | None,
                       now: datetime, shown: str | None = None) -> Listing:
    """Publish a plan as it stands: its terms, departments and items (`shown`: see
    publish_items)."""
    require_office(actor)
    doc_no = doc_number(doc_no)
    async with core.db.transaction() as tx:
        plan = await tx.draws.plan_by_id(plan_id)
        names = await tx.listings.plan_names(plan_id)
        if plan is None or names is None:
            raise Refused(Refusal.STALE)
        return await _publish(tx, core, actor, _Publishing(
            ListingKind.PLAN, plan_id, doc_no, rules.plan_content(plan, names),
            await tx.listings.latest_plan(plan_id), shown, AuditAction.PLAN_PUBLISHED,
            f"plan:{plan_id}", {"plan": plan.name}), now)


@dataclass(frozen=True)
class _Publishing:
    """What one publication writes: the listing, and its audit entry."""

    kind: ListingKind
    plan_id: int | None
    doc_no: str | None
    content: dict[str, Any]
    last: Listing | None
    shown: str | None
    action: AuditAction
    subject: str | None  # None: the new listing itself
    facts: dict[str, Any]


async def _publish(tx: Tx, core: Core, actor: Actor, what: _Publishing,
                   now: datetime) -> Listing:
    """Keep the publication, audit it, post it to the channel (in the caller's
    transaction); refused when it is not what was shown or changes nothing."""
    digest = rules.digest(what.content)
    _as_shown(digest, what.shown)
    if _same(what.last, digest, what.doc_no):
        raise Refused(Refusal.NOTHING_TO_PUBLISH)
    listing_id = await tx.listings.add(what.kind, what.plan_id, what.doc_no, what.content,
                                       digest, label(actor), now)
    subject = what.subject or f"listing:{listing_id}"
    await tx.audit.append(label(actor), what.action, subject,
                          {**what.facts, "listing": listing_id, "digest": digest,
                           "doc_no": what.doc_no}, now)
    listing = await (tx.listings.latest_items() if what.kind == ListingKind.ITEMS
                     else tx.listings.latest_plan(what.plan_id or 0))
    assert listing is not None
    await _post(tx, core, listing, now)
    return listing


async def _post(tx: Tx, core: Core, listing: Listing, now: datetime) -> None:
    """The public channel's post of a publication (in Chinese, the office's public record)."""
    channel = core.settings.public_channel
    if channel is None:
        return
    text = words.post_text(listing, core.settings.tz, core.settings.public_url)
    await tx.outbox.enqueue(f"listing:{listing.id}", channel, "sendMessage",
                            {"text": text, "parse_mode": "HTML"}, now, chat_kind="channel")


async def require_published(rtx: ReadTx | Tx, core: Core, plan: PlanForDraw) -> None:
    """Refuse to prepare a plan that is not published as it stands (the public must be able
    to read the plan that is drawn before its draw).
    Access: inside draws.prepare, which checked the office role."""
    published = await rtx.listings.latest_plan(plan.id)
    if published is None:
        raise Refused(Refusal.PLAN_NOT_PUBLISHED, plan=plan.name)
    if not rules.as_published(plan, published.content):
        raise Refused(Refusal.PLAN_CHANGED_SINCE_PUBLISHED, plan=plan.name,
                      date=published.published_at.astimezone(core.settings.tz).date()
                      .isoformat())


async def ready_to_prepare(core: Core, actor: Actor, plan_id: int) -> None:
    """Refuse at once (before the entropy source is asked) to prepare a plan that is not
    published as it stands."""
    require_office(actor)
    async with core.db.read() as rtx:
        plan = await rtx.draws.plan_by_id(plan_id)
        if plan is None:
            raise Refused(Refusal.STALE)
        await require_published(rtx, core, plan)
