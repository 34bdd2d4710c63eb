"""Steps several journey tests share."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.buttons.tasks import TaskCard
from bot.emulator import EmulatedUser, Emulator
from bot.rules.models import Role
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.directory import add_department
from bot.services.onboarding import init_admin, invite_person, redeem, reissue_invite
from bot.tg.app import BotRunner
from tests.conftest import person
from tests.support.buttons import press_first


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `check()` holds (for what the bot records just after it sends)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition never held")
        await asyncio.sleep(0.05)


async def choucha(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run the CLI without blocking the loop the emulator answers on."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "handlers.main", *args,
        env={**os.environ, "CHOUCHA_LANG": "en", **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


LINK_RE = re.compile(r"https://t\.me/\S+\?start=[A-Za-z0-9_-]+")


async def registered_admin(bot: BotRunner, emulator: Emulator, name: str = "Admin",
                           language_code: str = "en") -> EmulatedUser:
    issued = await init_admin(bot.core)
    assert issued is not None
    admin = person(emulator, name, language_code)
    await admin.open_link(issued.link)
    await admin.expect("Welcome" if language_code == "en" else "欢迎")
    return admin


async def departments(bot: BotRunner) -> None:
    await add_department(bot.core.db, SYSTEM, "SCJGJ", "市场监督管理局", "芒市")
    await add_department(bot.core.db, SYSTEM, "WSJKJ", "卫生健康局", "芒市")


async def invite_through_bot(inviter: EmulatedUser, name: str, department: str | None,
                             roles: list[str]) -> str:
    """Drive /invite as the inviter; return the link from the card's caption."""
    await inviter.send("/invite")
    await inviter.expect()
    await inviter.send(name)
    await inviter.expect(name)
    await inviter.press(department or "No department (office staff)")
    await inviter.expect_edit(inviter.bot_messages()[-1], "Roles of")
    for role in roles:
        await inviter.press(f"▫️ {role}")
        await inviter.expect_button(inviter.bot_messages()[-1], f"✅ {role}")
    await inviter.press("Done — make the invite")
    card = await inviter.expect(predicate=lambda m: "photo" in m)
    match = LINK_RE.search(card["caption"])
    assert match, card["caption"]
    return match.group(0)


def probe(where: BotRunner | Any, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """What the database holds, read the way an auditor would: plain SQL on the file.
    `where` is a runner, settings, a core, or the database's path."""
    path = where if isinstance(where, str | Path) else getattr(where, "settings", where).db_path
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


async def behind_the_bot(where: BotRunner | Any, sql: str, *params: object) -> None:
    """A change made behind the bot's back with plain SQL (an insider, a lost row), in a
    thread: the bot shares the test's event loop, and a write that waited there for the
    bot's writer would wait for itself. `where` as for `probe`."""
    path = where if isinstance(where, str | Path) else getattr(where, "settings", where).db_path

    def write() -> None:
        with sqlite3.connect(path, timeout=30) as conn:
            conn.execute(sql, params)

    await asyncio.to_thread(write)


async def on_telegram(bot: BotRunner, emulator: Emulator, tg: int, person_id: int | None = None,
                      name: str = "", roles: list[Role] | None = None,
                      department: str | None = None, language: str = "en") -> EmulatedUser:
    """A person on Telegram, bound through an invite: one of the directory (`person_id`)
    or a new one (`name` with `roles`, of `department`)."""
    if person_id is not None:
        issued = await reissue_invite(bot.core, SYSTEM, person_id)
        name = probe(bot, "SELECT name FROM people WHERE id = ?", person_id)[0][0]
    else:
        issued = await invite_person(bot.core, SYSTEM, name, department, roles or [])
    await redeem(bot.core, issued.code, TgUser(tg, tg, None, name, language))
    return person(emulator, name, language, user_id=tg)


async def bound(core: Any, user: EmulatedUser, roles: list[Role],
                department: str | None = None) -> Any:
    """`user` made a person of Choucha with `roles` and bound to their Telegram account
    (invited and redeemed through the services, as `choucha` would); the person."""
    issued = await invite_person(core, SYSTEM, user.user.first_name, department, roles)
    redeemed = await redeem(core, issued.code, TgUser(user.id, user.id, None,
                                                      user.user.first_name,
                                                      user.user.language_code))
    return redeemed.person


def button_labels(message: dict[str, Any]) -> list[str]:
    """The labels of a message's inline buttons, row by row."""
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row]


@dataclass
class DrawnForTest:
    """A draw's outcome as a test reads it: what `draws.run` returned, with the record as
    drawn (record.json before any replacement) and its announcement."""

    ran: Any
    record: dict[str, Any]
    announcement: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ran, name)


async def run_draw(core: Any, actor: Any, plan: str, entropy: str, **kwargs: Any
                   ) -> DrawnForTest:
    """`draws.run`, then the record and the announcement it was drawn from, as published."""
    from bot.services import draws
    from storage.files import read_blob

    ran = await draws.run(core, actor, plan, entropy, **kwargs)
    record = json.loads(read_blob(core.files_root, ran.record_sha256))
    digest = record["announcement_digest"]
    return DrawnForTest(ran, record, json.loads(read_blob(core.files_root, digest)))


async def first_task_card(user: EmulatedUser) -> dict[str, Any]:
    """The card of the first task in the "You have been drawn for" listing, opened."""
    listing = await user.expect("You have been drawn for")
    await press_first(user, listing, TaskCard)
    return await user.expect("Items to check")


async def submit_record(user: EmulatedUser, screen: dict[str, Any]) -> dict[str, Any]:
    """Press "Submit the record" on `screen`, read what it will lock, and confirm; return
    the confirmation screen (already confirmed)."""
    await user.press("📤 Submit the record", screen)
    confirm = await user.expect("Once submitted, the record is locked")
    await user.press("📤 Submit and lock", confirm)
    return confirm


async def publish_plan(core: Any, name: str) -> None:
    """Publish a plan as it stands, as the office does before preparing its draw (一公开);
    nothing when it is published as it stands already, or there is no such plan."""
    from bot.clock import now
    from bot.services import listings

    async with core.db.read() as rtx:
        plan = await rtx.draws.plan(name)
    if plan is None:
        return
    if not (await listings.plan_state(core, SYSTEM, plan.id)).current:
        await listings.publish_plan(core, SYSTEM, plan.id, None, now())


async def prepare(core: Any, actor: Any, plan: str, entropy_source: str,
                  **kwargs: Any) -> Any:
    """`draws.prepare` of a plan published as it stands (see `publish_plan`)."""
    from bot.services import draws

    await publish_plan(core, plan)
    return await draws.prepare(core, actor, plan, entropy_source, **kwargs)
