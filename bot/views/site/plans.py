"""A plan's page on the public site: the plan as published (and every publication of it),
its draw (the announcement made before the public entropy was known, the frozen files,
then the record and the targets drawn; cancelled preparations with their commitments) and
its results."""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import tzinfo
from typing import Any

from bot.i18n import Translator
from bot.rules import site as paths
from bot.rules.records import DrawStatus
from bot.services.site import SiteDraw, SitePlan
from bot.texts.listings import plan_type_label, published_line
from bot.views.site.layout import Keyed, Page, code, dl, e, link, table
from bot.views.site.pages import (
    DRAW_FILES,
    PAGE_ROWS,
    Results,
    _date,
    result_pages,
    results_table,
)

LATEST = 10  # results on the plan's own page; all of them on its pages of results


def plan_pages(t: Translator, plan: SitePlan, r: Results, tz: tzinfo) -> list[Page | Keyed]:
    """The plan's page, the pages of the targets its draw selected, of its results."""
    folder = paths.plan_path(plan.plan_id)
    up = "../../"
    pubs = r.by_plan.get(plan.plan_id, [])
    links, pages = result_pages(t, plan.name, folder, pubs, r, tz)
    drawn_links, drawn = drawn_pages(t, plan)
    body = [_terms(t, plan, tz), _draw(t, plan, up, tz), drawn_links, _cancelled(t, plan, tz),
            "<h2>" + e(t._("Results")) + "</h2>"]
    withheld = r.withheld.get(plan.plan_id, 0)
    if withheld:
        body.append("<p>" + e(t._("{n} results of this plan are withheld from publication"
                                  " where the law requires it; they are counted, not shown.")
                                .format(n=withheld)) + "</p>")
    body += [links, results_table(t, t._("The latest results of this plan"),
                                  list(reversed(pubs))[:LATEST], r, up, tz) if pubs else ""]
    return [Page(folder + "index.html", plan.name, "\n".join(x for x in body if x)), *drawn,
            *pages]


def drawn_pages(t: Translator, plan: SitePlan) -> tuple[str, list[Keyed]]:
    """The targets the draw selected, in their order, with their teams (by 执法证号, as
    record.json has them), in pages, each made only when the record or the targets' names
    changed; the links to them for the plan's page."""
    if plan.draw is None or "record.json" not in plan.draw.files:
        return "", []
    data = plan.draw.files["record.json"]
    record = plan.draw.record
    selected, teams = record.get("selected", []), record.get("teams", [])
    if not isinstance(selected, list) or not isinstance(teams, list):
        return "", []
    members = {str(team.get("target")): team.get("members", []) for team in teams}
    names = plan.draw.names
    base = hashlib.sha256(data + json.dumps(names, sort_keys=True).encode()).hexdigest()
    folder = paths.plan_path(plan.plan_id)
    chunks = [selected[i:i + PAGE_ROWS] for i in range(0, len(selected), PAGE_ROWS)]
    pages = [Keyed(f"{folder}drawn-{n}.html", f"{t.lang}|{base}|{n}", functools.partial(
        _drawn_page, t, plan.name, f"{folder}drawn-{n}.html", n, chunk, members, names))
             for n, chunk in enumerate(chunks, start=1)]
    links = "".join(f'<li><a href="drawn-{n}.html">{n}</a></li>'
                    for n in range(1, len(chunks) + 1))
    label = t._("The {n} targets drawn and their teams, in pages:").format(n=len(selected))
    return f"<p>{e(label)}</p><ul class=\"pages\">{links}</ul>", pages


def _drawn_page(t: Translator, plan: str, path: str, n: int, chunk: list[dict[str, Any]],
                members: dict[str, list[dict[str, Any]]], names: dict[str, str]) -> Page:
    leader = e(t._(" (leader)"))
    rows = [[e(s.get("order", "")), e(names.get(str(s.get("target")), "")),
             code(str(s.get("target", ""))), e(s.get("stratum", "")),
             "、".join(e(m.get("inspector", "")) + (leader if m.get("leader") else "")
                      for m in members.get(str(s.get("target")), []))] for s in chunk]
    headers = [t._("Order"), t._("Name"), t._("USCC or registration no."), t._("Class"),
               t._("Team (执法证号)")]
    return Page(path, t._("Targets drawn for {plan}: page {n}").format(plan=plan, n=n),
                table(t._("Targets drawn, in their order"), headers, rows, ""))


