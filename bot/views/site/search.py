"""Searching the published results by name or 统一社会信用代码, in the browser (the only
JavaScript of the site besides the draw's verifier): a page per language and a sharded
index beside it, so that a province's results stay fast.

The index: `search/data/manifest.json`; names in shards of SHARD results in the order they
were first published, read from the latest shard back until enough are found (a name is
matched anywhere in it); codes in CODE_SHARDS shards by the code's SHA-256, one small file
for an exact 统一社会信用代码."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from bot.i18n import Translator
from bot.rules.records import SitePublication
from bot.views.site.layout import KeyedFile, Page, e, json_data
from bot.views.site.pages import Results

SHARD = 5000  # results per name shard
CODE_SHARDS = 256
FOUND_ENOUGH = 50


def code_shard(code: str) -> int:
    return hashlib.sha256(code.strip().upper().encode("utf-8")).digest()[0] % CODE_SHARDS


def _entry(p: Any, r: Results) -> list[Any]:
    c = p.content
    return [c.get("target_name", ""), c.get("target_code", ""), r.href(p), p.id,
            c.get("plan", ""), c.get("date", "")]


def _shard(path: str, pubs: list[SitePublication], r: Results) -> KeyedFile:
    """A shard, keyed by its results and where each is listed (a publication's content
    never changes: the rest of an entry follows from its id)."""
    key = hashlib.sha256(";".join(f"{p.id}>{r.href(p)}" for p in pubs).encode()).hexdigest()
    return KeyedFile(path, key, functools.partial(_shard_bytes, pubs, r))


def _shard_bytes(pubs: list[SitePublication], r: Results) -> bytes:
    return json.dumps([_entry(p, r) for p in pubs], ensure_ascii=False,
                      separators=(",", ":")).encode()


def search_files(r: Results) -> list[KeyedFile]:
    """The index's files, each made again only when its key changed: a new result changes
    the last name shard and one code shard."""
    latest = r.current  # in the order results were first published: a shard stays as it
    # was but the last (search.js reads the last one first)
    names = [latest[i:i + SHARD] for i in range(0, len(latest), SHARD)]
    files = [_shard(f"search/data/names-{n}.json", shard, r) for n, shard in enumerate(names)]
    codes: dict[int, list[SitePublication]] = {}
    for p in latest:
        codes.setdefault(code_shard(str(p.content.get("target_code", ""))), []).append(p)
    files += [_shard(f"search/data/codes-{n}.json", pubs, r) for n, pubs in codes.items()]
    manifest = json.dumps({"names": len(names), "codes": sorted(codes),
                           "code_shards": CODE_SHARDS, "results": len(latest)}).encode()
    files.append(KeyedFile("search/data/manifest.json",
                           hashlib.sha256(manifest).hexdigest(), lambda: manifest))
    return files


def search_words(t: Translator) -> dict[str, str]:
    return {
        "searching": t._("Searching…"),
        "found": t._("Results found: {n}."),
        "more": t._("The first {n} are shown: add to the name to narrow the search."),
        "none": t._("No published result matches {query}."),
        "short": t._("Type at least two characters of a name, or a whole 统一社会信用代码."),
        "failed": t._("The index could not be read ({error}). Results by plan and by"
                      " department are listed under Results."),
        "hit": t._("{name} ({code}): {plan}, checked {date}"),
    }


def search_page(t: Translator) -> Page:
    """The search form; the hits are written by search.js (the page's words embedded)."""
    data = "../" * (2 if t.lang == "en" else 1) + "search/data/"
    label = t._("Name, or 统一社会信用代码")
    button = t._("Search")
    noscript = t._("Searching needs JavaScript. Without it, the results are listed by plan"
                   " and by department under Results, and every result is in results.csv"
                   " (Data and feeds).")
    body = (
        f'<form id="search" role="search" data-index="{e(data)}"'
        f' data-up="../" data-found-enough="{FOUND_ENOUGH}">'
        f'<p><label for="q">{e(label)}</label> <input id="q" name="q" type="search"'
        f' autocomplete="off" required minlength="2" maxlength="100">'
        f' <button type="submit">{e(button)}</button></p></form>\n'
        f'<noscript><p>{e(noscript)}</p></noscript>\n'
        '<section aria-live="polite"><p id="status"></p><ol id="hits"></ol></section>\n'
        f'<script type="application/json" id="words">{json_data(search_words(t))}</script>\n'
        f'<script src="{"../" * (2 if t.lang == "en" else 1)}assets/search.js" defer></script>')
    return Page("search/index.html", t._("Search the results"), body)
