"""The public site's pages (一公开, issue 31), from the snapshot of what is published
(bot/services/site.py): the item list, the plans with their draws, the results by plan and
by department (in the columns of the provinces' 抽查结果公告), non-cooperation (003
第二十六条), a verification page for every record version, the audit chain's daily heads.

Pure: a snapshot and a translator in, pages out (bot/site/build.py writes them)."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from bot.i18n import Translator
from bot.rules import site as paths
from bot.rules.methods import off_site
from bot.rules.records import DrawStatus, Listing, PublicationKind, SitePublication
from bot.services.site import SitePlan, Snapshot
from bot.texts.listings import item_kind_label, plan_type_label, published_line
from bot.views.site.layout import Keyed, Page, code, dl, e, link, record_href, table

DRAW_FILES = ("announcement.json", "pool.tsv", "inspectors.tsv", "recusals.tsv", "record.json")
PAGE_ROWS = 500  # results on one page


@dataclass(frozen=True)
class Results:
    """The publications the public sees, worked out once: each task's latest (a 更正
    replaces what it corrects), the earlier ones it replaced, and how many are withheld."""

    current: list[SitePublication]
    earlier: dict[int, SitePublication]  # by id: what a 更正 superseded
    replaced_by: dict[int, SitePublication]  # an earlier one's id → the 更正 replacing it
    withheld: dict[int, int]  # per plan
    by_record: dict[str, SitePublication]  # record hash → the publication that shows it
    plans: dict[int, SitePlan]
    by_plan: dict[int, list[SitePublication]] = field(default_factory=dict)
    where: dict[int, str] = field(default_factory=dict)  # id → its plan's page, from a root

    def href(self, p: SitePublication) -> str:
        """A current result's row, from a language's root."""
        return f"{self.where.get(p.id, paths.plan_path(p.plan_id) + 'index.html')}#p{p.id}"


def results_of(snap: Snapshot) -> Results:
    latest: dict[int, SitePublication] = {}
    by_id = {p.id: p for p in snap.publications}
    by_record: dict[str, SitePublication] = {}
    for p in snap.publications:
        latest[p.task_id] = p
        if p.kind != PublicationKind.WITHHELD and p.content.get("record_hash"):
            by_record[str(p.content["record_hash"])] = p
    first: dict[int, int] = {}
    for p in snap.publications:
        if p.kind != PublicationKind.WITHHELD:
            first.setdefault(p.task_id, p.id)
    # A task keeps its place (its first result's) when a 更正 replaces its row, so a page
    # of results changes only where something was published; a result released after it
    # was withheld is published then, and comes last.
    current = sorted((p for p in latest.values() if p.kind != PublicationKind.WITHHELD),
                     key=lambda p: first[p.task_id])
    withheld: dict[int, int] = {}
    for p in latest.values():
        if p.kind == PublicationKind.WITHHELD:
            withheld[p.plan_id] = withheld.get(p.plan_id, 0) + 1
    # What a 更正 replaced (a released result supersedes its withholding: not a 更正).
    earlier = {p.supersedes: by_id[p.supersedes] for p in snap.publications
               if p.kind == PublicationKind.CORRECTION and p.supersedes in by_id
               and by_id[p.supersedes].kind != PublicationKind.WITHHELD}
    replaced_by = {p.supersedes: p for p in snap.publications
                   if p.kind == PublicationKind.CORRECTION and p.supersedes in earlier}
    by_plan: dict[int, list[SitePublication]] = {}
    for p in current:
        by_plan.setdefault(p.plan_id, []).append(p)
    where = {p.id: f"{paths.plan_path(plan_id)}{page_name(n // PAGE_ROWS + 1)}"
             for plan_id, pubs in by_plan.items() for n, p in enumerate(pubs)}
    return Results(current, earlier, replaced_by, withheld, by_record,
                   {plan.plan_id: plan for plan in snap.plans}, by_plan, where)


def page_name(number: int) -> str:
    return f"results-{number}.html"


def result_pages(t: Translator, title: str, folder: str, pubs: Sequence[SitePublication],
                 r: Results, tz: tzinfo) -> tuple[str, list[Keyed]]:
    """Results in pages of PAGE_ROWS rows under `folder` (from a language's root): the
    links to them, for the page that lists them, and the pages, each made only when what
    it shows changed (publications are never edited: the ids on a page, their plans'
    latest publication and whether a page follows say it all). A page links only to its
    neighbours and the list, so a new page changes only the one before it."""
    chunks = [pubs[i:i + PAGE_ROWS] for i in range(0, len(pubs), PAGE_ROWS)]
    out = []
    for n, chunk in enumerate(chunks, start=1):
        more = n < len(chunks)
        key = "|".join((t.lang, title, str(more), *(f"{p.id}:{_plan_digest(r, p)}"
                                                    for p in chunk)))
        out.append(Keyed(folder + page_name(n), key, functools.partial(
            _result_page, t, title, folder, n, more, chunk, r, tz)))
    if not chunks:
        return "<p>" + e(t._("No result is published here yet.")) + "</p>", out
    items = "".join(f'<li><a href="{page_name(n)}">{n}</a></li>'
                    for n in range(1, len(chunks) + 1))
    label = t._("Pages of results")
    count = e(t._("{n} results, in pages of {rows}:").format(n=len(pubs), rows=PAGE_ROWS))
    return (f'<p>{count}</p><nav class="pages" aria-label="{e(label)}"><ul>{items}</ul>'
            "</nav>"), out


def _plan_digest(r: Results, p: SitePublication) -> str:
    plan = r.plans.get(p.plan_id)
    return plan.listings[-1].digest[:16] if plan and plan.listings else ""


def _result_page(t: Translator, title: str, folder: str, n: int, more: bool,
                 chunk: Sequence[SitePublication], r: Results, tz: tzinfo) -> Page:
    up = "../" * folder.count("/")
    nav = _neighbours(t, n, more)
    caption = t._("{title}: page {n}").format(title=title, n=n)
    label = t._("Pages of results")
    return Page(folder + page_name(n), caption,  # (one navigation landmark a page)
                f'<nav class="pages" aria-label="{e(label)}">{nav}</nav>'
                + results_table(t, caption, chunk, r, up, tz) + nav)


def _neighbours(t: Translator, n: int, more: bool) -> str:
    previous, every, following = t._("← Previous"), t._("All pages"), t._("Next →")
    links = []
    if n > 1:
        links.append(f'<a href="{page_name(n - 1)}" rel="prev">{e(previous)}</a>')
    links.append(f'<a href="index.html">{e(every)}</a>')
    if more:
        links.append(f'<a href="{page_name(n + 1)}" rel="next">{e(following)}</a>')
    return f'<p class="pages">{" · ".join(links)}</p>'


def _date(moment: datetime | None, tz: tzinfo) -> str:
    return moment.astimezone(tz).date().isoformat() if moment else ""


def department_key(name: str) -> str:
    """A department's folder, from its name as the results state it."""
    return "departments/" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:12] + "/"


