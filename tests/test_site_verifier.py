"""The public site's draw verifier (issue 31): the page recomputes a published draw in the
browser (bot/site/static/verify.js, WebCrypto, nothing fetched but the five files beside
it) and agrees with Choucha's own verifier (`draws.verify_dir`): everything matches on an
untouched export, the first difference is named on a tampered one, and before the run the
announcement's digests and counts are checked against the three files.

The draw is real: a county loaded through the imports, a plan prepared and exported before
its draw date, an inspector withdrawn before the run, the draw run on its date, then the
inspector a replacement would land on withdrawn, and the replacement made (passing over
someone it cannot reach): so every branch of the replay is recomputed by the page."""

from __future__ import annotations

import functools
import http.server
import json
import random
import re
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timedelta
from datetime import time as dtime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import time_machine

from bot.config import load_settings
from bot.core import Core
from bot.demo import joint_plan, load_county
from bot.i18n import LANGUAGES, translator
from bot.rules import draw as algo
from bot.rules.records import PlanItemRule
from bot.services import draws, replacements, withdrawals
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.onboarding import redeem, reissue_invite
from bot.views.site.verifier import verifier_page, verifier_words
from storage import Database
from tests.support.helpers import choucha, prepare, probe
from tests.support.web import CHROMIUM, CHROMIUM_ARGS, CHROMIUM_PRESENT, free_port

PLAN = "一公开验证抽查"
SCRIPT = resources.files("bot.site").joinpath("static/verify.js")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# The keys verify.js looks up: every message is built as P("key", …) or shown as w("key", …).
LOOKUP = re.compile(r"\b[Pw]\(\s*\"([a-z0-9_]+)\"")


# --- fast: the words -------------------------------------------------------------------------
def test_the_words_cover_every_message_of_the_script() -> None:
    """Every key verify.js looks up is a word, in both languages, and no word is left
    unused; each message keeps its placeholders in every language."""
    used = set(LOOKUP.findall(SCRIPT.read_text(encoding="utf-8")))
    assert len(used) > 50
    english = verifier_words(translator("en"))
    assert set(english) == used
    for lang in LANGUAGES:
        words = verifier_words(translator(lang))
        assert set(words) == set(english), lang
        for key, text in words.items():
            assert sorted(PLACEHOLDER.findall(text)) == sorted(
                PLACEHOLDER.findall(english[key])), (lang, key)


def test_the_page_is_standalone_escaped_and_without_inline_script() -> None:
    page = verifier_page(translator("en"), title="Draw <verifier> & more", back_href="../?a=1&b=2",
                         css_href="../site.css", script_href="verify.js")
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page
    assert "Draw &lt;verifier&gt; &amp; more" in page and "<verifier>" not in page
    assert 'href="../?a=1&amp;b=2"' in page
    assert 'aria-live="polite"' in page and "<noscript>" in page
    assert "choucha draw verify DIR" in page
    # Scripts: the one file, and the words as JSON data (nothing to execute, so that a
    # Content-Security-Policy of script-src 'self' holds); no inline handler.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert [attrs for attrs, body in scripts if body] == [' type="application/json" id="words"']
    assert not re.search(r"\son[a-z]+=", page)
    data = next(body for attrs, body in scripts if body)
    assert "<" not in data and json.loads(data) == verifier_words(translator("en"))
    for number in range(1, 6):  # every file input has its label
        assert f'<label for="file-{number}">' in page and f'id="file-{number}"' in page
    chinese = verifier_page(translator("zh_CN"), title="核验", back_href="../",
                            css_href="s.css", script_href="verify.js")
    assert '<html lang="zh-CN">' in chinese


