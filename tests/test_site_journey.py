"""The public site as the public meets it (issue 31), in headless Chromium: a plan is
published, drawn, a record submitted, published and corrected; the site, kept current by
the running bot, shows the plan, the draw announced before it was run, the result and its
更正; the draw verifies in the browser; the record's QR code, read by zbar from the PDF,
opens the page that confirms that record and points to its correction; every page passes
axe-core's accessibility rules and asks nothing of another host."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import tornado.httpserver
import tornado.web

from bot.clock import now as clock_now
from bot.config import Settings
from bot.services import publication
from bot.services.access import SYSTEM
from bot.site.serve import routes
from bot.tg.app import BotRunner
from handlers import register
from storage.files import read_blob
from tests.conftest import TOKEN
from tests.support.helpers import eventually, probe
from tests.support.publication import PLAN, corrected, finished_tasks
from tests.support.qr import decode_qr
from tests.support.web import CHROMIUM, CHROMIUM_ARGS, CHROMIUM_PRESENT, free_port

pytestmark = pytest.mark.journey
PUBLIC = "https://choucha.example.org"


@asynccontextmanager
async def served(folder: Path) -> AsyncIterator[str]:
    """The site's routes on a loopback port, as `choucha run` serves them."""
    port = free_port()
    server = tornado.httpserver.HTTPServer(tornado.web.Application(routes(folder)))
    server.listen(port, "127.0.0.1")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def qr_of_pdf(pdf: bytes, tmp: Path) -> str:
    """The record's QR code, as a phone reads it from the printed page."""
    (tmp / "record.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp / "record.pdf"),
                    str(tmp / "page")], check=True, timeout=60)
    for page in sorted(tmp.glob("page*.png")):
        try:
            return decode_qr(page.read_bytes(), tmp)
        except AssertionError:
            continue
    raise AssertionError("no QR code on any page of the record")


async def test_the_public_site_in_a_browser(settings: Settings, tmp_path: Path) -> None:
    assert CHROMIUM_PRESENT, "Debian's chromium is needed: scripts/setup test installs it"
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    settings = dataclasses.replace(settings, public_url=PUBLIC)
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1, serve_webapp=False)
    try:
        [task_id] = await finished_tasks(runner, tmp_path, ["no_problem"])
        await publication.publish(runner.core, SYSTEM, [task_id], clock_now())
        first_pdf, first_hash = probe(runner, "SELECT pdf_sha256, record_hash FROM records")[0]
        await corrected(runner, task_id, "第二项结果选错，应为未按规定公示", "not_disclosed")
        second_hash = probe(runner, "SELECT record_hash FROM records WHERE version = 2")[0][0]
        plan_id = probe(runner, "SELECT id FROM plans WHERE name = ?", PLAN)[0][0]
        site = settings.site_dir
        # The running bot keeps the site current by itself.
        await eventually(lambda: (site / f"r/{second_hash}/index.html").is_file()
                         and "更正" in (site / f"plans/{plan_id}/index.html").read_text(),
                         timeout=20)
        # The QR code of the first version's PDF holds CHOUCHA_PUBLIC_URL/r/<record hash>.
        url = qr_of_pdf(read_blob(runner.core.files_root, first_pdf), tmp_path)
        assert url == f"{PUBLIC}/r/{first_hash}"
        async with served(site) as base, async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page()
            asked: list[str] = []
            page.on("request", lambda request: asked.append(request.url))
            # A QR code of no record of this office: its own page says so, in both languages.
            await page.goto(f"{base}/r/{'0' * 64}")
            missing = await page.inner_text("main")
            assert "不是本机关的检查记录" in missing and "not one of this office's" in missing
            # The record's page, reached as the phone reaches it (Choucha answers /r/…).
            await page.goto(base + url.removeprefix(PUBLIC))
            body = await page.inner_text("main")
            assert "真实有效，但已被取代" in body, body
            await page.click(f"a[href$='r/{second_hash}/index.html']")
            assert "这是该检查记录的最新版本" in await page.inner_text("main")
            # The plan page (English): the plan, its draw announced, the result and 更正.
            await page.goto(f"{base}/public/en/plans/{plan_id}/index.html")
            plan = await page.inner_text("main")
            assert PLAN in plan and "Commitment to the secret nonce" in plan
            announced = re.search(r"Announced\s+(\S+)", plan)
            drawn = re.search(r"Date drawn\s+(\d{4}-\d{2}-\d{2})", plan)
            assert announced and drawn and announced.group(1)[:10] <= drawn.group(1)
            assert "更正 (第二项结果选错，应为未按规定公示)" in plan
            await page.click("a[href*='earlier.html#p']")
            assert "replaced by a 更正" in await page.inner_text("main")
            await page.click("a[href*='results-1.html#p']")  # and back: linked both ways
            assert re.search(rf"/en/plans/{plan_id}/results-1.html#p\d+$", page.url), page.url
            # Search, by part of the name and by the whole code: the hit opens its row.
            name, code = probe(runner, "SELECT t.name, t.code FROM tasks k JOIN targets t"
                                       " ON t.id = k.target_id WHERE k.id = ?", task_id)[0]
            await page.goto(f"{base}/public/search/index.html")
            await page.fill("#q", name[1:5])
            await page.click("#search button")
            await page.wait_for_selector("#hits li a")
            assert [name in t for t in await page.locator("#hits li").all_inner_texts()] == [
                True], await page.inner_text("#status")
            await page.fill("#q", code)
            await page.click("#search button")
            await page.wait_for_selector("#status:has-text('1')")
            await page.click("#hits li a")
            assert re.search(rf"/plans/{plan_id}/results-1.html#p\d+$", page.url), page.url
            # The draw verifies in the browser, from the published files.
            await page.goto(f"{base}/public/draws/{plan_id}/verify.en.html")
            await page.click("#verify")
            await page.wait_for_selector("#results[data-outcome]", timeout=60_000)
            assert await page.get_attribute("#results", "data-outcome") == "ok"
            # Every page: axe-core finds no violation; nothing asked of another host.
            axe, problems = Axe(), {}
            for path in sorted(site.rglob("*.html")):
                rel = path.relative_to(site).as_posix()
                await page.goto(f"{base}/public/{rel}")
                found = (await axe.run(page)).response["violations"]
                if found:
                    problems[rel] = [(v["id"], v["help"]) for v in found]
            assert problems == {} and len(list(site.rglob("*.html"))) > 20
            await page.set_content("<html><body><img src='x.png'><p style='color:#ccc'>x"
                                   "</p></body></html>")  # the check's control
            seen = {v["id"] for v in (await axe.run(page)).response["violations"]}
            assert {"html-has-lang", "image-alt", "document-title"} <= seen, seen
            assert [u for u in asked if not u.startswith(base)] == []
            await browser.close()
    finally:
        await runner.stop()
