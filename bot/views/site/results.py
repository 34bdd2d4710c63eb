"""The public site's result pages: every result by plan and by department, the earlier
publications a 更正 replaced, non-cooperation (003 第二十六条), each record version's
verification page and the audit chain's daily heads."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import tzinfo

from bot.i18n import Translator
from bot.rules import site as paths
from bot.rules.records import PublicationKind, SitePublication, SiteRecord
from bot.rules.site import PREFIX
from bot.services.site import Snapshot
from bot.views.site.layout import Keyed, Page, code, dl, e, link, record_href, table
from bot.views.site.pages import (
    PAGE_ROWS,
    Results,
    _date,
    department_key,
    page_name,
    result_headers,
    result_pages,
    result_row,
    results_table,
)

LATEST_CASES = 100  # on the page itself; every case on its pages


def departments_of(r: Results) -> dict[str, list[SitePublication]]:
    """Each department named by a current result's items, with those results."""
    found: dict[str, list[SitePublication]] = {}
    for p in r.current:
        for name in dict.fromkeys(str(i.get("department", "")) for i in p.content.get(
                "items", [])):
            found.setdefault(name, []).append(p)
    return found


def results_index(t: Translator, snap: Snapshot, r: Results) -> Page:
    per_plan = {p.plan_id: 0 for p in snap.plans}
    for p in r.current:
        per_plan[p.plan_id] = per_plan.get(p.plan_id, 0) + 1
    plans = table(t._("Results by plan"), [t._("Plan"), t._("Results"), t._("Withheld")],
                  ([link(f"../{paths.plan_path(plan.plan_id)}index.html", plan.name),
                    e(per_plan.get(plan.plan_id, 0)), e(r.withheld.get(plan.plan_id, 0))]
                   for plan in snap.plans), t._("No plan is published yet."))
    departments = table(t._("Results by department"), [t._("Department"), t._("Results")],
                        ([link(f"../{department_key(name)}index.html", name), e(len(pubs))]
                         for name, pubs in sorted(departments_of(r).items())),
                        t._("No result is published yet."))
    earlier = link("earlier.html", t._("Publications replaced by a 更正"))
    return Page("results/index.html", t._("Results (抽查结果)"),
                plans + departments + f"<p>{earlier}</p>")


def department_pages(t: Translator, name: str, pubs: list[SitePublication], r: Results,
                     tz: tzinfo) -> list[Page | Keyed]:
    """A department's page, listing its pages of results, and those pages."""
    folder = department_key(name)
    title = t._("Results of the checks of {department}").format(department=name)
    links, pages = result_pages(t, title, folder, pubs, r, tz)
    return [Page(folder + "index.html", name, links), *pages]


def earlier_page(t: Translator, r: Results, tz: tzinfo) -> Page:
    """The publications a 更正 replaced, each with its anchor, kept as they were."""
    rows = []
    for p in sorted(r.earlier.values(), key=lambda x: x.id):
        row = result_row(t, p, r, "../", tz)
        note = e(t._("Published on {date}; replaced by a 更正.").format(
            date=_date(p.created_at, tz)))
        newer = r.replaced_by.get(p.id)
        if newer is not None:  # on its plan's pages, or here when corrected again since
            href = f"#p{newer.id}" if newer.id in r.earlier else f"../{r.href(newer)}"
            note += " " + link(href, t._("(the 更正)"))
        row[-1] = note + "<br>" + row[-1]
        rows.append(row)
    return Page("results/earlier.html", t._("Publications replaced by a 更正"),
                table(t._("Earlier publications, as they were published"),
                      result_headers(t), rows, t._("No publication was corrected.")))


def noncooperation_pages(t: Translator, r: Results) -> list[Page]:
    """Who refused a check (003 第二十六条): the latest first on the page itself, every
    case in pages of PAGE_ROWS in the order published (so a new case changes the last)."""
    rows = []
    for p in r.current:
        case = p.content.get("noncooperation")
        if not case:
            continue
        c = p.content
        rows.append([e(c.get("target_name", "")), code(str(c.get("target_code", ""))),
                     e(c.get("noncooperation_count", 1)),
                     e("、".join(c.get("noncooperation_times", []))),
                     e("；".join(case.get("kinds", []))), e(case.get("circumstances", ""))])
    headers = [t._("Name"), t._("USCC or registration no."), t._("Times"), t._("When"),
               t._("Kind"), t._("Circumstances")]
    chunks = [rows[i:i + PAGE_ROWS] for i in range(0, len(rows), PAGE_ROWS)] \
        if len(rows) > LATEST_CASES else []
    pages = [Page(f"noncooperation/{page_name(n)}",
                  t._("Non-cooperation: page {n}").format(n=n),
                  table(t._("Non-cooperation"), headers, chunk, ""))
             for n, chunk in enumerate(chunks, start=1)]
    intro = "<p>" + e(t._("Businesses that refused, obstructed or evaded a check, named with"
                          " how often, when and how (003 第二十六条).")) + "</p>"
    links = "".join(f'<li><a href="{page_name(n)}">{n}</a></li>'
                    for n in range(1, len(chunks) + 1))
    label = t._("Every case, in pages:")
    every = f'<p>{e(label)}</p><ul class="pages">{links}</ul>' if chunks else ""
    latest = table(t._("Non-cooperation, the latest first"), headers, list(reversed(rows))[
        :LATEST_CASES], t._("No business refused a check."))
    return [Page("noncooperation/index.html", t._("Non-cooperation (不配合检查)"),
                 intro + latest + every), *pages]


