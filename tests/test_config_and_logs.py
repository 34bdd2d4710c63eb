"""Settings fail with one line naming the setting; logs never show the token or codes."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.emulator import Emulator
from bot.logs import mask_phone, redact, setup_logging
from bot.services.onboarding import init_admin
from bot.tg.app import BotRunner
from tests.conftest import TOKEN, person


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TELEGRAM_BOT_TOKEN": "not a token"}, "TELEGRAM_BOT_TOKEN"),
        ({"CHOUCHA_TZ": "Mars/Olympus"}, "CHOUCHA_TZ"),
        ({"TELEGRAM_API_BASE_URL": "ftp://x"}, "TELEGRAM_API_BASE_URL"),
        ({"CHOUCHA_WEBHOOK_LISTEN": "nohost"}, "CHOUCHA_WEBHOOK_LISTEN"),
        ({"CHOUCHA_OUTBOX_INTERVAL": "fast"}, "CHOUCHA_OUTBOX_INTERVAL"),
        ({"CHOUCHA_WEBHOOK_SECRET": "has space"}, "CHOUCHA_WEBHOOK_SECRET"),
        ({"CHOUCHA_CONFIG": "/nonexistent.toml"}, "CHOUCHA_CONFIG"),
        ({"CHOUCHA_PUBLIC_URL": "http://choucha.example.org"}, "CHOUCHA_PUBLIC_URL"),
        ({"CHOUCHA_PUBLIC_URL": "https://x.org/app?v=1"}, "CHOUCHA_PUBLIC_URL"),
        ({"CHOUCHA_OBJECTION": "异" * 501}, "CHOUCHA_OBJECTION"),
    ],
)
def test_bad_settings_name_themselves(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named) as info:
        load_settings(env)
    assert "\n" not in str(info.value)


def test_cli_prints_one_line_without_the_token(tmp_path: Path) -> None:
    secret = "123456:THIS-IS-SECRET but broken"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": secret, "CHOUCHA_DB": str(tmp_path / "x.db")}
    result = subprocess.run([sys.executable, "-m", "handlers.main", "init"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "SECRET" not in result.stderr and "Traceback" not in result.stderr


def test_toml_file_is_read_and_env_wins(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('tz = "Asia/Urumqi"\ndb = "/tmp/from-file.db"\n', encoding="utf-8")
    settings = load_settings({"CHOUCHA_CONFIG": str(config), "CHOUCHA_DB": "/tmp/env.db"})
    assert settings.tz.key == "Asia/Urumqi" and str(settings.db_path) == "/tmp/env.db"
    assert settings.local_mode


def test_masking() -> None:
    assert mask_phone("13812345678") == "138****5678"
    text = redact("电话13812345678 身份证110101199003078515 /start abcDEF123_-x t=SECRET",
                  ("SECRET",))
    assert "13812345678" not in text and "138****5678" in text
    assert "110101199003078515" not in text and "110101********8515" in text
    assert "abcDEF123_-x" not in text and "SECRET" not in text
    # A desk check's link, as Tornado logs a refused request's path.
    link = redact('400 POST /u/Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4 (127.0.0.1) 3.2ms')
    assert "Zm9vYmFy" not in link and "/u/<token>" in link


async def test_running_bot_logs_no_token_and_no_invite_code(bot: BotRunner,
                                                            emulator: Emulator) -> None:
    stream = io.StringIO()
    previous = logging.getLogger().level
    setup_logging("DEBUG", TOKEN)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        issued = await init_admin(bot.core)
        assert issued is not None
        admin = person(emulator, "Admin", "en")
        await admin.open_link(issued.link)
        await admin.expect("Welcome")
        await admin.send("my phone is 13812345678")
        await admin.expect("wasn't expecting")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(previous)
    output = stream.getvalue()
    assert "getUpdates" in output  # DEBUG logging really ran
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    assert issued.code not in output
    assert "13812345678" not in output
