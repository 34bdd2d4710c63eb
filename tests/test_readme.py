"""The README's walkthrough "A visit on day one", followed literally in local mode: from
the draw to a published record on the day the demo county is loaded."""

from __future__ import annotations

import re
from pathlib import Path

from bot.demo import load_demo
from bot.emulator import EmulatedUser, Emulator
from bot.tg.app import BotRunner
from tests.support.helpers import probe
from tests.support.visits import jpeg

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(r"^\| (?P<who>[^|]+?) \| (?P<do>[^|]+?) \| (?P<see>[^|]+?) \|$")


def walkthrough() -> list[tuple[str, str, str]]:
    """The rows of the table under "### A visit on day one"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### A visit on day one", 1)[1].split("\n## ", 1)[0]
    rows = [m.groups() for line in section.splitlines() if (m := ROW.match(line))]
    return [(w, d, s) for w, d, s in rows if w not in ("as", "---")]


def matches(pattern: str, text: str) -> bool:
    """A button label of the README: `…` stands for any text."""
    parts = [re.escape(p.strip()) for p in pattern.split("…")]
    return re.fullmatch(r".*?".join(parts), text.strip()) is not None


async def tap(user: EmulatedUser, pattern: str) -> None:
    """Tap the newest button matching `pattern`, waiting for it to arrive."""
    def find() -> str | None:
        for message in reversed(user.bot_messages()):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if "callback_data" in button and matches(pattern, button["text"]):
                        return str(button["text"])
        return None

    label = await user._until(find, lambda: f"no button like 「{pattern}」", 60)
    await user.press(label)


async def test_the_readme_walkthrough_reaches_a_published_record_on_day_one(
        bot: BotRunner, emulator: Emulator) -> None:
    await load_demo(bot.core, emulator)
    people = {u.first_name: EmulatedUser(emulator, u) for u in emulator.users.values()}
    steps = walkthrough()
    assert len(steps) > 20
    for number, (who, do, see) in enumerate(steps, start=1):
        user = people[who]
        if do.startswith("send `"):
            await user.send(do[len("send `"):-1])
        elif do.startswith("tap 「"):
            await tap(user, do[len("tap 「"):-1])
        elif do == "share the location":
            await user.share_location(24.43, 98.58)
        elif do == "send a photo":
            await user.send_photo(jpeg((200 - number, 200, 200)))
        else:
            raise AssertionError(f"step {number}: the test cannot do {do!r}")
        try:
            await user.expect(see, timeout=60)
        except AssertionError as exc:
            raise AssertionError(f"README step {number} ({who}: {do}): {exc}") from exc
    assert probe(bot, "SELECT COUNT(*) FROM publications") == [(1,)]
    assert probe(bot, "SELECT COUNT(*) FROM records") == [(1,)]
