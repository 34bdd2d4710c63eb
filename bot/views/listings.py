"""The screens of publishing the item list and the plans (/publish): what publishing would
publish, its state, the 文号 asked, what was done; keyboards as Bot API JSON."""

from __future__ import annotations

import html
from datetime import tzinfo
from typing import Any

from bot.buttons.office import (
    ListingCancel,
    ListingItems,
    ListingPlan,
    ListingPlans,
    ListingPublish,
)
from bot.formats.rendering.fit import TEXT_LIMIT, cut_html, utf16_len
from bot.i18n import Translator
from bot.rules.listing import DOC_NO_MAX
from bot.rules.records import Listing, ListingKind
from bot.services.errors import Refusal, Refused
from bot.services.listings import ItemsState, PlanState
from bot.texts.listings import items_lines, plan_lines, published_line
from bot.texts.notices import Keyboard, inline
from bot.views.refusals import worded

Screen = tuple[str, Keyboard | None]
LISTED_ITEMS = 10
LISTED_PLANS = 12


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.NOTHING_TO_PUBLISH: t._("Nothing to publish: it is published as it stands"
                                        " (publish it again only under a new 文号), or there"
                                        " is nothing in it. /publish shows what is still to"
                                        " publish."),
        Refusal.BAD_DOC_NO: t._("A 文号 is one line of at most {maximum} characters, for"
                                " example 腾市监〔2026〕12号. Send it again, or press “Publish"
                                " without 文号”.").format(maximum=DOC_NO_MAX),
        Refusal.NOT_OFFICE: t._("Publishing is for the office."),
        Refusal.CHANGED: t._("It changed since it was shown (an import): nothing was"
                             " published. Open it again from /publish to see what would be"
                             " published now."),
    })


def _state(t: Translator, published: Listing | None, current: bool, tz: tzinfo,
           terms_current: bool = False) -> str:
    if published is None:
        return t._("⚠️ Not published yet.")
    line = published_line(t, published, tz)
    if current:
        return t._("✅ Published as it stands: {line}.").format(line=line)
    if terms_current:  # (a plan: a department or item renamed since)
        return t._("✏️ A name changed since it was last {line}; its terms did not, so its"
                   " draw can go ahead. Publish it again to show the new names.").format(
            line=line)
    return t._("✏️ Changed since it was last {line}: publish it again.").format(line=line)


def _emoji(published: Listing | None, current: bool) -> str:
    return "✅" if current else ("✏️" if published else "⚠️")


def publish_rows(t: Translator, items: ItemsState, plans: list[PlanState]) -> list[
        list[dict[str, Any]]]:
    """The /publish screen's buttons to the item list and the plans."""
    waiting = sum(1 for p in plans if not p.current)
    rows = [[ListingItems().markup(t._("{state} 📋 Item list ({n})").format(
        state=_emoji(items.published, items.current), n=items.count))]]
    if plans:
        rows.append([ListingPlans().markup(
            t._("📅 Plans to publish: {n} of {total}").format(n=waiting, total=len(plans))
            if waiting else t._("✅ 📅 Plans: all {n} published").format(n=len(plans)))])
    return rows


def _ask(t: Translator) -> str:
    return t._("To publish it, send the 文号 of the approving document (for example"
               " 腾市监〔2026〕12号), or press “Publish without 文号”. It goes to the public"
               " channel and the public site, dated today, and stays there: when it"
               " changes, publish it again.")


def _fit(head: list[str], body: list[str], tail: list[str]) -> str:
    room = TEXT_LIMIT - utf16_len("\n".join(head + tail)) - 20
    return "\n".join([*head, cut_html("\n".join(body), room), *tail])


def _ask_keyboard(t: Translator) -> Keyboard:
    return inline([[ListingPublish().markup(t._("📢 Publish without 文号"))],
                   [ListingCancel().markup(t._("✖ Cancel"))]])


