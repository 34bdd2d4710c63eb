"""The party signs by hand on the leader's phone: the Mini App (issue 15).

The bot serves the Mini App beside the emulator, as local mode does; the emulator opens a
`web_app` button as Telegram does (launch data in the address's fragment, signed with the
bot's token). The HTTP tests call the Mini App's two endpoints the way its page does; the
browser test draws a signature in headless Chromium."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image

from bot.config import Settings
from bot.emulator import Emulator
from bot.emulator.server import EmulatorServer
from bot.rules import webapp
from bot.tg.app import BotRunner
from storage.files import read_blob
from tests.conftest import TOKEN, person
from tests.support.helpers import probe, submit_record
from tests.support.visits import at_signatures, pdf_text

BUTTON = "✍️ Party signs by hand on this phone"
# A signature: two strokes, with times, in the canvas's CSS pixels.
DRAWING = {"width": 320, "height": 180, "strokes": [
    [[20 + i * 6, 120 - (i % 5) * 12, i * 16] for i in range(30)],
    [[60 + i * 4, 60 + i * 3, 600 + i * 16] for i in range(20)]]}


def launch(url: str) -> tuple[str, int, str]:
    """(the page's path, the visit, initData) of a Mini App address as Telegram opens it."""
    parts = urlsplit(url)
    return (parts.path, int(parse_qs(parts.query)["v"][0]),
            parse_qs(parts.fragment)["tgWebAppData"][0])


async def call(server: EmulatorServer, path: str, body: dict[str, Any]
               ) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient() as client:
        res = await client.post(f"{server.url}{path}", json=body)
    return res.status_code, res.json()


def pdf_images_and_ink(pdf: bytes, tmp_path: Path) -> tuple[list[tuple[int, int]], int]:
    """The PDF's images (width, height) by pdfimages, and the pixels of signature ink
    (dark blue: the text is black, the QR code too) on its pages rendered by pdftoppm."""
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True,
                            check=True).stdout
    images = [(int(line.split()[3]), int(line.split()[4]))
              for line in listed.splitlines()[2:]]
    subprocess.run(["pdftoppm", "-r", "90", "-png", str(path), str(tmp_path / "page")],
                   check=True)
    ink = 0
    for page in sorted(tmp_path.glob("page*.png")):
        with Image.open(page) as rendered:
            pixels = rendered.convert("RGB").tobytes()
            for i in range(0, len(pixels), 3):
                r, b = pixels[i], pixels[i + 2]
                ink += b < 140 and b - r > 20 and r < 90
    return images, ink


def refusals(settings: Settings) -> list[str]:
    return [json.loads(str(p))["reason"] for (p,) in probe(
        settings, "SELECT payload FROM audit_log WHERE action = 'visit.handsign_refused'"
        " ORDER BY id")]


