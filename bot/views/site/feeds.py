"""The public site's data: JSON and CSV of the item list, the plans, the draws and the
results; an Atom feed of what changed; the audit chain's daily heads. Field names are
English keys, CSV headers the Chinese column names of the 抽查结果公告 (the export's)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from xml.sax.saxutils import escape

from bot.formats.tabular import csv_bytes
from bot.i18n import Translator
from bot.rules import site as paths
from bot.rules.records import ListingKind, SitePublication
from bot.services.site import Snapshot
from bot.views.site.layout import Page, e, link
from bot.views.site.pages import Results, _plan_terms

RESULT_COLUMNS = ("抽查计划编号", "抽查计划名称", "抽查任务编号", "抽查任务名称", "抽查类型",
                  "检查机关", "名称", "统一社会信用代码/注册号", "检查完成日期", "检查结果", "备注",
                  "记录哈希")


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            + "\n").encode()


RESULTS_PART = 5000  # results in a part of the results' data (feeds/results/N.json, .csv)
CSV_HEAD = len(csv_bytes(list(RESULT_COLUMNS), []))  # the BOM and the header line


@dataclass(frozen=True)
class ResultsPart:
    """A part of the current results, in the order of first publication, with a key that
    changes whenever its data does (a publication's content never changes; a correction
    replaces it in its part; a plan published again changes its terms): a new publication
    touches the last part only, so a province's data is not made again whole."""

    n: int  # from 1
    key: str
    publications: list[SitePublication]

    @property
    def paths(self) -> tuple[str, str]:
        return f"feeds/results/{self.n}.json", f"feeds/results/{self.n}.csv"


def result_parts(r: Results, tz: tzinfo) -> list[ResultsPart]:
    parts = []
    for n, start in enumerate(range(0, len(r.current), RESULTS_PART), start=1):
        pubs = r.current[start:start + RESULTS_PART]
        digest = hashlib.sha256(str(tz).encode())
        for plan_id in sorted({p.plan_id for p in pubs}):
            plan = r.plans.get(plan_id)
            listing = plan.listings[-1].digest if plan and plan.listings else ""
            digest.update(f"|{plan_id}:{listing}".encode())
        digest.update(",".join(f"{p.id}" for p in pubs).encode())
        parts.append(ResultsPart(n, digest.hexdigest(), pubs))
    return parts


def part_files(part: ResultsPart, r: Results, tz: tzinfo) -> tuple[bytes, bytes]:
    """A part's JSON and CSV, each a file of its own."""
    records = result_records(part.publications, r, tz)
    return _json(records), results_csv(records)


def joined(jsons: list[bytes], csvs: list[bytes]) -> tuple[bytes, bytes]:
    """results.json and results.csv, every result, from the parts' files: the same bytes
    as made at once."""
    # (views, not copies: a province's parts are tens of megabytes)
    inner = [memoryview(data)[1:-2] for data in jsons if len(data) > 3]  # "[…]\n"
    whole_csv = b"".join([csv_bytes(list(RESULT_COLUMNS), []),
                          *(memoryview(x)[CSV_HEAD:] for x in csvs)])
    return b"[" + b",".join(inner) + b"]\n", whole_csv


def result_records(publications: list[SitePublication], r: Results, tz: tzinfo
                   ) -> list[dict[str, Any]]:
    """Current results as flat records (JSON), in the order given."""
    out = []
    for p in publications:
        c, terms = p.content, _plan_terms(r.plans.get(p.plan_id))
        items = c.get("items", [])
        out.append({
            "publication": p.id, "kind": str(p.kind), "plan_id": p.plan_id,
            "plan": c.get("plan", ""), "task_id": p.task_id,
            "task_name": terms.get("task_name", ""), "type": terms.get("type", ""),
            "departments": list(dict.fromkeys(str(i.get("department", "")) for i in items)),
            "name": c.get("target_name", ""), "code": c.get("target_code", ""),
            "checked": c.get("date", ""),
            "published": p.created_at.astimezone(tz).date().isoformat(),
            "items": [{"code": i.get("code"), "name": i.get("name"),
                       "result": i.get("result_wording"), "follow_up": i.get("follow_up")}
                      for i in items],
            "noncooperation": c.get("noncooperation"),
            "correction_of": p.supersedes, "correction_reason": p.reason,
            "record_hash": c.get("record_hash", "")})
    return out


def results_csv(records: list[dict[str, Any]]) -> bytes:
    """The results as the export writes a CSV (a BOM for Excel, formula-safe cells)."""
    rows = []
    for x in records:
        remarks = [f"更正：{x['correction_reason']}" if x["correction_of"] else "",
                   "不配合检查" if x["noncooperation"] else ""]
        rows.append([x["plan_id"], x["plan"], x["task_id"], x["task_name"], x["type"],
                     "、".join(x["departments"]), x["name"], x["code"], x["checked"],
                     "；".join(f"{i['name']}：{i['result']}" for i in x["items"]),
                     "；".join(r for r in remarks if r), x["record_hash"]])
    return csv_bytes(list(RESULT_COLUMNS), rows)