def items_screen(t: Translator, state: ItemsState, tz: tzinfo) -> Screen:
    """The item list as publishing it now would publish it, its state, the 文号 asked."""
    if not state.count:
        return t._("📋 The item list is empty: load it first (/templates, then send the"
                   " filled file)."), None
    head = ["<b>" + t._("📋 Spot-check item list (抽查事项清单)") + "</b>",
            _state(t, state.published, state.current, tz), ""]
    body = items_lines(t, state.content, LISTED_ITEMS)
    return _fit(head, body, ["", _ask(t)]), _ask_keyboard(t)


def plans_screen(t: Translator, plans: list[PlanState], tz: tzinfo) -> Screen:
    """The plans, those to publish first, a button each."""
    if not plans:
        return t._("📅 No plan is loaded: load the plans (/templates, then send the filled"
                   " file)."), None
    lines = ["<b>" + t._("📅 Plans (抽查计划)") + "</b>", ""]
    rows = []
    for number, plan in enumerate(plans[:LISTED_PLANS], start=1):
        lines.append(f"{number}. {html.escape(plan.name)} · "
                     + t._("draw date {date}").format(date=plan.draw_date.isoformat())
                     + " · " + _state(t, plan.published, plan.current, tz,
                                      plan.terms_current))
        rows.append([ListingPlan(plan.plan_id).markup(
            f"{_emoji(plan.published, plan.current)} {number}. {plan.name[:40]}")])
    if len(plans) > LISTED_PLANS:
        lines.append(t._("…and {more} more.").format(more=len(plans) - LISTED_PLANS))
    lines += ["", t._("A plan is prepared for its draw only as it was last published.")]
    return "\n".join(lines), inline(rows)


def plan_screen(t: Translator, state: PlanState, tz: tzinfo) -> Screen:
    """A plan as publishing it now would publish it, its state, the 文号 asked."""
    head = ["<b>" + t._("📅 Spot-check plan (抽查计划) {plan}").format(
        plan=html.escape(state.name)) + "</b>",
        _state(t, state.published, state.current, tz, state.terms_current), ""]
    return _fit(head, plan_lines(t, state.content), ["", _ask(t)]), _ask_keyboard(t)


def confirm_screen(t: Translator, what: ListingKind, name: str, doc_no: str) -> Screen:
    """The 文号 typed: publish under it, or cancel."""
    text = (t._("Publish the item list under {doc_no}?") if what == ListingKind.ITEMS
            else t._("Publish the plan {plan} under {doc_no}?")).format(
        doc_no=html.escape(doc_no), plan=html.escape(name))
    return text + "\n" + t._("It cannot be taken back; a change is published again."), inline(
        [[ListingPublish().markup(t._("📢 Publish")), ListingCancel().markup(t._("✖ Cancel"))]])


def published_text(t: Translator, listing: Listing, tz: tzinfo, channel: bool) -> str:
    """What was published, where, and what comes next."""
    when = published_line(t, listing, tz)
    if listing.kind == ListingKind.ITEMS:
        text = t._("📢 The item list is {when}: {n} items.").format(
            when=when, n=len(listing.content.get("items", [])))
    else:
        text = t._("📢 The plan {plan} is {when}.").format(
            plan=html.escape(listing.content.get("plan", "")), when=when)
    text += "\n" + (t._("It is posted to the public channel and put on the public site.")
                    if channel else t._("It is put on the public site (no public channel is"
                                        " set up)."))
    if listing.kind == ListingKind.PLAN:
        return text + "\n" + t._("Next: /draw to prepare its draw before the draw date.")
    return text + "\n" + _next(t)


def cancelled_text(t: Translator) -> str:
    return t._("Cancelled: the list or plan was not published.") + "\n" + _next(t)


def _next(t: Translator) -> str:
    return t._("/publish shows what else is to publish: results, the item list, the plans.")


def stale_text(t: Translator) -> str:
    return t._("This is no longer waiting for a 文号: open it again from /publish.")