def test_the_announcement_kept_has_its_own_labelled_input() -> None:
    """Not one of the five copies (choosing it does not replace the announcement checked):
    labelled, with the hint saying why it helps."""
    page = verifier_page(translator("en"), title="Draw verifier", back_href="../",
                         css_href="../site.css", script_href="verify.js")
    control = re.search(r'<input type="file" id="kept-announcement"[^>]*>', page)
    assert control is not None and "data-file" not in control.group(0)
    assert 'aria-describedby="kept-announcement-hint"' in control.group(0)
    assert ('<label for="kept-announcement">The announcement.json you kept before the draw'
            " (optional)</label>") in page
    hint = re.search(r'<p id="kept-announcement-hint">([^<]*)</p>', page)
    assert hint is not None and "not changed after the lottery" in hint.group(1)


# --- the draw ---------------------------------------------------------------------------------
@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = load_settings({"CHOUCHA_DB": str(tmp_path / "d.sqlite3")})
    async with Database(settings.db_path) as db:
        found = Core(settings, db, "choucha_local_bot")
        yield found
        found.workers.close()


def _certs_of(core: Core, department: str) -> list[tuple[str, int]]:
    """(执法证号, person) of the department's active inspectors, by 执法证号."""
    return [(str(c), int(p)) for c, p in probe(
        core.settings.db_path, "SELECT i.cert_no, p.id FROM inspectors i JOIN people p ON"
        " p.id = i.person_id JOIN departments d ON d.id = p.department_id WHERE d.code = ?"
        " AND p.active = 1 ORDER BY i.cert_no", department)]


async def _first_landing(core: Core, draw_id: int, task_id: int, out: str) -> str:
    """Whom the replacement of `out` on the task would land on first, as things stand."""
    async with core.db.read() as rtx:
        row = await rtx.draws.draw_by_id(draw_id)
        task = await rtx.tasks.task(task_id)
        assert row is not None and task is not None
        run = await draws.drawn(core, rtx, row)
        members = await rtx.tasks.members(task_id)
    team = [algo.Member(m.cert_no, m.department_code, bool(m.leader)) for m in members]
    first, _ = algo.replace_member(run.rules, run.seed, task.target_code, team, out, 1)
    return first.inspector


async def _withdraw_and_replace(core: Core, draw_id: int, early: str) -> None:
    """After the run, the inspector a replacement would land on first is withdrawn; then
    the supervisor has a WSJKJ member replaced. Only one inspector of the department can
    be reached, not the one the draw now lands on first: the replacement passes over at
    least one (`skipped`), and it depends on the withdrawal."""
    db = core.settings.db_path
    certs = dict(_certs_of(core, "WSJKJ"))
    task_id, out, out_id = probe(db, "SELECT m.task_id, m.cert_no, m.person_id FROM"
                                     " task_members m JOIN departments d ON d.id ="
                                     " m.department_id WHERE d.code = 'WSJKJ' AND m.active = 1"
                                     " AND m.cert_no != ? ORDER BY m.task_id LIMIT 1", early)[0]
    first = await _first_landing(core, draw_id, int(task_id), str(out))
    await withdrawals.withdraw(core, SYSTEM, certs[first], core.today(), "transferred")
    second = await _first_landing(core, draw_id, int(task_id), str(out))
    team = {str(c) for (c,) in probe(db, "SELECT cert_no FROM task_members WHERE task_id = ?",
                                     task_id)}
    spare = next(p for c, p in certs.items() if c not in team | {early, first, second})
    issued = await reissue_invite(core, SYSTEM, spare)
    await redeem(core, issued.code, TgUser(77001, 77001, None, "spare", "en"))
    supervisor_id = int(probe(db, "SELECT r.person_id FROM person_roles r JOIN departments d"
                                  " ON d.id = r.department_id WHERE r.role = 'supervisor'"
                                  " AND d.code = 'WSJKJ' ORDER BY r.person_id LIMIT 1")[0][0])
    async with core.db.read() as rtx:
        supervisor = await rtx.people.person(supervisor_id)
    assert supervisor is not None
    filed = await replacements.request_for(core, supervisor, int(task_id), int(out_id),
                                           "work_conflict", None)
    assert filed.decision is not None and filed.decision.approved