def data_files(snap: Snapshot, r: Results, tz: tzinfo) -> dict[str, bytes]:
    """The feeds/ folder's JSON and CSV but the results' (`result_parts`), by name (days
    in the office's time zone)."""
    plans = [{"plan_id": p.plan_id, "name": p.name,
              "publications": [{"published": x.published_at.isoformat(), "doc_no": x.doc_no,
                                "sha256": x.digest, "content": x.content} for x in p.listings],
              "draw": None if p.draw is None else {
                  "status": str(p.draw.status), "draw_date": p.draw.draw_date.isoformat(),
                  "entropy_source": p.draw.entropy_source,
                  "nonce_commitment": p.draw.nonce_commitment,
                  "announcement_sha256": p.draw.announcement_sha256,
                  "files": f"../{paths.draw_path(p.plan_id)}"},
              "cancelled": [{"nonce_commitment": c.nonce_commitment, "nonce": c.nonce,
                             "entropy_source": c.entropy_source, "reason": c.reason}
                            for c in p.cancelled]} for p in snap.plans]
    return {
        "items.json": _json([{"published": x.published_at.isoformat(), "doc_no": x.doc_no,
                              "sha256": x.digest, "content": x.content} for x in snap.items]),
        "plans.json": _json(plans),
        "audit-heads.json": _json([{"day": h.day.isoformat(), "last_id": h.last_id,
                                    "last_hash": h.last_hash} for h in snap.heads]),
    }


def atom(t: Translator, snap: Snapshot, r: Results, base: str, tz: tzinfo) -> bytes:
    """What changed, the latest first: publications of the list, plans and results."""
    entries: list[tuple[datetime, str, str, str]] = []
    for x in snap.items:
        entries.append((x.published_at, f"items-{x.id}", t._("Item list published"),
                        "items/index.html"))
    for plan in snap.plans:
        for x in plan.listings:
            if x.kind == ListingKind.PLAN:
                entries.append((x.published_at, f"plan-{x.id}",
                                t._("Plan published: {plan}").format(plan=plan.name),
                                paths.plan_path(plan.plan_id) + "index.html"))
        if plan.draw is not None:
            entries.append((plan.draw.prepared_at, f"draw-{plan.plan_id}",
                            t._("Draw announced: {plan}").format(plan=plan.name),
                            paths.plan_path(plan.plan_id) + "index.html"))
    for p in r.current:
        entries.append((p.created_at, f"result-{p.id}",
                        t._("Result published: {name}").format(
                            name=p.content.get("target_name", "")),
                        paths.plan_path(p.plan_id) + "index.html"))
    entries.sort(reverse=True)
    updated = (entries[0][0] if entries else snap.built_at).astimezone(UTC).isoformat()
    body = "".join(
        f"<entry><id>urn:choucha:{escape(key)}</id><title>{escape(title)}</title>"
        f"<updated>{at.astimezone(UTC).isoformat()}</updated>"
        f'<link href="{escape(base + href)}"/></entry>\n'
        for at, key, title, href in entries[:200])
    title = t._("What changed")
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<id>urn:choucha:changes</id><title>{escape(title)}</title>"
            f"<updated>{updated}</updated>\n{body}</feed>\n").encode()


def feeds_page(t: Translator, parts: int) -> Page:
    """The data's page; the files themselves are one set, at the root's feeds/."""
    to = "" if t.lang != "en" else "../../feeds/"
    names = [("results.json", t._("Every result (JSON)")),
             ("results.csv", t._("Every result (CSV, for a spreadsheet)")),
             ("items.json", t._("Every publication of the item list (JSON)")),
             ("plans.json", t._("The plans, their publications and draws (JSON)")),
             ("audit-heads.json", t._("The audit chain's daily heads (JSON)")),
             ("changes.xml", t._("What changed (Atom feed)"))]
    # (the Atom feed is one per language: this language's, beside this page)
    items = "".join(f"<li>{link((to if name != 'changes.xml' else '') + name, label)}</li>"
                    for name, label in names)
    intro = e(t._("The same data as the pages, for programs."))
    listed = "".join(f"<li>{n}: {link(f'{to}results/{n}.json', 'JSON')} · "
                     f"{link(f'{to}results/{n}.csv', 'CSV')}</li>" for n in range(1, parts + 1))
    in_parts = e(t._("Every result in parts of {n}, in the order of first publication (a"
                     " new result is added to the last part):").format(n=RESULTS_PART))
    return Page("feeds/index.html", t._("Data and feeds"),
                f"<p>{intro}</p><ul>{items}</ul>"
                + (f"<p>{in_parts}</p><ul class=\"pages\">{listed}</ul>" if parts else ""))
