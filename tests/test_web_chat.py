"""Local mode: the web chat page in headless Chromium, through one onboarding."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright

from bot.config import load_settings
from bot.tg.localmode import run_local
from handlers import register
from tests.conftest import SPEC
from tests.support.web import CHROMIUM, CHROMIUM_ARGS, CHROMIUM_PRESENT, free_port


@pytest.mark.browser
async def test_onboarding_in_the_web_chat_page(tmp_path: Path) -> None:
    assert CHROMIUM_PRESENT, "Debian's chromium is needed: scripts/setup test installs it"
    port = free_port()
    settings = load_settings({"CHOUCHA_DB": str(tmp_path / "local.sqlite3"),
                              "CHOUCHA_LOCAL_LISTEN": f"127.0.0.1:{port}",
                              "CHOUCHA_OUTBOX_INTERVAL": "0.2",
                              "CHOUCHA_BOT_API_SPEC": str(SPEC)})
    assert settings.local_mode
    stop = asyncio.Event()
    task = asyncio.create_task(run_local(settings, stop, register))
    url = f"http://127.0.0.1:{port}/"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    state = (await client.get(url + "_emu/state")).json()
                    if any(u["name"] == "张伟" for u in state["users"]):
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("local mode never came up")
        zhang = next(u for u in state["users"] if u["name"] == "张伟")
        assert zhang["has_link"]
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 400, "height": 800})
            await page.goto(url)
            await page.select_option("#who", str(zhang["id"]))
            await page.click("#open-link")
            welcome = page.locator(".msg:not(.mine)", has_text="欢迎")
            await welcome.wait_for(timeout=15000)
            assert "张伟" in await welcome.inner_text()
            # The command menu now holds the inspector's commands; /help answers.
            await page.fill("#text", "/help")
            await page.press("#text", "Enter")
            await page.locator(".msg:not(.mine)", has_text="/language").wait_for(timeout=15000)
            # An inline button: /language then English.
            await page.fill("#text", "/language")
            await page.click("#send")
            await page.locator("button", has_text="English").last.click()
            await page.locator(".msg:not(.mine)",
                               has_text="Language set to English.").wait_for(timeout=15000)
            await page.screenshot(path=str(tmp_path / "web-chat.png"))
            await browser.close()
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