async def published_draw(core: Core, folder: Path) -> tuple[Path, Path]:
    """A joint plan's draw, exported before its run and after it: (before, after)."""
    draw_day = core.today() + timedelta(days=1)
    await load_county(core, folder / "county", 200, 8, plans=[joint_plan(
        PLAN, "SC-001、WS-001", "WSJKJ", (draw_day.isoformat(), draw_day.isoformat(),
                                           "2099-12-31"), ratio="A:20%;B:30%;C:50%;D:80%")])
    await prepare(core, SYSTEM, PLAN, "中国福利彩票3D 开奖号码")
    before = folder / "before"
    await draws.export(core, PLAN, before)
    early, early_id = _certs_of(core, "WSJKJ")[0]
    await withdrawals.withdraw(core, SYSTEM, early_id, core.today(), "long_leave")
    on_the_day = datetime.combine(draw_day, dtime(9, 0), tzinfo=core.settings.tz)
    with time_machine.travel(on_the_day, tick=False):
        ran = await draws.run(core, SYSTEM, PLAN, "372", today=draw_day)
        await _withdraw_and_replace(core, ran.draw_id, early)
    after = folder / "after"
    await draws.export(core, PLAN, after)
    record = json.loads((after / "record.json").read_bytes())
    assert [w["inspector"] for w in record["withdrawals_before_run"]] == [early]
    assert [w["before"] for w in record["withdrawals"]] == [0]
    assert len(record["replacements"]) == 1 and record["replacements"][0]["skipped"]
    return before, after


# --- the page in Chromium ---------------------------------------------------------------------
class _Quiet(http.server.SimpleHTTPRequestHandler):
    """The site's files as a static host serves them, with the strict policy the page is
    written for."""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", "default-src 'none'; script-src 'self';"
                         " connect-src 'self'; style-src 'self'")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving(root: Path) -> Iterator[str]:
    """`root` on 127.0.0.1 over HTTP, from a thread; yields its address."""
    port = free_port()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def site_folder(root: Path, name: str, export: Path, lang: str = "en") -> Path:
    """A folder of the site: the export, the verifier page and its script beside it."""
    folder = root / name
    shutil.copytree(export, folder)
    page = verifier_page(translator(lang), title="Draw verifier", back_href="../",
                         css_href="../site.css", script_href="verify.js")
    (folder / "verify.html").write_text(page, encoding="utf-8")
    (folder / "verify.js").write_bytes(SCRIPT.read_bytes())
    return folder


