"""`choucha init` and `choucha invite` from the command line, against the emulator."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.emulator import Emulator
from bot.emulator.server import EmulatorServer
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN, make_settings, person
from tests.support.helpers import LINK_RE, choucha
from tests.support.qr import decode_qr


async def test_init_then_admin_registers(tmp_path: Path, server: EmulatorServer,
                                         emulator: Emulator) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.url,
           "CHOUCHA_DB": str(tmp_path / "cli.sqlite3"), "CHOUCHA_LANG": "en"}
    code, out, err = await choucha(env, "init")
    assert code == 0, err
    first = LINK_RE.search(out)
    assert first and f"t.me/{emulator.username}?start=" in first.group(0)
    # Run again before anyone registered: a new link, the old one replaced.
    code, out, _ = await choucha(env, "init")
    second = LINK_RE.search(out)
    assert code == 0 and second and second.group(0) != first.group(0)

    code, out, _ = await choucha(env, "department", "add", "SCJGJ", "芒市市场监督管理局")
    assert code == 0 and "SCJGJ" in out
    code, _, err = await choucha(env, "department", "add", "SCJGJ", "again")
    assert code == 2 and "exists already; nothing was changed" in err
    code, _, err = await choucha({**env, "CHOUCHA_LANG": "zh_CN"}, "department", "add",
                                 "SCJGJ", "again")
    assert code == 2 and "已存在" in err and "Traceback" not in err
    card = tmp_path / "card.png"
    code, out, err = await choucha(env, "invite", "--name", "张伟", "--department", "SCJGJ",
                                   "--role", "inspector", "--out", str(card))
    assert code == 0, err
    invite_link = LINK_RE.search(out)
    assert invite_link and decode_qr(card.read_bytes(), tmp_path) == invite_link.group(0)
    code, _, err = await choucha(env, "invite", "--name", "X", "--role", "inspector")
    assert code == 2 and "add --department CODE" in err
    code, _, err = await choucha(env, "invite", "--name", "X", "--role", "chief")
    assert code == 2 and "--role" in err

    runner = BotRunner(make_settings(tmp_path, server, CHOUCHA_DB=env["CHOUCHA_DB"]), TOKEN,
                       register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        admin = person(emulator, "Admin", "en")
        await admin.open_link(first.group(0))
        assert "replaced" in (await admin.expect())["text"]
        await admin.open_link(second.group(0))
        assert "administrator" in (await admin.expect("Welcome"))["text"]
        inspector = person(emulator, "张伟")
        await inspector.open_link(invite_link.group(0))
        assert "芒市市场监督管理局" in (await inspector.expect("欢迎"))["text"]
    finally:
        await runner.stop()
    code, out, _ = await choucha(env, "init")
    assert code == 0 and "already registered" in out and not LINK_RE.search(out)
    code, out, _ = await choucha(env, "audit", "verify")
    assert code == 0 and "intact" in out
    with sqlite3.connect(env["CHOUCHA_DB"]) as conn:
        assert conn.execute("SELECT COUNT(*) FROM invites WHERE revoked_at IS NOT NULL"
                            ).fetchone()[0] == 1


async def test_refusals_are_sentences_with_the_next_step(tmp_path: Path) -> None:
    env = {"CHOUCHA_DB": str(tmp_path / "c.sqlite3"),
           "TELEGRAM_BOT_TOKEN": "123456:NOT-A-REAL-TOKEN",  # no network: must not be needed
           "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9"}
    code, out, err = await choucha(env, "demo-data", "--out", str(tmp_path / "demo"),
                                   "--targets", "50", "--inspectors", "3", "--load")
    assert code == 0, err
    assert "Loaded inspectors" in out and "not registered in Choucha yet" in out
    code, _, err = await choucha(env, "calendar", "add", "2026-10-08", "-3")
    assert code == 2 and "0 or more" in err
    code, _, err = await choucha(env, "draw", "prepare", "没有这个计划", "--entropy-source", "x3D")
    assert code == 2 and "There is no plan named" in err and "年度芒市" in err
    code, _, err = await choucha(env, "invite", "--cert", "NOPE", "--bot-username", "b_bot")
    assert code == 2 and "choucha people" in err
    code, _, err = await choucha(env, "invite", "--unregistered", "--links",
                                 str(tmp_path / "missing" / "links.csv"), "--bot-username",
                                 "b_bot")
    assert code == 2 and "does not exist" in err and not (tmp_path / "missing").exists()
    with sqlite3.connect(env["CHOUCHA_DB"]) as conn:  # nothing half-done
        assert conn.execute("SELECT COUNT(*) FROM invites").fetchone() == (0,)
    code, _, err = await choucha({**env, "CHOUCHA_LANG": "zh_CN"}, "invite", "--department",
                                 "NOPE", "--unregistered", "--links",
                                 str(tmp_path / "l.csv"), "--bot-username", "b_bot")
    assert code == 2 and "没有代码为 NOPE 的部门" in err
    for _, _, err in [await choucha(env, "export", "targets", str(tmp_path / "no" / "t.xlsx")),
                      await choucha(env, "import", "auto", str(tmp_path / "none.csv"))]:
        assert "Traceback" not in err and err.strip()