# ------------------------------------------------------------------------ results rows
def result_headers(t: Translator) -> list[str]:
    """The columns of the provinces' 抽查结果公告 (ZhejiangMicroEnt's, for one)."""
    return [t._("Plan no."), t._("Plan"), t._("Task no."), t._("Task"), t._("Type"),
            t._("Inspecting authorities"), t._("Name"), t._("USCC or registration no."),
            t._("Date checked"), t._("Result"), t._("Remarks")]


def _plan_terms(plan: SitePlan | None) -> dict[str, Any]:
    return plan.listings[-1].content if plan and plan.listings else {}


def _method(item: dict[str, Any]) -> str:
    """（书面检查） after an item's name where it was not checked on site (a result published
    before methods were recorded says nothing)."""
    method = off_site(item.get("method"))
    return f"（{e(method)}）" if method else ""


def result_row(t: Translator, p: SitePublication, r: Results, up: str,
               tz: tzinfo) -> list[str]:
    """One result in the anchor's columns; cells are HTML."""
    c, plan = p.content, r.plans.get(p.plan_id)
    terms = _plan_terms(plan)
    items = c.get("items", [])
    departments = "、".join(dict.fromkeys(str(i.get("department", "")) for i in items))
    result = "<br>".join(f"{e(i.get('name', ''))}{_method(i)}：{e(i.get('result_wording', ''))}"
                         for i in items)
    return [f'<span id="p{p.id}">{e(p.plan_id)}</span>',
            link(f"{up}{paths.plan_path(p.plan_id)}index.html", str(c.get("plan", ""))),
            e(p.task_id), e(terms.get("task_name", "")),
            e(plan_type_label(t, str(terms.get("type", "")))), e(departments),
            e(c.get("target_name", "")), code(str(c.get("target_code", ""))),
            e(c.get("date", "")), result, _remarks(t, p, r, up, tz)]


def _remarks(t: Translator, p: SitePublication, r: Results, up: str, tz: tzinfo) -> str:
    notes = []
    if p.kind == PublicationKind.CORRECTION and p.supersedes in r.earlier:
        before = r.earlier[p.supersedes]
        notes.append(t._("更正 ({reason}) of the result published on {date}").format(
            reason=e(p.reason or ""), date=_date(before.created_at, tz))
            + " " + link(f"{up}results/earlier.html#p{before.id}", t._("(earlier)")))
    case = p.content.get("noncooperation")
    if case:
        notes.append(e(t._("Did not cooperate ({n} times): {kinds}").format(
            n=p.content.get("noncooperation_count", 1), kinds="；".join(case.get("kinds", [])))))
    follow = [str(i["follow_up"]) for i in p.content.get("items", []) if i.get("follow_up")]
    notes += [e(f) for f in follow]
    record = str(p.content.get("record_hash", ""))
    if record:
        notes.append(link(up + record_href(record), t._("Verify the record")))
    return "<br>".join(notes)


