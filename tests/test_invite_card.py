"""The invite card: its QR code carries the link, Chinese renders with a real CJK font."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from PIL import Image, ImageChops

from bot.emulator import Emulator
from bot.formats.rendering.fonts import cjk_font
from bot.formats.rendering.invite_card import CardText, render_invite_card
from bot.tg.app import BotRunner
from tests.support.helpers import LINK_RE, departments, invite_through_bot, registered_admin
from tests.support.qr import decode_qr


def test_font_has_chinese_glyphs() -> None:
    font = cjk_font(48)
    a = font.getmask("张").getbbox()
    b = font.getmask("抽").getbbox()
    assert a is not None and b is not None
    img_a = Image.new("L", (64, 64))
    img_b = Image.new("L", (64, 64))
    from PIL import ImageDraw

    ImageDraw.Draw(img_a).text((0, 0), "张", font=font, fill=255)
    ImageDraw.Draw(img_b).text((0, 0), "抽", font=font, fill=255)
    # Two different characters draw differently: no missing-glyph boxes.
    assert ImageChops.difference(img_a, img_b).getbbox() is not None


def test_card_qr_decodes_to_the_link(tmp_path: Path) -> None:
    link = "https://t.me/choucha_local_bot?start=AbCdEf0123456789_-xyzQ"
    png = render_invite_card(CardText("抽查 Choucha · 邀请卡", "张伟", "芒市市场监督管理局",
                                      "执法检查人员", "用手机扫码", "有效期至 2026-12-01", link))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (900, 1240)
    assert decode_qr(png, tmp_path) == link


async def test_card_sent_by_the_bot_opens_the_invite(bot: BotRunner, emulator: Emulator,
                                                     tmp_path: Path) -> None:
    await departments(bot)
    admin = await registered_admin(bot, emulator)
    link = await invite_through_bot(admin, "张伟", "市场监督管理局", ["inspector"])
    card = [m for m in admin.bot_messages() if "photo" in m][-1]
    png = admin.file_bytes(card["photo"][-1]["file_id"])
    decoded = decode_qr(png, tmp_path)
    assert decoded == link and LINK_RE.fullmatch(decoded)


def test_every_card_of_an_invite_sheet_scans(tmp_path: Path) -> None:
    """The A4 sheet's QR codes (drawn as vectors) decode to each card's link."""
    from bot.formats.rendering.invite_sheet import SheetCard, SheetText, invite_sheet_pdf

    links = [f"https://t.me/choucha_bot?start=Sheet{i:02d}xxxxxxxxxxxxxxxx"[:52]
             for i in range(10)]
    pdf = invite_sheet_pdf([SheetCard(f"人员{i}", "芒市市场监督管理局", "执法证号 YN53******0002",
                                      "执法检查人员", "仅可使用一次", link)
                            for i, link in enumerate(links)],
                           SheetText("Choucha 抽查 · 邀请", "扫码后点“开始”。"))
    (tmp_path / "sheet.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "sheet.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    found = set()
    for page in sorted(tmp_path.glob("page*.png")):
        out = subprocess.run(["zbarimg", "--quiet", "--raw", str(page)], capture_output=True,
                             text=True, timeout=30)
        found |= set(out.stdout.split())
    assert found == set(links)
