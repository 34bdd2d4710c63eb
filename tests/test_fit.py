"""Texts longer than Telegram takes are split or cut without breaking an entity; a message
Telegram refuses falls back to plain text; one chat's backlog does not hold up others."""

from __future__ import annotations

import html
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.emulator import Emulator
from bot.emulator.schema import visible_text
from bot.formats.rendering.fit import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    cut_html,
    plain_text,
    split_html,
    utf16_len,
)
from bot.tg.app import BotRunner
from tests.support.helpers import eventually
from tests.support.outbox import queue, registered, status_of

# Texts of the test's own through the transport, not screens of the bot.
RAW_SCREENS = pytest.mark.raw_screens


def _balanced(piece: str) -> bool:
    try:
        visible_text(piece, "HTML")
    except Exception:
        return False
    return True


def test_a_long_text_is_split_at_lines_and_keeps_its_markup() -> None:
    basis = "依据《市场监督管理行政处罚程序规定》第十二条" * 60  # ~1,500 characters a line
    text = "<b>检查事项</b>\n<blockquote>" + "\n".join([basis] * 4) + "</blockquote>\n末行"
    pieces = split_html(text)
    assert len(pieces) >= 2
    for piece in pieces:
        assert utf16_len(piece) <= TEXT_LIMIT
        assert _balanced(piece), piece[:80]
    # Nothing was lost: the pieces read as the whole.
    assert "".join(plain_text(p).replace("\n", "") for p in pieces) == \
        plain_text(text).replace("\n", "")
    # The quote goes on across the cut.
    assert pieces[1].startswith("<blockquote>")


def test_a_single_huge_line_is_cut_between_characters() -> None:
    text = "<i>" + html.escape("<&>" * 5000) + "</i>"
    pieces = split_html(text)
    assert all(utf16_len(p) <= TEXT_LIMIT and _balanced(p) for p in pieces)
    assert "".join(plain_text(p) for p in pieces) == "<&>" * 5000


def test_a_cut_caption_is_marked_and_fits() -> None:
    caption = "<b>" + "很长的说明" * 400 + "</b>"
    cut = cut_html(caption, CAPTION_LIMIT)
    assert utf16_len(cut) <= CAPTION_LIMIT and cut.endswith("…") and _balanced(cut)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "b", "i", "code"]),
                          st.text(alphabet="ab<>&中😀 ", min_size=0, max_size=400)),
                min_size=1, max_size=40),
       st.integers(min_value=200, max_value=TEXT_LIMIT))
def test_split_pieces_always_fit_and_parse(parts: list[tuple[str, str]], limit: int) -> None:
    lines = [f"<{tag}>{html.escape(body)}</{tag}>" if tag else html.escape(body)
             for tag, body in parts]
    text = "\n".join(lines)
    for piece in split_html(text, limit):
        assert utf16_len(piece) <= limit
        assert _balanced(piece)
    joined = "".join(plain_text(p) for p in split_html(text, limit))
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", plain_text(text))


@RAW_SCREENS
async def test_a_long_notification_arrives_in_pieces(bot: BotRunner, emulator: Emulator) -> None:
    office, user = await registered(bot, emulator, "Office")
    long = "<b>检查依据</b>\n" + "\n".join(f"第{i}条 " + "依据" * 300 for i in range(12))
    await queue(bot, office, "long", long)
    await eventually(lambda: status_of(bot, "long") == "sent", timeout=20)
    texts = [m.get("text", "") for m in user.bot_messages()]
    assert len(texts) >= 2 and "第0条" in texts[0] and "第11条" in texts[-1]
    # (the emulator fixture fails the test on any request real Telegram would refuse)


@RAW_SCREENS
async def test_a_refused_message_falls_back_to_plain_text(bot: BotRunner,
                                                          emulator: Emulator) -> None:
    office, user = await registered(bot, emulator, "Office")
    await queue(bot, office, "broken", "<b>未闭合的标记 & 仍然送达")
    await user.expect("未闭合的标记", timeout=10)
    await eventually(lambda: status_of(bot, "broken") == "sent")
    assert user.bot_messages()[-1]["text"] == "未闭合的标记 & 仍然送达"
    # The one refusal was the broken markup (the fixture checks there was no other).
    assert [v for v in emulator.violations if "parse entities" not in str(v)] == []
    emulator.violations.clear()


@RAW_SCREENS
async def test_a_backlog_in_one_chat_does_not_hold_up_the_others(
        bot: BotRunner, emulator: Emulator) -> None:
    """60 messages wait for one chat (one a second); 40 other chats are served at once."""
    busy, busy_user = await registered(bot, emulator, "Busy")
    others = [await registered(bot, emulator, f"O{i}") for i in range(40)]
    for i in range(60):
        await queue(bot, busy, f"busy:{i}", f"积压 {i}")
    await busy_user.expect("积压 0", timeout=10)
    started = time.monotonic()
    for who, _ in others:
        await queue(bot, who, f"other:{who.id}", f"给{who.name}")
    for who, user in others:
        await user.expect(f"给{who.name}", timeout=10)
    assert time.monotonic() - started < 5.0
    assert len(busy_user.bot_messages()) < 20  # the backlog is still being paced