@dataclass(frozen=True)
class RecordEntry:
    """What a record version's page shows, and a key that changes when it does (a
    province has a page per record: the build renders again only those whose key changed,
    bot/site/build.py)."""

    record: SiteRecord
    newer: SiteRecord | None
    count: int  # versions of the record
    latest: SitePublication | None  # the task's latest publication
    shown: SitePublication | None  # the publication that shows this version

    @property
    def path(self) -> str:
        return paths.record_path(self.record.record_hash) + "index.html"

    def key(self, r: Results) -> str:
        rec, shown, newer, latest = self.record, self.shown, self.newer, self.latest
        plan = r.plans.get(shown.plan_id) if shown else None
        listing = plan.listings[-1].digest if plan and plan.listings else ""
        return (f"{rec.record_hash}|{rec.version}|{self.count}|"
                f"{newer.record_hash if newer else ''}|{shown.id if shown else ''}|"
                f"{shown.supersedes if shown and shown.supersedes else ''}|{listing}|"
                f"{latest.kind if latest else ''}")


# Every record version with its key: made once a build, for both languages' pages.
Keys = list[tuple["RecordEntry", str]]


def record_keys(snap: Snapshot, r: Results) -> Keys:
    return [(entry, entry.key(r)) for entry in record_entries(snap, r)]


def record_pages(t: Translator, entries: Keys, r: Results, tz: tzinfo) -> list[Keyed]:
    """A page per record version, each made only when what it shows changed."""
    return [Keyed(entry.path, f"{t.lang}|{key}",
                  functools.partial(record_page, t, entry, r, tz))
            for entry, key in entries]


def record_entries(snap: Snapshot, r: Results) -> list[RecordEntry]:
    """Every record version, for its page."""
    versions: dict[int, list[SiteRecord]] = {}
    for rec in snap.records:
        versions.setdefault(rec.task_id, []).append(rec)
    latest: dict[int, SitePublication] = {}
    for p in snap.publications:
        latest[p.task_id] = p
    return [RecordEntry(rec, task_versions[n + 1] if n + 1 < len(task_versions) else None,
                        len(task_versions), latest.get(rec.task_id),
                        r.by_record.get(rec.record_hash))
            for task_versions in versions.values() for n, rec in enumerate(task_versions)]


def record_page(t: Translator, entry: RecordEntry, r: Results, tz: tzinfo) -> Page:
    """A record version's page: authentic, which version, superseded or not, and what its
    publication shows (nothing more)."""
    rec, newer, count, latest = entry.record, entry.newer, entry.count, entry.latest
    up = "../../"
    facts = [(t._("Record hash, SHA-256"), code(rec.record_hash)),
             (t._("Version"), e(t._("{n} of {count}").format(n=rec.version, count=count))),
             (t._("Submitted"), e(_date(rec.created_at, tz)))]
    if newer is not None:
        status = t._("✅ Authentic, but superseded: a correction made a newer version.")
        facts.append((t._("Newer version"), link(up + record_href(newer.record_hash),
                                                 newer.record_hash[:16] + "…")))
    else:
        status = t._("✅ Authentic: this is the latest version of the record.")
    shown = entry.shown
    if shown is not None:
        result = results_table(t, t._("What was published of this record"), [shown], r, up,
                               tz)
    elif latest is not None and latest.kind == PublicationKind.WITHHELD:
        result = "<p>" + e(t._("The result of this check is withheld from publication where"
                               " the law requires it; nothing more is shown.")) + "</p>"
    else:
        result = "<p>" + e(t._("The result of this version is not published (yet, or a"
                               " newer version's is).")) + "</p>"
    body = f'<p class="verdict">{e(status)}</p>' + dl(facts) + result
    return Page(entry.path, t._("Record check"), body)


def audit_page(t: Translator, snap: Snapshot) -> Page:
    intro = "<p>" + e(t._("Every change Choucha makes is appended to a hash chain. The last"
                          " entry of each day is listed here: keep a copy. If the database"
                          " were rewritten afterwards, these values would no longer match"
                          " (choucha audit verify).")) + "</p>"
    rows = ([e(h.day.isoformat()), e(h.last_id), code(h.last_hash)] for h in snap.heads)
    return Page("audit/index.html", t._("Audit chain"), intro + table(
        t._("The chain's head at the end of each day (UTC)"),
        [t._("Day"), t._("Last entry"), t._("Its hash, SHA-256")], rows, ""))


def not_found_page(zh: Translator, en: Translator) -> bytes:
    """What a web server shows for an address the site does not have, in both languages
    (a QR code of no record of this office lands here): the record is not known, and
    where to look. Links are absolute to the site's folder (`/public/`), since the page is
    served for any address."""
    parts = []
    for t, lang in ((zh, "zh-CN"), (en, "en")):
        root = PREFIX + ("en/" if t.lang == "en" else "")
        heading, home, search = t._("Not found"), t._("Home"), t._("Search")
        why = t._("This address is not a page of this site. If it came from the QR code of a"
                  " paper record, the record is not one of this office's: a record of"
                  " Choucha has its page here from the moment it is submitted.")
        parts.append(
            f'<section lang="{lang}"><h2>{e(heading)}</h2><p>{e(why)}</p>'
            f'<p><a href="{root}index.html">{e(home)}</a> · '
            f'<a href="{root}search/index.html">{e(search)}</a></p></section>')
    title = " · ".join(e(t._("Not found")) for t in (zh, en))
    skip = zh._("Skip to the content")
    return ('<!doctype html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{title}</title>\n<link rel="stylesheet" href="{PREFIX}assets/style.css">'
            f'\n</head>\n<body>\n<a class="skip" href="#main">{e(skip)}</a>'
            f'\n<main id="main">\n<h1>{title}</h1>\n'
            + "\n".join(parts) + "\n</main>\n</body>\n</html>\n").encode("utf-8")
