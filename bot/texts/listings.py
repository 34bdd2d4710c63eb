"""The words of the item list's and the plans' publication: the public channel's post, in
Chinese (the office's public record), and the names of their terms for every screen."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from bot.i18n import Translator, translator
from bot.rules.records import Listing, ListingKind

LISTED_ITEMS = 12  # items named in the channel's post; the site has them all


def item_kind_label(t: Translator, kind: str) -> str:
    return {"key": t._("key (重点)"), "general": t._("general (一般)")}.get(kind, kind)


def plan_type_label(t: Translator, kind: str) -> str:
    return {"department": t._("within a department"),
            "joint": t._("joint (跨部门联合)")}.get(kind, kind)


def published_line(t: Translator, listing: Listing, tz: tzinfo) -> str:
    """“published on DATE (文号 X)”."""
    day = listing.published_at.astimezone(tz).date().isoformat()
    if listing.doc_no:
        return t._("published on {date} under {doc_no}").format(
            date=day, doc_no=html.escape(listing.doc_no))
    return t._("published on {date}").format(date=day)


def site_line(t: Translator, public_url: str | None) -> list[str]:
    if not public_url:
        return []
    return ["", t._("Everything published, and how to verify each draw: {url}").format(
        url=html.escape(f"{public_url}/public/"))]


def items_lines(t: Translator, content: Mapping[str, Any], listed: int) -> list[str]:
    items = content.get("items", [])
    key = sum(1 for i in items if i.get("kind") == "key")
    lines = [t._("{n} items: {key} key (重点), {general} general (一般).").format(
        n=len(items), key=key, general=len(items) - key)]
    for item in items[:listed]:
        lines.append(f"• {html.escape(item['code'])} {html.escape(item['name'])}"
                     f"（{html.escape(item['department'])}，{html.escape(item['method'])}）")
    if len(items) > listed:
        lines.append(t._("…and {n} more.").format(n=len(items) - listed))
    return lines


def plan_lines(t: Translator, content: Mapping[str, Any]) -> list[str]:
    terms, departments = content["terms"], content.get("departments", {})
    joining = "、".join(html.escape(departments.get(c, c)) for c in terms.get("joining", []))
    ratios = "；".join(f"{'其他' if k == '*' else k}：{v}"
                      for k, v in sorted(terms.get("ratios", {}).items()))
    lines = [
        t._("Task: {task} ({kind})").format(task=html.escape(content.get("task_name", "")),
                                            kind=plan_type_label(t, content.get("type", ""))),
        t._("Draw date: {date}; inspections from {start} to {due}").format(
            date=terms["draw_date"], start=terms["window_start"], due=terms["window_due"]),
        t._("Initiated by {initiator}").format(
            initiator=html.escape(departments.get(terms["initiator"], terms["initiator"])))
        + (t._("; with {joining}").format(joining=joining) if joining else ""),
        t._("Ratios by credit class: {ratios}").format(ratios=html.escape(ratios)),
        t._("Items:"),
    ]
    items = content.get("items", {})
    lines += [f"• {html.escape(code)} {html.escape(name)}" for code, name in items.items()]
    return lines


def post_text(listing: Listing, tz: tzinfo, public_url: str | None) -> str:
    """The channel's post of a publication, in Chinese."""
    t = translator("zh_CN")
    when = published_line(t, listing, tz)
    if listing.kind == ListingKind.ITEMS:
        lines = [t._("📋 <b>Spot-check item list</b> (抽查事项清单), {when}").format(when=when)]
        lines += items_lines(t, listing.content, LISTED_ITEMS)
    else:
        lines = [t._("📅 <b>Spot-check plan</b> (抽查计划) {plan}, {when}").format(
            plan=html.escape(listing.content.get("plan", "")), when=when)]
        lines += plan_lines(t, listing.content)
    return "\n".join(lines + site_line(t, public_url))