def results_table(t: Translator, caption: str, pubs: Iterable[SitePublication], r: Results,
                  up: str, tz: tzinfo) -> str:
    return table(caption, result_headers(t), (result_row(t, p, r, up, tz) for p in pubs),
                 t._("No result is published here yet."))


# ------------------------------------------------------------------------------ pages
def home(t: Translator, snap: Snapshot, r: Results, tz: tzinfo) -> Page:
    items = snap.items[-1] if snap.items else None
    withheld = sum(r.withheld.values())
    body = [
        "<p>" + e(t._("Market supervision checks businesses chosen at random by inspectors"
                      " chosen at random (双随机), and publishes the lists, the plans, every draw"
                      " and every result (一公开). Everything here can be checked: each draw can"
                      " be recomputed in your browser, and each printed record can be checked"
                      " by its QR code.")) + "</p>",
        dl([(t._("Item list"), published_line(t, items, tz) if items else
             e(t._("not published yet"))),
            (t._("Plans"), e(len(snap.plans))),
            (t._("Results published"), e(len(r.current))),
            (t._("Results withheld"), e(withheld) + " " + e(t._(
                "(withheld where the law requires it, e.g. state secrets; counted, not"
                " shown)")))]),
        "<h2>" + e(t._("Latest results")) + "</h2>",
        results_table(t, t._("The ten latest results"), list(reversed(r.current))[:10], r,
                      "", tz),
    ]
    return Page("index.html", t._("Spot checks, published"), "\n".join(body))


def items_page(t: Translator, snap: Snapshot, tz: tzinfo) -> Page:
    if not snap.items:
        return Page("items/index.html", t._("Spot-check item list (抽查事项清单)"),
                    "<p>" + e(t._("The item list is not published yet.")) + "</p>")
    latest = snap.items[-1]
    rows = [[code(i["code"]), e(i["name"]), e(i.get("category", "")),
             e(item_kind_label(t, i.get("kind", ""))), e(i.get("target_kind", "")),
             e(i.get("method", "")), e(i.get("department", "")), e(i.get("frequency", "")),
             e(i.get("basis", "")), e(i.get("max_ratio") or "")]
            for i in latest.content.get("items", [])]
    # (published_line is HTML already: its 文号 escaped)
    body = ["<p>" + e(t._("Current list, {line}.")).format(
        line=published_line(t, latest, tz)) + "</p>",
        table(t._("Spot-check items"), [t._("Code"), t._("Item"), t._("Category"),
                                         t._("Kind"), t._("Targets"), t._("Method"),
                                         t._("Department"), t._("Frequency"), t._("Basis"),
                                         t._("Maximum ratio")], rows, ""),
        _history(t, snap.items, tz)]
    return Page("items/index.html", t._("Spot-check item list (抽查事项清单)"), "\n".join(body))


def _history(t: Translator, listings: Sequence[Listing], tz: tzinfo) -> str:
    if len(listings) < 2:
        return ""
    lines = "".join(f"<li>{published_line(t, x, tz)} · SHA-256 {code(x.digest)}</li>"
                    for x in reversed(listings))
    every = t._("Every publication")
    return f"<h2>{e(every)}</h2><ul>{lines}</ul>"


def plans_page(t: Translator, snap: Snapshot, tz: tzinfo) -> Page:
    rows = []
    for plan in snap.plans:
        listing = plan.listings[-1] if plan.listings else None
        rows.append([link(f"../{paths.plan_path(plan.plan_id)}index.html", plan.name),
                     e(_plan_terms(plan).get("terms", {}).get("draw_date", "")
                       or (plan.draw.draw_date.isoformat() if plan.draw else "")),
                     published_line(t, listing, tz) if listing else e(t._("not published")),
                     e(_draw_state(t, plan))])
    body = table(t._("Plans"), [t._("Plan"), t._("Draw date"), t._("Published"),
                                t._("Draw")], rows, t._("No plan is published yet."))
    return Page("plans/index.html", t._("Plans and draws (抽查计划)"), body)


def _draw_state(t: Translator, plan: SitePlan) -> str:
    if plan.draw is None:
        return t._("not prepared")
    if plan.draw.status == DrawStatus.RUN:
        return t._("drawn")
    return t._("announced, not drawn yet")


def json_text(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