async def test_the_party_signs_by_hand_and_the_record_shows_it(
        signing: BotRunner, emulator: Emulator, server: EmulatorServer,
        tmp_path: Path) -> None:
    settings = signing.settings
    leader, member, status, name = await at_signatures(signing, emulator, tmp_path)
    labels = [b["text"] for row in status["reply_markup"]["inline_keyboard"] for b in row]
    assert labels.index(BUTTON) < labels.index("📱 Party signs on their phone (QR)")
    path, visit, init_data = launch(leader.open_web_app(BUTTON, status))
    async with httpx.AsyncClient() as client:
        page = await client.get(f"{server.url}{path}?v={visit}")
    assert page.status_code == 200 and "tgWebAppData" in page.text
    # Nothing from elsewhere, and of inline code only the page's own (issue 29).
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "'sha256-" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy

    # Forged, stale, someone else's: refused, nothing changed, each audited.
    forged = re.sub(r"hash=[0-9a-f]{4}", "hash=0000", init_data)
    old = webapp.sign({"user": json.dumps({"id": leader.user.id, "first_name": "x"}),
                       "auth_date": str(int(time.time()) - 3600)}, TOKEN)
    member_data = webapp.sign({"user": json.dumps({"id": member.user.id, "first_name": "m"}),
                               "auth_date": str(int(time.time()))}, TOKEN)
    for data, reason in ((forged, "webapp_auth"), (old, "webapp_auth"),
                         (member_data, "leader_only")):
        code, answer = await call(server, "/app/api/open", {"initData": data, "visit": visit})
        assert (code, answer["ok"], answer["reason"]) == (403, False, reason)
        if reason == "webapp_auth":
            refused_text = answer["error"]
    # One forged or stale launch audited per address and minute (issue 29): the second
    # is answered the same, without a row.
    assert refusals(settings) == ["webapp_auth", "leader_only"]
    assert "不是从 Telegram 中的 Choucha 打开的" in refused_text  # the app is in Chinese

    code, sheet = await call(server, "/app/api/open", {"initData": init_data, "visit": visit})
    assert code == 200 and sheet["ok"], sheet
    assert name in sheet["record"] and "<script" not in sheet["record"]
    # In the leader's language (the people of this county use English).
    assert sheet["lang"] == "en" and sheet["labels"]["roles"][0] == ["legal_rep",
                                                                      "Legal representative"]
    signer = {"initData": init_data, "token": sheet["token"], "name": "李四",
              "role": "principal", "last4": "123x", "opinion": "object",
              "opinion_text": "对检查时间有异议"}
    # An empty canvas, a drawing that is not one, a made-up token: refused.
    for drawing, reason in (({"width": 320, "height": 180, "strokes": []}, "signature_empty"),
                            ({"width": 320, "height": 180, "strokes": [[[1, 1, 0]] * 3]},
                             "signature_empty"),
                            ({"width": 320, "height": 180, "strokes": "x"},
                             "signature_unreadable")):
        code, answer = await call(server, "/app/api/sign", {**signer, "drawing": drawing})
        assert (code, answer["reason"]) == (403, reason)
    code, answer = await call(server, "/app/api/sign",
                              {**signer, "token": "made-up", "drawing": DRAWING})
    assert answer["reason"] == "token_unknown"
    # A name or an objection that would read differently from what it holds (a direction
    # override, a zero-width space): refused, nothing saved (issue 29).
    for field, value in (("name", "李\u202e四"), ("opinion_text", "无\u200b异议")):
        code, answer = await call(server, "/app/api/sign",
                                  {**signer, field: value, "drawing": DRAWING})
        assert (code, answer["reason"]) == (403, "hidden_characters"), answer
    # A QR link's code is no Mini App token, and a Mini App token is no QR link.
    await leader.press("📱 Party signs on their phone (QR)", status)
    qr = await leader.expect("Let the party scan this code")
    link = re.search(r"https://t\.me/\S+?start=s_(\S+)", qr["caption"])
    assert link is not None
    code, answer = await call(server, "/app/api/sign",
                              {**signer, "token": link.group(1), "drawing": DRAWING})
    assert answer["reason"] == "token_unknown"
    stranger = person(emulator, "路人")
    await stranger.open_link(f"https://t.me/{emulator.username}?start=s_{sheet['token']}")
    reply = await stranger.expect()  # refused: no summary, nothing to confirm
    assert "Confirm" not in json.dumps(reply, ensure_ascii=False) and "确认" not in str(
        reply.get("reply_markup"))
    # Someone else's Telegram account holding the leader's token.
    code, answer = await call(server, "/app/api/sign",
                              {**signer, "initData": member_data, "drawing": DRAWING})
    assert answer["reason"] == "token_taken"
    assert probe(settings, "SELECT COUNT(*) FROM signatures WHERE kind = 'party'") == [(0,)]

    code, answer = await call(server, "/app/api/sign", {**signer, "drawing": DRAWING})
    assert code == 200 and answer["ok"], answer
    # Replayed: the token is spent.
    code, answer = await call(server, "/app/api/sign", {**signer, "drawing": DRAWING})
    assert answer["reason"] == "token_used"
    row = probe(settings, "SELECT name, party_role, id_last4, opinion, opinion_text,"
                " png_sha256, strokes_sha256, tg_user_id FROM signatures WHERE kind = 'party'")
    assert len(row) == 1
    signed_name, role, last4, opinion, objection, png_sha, strokes_sha, tg = row[0]
    assert (signed_name, role, last4, opinion, objection, tg) == (
        "李四", "principal", "123X", "object", "对检查时间有异议", leader.user.id)
    files = {r[0] for r in probe(settings, "SELECT sha256 FROM files")}
    assert {png_sha, strokes_sha} <= files
    told = await leader.expect("by hand on your phone")
    assert name in told["text"]

    await leader.press("✍️ Signatures and submission", told)
    screen = await leader.expect("The party signed by hand on the inspector's phone: 李四")
    await submit_record(leader, screen)
    await leader.expect("Submitted.")
    document = await leader.expect("Check record of", timeout=60)
    pdf = leader.file_bytes(document["document"]["file_id"])
    text = re.sub(r"\s+", "", pdf_text(pdf, tmp_path))
    for expected in ("李四（负责人）", "身份证件号码后四位123X", "在检查人员手机上手写签名",
                     "有异议：对检查时间有异议", str(png_sha), str(strokes_sha)):
        assert expected in text, expected
    record = json.loads(str(probe(settings, "SELECT content FROM records")[0][0]))
    party = next(s for s in record["signatures"] if s["kind"] == "party")
    assert (party["png_sha256"], party["strokes_sha256"]) == (png_sha, strokes_sha)
    # The PDF holds the signature's image, as drawn: listed among its images at the size
    # of the stored PNG, and, rendered with pdftoppm, the signature's blue-black ink shows.
    with Image.open(io.BytesIO(read_blob(signing.core.files_root, str(png_sha)))) as image:
        size = image.size
    images, ink = pdf_images_and_ink(pdf, tmp_path)
    assert size in images, (size, images)
    assert ink > 200, ink


