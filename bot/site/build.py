"""Writing the public site (一公开, issue 31) into a folder: every page in Chinese (at the
root) and English (under en/), each draw's files, the data and feeds, the style sheet.

A page is written only when its bytes changed, and always atomically (a temporary file in
the same folder, then a rename), so a reader never sees half a page and a build after one
publication rewrites only the pages it touched. Pages are never deleted: what was
published stays published (a 更正 is a new publication)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import resource
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from bot import i18n
from bot.config import Settings
from bot.core import Core, read_only
from bot.formats import tabular
from bot.i18n import locales_dir, translator
from bot.rules import cells
from bot.rules import site as paths
from bot.services import site
from bot.services.site import SitePlan, Snapshot
from bot.texts import listings as listing_words
from bot.views.site import feeds, layout, pages, plans, results, search
from bot.views.site.layout import Keyed, Page, render
from bot.views.site.verifier import verifier_page
from bot.workers import SITE

ASSETS = ("style.css", "verify.js", "search.js")
# Folders that hold only what the last build made: a cancelled preparation's files go (its
# commitment and nonce stay on the plan's page); a part of the results' data goes when a
# result is withheld after its publication and the parts shrink.
OWNED = ("draws/", "feeds/results/")
KEYS = ".keys.json"  # beside the site's folder (never served): what its record pages show
HEAVY_FROM = 2000  # publications


@dataclass(frozen=True)
class Built:
    """What a build did."""

    files: int  # in the site
    written: int  # changed, and so rewritten
    size: int  # bytes of the whole site
    largest: tuple[str, int]  # the largest page (not a data file) and its size
    seconds: float
    peak_mib: float  # the peak memory of the worker that built it (or the bot's, its life's)


def _pages(t_lang: str, snap: Snapshot, r: pages.Results, keys: results.Keys,
           parts: int, settings: Settings) -> Iterator[Page | Keyed]:
    t, tz = translator(t_lang), settings.tz
    yield pages.home(t, snap, r, tz)
    yield pages.items_page(t, snap, tz)
    yield pages.plans_page(t, snap, tz)
    yield results.results_index(t, snap, r)
    yield results.earlier_page(t, r, tz)
    yield from results.noncooperation_pages(t, r)
    yield results.audit_page(t, snap)
    yield feeds.feeds_page(t, parts)
    yield search.search_page(t)
    for plan in snap.plans:
        yield from plans.plan_pages(t, plan, r, tz)
    for name, pubs in results.departments_of(r).items():
        yield from results.department_pages(t, name, pubs, r, tz)
    yield from results.record_pages(t, keys, r, tz)


class Item(NamedTuple):
    """A file of the site: its path below the root, its bytes (None: known unchanged, not
    rendered again: then its size on disk), the key it was rendered from (keyed pages)."""

    path: str
    data: bytes | None
    key: str | None = None
    size: int = 0


def render_site(snap: Snapshot, settings: Settings,
                known: Mapping[str, str] | None = None, out: Path | None = None
                ) -> Iterator[Item]:
    """Every file of the site, one at a time (a province's site is not held in memory).
    A keyed page (a record's, a page of results) whose key is the one `known` from the
    last build, and which is still in `out`, is not made again: a province has hundreds of
    thousands."""
    r = pages.results_of(snap)
    keys = results.record_keys(snap, r)
    parts = feeds.result_parts(r, settings.tz)
    folder = str(out) + os.sep if out is not None else None
    for lang in paths.LANGUAGES:
        t = translator(lang)
        root = paths.lang_root(lang)
        for page in _pages(lang, snap, r, keys, len(parts), settings):
            path = root + page.path
            if isinstance(page, Page):
                yield Item(path, render(t, page).encode("utf-8"))
                continue
            yield _kept(path, page.key, known, folder) or Item(
                path, render(t, page.make()).encode("utf-8"), page.key)
    for plan in snap.plans:
        if plan.draw is not None:
            yield from (Item(rel, data) for rel, data in _draw_files(plan))
    for name, data in feeds.data_files(snap, r, settings.tz).items():
        yield Item("feeds/" + name, data)
    yield from _results_data(parts, r, settings, known or {}, folder)
    for keyed in search.search_files(r):
        yield _kept(keyed.path, keyed.key, known, folder) or Item(
            keyed.path, keyed.make(), keyed.key)
    for lang in paths.LANGUAGES:  # what changed, in each language, linking to its pages
        root = paths.lang_root(lang)
        base = (paths.site_url(settings.public_url) + root if settings.public_url
                else "../")
        yield Item(root + "feeds/changes.xml",
                   feeds.atom(translator(lang), snap, r, base, settings.tz))
    yield Item("404.html", results.not_found_page(translator("zh_CN"), translator("en")))
    static = resources.files("bot.site") / "static"
    for name in ASSETS:
        yield Item("assets/" + name, (static / name).read_bytes())


def _kept(path: str, key: str, known: Mapping[str, str] | None, folder: str | None
          ) -> Item | None:
    """A keyed file left as it is: the last build made it from the same key, and it is
    still there (a string and one stat: a province checks hundreds of thousands)."""
    if not known or folder is None or known.get(path) != key:
        return None
    try:
        return Item(path, None, key, os.stat(folder + path).st_size)
    except OSError:
        return None


def _results_data(parts: list[feeds.ResultsPart], r: pages.Results, settings: Settings,
                  known: Mapping[str, str], folder: str | None) -> Iterator[Item]:
    """The results' data in parts, each made only when its key changed (else read back),
    then every result in one JSON and one CSV, joined from the parts."""
    jsons, csvs = [], []
    for part in parts:
        kept = _read_known(part.paths, part.key, known, folder)
        made = kept or feeds.part_files(part, r, settings.tz)
        for path, data in zip(part.paths, made, strict=True):
            yield Item(path, None, part.key, len(data)) if kept else Item(path, data, part.key)
        jsons.append(made[0])
        csvs.append(made[1])
    whole_json, whole_csv = feeds.joined(jsons, csvs)
    yield Item("feeds/results.json", whole_json)
    yield Item("feeds/results.csv", whole_csv)


def _read_known(names: tuple[str, str], key: str, known: Mapping[str, str],
                folder: str | None) -> tuple[bytes, bytes] | None:
    """Both files of a part as the last build wrote them, when made from the same key."""
    if folder is None or any(known.get(name) != key for name in names):
        return None
    try:
        first, second = (Path(folder + name).read_bytes() for name in names)
    except OSError:
        return None
    return first, second


def _draw_files(plan: SitePlan) -> Iterator[tuple[str, bytes]]:
    """A draw's published files and its verifier pages, in its folder."""
    assert plan.draw is not None
    folder = paths.draw_path(plan.plan_id)
    for name, data in plan.draw.files.items():
        yield folder + name, data
    for lang in paths.LANGUAGES:
        t = translator(lang)
        yield folder + plans.verifier_name(lang), verifier_page(
            t, title=t._("Verify the draw of {plan}").format(plan=plan.name),
            back_href=f"../../{paths.lang_root(lang)}{paths.plan_path(plan.plan_id)}"
                      "index.html",
            css_href="../../assets/style.css",
            script_href="../../assets/verify.js").encode("utf-8")


@dataclass
class _Tally:
    files: int = 0
    written: int = 0
    size: int = 0
    largest: tuple[str, int] = ("", 0)
    keys: dict[str, str] = field(default_factory=dict)
    peak_mib: float = 0.0


def write_site(out: Path, files: Iterable[Item]) -> _Tally:
    """Write the files that changed, each atomically; what was seen and written, and the
    keys rendered from. The OWNED folders hold only what this build made."""
    tally = _Tally()
    owned: set[str] = set()
    folders: set[Path] = set()
    for rel, data, key, size in files:
        if key is not None:
            tally.keys[rel] = key
        if rel.startswith(OWNED):
            owned.add(rel)
        tally.files += 1
        if data is None:  # known unchanged
            tally.size += size
            continue
        tally.size += len(data)
        if rel.endswith(".html") and len(data) > tally.largest[1]:
            tally.largest = (rel, len(data))
        path = out / rel
        with contextlib.suppress(OSError):
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                continue
        _write(path, data, folders)
        tally.written += 1
    for folder in OWNED:
        for path in sorted((out / folder).rglob("*")) if (out / folder).is_dir() else []:
            if path.is_file() and path.relative_to(out).as_posix() not in owned:
                path.unlink()
                tally.written += 1
    return tally


def _write(path: Path, data: bytes, folders: set[Path] | None = None) -> None:
    """A temporary file in the same folder, then a rename: never half a page. `folders`:
    those known to exist (a first build makes a folder per record)."""
    if folders is None or path.parent not in folders:
        path.parent.mkdir(parents=True, exist_ok=True)
        if folders is not None:
            folders.add(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # published: readable by the web server
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def render_and_write(out: Path, snap: Snapshot, settings: Settings) -> _Tally:
    """The whole build but reading: in a worker process for a large site. The keys of the
    keyed pages are kept beside the site (KEYS, with the version of the pages' code and
    words: a new release renders everything again)."""
    made_with = _format(settings)
    tally = write_site(out, render_site(snap, settings, _read_keys(out, made_with), out))
    tally.peak_mib = _peak_mib()
    with contextlib.suppress(OSError):  # only a cache: without it, everything is rendered
        _write(_keys_path(out), json.dumps({"format": made_with, "keys": tally.keys},
                                           separators=(",", ":")).encode())
    return tally


def _reset_peak() -> None:
    """Linux keeps a process's peak memory (VmHWM) until told to forget it: a worker that
    ran a draw before would report the draw's. (Only in a worker: the bot's own peak is
    left as it is.)"""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mib() -> float:
    """The peak memory since `_reset_peak`, or over the process's life where Linux does not
    say."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _keys_path(out: Path) -> Path:
    return out.parent / f".{out.name}{KEYS}"


def _read_keys(out: Path, made_with: str) -> dict[str, str]:
    """The keys of the last build, when its pages were made with the same code and words."""
    try:
        kept = json.loads(_keys_path(out).read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(kept, dict) or kept.get("format") != made_with:
        return {}
    keys = kept.get("keys")
    return keys if isinstance(keys, dict) else {}


def _format(settings: Settings) -> str:
    """What the keyed files are made with: the code that makes them (the site's views, the
    paths, the CSV's cells), the compiled words, and the settings they show (the office's
    time zone)."""
    digest = hashlib.sha256(f"{settings.tz}|{settings.public_url}".encode())
    for module in (layout, pages, plans, results, feeds, search, listing_words, paths,
                   tabular, cells, i18n):
        digest.update(Path(str(module.__file__)).read_bytes())
    for lang in paths.LANGUAGES:
        with contextlib.suppress(OSError):
            digest.update((locales_dir() / lang / "LC_MESSAGES" / "choucha.mo").read_bytes())
    return digest.hexdigest()


async def build(core: Core, out: Path) -> Built:
    """Build (or bring up to date) the site in `out`; from HEAVY_FROM publications in a
    worker process, so that the bot answers while a province's site is rendered. The
    worker reads the database itself: a province's snapshot is not sent through a pipe."""
    started = time.perf_counter()
    async with core.db.read() as rtx:
        heavy = await rtx.site.publication_count() >= HEAVY_FROM
    if heavy:
        tally = await core.workers.run(SITE, build_in_worker, core.settings, out)
    else:
        snap = await site.snapshot(core)
        tally = await asyncio.to_thread(render_and_write, out, snap, core.settings)
    return Built(tally.files, tally.written, tally.size, tally.largest,
                 time.perf_counter() - started, tally.peak_mib)


def build_in_worker(settings: Settings, out: Path) -> _Tally:
    """In a worker process: read the snapshot from the database (read-only), then render
    and write."""
    _reset_peak()
    tally = render_and_write(out, asyncio.run(_snapshot(settings)), settings)
    tally.keys = {}  # (kept beside the site: not piped back, a province's are 95 MB)
    return tally


async def _snapshot(settings: Settings) -> Snapshot:
    async with read_only(settings) as core:
        return await site.snapshot(core)
