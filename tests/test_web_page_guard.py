"""The local web chat page acts only for itself: a cross-site form POST, a request without
the page's token or from another origin, and any Host that is not loopback (DNS
rebinding) are refused; the page's own JSON actions, photos included, work."""

from __future__ import annotations

import base64
import io
import re

import httpx
import pytest
from PIL import Image

from bot.emulator import Emulator
from bot.emulator.server import EmulatorServer


async def test_only_the_page_itself_may_act(emulator: Emulator,
                                            server: EmulatorServer) -> None:
    user = emulator.add_user("王芳", user_id=4242)
    url = server.url
    act = f"{url}/_emu/chat/{user.id}/text"
    async with httpx.AsyncClient() as client:
        page = (await client.get(url + "/")).text
        token = re.search(r'name="choucha-page" content="([^"]+)"', page)
        assert token is not None and "__PAGE_TOKEN__" not in page
        good = {"X-Choucha-Page": token.group(1)}
        attacks = [
            # A form another site's page can send without asking (no preflight).
            dict(data={"text": "/invite"}, headers={}),
            dict(content='{"text": "/invite"}', headers={"Content-Type": "text/plain"}),
            # JSON without the page's token, or with it from another origin.
            dict(json={"text": "/invite"}, headers={}),
            dict(json={"text": "/invite"}, headers={**good, "Origin": "http://evil.example"}),
            # DNS rebinding: the right token, but a Host that is not loopback.
            dict(json={"text": "/invite"}, headers={**good, "Host": "evil.example"}),
        ]
        for attack in attacks:
            response = await client.post(act, **attack)  # type: ignore[arg-type]
            assert response.status_code == 403, attack
        rebound = await client.get(url + "/_emu/state", headers={"Host": "rebind.example"})
        assert rebound.status_code == 403
        assert not [m for m in emulator.chat_messages(user.id) if m.get("_from_user")]

        # The page itself: JSON with its token, from its own origin.
        ok = await client.post(act, json={"text": "/help"},
                               headers={**good, "Origin": url})
        assert ok.status_code == 200
        jpeg = io.BytesIO()
        Image.new("RGB", (20, 20), "red").save(jpeg, format="JPEG")
        photo = await client.post(f"{url}/_emu/chat/{user.id}/photo", headers=good, json={
            "data": base64.b64encode(jpeg.getvalue()).decode(), "filename": "p.jpg",
            "mime": "image/jpeg"})
        assert photo.status_code == 200
    sent = [m for m in emulator.chat_messages(user.id) if m.get("_from_user")]
    assert [("text" in m, "photo" in m) for m in sent] == [(True, False), (False, True)]


@pytest.mark.journey
async def test_local_modes_mini_app_answers_loopback_names_only(tmp_path: object) -> None:
    """Local mode serves the Mini App beside its page: not to another host name that
    resolves to 127.0.0.1 (issue 29); its launch data is signed with a token made at the
    start, not a constant."""
    import asyncio
    from pathlib import Path

    from bot.config import load_settings
    from bot.tg import localmode
    from handlers import register
    from tests.conftest import SPEC
    from tests.support.web import free_port

    assert localmode.local_token() != localmode.local_token()
    folder = Path(str(tmp_path))
    port = free_port()
    settings = load_settings({"CHOUCHA_DB": str(folder / "local.sqlite3"),
                              "CHOUCHA_LOCAL_LISTEN": f"127.0.0.1:{port}",
                              "CHOUCHA_BOT_API_SPEC": str(SPEC)})
    stop = asyncio.Event()
    task = asyncio.create_task(localmode.run_local(settings, stop, register))
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            for _ in range(100):
                try:
                    if (await client.get(url + "/app/sign")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
            assert (await client.get(url + "/app/sign")).status_code == 200
            rebound = await client.get(url + "/app/sign", headers={"Host": "rebind.example"})
            api = await client.post(url + "/app/api/open", json={"initData": "x"},
                                    headers={"Host": "rebind.example"})
        assert rebound.status_code == 403 and api.status_code == 403
    finally:
        stop.set()
        await task