async def test_a_record_changed_after_opening_refuses_the_signature(
        signing: BotRunner, emulator: Emulator, server: EmulatorServer,
        tmp_path: Path) -> None:
    settings = signing.settings
    leader, member, status, _ = await at_signatures(signing, emulator, tmp_path)
    _, visit, init_data = launch(leader.open_web_app(BUTTON, status))
    code, sheet = await call(server, "/app/api/open", {"initData": init_data, "visit": visit})
    assert sheet["ok"]
    # The record changes while the party reads it: the member checks in on site now, and
    # the check-ins are part of what everyone signs.
    await member.press("▶️ My part of the visit")
    await member.expect("Check-in")
    await member.share_location(24.41, 98.51)
    await member.expect("Items:")
    code, answer = await call(server, "/app/api/sign", {
        "initData": init_data, "token": sheet["token"], "name": "李四", "role": "principal",
        "last4": "", "opinion": "agree", "drawing": DRAWING})
    assert (code, answer["reason"]) == (403, "token_changed")
    assert probe(settings, "SELECT COUNT(*) FROM signatures WHERE kind = 'party'") == [(0,)]
    assert refusals(settings)[-1] == "token_changed"


async def test_without_a_public_address_the_mini_app_is_not_offered(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    _, _, status, _ = await at_signatures(bot, emulator, tmp_path)
    assert BUTTON not in json.dumps(status["reply_markup"], ensure_ascii=False)
    assert "📱 Party signs on their phone (QR)" in json.dumps(status["reply_markup"],
                                                            ensure_ascii=False)


def test_the_party_flows_word_every_new_refusal() -> None:
    from bot.i18n import translator
    from bot.services.errors import Refusal, Refused
    from bot.views.visits import refusal_text
    stale = refusal_text(translator("en"), Refused(Refusal.STALE))
    for reason in (Refusal.WEBAPP_AUTH, Refusal.SIGNATURE_EMPTY, Refusal.SIGNATURE_UNREADABLE):
        for lang in ("en", "zh_CN"):
            assert refusal_text(translator(lang), Refused(reason)) != stale


@pytest.mark.browser
async def test_the_mini_app_in_headless_chromium(
        signing: BotRunner, emulator: Emulator, server: EmulatorServer,
        tmp_path: Path) -> None:
    """The leader's signature screen in the web chat page, its web_app button, the Mini App
    in the page's panel; a signature drawn with the mouse; the record's PDF shows it."""
    from playwright.async_api import async_playwright

    from tests.support.web import CHROMIUM, CHROMIUM_ARGS, CHROMIUM_PRESENT
    assert CHROMIUM_PRESENT, "Debian's chromium is needed: scripts/setup test installs it"
    settings = signing.settings
    leader, _, _, name = await at_signatures(signing, emulator, tmp_path)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 400, "height": 820})
        await page.goto(server.url + "/")
        await page.select_option("#who", str(leader.user.id))
        await page.locator("button", has_text=BUTTON).last.click()
        app = page.frame_locator("#webapp-frame")
        await app.locator("#record", has_text=name).wait_for(timeout=15000)
        await app.locator("#name").fill("王五")
        await app.locator("#role").select_option("legal_rep")
        await app.locator("#last4").fill("4321")
        # Sending an empty box is refused on the page; nothing reaches the server.
        await app.locator("#submit").click()
        await app.locator("#error", has_text="Please sign in the box first").wait_for(timeout=5000)
        box = await app.locator("#pad").bounding_box()
        assert box is not None and box["width"] >= 300  # readable on a 360-px screen
        x0, y0 = box["x"] + 30, box["y"] + box["height"] * 0.6
        await page.mouse.move(x0, y0)
        await page.mouse.down()
        for step in range(1, 40):
            await page.mouse.move(x0 + step * 6, y0 - 40 * ((step // 5) % 2) + step % 5 * 6)
        await page.mouse.up()
        await page.mouse.move(x0 + 40, y0 - 50)
        await page.mouse.down()
        for step in range(1, 15):
            await page.mouse.move(x0 + 40 + step * 5, y0 - 50 + step * 4)
        await page.mouse.up()
        await page.screenshot(path=str(tmp_path / "mini-app.png"))
        await app.locator("#submit").click()
        await app.locator("#done", has_text="Signed. Thank you").wait_for(timeout=15000)
        # The Mini App closes itself (web_app_close), as in Telegram.
        await page.locator("#webapp").wait_for(state="hidden", timeout=10000)
        await browser.close()
    row = probe(settings, "SELECT name, party_role, id_last4, opinion, png_sha256,"
                " strokes_sha256 FROM signatures WHERE kind = 'party'")
    assert len(row) == 1 and row[0][:4] == ("王五", "legal_rep", "4321", "agree")
    png_sha, strokes_sha = row[0][4], row[0][5]
    strokes = json.loads(read_blob(signing.core.files_root, str(strokes_sha)))
    assert len(strokes["strokes"]) == 2 and sum(len(s) for s in strokes["strokes"]) > 40
    times = [p[2] for s in strokes["strokes"] for p in s]
    assert times == sorted(times)  # points with their times, in drawing order
    told = await leader.expect("by hand on your phone")
    await leader.press("✍️ Signatures and submission", told)
    await submit_record(
        leader, await leader.expect("signed by hand on the inspector's phone: 王五"))
    document = await leader.expect("Check record of", timeout=60)
    pdf = leader.file_bytes(document["document"]["file_id"])
    text = re.sub(r"\s+", "", pdf_text(pdf, tmp_path))
    for expected in ("王五（法定代表人）", "身份证件号码后四位4321", "当事人意见：无异议",
                     "在检查人员手机上手写签名", str(strokes_sha)):
        assert expected in text, expected
    record = json.loads(str(probe(settings, "SELECT content FROM records")[0][0]))
    assert next(s for s in record["signatures"] if s["kind"] == "party")[
        "strokes_sha256"] == strokes_sha
    with Image.open(io.BytesIO(read_blob(signing.core.files_root, str(png_sha)))) as image:
        size = image.size
    images, ink = pdf_images_and_ink(pdf, tmp_path)
    assert size in images and ink > 200, (size, images, ink)


async def test_a_flood_of_forged_launch_data_is_cut_off(
        signing: BotRunner, emulator: Emulator, server: EmulatorServer,
        tmp_path: Path) -> None:
    """Forged requests are refused, the first of an address in a minute audited; past a
    limit the address gets 429 at once. Behind the TLS proxy every request shares one
    address: the leader's real request, checked first, still passes (issue 29). Malformed
    JSON is a 400, never a 500."""
    leader, _, status, _ = await at_signatures(signing, emulator, tmp_path)
    _, visit, init_data = launch(leader.open_web_app(BUTTON, status))
    forged = webapp.sign({"user": json.dumps({"id": 1, "first_name": "x"}),
                          "auth_date": str(int(time.time()))}, "999:not-the-bots-token")
    codes = []
    async with httpx.AsyncClient() as client:
        for _ in range(30):
            res = await client.post(f"{server.url}/app/api/open",
                                    json={"initData": forged, "visit": 1})
            codes.append(res.status_code)
        form = await client.post(f"{server.url}/app/api/open", data={"initData": forged})
        real = await client.post(f"{server.url}/app/api/open",
                                 json={"initData": init_data, "visit": visit})
        odd = [await client.post(f"{server.url}/app/api/open", content=body,
                                 headers={"Content-Type": "application/json"})
               for body in (b'{"visit": Infinity}', b"[" * 200_000,
                            json.dumps({"initData": init_data, "visit": 1e400}).encode())]
    assert codes == [403] * 20 + [429] * 10
    assert form.status_code == 415  # a form post is no JSON
    assert real.status_code == 200 and real.json()["ok"]
    assert [r.status_code for r in odd] == [400, 400, 400], [r.text[:80] for r in odd]
    assert refusals(signing.settings) == ["webapp_auth"]


async def test_behind_a_trusted_proxy_each_client_is_counted_alone(
        signing: BotRunner, server: EmulatorServer) -> None:
    """With CHOUCHA_TRUSTED_PROXIES naming the proxy, X-Forwarded-For tells the clients
    apart: one client's flood does not make another wait; an untrusted sender's header
    is not believed (issue 29)."""
    forged = webapp.sign({"user": json.dumps({"id": 1, "first_name": "x"}),
                          "auth_date": str(int(time.time()))}, "999:not-the-bots-token")
    signing.core.settings = dataclasses.replace(signing.core.settings,
                                                trusted_proxies=frozenset({"127.0.0.1"}))
    async with httpx.AsyncClient() as client:
        async def post(forwarded: str) -> int:
            res = await client.post(f"{server.url}/app/api/open",
                                    json={"initData": forged, "visit": 1},
                                    headers={"X-Forwarded-For": forwarded})
            return res.status_code
        flood = [await post("203.0.113.7") for _ in range(25)]
        other = await post("198.51.100.9")
        signing.core.settings = dataclasses.replace(signing.core.settings,
                                                    trusted_proxies=frozenset())
        untrusted = [await post(f"192.0.2.{i}") for i in range(3)]
    assert flood[-1] == 429 and other == 403
    assert untrusted == [403, 403, 403]  # counted as 127.0.0.1: its first refusal
    assert refusals(signing.settings) == ["webapp_auth"] * 3
