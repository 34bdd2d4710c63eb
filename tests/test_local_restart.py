"""Local mode survives a restart: the chat history comes back on the web page, new
messages get new update ids (not mistaken for ones handled before the restart), and the
person carries on where they were."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx

from bot.config import load_settings
from bot.tg.localmode import run_local
from handlers import register
from tests.conftest import SPEC
from tests.support.web import free_port


async def _up(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    for _ in range(200):
        try:
            state = (await client.get(url + "_emu/state")).json()
            if any(u["name"] == "张伟" for u in state["users"]):
                return dict(state)
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("local mode never came up")


async def _page_token(client: httpx.AsyncClient, url: str) -> dict[str, str]:
    """The header the chat page sends with every action (its token is in the page)."""
    page = (await client.get(url)).text
    token = re.search(r'name="choucha-page" content="([^"]+)"', page)
    assert token is not None
    return {"X-Choucha-Page": token.group(1)}


async def _wait_for(client: httpx.AsyncClient, url: str, uid: int, text: str,
                    count: int = 1) -> list[dict[str, Any]]:
    for _ in range(200):
        chat = (await client.get(f"{url}_emu/chat/{uid}")).json()
        found = [m for m in chat["messages"] if text in str(m.get("text") or "")]
        if len(found) >= count:
            return list(chat["messages"])
        await asyncio.sleep(0.1)
    raise AssertionError(f"never saw {text!r} ({count}×)")


async def test_local_mode_survives_a_restart(tmp_path: Path) -> None:
    port = free_port()
    settings = load_settings({"CHOUCHA_DB": str(tmp_path / "local.sqlite3"),
                              "CHOUCHA_LOCAL_LISTEN": f"127.0.0.1:{port}",
                              "CHOUCHA_OUTBOX_INTERVAL": "0.2",
                              "CHOUCHA_BOT_API_SPEC": str(SPEC)})
    url = f"http://127.0.0.1:{port}/"
    async with httpx.AsyncClient(timeout=30) as client:
        stop = asyncio.Event()
        task = asyncio.create_task(run_local(settings, stop, register))
        try:
            state = await _up(client, url)
            page = await _page_token(client, url)
            zhang = next(u for u in state["users"] if u["name"] == "张伟")
            await client.post(f"{url}_emu/chat/{zhang['id']}/start", json={}, headers=page)
            await _wait_for(client, url, zhang["id"], "欢迎")
            await client.post(f"{url}_emu/chat/{zhang['id']}/text", json={"text": "/help"},
                              headers=page)
            before = await _wait_for(client, url, zhang["id"], "/tasks")
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)

        stop = asyncio.Event()
        task = asyncio.create_task(run_local(settings, stop, register))
        try:
            await _up(client, url)
            page = await _page_token(client, url)  # a new page token after the restart
            chat = (await client.get(f"{url}_emu/chat/{zhang['id']}")).json()
            assert [m["text"] for m in chat["messages"]] == [m["text"] for m in before]
            # A new message after the restart is answered (its update id is new).
            await client.post(f"{url}_emu/chat/{zhang['id']}/text", json={"text": "/help"},
                              headers=page)
            after = await _wait_for(client, url, zhang["id"], "/tasks", count=2)
            ids = [m["id"] for m in after]
            assert ids == sorted(ids) and len(ids) == len(set(ids))
            # The demo's office (王芳) is the office: /people answers with the directory.
            office = next(u for u in state["users"] if u["name"] == "王芳")
            await client.post(f"{url}_emu/chat/{office['id']}/text", json={"text": "/people"},
                              headers=page)
            await _wait_for(client, url, office["id"], "Choucha 人员")
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)