def _terms(t: Translator, plan: SitePlan, tz: tzinfo) -> str:
    if not plan.listings:
        return "<p>" + e(t._("This plan was drawn before plans were published here; its draw"
                             " and results are below.")) + "</p>"
    latest = plan.listings[-1]
    c: dict[str, Any] = latest.content
    terms, names = c.get("terms", {}), c.get("departments", {})
    joining = "、".join(names.get(code_, code_) for code_ in terms.get("joining", []))
    ratios = "；".join(f"{'*' if k == '*' else k}: {v}"
                      for k, v in sorted(terms.get("ratios", {}).items()))
    items = "<ul>" + "".join(f"<li>{code(k)} {e(v)}</li>"
                             for k, v in c.get("items", {}).items()) + "</ul>"
    history = "".join(f"<li>{published_line(t, x, tz)} · SHA-256 {code(x.digest)}</li>"
                      for x in reversed(plan.listings))
    return dl([
        (t._("Publication"), published_line(t, latest, tz)),  # (HTML: its 文号 escaped)
        (t._("Task"), e(c.get("task_name", ""))),
        (t._("Type"), e(plan_type_label(t, str(c.get("type", ""))))),
        (t._("Initiating department"), e(names.get(terms.get("initiator"), ""))),
        (t._("Joining departments"), e(joining or "—")),
        (t._("Draw date"), e(terms.get("draw_date", ""))),
        (t._("Inspections"), e(t._("from {start} to {due}").format(
            start=terms.get("window_start", ""), due=terms.get("window_due", "")))),
        (t._("Ratios by credit class"), e(ratios)),
        (t._("Items"), items),
        (t._("Every publication of this plan"), f"<ul>{history}</ul>"),
    ])


def _draw(t: Translator, plan: SitePlan, up: str, tz: tzinfo) -> str:
    draw = plan.draw
    head = "<h2>" + e(t._("The draw")) + "</h2>"
    if draw is None:
        return head + "<p>" + e(t._("Not prepared yet. Before the draw, its announcement is"
                                    " published here: the inputs are then fixed, before the"
                                    " public lottery value is known.")) + "</p>"
    # The draw's files are one set at the site's root, beside their verifier pages.
    folder = up + ("../" if t.lang == "en" else "") + paths.draw_path(plan.plan_id)
    announcement = _announcement(draw)
    facts = [
        (t._("Announced"), e(_moment(draw, tz))),
        (t._("Draw date"), e(draw.draw_date.isoformat())),
        (t._("Public entropy source, named in advance"), e(draw.entropy_source)),
        (t._("Commitment to the secret nonce, SHA-256"), code(draw.nonce_commitment)),
        (t._("Announcement, SHA-256"), code(draw.announcement_sha256 or "")),
        (t._("Targets in the pool"), e(announcement.get("pool_size", ""))),
    ]
    if draw.status == DrawStatus.RUN:
        record = draw.record
        facts += [(t._("Date drawn"), e(_date(draw.run_at, tz))),
                  (t._("Public entropy value"), code(draw.entropy or "")),
                  (t._("Seed"), code(str(record.get("seed", "")))),
                  (t._("Targets drawn"), e(len(record.get("selected", []))))]
    files = "".join(f"<li>{link(folder + name, name)}</li>" for name in DRAW_FILES
                    if name in draw.files)
    strata = table(t._("Counts per credit class"), [t._("Class"), t._("Targets"),
                                                    t._("Ratio"), t._("Number drawn")],
                   ([e(s.get("stratum")), e(s.get("size")), e(s.get("ratio")),
                     e(s.get("count"))] for s in announcement.get("strata", [])), "")
    verify = link(folder + verifier_name(t.lang), t._("Verify this draw in your browser"))
    offline = e(t._("or offline: choucha draw verify FOLDER."))
    return (head + dl(facts) + strata + "<h3>" + e(t._("Files")) + "</h3><ul>" + files
            + f"</ul><p>{verify} {offline}</p>")


def verifier_name(lang: str) -> str:
    """The verifier page of a language, in the draw's folder (beside the files it reads)."""
    return "verify.en.html" if lang == "en" else "verify.html"


def _moment(draw: SiteDraw, tz: tzinfo) -> str:
    return draw.prepared_at.astimezone(tz).isoformat(timespec="minutes")


def _announcement(draw: SiteDraw) -> dict[str, Any]:
    try:
        found = json.loads(draw.files.get("announcement.json", b"{}") or b"{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _cancelled(t: Translator, plan: SitePlan, tz: tzinfo) -> str:
    if not plan.cancelled:
        return ""
    rows = [[e(_date(c.prepared_at, tz)), e(_date(c.cancelled_at, tz)), e(c.entropy_source),
             code(c.nonce_commitment), code(c.nonce), e(c.reason or "")]
            for c in plan.cancelled]
    return "<h2>" + e(t._("Cancelled preparations")) + "</h2>" + table(
        t._("Preparations cancelled before their draw date, with the nonce revealed"),
        [t._("Announced"), t._("Cancelled"), t._("Entropy source"), t._("Commitment"),
         t._("Nonce"), t._("Reason")], rows, "")