class Browser:
    """Headless Chromium on the site; every request it makes is kept."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                and "404" not in m.text else None)

    async def verify(self, folder: str, files: Path | None = None,
                     kept: Path | None = None) -> dict[str, Any]:
        """Open the folder's page, choose `files`' copies if given, and `kept` as the
        announcement kept before the draw if given, press Verify; what the page shows
        when it is done."""
        page = self.page
        await page.goto(f"{self.base}/{folder}/verify.html")
        if files is not None:
            for name in ("announcement.json", "pool.tsv", "inspectors.tsv", "recusals.tsv",
                         "record.json"):
                if (files / name).is_file():
                    await page.set_input_files(f'input[data-file="{name}"]', str(files / name))
        if kept is not None:
            await page.get_by_label("The announcement.json you kept before the draw"
                                    " (optional)").set_input_files(str(kept))
        await page.click("#verify")
        await page.wait_for_selector("#results[data-outcome]", timeout=60_000)
        return dict(await page.evaluate("""() => {
            const results = document.getElementById("results");
            return {
                outcome: results.dataset.outcome,
                problems: Number(results.dataset.problems),
                seconds: Number(results.dataset.seconds),
                lang: document.documentElement.lang,
                summary: document.getElementById("summary").textContent,
                summaryClass: document.getElementById("summary").className,
                source: document.getElementById("source").textContent,
                checks: Array.from(document.querySelectorAll("#checks > li")).map(li => ({
                    id: li.dataset.check, status: li.className, text: li.textContent})),
            };
        }"""))


@asynccontextmanager
async def chromium(base: str) -> AsyncIterator[Browser]:
    from playwright.async_api import async_playwright

    assert CHROMIUM_PRESENT, "Debian's chromium is needed: scripts/setup test installs it"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield Browser(await browser.new_page(), base)
        finally:
            await browser.close()


def tampered(source: Path, root: Path, name: str, edit: Any) -> Path:
    copy = root / "copies" / name
    shutil.copytree(source, copy)
    edit(copy)
    return copy


def _swap_member(copy: Path, index: int) -> str:
    """Another 执法证号 of the same department for the second member of teams[index]; the
    target's code."""
    record = json.loads((copy / "record.json").read_text(encoding="utf-8"))
    team = record["teams"][index]
    member = team["members"][1]
    others = [line.split("\t")[0] for line in (copy / "inspectors.tsv").read_text(
        encoding="utf-8").splitlines() if line.split("\t")[1] == member["department"]]
    member["inspector"] = next(c for c in others if c not in {
        m["inspector"] for m in team["members"]})
    (copy / "record.json").write_text(json.dumps(record, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    return str(team["target"])


def _drop_withdrawals(copy: Path) -> None:
    record = json.loads((copy / "record.json").read_text(encoding="utf-8"))
    del record["withdrawals"]
    (copy / "record.json").write_text(json.dumps(record, ensure_ascii=False) + "\n",
                                      encoding="utf-8")


@pytest.mark.journey
@pytest.mark.browser
async def test_the_page_recomputes_the_draw_and_agrees_with_choucha(
        core: Core, tmp_path: Path) -> None:
    before, after = await published_draw(core, tmp_path / "draw")
    assert draws.verify_dir(after) == [] and draws.verify_dir(before) == []
    site = tmp_path / "site"
    site_folder(site, "plan", after)
    site_folder(site, "zh", after, lang="zh_CN")
    site_folder(site, "announced", before)
    pool = site_folder(site, "pool", after)
    (pool / "pool.tsv").write_bytes((pool / "pool.tsv").read_bytes().replace(
        b"\tA\n", b"\tB\n", 1))
    record = site_folder(site, "record", after)
    target = _swap_member(record, 3)
    with serving(site) as base:
        async with chromium(base) as browser:
            # The untouched draw: every check matches, as Choucha's verifier finds.
            shown = await browser.verify("plan")
            assert (shown["outcome"], shown["problems"], shown["summaryClass"]) == (
                "ok", 0, "ok"), shown
            assert "Everything matches" in shown["summary"]
            assert "published beside this page" in shown["source"]
            ids = [c["id"] for c in shown["checks"]]
            assert ids == ["algorithm", "announcement_digest", "announcement_form",
                           "file:pool.tsv", "file:inspectors.tsv", "file:recusals.tsv",
                           "pool_shape", "commitments", "seed", "strata", "rules",
                           "withdrawals_before_run", "selected", "teams", "replacements"]
            assert {c["status"] for c in shown["checks"]} == {"ok"}
            texts = {c["id"]: c["text"] for c in shown["checks"]}
            assert "(replacements: 1, withdrawals after the run: 1)" in texts["replacements"]
            assert "Withdrawals before the run: 1" in texts["withdrawals_before_run"]
            assert not re.search(r"\{[a-z_]+\}", " ".join(texts.values()))  # all filled
            seconds = shown["seconds"]

            # One stratum letter changed in pool.tsv: its digest is the first difference.
            shown = await browser.verify("pool")
            found = draws.verify_dir(pool)
            assert found and found[0].startswith("pool.tsv: its SHA-256")
            assert shown["outcome"] == "bad" and shown["problems"] == len(found)
            assert "The first: pool.tsv: its SHA-256" in shown["summary"], shown["summary"]
            assert "is not the announcement's pool_digest" in shown["summary"]
            status = {c["id"]: c["status"] for c in shown["checks"]}
            assert status["file:pool.tsv"] == "bad" and status["announcement_digest"] == "ok"

            # One team member changed in record.json: that target's team is named.
            shown = await browser.verify("record")
            found = draws.verify_dir(record)
            assert len(found) == 1 and found[0].startswith(f"teams[3] ({target})")
            assert shown["outcome"] == "bad" and shown["problems"] == 1
            assert f"The first: teams[3] ({target}): recomputed" in shown["summary"]
            assert [c["id"] for c in shown["checks"] if c["status"] == "bad"] == ["teams"]

            # The copies a person downloaded earlier, chosen on the untouched page: the
            # page checks those, not the published ones.
            shown = await browser.verify("plan", files=record)
            assert "the files you chose" in shown["source"]
            assert shown["outcome"] == "bad" and f"teams[3] ({target})" in shown["summary"]

            # The replacement depended on the withdrawal after the run: without it, the
            # page (as Choucha) finds that the draw would have landed elsewhere.
            undone = tampered(after, tmp_path, "undone", _drop_withdrawals)
            found = draws.verify_dir(undone)
            assert len(found) == 1 and found[0].startswith("replacements[0]")
            shown = await browser.verify("plan", files=undone)
            assert shown["problems"] == 1 and "The first: replacements[0] (" in shown["summary"]
            assert "but the draw landed on" in shown["summary"], shown["summary"]

            # A choucha-draw-v1 record is left to the command line.
            v1 = tampered(after, tmp_path, "v1", lambda f: (f / "record.json").write_bytes(
                (f / "record.json").read_bytes().replace(b"draw-v2", b"draw-v1", 1)))
            shown = await browser.verify("plan", files=v1)
            assert (shown["outcome"], shown["problems"]) == ("v1", 0)
            assert "choucha draw verify DIR" in shown["summary"]

            # Before the run: no record.json (404); the announcement against the files.
            shown = await browser.verify("announced")
            assert (shown["outcome"], shown["problems"]) == ("before_run", 0), shown
            assert "has not been run yet" in shown["summary"]
            status = {c["id"]: c["status"] for c in shown["checks"]}
            assert status == {"announcement_read": "ok", "file:pool.tsv": "ok",
                              "file:inspectors.tsv": "ok", "file:recusals.tsv": "ok",
                              "pool_shape": "ok", "strata": "ok", "not_run": "pending",
                              "announcement_sha256": "pending"}
            digest = algo.h((before / "announcement.json").read_bytes())
            assert digest in " ".join(c["text"] for c in shown["checks"])
            # …and a pool changed since the announcement is found before the run too.
            changed = tampered(before, tmp_path, "announced-pool", lambda f: (
                f / "pool.tsv").write_bytes((f / "pool.tsv").read_bytes().replace(
                    b"\tA\n", b"\tB\n", 1)))
            shown = await browser.verify("announced", files=changed)
            assert shown["outcome"] == "bad" and "pool.tsv: its SHA-256" in shown["summary"]
            assert draws.verify_dir(changed)

            # The Chinese page runs the same check.
            shown = await browser.verify("zh")
            assert (shown["lang"], shown["outcome"], shown["problems"]) == ("zh-CN", "ok", 0)

            assert browser.errors == []
            hosts = {re.sub(r"^https?://([^/:]+).*$", r"\1", url) for url in browser.requests}
            assert hosts == {"127.0.0.1"}, browser.requests
    assert seconds < 10, f"the page took {seconds} s to verify the test draw"


@pytest.mark.journey
@pytest.mark.browser
async def test_the_announcement_kept_before_the_draw_is_held_against_the_published_one(
        core: Core, tmp_path: Path) -> None:
    """A citizen downloaded announcement.json before the lottery and chooses it on the
    page: the page compares it with the announcement it checks, byte for byte, and agrees
    with `choucha draw verify DIR --announcement FILE` on the verdict and the differences."""
    before, after = await published_draw(core, tmp_path / "draw")
    kept = tmp_path / "kept" / "announcement.json"
    kept.parent.mkdir()
    kept.write_bytes((before / "announcement.json").read_bytes())
    digest = algo.h(kept.read_bytes())
    assert digest == algo.h((after / "announcement.json").read_bytes())
    announced = json.loads(kept.read_bytes())
    # Another announcement: another lottery and one target more, written out again.
    other = tmp_path / "other.json"
    other.write_text(json.dumps(dict(announced, entropy_source="中国体育彩票排列3",
                                     pool_size=announced["pool_size"] + 1),
                                ensure_ascii=False, indent=1), encoding="utf-8")
    # The same announcement in other spacing: the same fields, other bytes.
    respaced = tmp_path / "respaced.json"
    respaced.write_text(json.dumps(announced, ensure_ascii=False, indent=2), encoding="utf-8")
    garbled = tmp_path / "garbled.json"
    garbled.write_bytes(kept.read_bytes()[:-20])
    site = tmp_path / "site"
    site_folder(site, "plan", after)
    site_folder(site, "announced", before)
    with serving(site) as base:
        async with chromium(base) as browser:
            plain = await browser.verify("plan")
            assert "kept_announcement" not in [c["id"] for c in plain["checks"]]

            # The copy kept is the announcement published: a ✓ line first, then the draw.
            assert draws.verify_dir(after, kept) == []
            code, out, _ = await choucha({}, "draw", "verify", str(after), "--announcement",
                                         str(kept))
            assert code == 0 and "the announcement is the one published before the draw" in out
            shown = await browser.verify("plan", kept=kept)
            assert (shown["outcome"], shown["problems"]) == ("ok", 0), shown
            assert "published beside this page" in shown["source"]
            first = shown["checks"][0]
            assert (first["id"], first["status"]) == ("kept_announcement", "ok")
            assert first["text"] == ("✓ announcement.json is the one published before the draw:"
                                     f" byte for byte the copy you kept (SHA-256 {digest}).")
            assert shown["checks"][1:] == plain["checks"]
            # …and before the run, against the announcement beside the three files.
            assert draws.verify_dir(before, kept) == []
            shown = await browser.verify("announced", kept=kept)
            assert (shown["outcome"], shown["problems"]) == ("before_run", 0), shown
            assert shown["checks"][0]["status"] == "ok" and digest in shown["checks"][0]["text"]

            # Another announcement kept: the draw fails, and each field that differs is
            # named, in Choucha's order, the first with both digests.
            found = draws.verify_dir(after, other)
            assert [p.split(":")[0] for p in found] == ["entropy_source", "pool_size"], found
            code, out, _ = await choucha({}, "draw", "verify", str(after), "--announcement",
                                         str(other))
            assert code == 1 and "MISMATCH: entropy_source: announced" in out
            assert "MISMATCH: pool_size: announced" in out
            shown = await browser.verify("plan", kept=other)
            assert (shown["outcome"], shown["problems"]) == ("bad", len(found)), shown
            assert shown["summaryClass"] == "bad"
            assert shown["summary"] == (
                "Differences found: 2. The first: announcement.json is not the copy you kept"
                f" before the draw (SHA-256 {digest}, your copy's {algo.h(other.read_bytes())}):"
                ' entropy_source: your copy says "中国体育彩票排列3", announcement.json says'
                f' {json.dumps(announced["entropy_source"], ensure_ascii=False)}')
            check = shown["checks"][0]
            assert (check["id"], check["status"]) == ("kept_announcement", "bad")
            size = announced["pool_size"]
            assert (f"pool_size: your copy says {size + 1}, announcement.json says {size}"
                    in check["text"]), check
            # The draw itself still follows from the announcement published with it.
            assert {c["status"] for c in shown["checks"][1:]} == {"ok"}

            # The same fields in other bytes: still not the document published.
            assert draws.verify_dir(after, respaced) == [
                "the two announcements differ in their bytes (spacing or order)"]
            shown = await browser.verify("plan", kept=respaced)
            assert (shown["outcome"], shown["problems"]) == ("bad", 1), shown
            assert shown["summary"].endswith(
                "): the two announcements differ in their bytes (spacing or order)")

            # A copy cut short is not JSON: one problem, as for Choucha.
            assert draws.verify_dir(before, garbled) == [
                "the published announcement cannot be read as JSON"]
            shown = await browser.verify("announced", kept=garbled)
            assert (shown["outcome"], shown["problems"]) == ("bad", 1), shown
            assert shown["summary"].endswith("): the copy you kept cannot be read as JSON")

            assert browser.errors == []


def synthetic_draw(folder: Path, targets: int, per_department: int = 40) -> None:
    """A choucha-draw-v2 draw of `targets` targets made with Choucha's own rules (three
    departments, a fallback, recusals, ratios by stratum with `*`), exported."""
    rng = random.Random(31)
    pool_data = algo.pool_tsv((f"9153{i:012d}{rng.choice('ABCDEFGH')}{rng.randrange(10)}",
                               rng.choice("ABCD-")) for i in range(targets))
    inspectors = [algo.Inspector(f"YN{d}{k:05d}", d, "食品安全")
                  for d in ("SCJGJ", "WSJKJ", "STHJJ") for k in range(per_department)]
    codes = [line.split(b"\t")[0].decode() for line in pool_data.splitlines()]
    recusals = {(rng.choice(inspectors).cert, rng.choice(codes)) for _ in range(50)}
    ratios = {"*": "0.05", "B": "0.06", "C": "0.1", "D": "0.2"}
    strata = algo.strata_of(algo.stratum_sizes(pool_data), ratios)
    files = {"pool.tsv": pool_data, "inspectors.tsv": algo.inspectors_tsv(inspectors),
             "recusals.tsv": algo.recusals_tsv(recusals)}
    nonce = "ab" * 32
    announcement = algo.Announcement(
        plan="合成抽查", draw_date="2026-05-01", entropy_source="中国福利彩票3D",
        nonce_commitment=algo.h(nonce), prepared_at="2026-04-20T01:00:00+00:00", scope={},
        items=(PlanItemRule("SC-001", "key", None, None, "SCJGJ"),), initiating="SCJGJ",
        joining=("WSJKJ", "STHJJ"), fallbacks={"STHJJ": ["WSJKJ"]}, ratios=ratios,
        risk_rule=algo.RiskRule(), year_caps=algo.year_caps({}), pool_size=targets,
        pool_digest=algo.h(pool_data), strata=tuple(strata), inspectors=len(inspectors),
        inspectors_digest=algo.h(files["inspectors.tsv"]), recusals=len(recusals),
        recusals_digest=algo.h(files["recusals.tsv"]))
    files["announcement.json"] = announcement.to_json()
    seed = algo.seed_of(announcement.digest, "408", nonce)
    rules = algo.TeamRules("SCJGJ", ["WSJKJ", "STHJJ"], {"STHJJ": ["WSJKJ"]}, inspectors,
                           recusals)
    selected = algo.select_pool(pool_data, strata, seed)
    files["record.json"] = algo.full_record(algo.drawn_record(
        announcement.plan, announcement.digest, "408", nonce, seed, [], selected,
        algo.form_teams(rules, seed, selected)), [], [])
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


@pytest.mark.journey
@pytest.mark.browser
async def test_a_pool_of_fifty_thousand_lines_is_verified_in_seconds(tmp_path: Path) -> None:
    """The keys of a big pool are hashed in batches: 50,000 lines take about a second."""
    synthetic_draw(tmp_path / "big", 50_000)
    assert draws.verify_dir(tmp_path / "big") == []
    site_folder(tmp_path / "site", "big", tmp_path / "big")
    with serving(tmp_path / "site") as base:
        async with chromium(base) as browser:
            shown = await browser.verify("big")
    assert (shown["outcome"], shown["problems"]) == ("ok", 0), shown
    assert "50000 targets" in next(c["text"] for c in shown["checks"] if c["id"] == "pool_shape")
    assert shown["seconds"] < 30, f"{shown['seconds']} s for 50,000 lines"
