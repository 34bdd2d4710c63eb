"""Settings from environment variables and an optional TOML file.

Environment variables win over the file. A missing or malformed setting raises
ConfigError with a one-line message naming it; the token is never echoed.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
import sqlite3
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.rules.chase import Chase  # the ladder's settings live with its rules

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_API_ROOT = "https://api.telegram.org"
# INSERT … RETURNING (3.35, the scheduler's writes) and 32,766 bound variables (3.32).
MIN_SQLITE = (3, 35)
TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")


class ConfigError(Exception):
    """A setting is missing or malformed; str(e) is a one-line message naming it."""


# What the 检查结果告知书 says of objecting, unless the office words it (CHOUCHA_OBJECTION).
DEFAULT_OBJECTION = ("如对检查结果有异议，可以向检查机关书面提出，并提供相关证明材料；"
                     "检查机关将依法核实，结果有误的予以更正并重新公示。")


@dataclass(frozen=True)
class Settings:
    token: str | None
    api_root: str
    db_path: Path
    tz: ZoneInfo
    webhook_url: str | None
    webhook_listen: str
    webhook_port: int
    webhook_secret: str | None
    outbox_interval: float
    invite_ttl_days: int
    local_host: str
    local_port: int
    bot_api_spec: Path
    log_level: str
    public_channel: int | None = None
    chase: Chase = field(default_factory=Chase)
    # Where secrets that must not live in the database are kept (0600 files): beside the
    # configuration file when there is one, else beside the database.
    key_dir: Path | None = None
    id_key: str | None = None  # CHOUCHA_ID_KEY: the 身份证号 keys, instead of the key file
    # CHOUCHA_AREA: the county's centre and radius (latitude, longitude, km): a check-in
    # farther away is flagged. Without it only 0,0 and places outside China are.
    area: tuple[float, float, float] | None = None
    # CHOUCHA_PUBLIC_URL: the HTTPS base at which Telegram opens Choucha's Mini App (the
    # handwritten signatures); served on the webhook's listener. Without it the Mini App is
    # not offered (local mode serves it on the web chat page's own address).
    public_url: str | None = None
    # CHOUCHA_PACE_SECOND: the length of a second in the sending pace (bot/rules/pacing.py).
    # 1 against Telegram; the test suite runs its emulator and bot faster (0.1).
    pace_second: float = 1.0
    # CHOUCHA_DB was given (not the default): local mode then runs only when asked for
    # (`choucha run --local`), never on a database someone pointed it at (issue 29).
    db_given: bool = False
    # CHOUCHA_TRUSTED_PROXIES: addresses of the TLS proxy in front of the webhook and the
    # Mini App; only from them is X-Forwarded-For believed (the client's address, for the
    # Mini App's count of forged launch data).
    trusted_proxies: frozenset[str] = frozenset()
    # CHOUCHA_OBJECTION: how the inspected party objects to a result, as the 检查结果告知书
    # says it (the seeds prescribe no procedure: the office writes its own).
    objection: str = DEFAULT_OBJECTION

    @property
    def keys(self) -> Path:
        return self.key_dir or self.data_dir

    @property
    def local_mode(self) -> bool:
        """No token: run against the local Bot API emulator."""
        return self.token is None

    @property
    def base_url(self) -> str:
        return f"{self.api_root}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.api_root}/file/bot"

    @property
    def data_dir(self) -> Path:
        return self.db_path.parent

    @property
    def files_dir(self) -> Path:
        return self.db_path.parent / "files"

    @property
    def site_dir(self) -> Path:
        """Where the public site is built and served from (docs/portal.md)."""
        return self.db_path.parent / "site"


# name -> (TOML key, default)
_KEYS: dict[str, tuple[str, str | None]] = {
    "TELEGRAM_BOT_TOKEN": ("telegram_bot_token", None),
    "TELEGRAM_API_BASE_URL": ("telegram_api_base_url", DEFAULT_API_ROOT),
    "CHOUCHA_DB": ("db", None),
    "CHOUCHA_TZ": ("tz", "Asia/Shanghai"),
    "CHOUCHA_WEBHOOK_URL": ("webhook_url", None),
    "CHOUCHA_WEBHOOK_LISTEN": ("webhook_listen", "127.0.0.1:8443"),
    "CHOUCHA_WEBHOOK_SECRET": ("webhook_secret", None),
    "CHOUCHA_ID_KEY": ("id_key", None),
    "CHOUCHA_AREA": ("area", None),
    "CHOUCHA_OUTBOX_INTERVAL": ("outbox_interval", "1.0"),
    "CHOUCHA_INVITE_TTL_DAYS": ("invite_ttl_days", "7"),
    "CHOUCHA_LOCAL_LISTEN": ("local_listen", "127.0.0.1:8080"),
    "CHOUCHA_BOT_API_SPEC": ("bot_api_spec", None),
    "CHOUCHA_LOG_LEVEL": ("log_level", "INFO"),
    "CHOUCHA_PUBLIC_CHANNEL": ("public_channel", None),
    "CHOUCHA_PUBLIC_URL": ("public_url", None),
    "CHOUCHA_WORK_HOURS": ("work_hours", "08:30-18:00"),
    "CHOUCHA_DIGEST_AT": ("digest_at", "08:30"),
    "CHOUCHA_CHASE_INTERVAL": ("chase_interval", "300"),
    "CHOUCHA_ACCEPT_REMIND_DAYS": ("accept_remind_days", "1"),
    "CHOUCHA_ACCEPT_ESCALATE_DAYS": ("accept_escalate_days", "2"),
    "CHOUCHA_DUE_REMIND_DAYS": ("due_remind_days", "3,1"),
    "CHOUCHA_REPLACEMENT_REMIND_HOURS": ("replacement_remind_hours", "4"),
    "CHOUCHA_REPLACEMENT_ESCALATE_DAYS": ("replacement_escalate_days", "1"),
    "CHOUCHA_PUBLISH_WITHIN_DAYS": ("publish_within_days", "20"),
    "CHOUCHA_PUBLISH_WARN_DAYS": ("publish_warn_days", "5"),
    "CHOUCHA_PLAN_DEADLINE": ("plan_deadline", "03-30"),
    "CHOUCHA_PLAN_WARN_DAYS": ("plan_warn_days", "10"),
    "CHOUCHA_PACE_SECOND": ("pace_second", "1"),
    "CHOUCHA_TRUSTED_PROXIES": ("trusted_proxies", None),
    "CHOUCHA_OBJECTION": ("objection", None),
}


def _proxies(value: str | None) -> frozenset[str]:
    found = frozenset(v.strip() for v in (value or "").split(",") if v.strip())
    for address in found:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise ConfigError(f"CHOUCHA_TRUSTED_PROXIES: {address!r} is not an IP address;"
                              " give the proxy's addresses, comma-separated, such as"
                              " 127.0.0.1") from None
    return found


def _read_file(path: str) -> dict[str, object]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"CHOUCHA_CONFIG: file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"CHOUCHA_CONFIG: not valid TOML ({exc})") from None


def _host_port(name: str, value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{name}: expected HOST:PORT, got {value!r}")
    return host, int(port)


def _clock(name: str, value: str) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ConfigError(f"{name}: expected HH:MM, got {value!r}") from None


def _month_day(name: str, text: str) -> tuple[int, int]:
    """MM-DD, a day every year has (29 February is not)."""
    try:
        month, day = (int(part) for part in text.strip().split("-"))
        date(2025, month, day)
    except ValueError:
        raise ConfigError(f"{name}: expected MM-DD, such as 03-30") from None
    return month, day


def _chase(get: Callable[[str], str | None]) -> Chase:
    def number(name: str, low: float, high: float) -> float:
        try:
            value = float(get(name) or "")
            if not low <= value <= high:
                raise ValueError
        except ValueError:
            raise ConfigError(f"{name}: expected a number from {low:g} to {high:g}") from None
        return value

    opens_text, sep, closes_text = (get("CHOUCHA_WORK_HOURS") or "").partition("-")
    opens = _clock("CHOUCHA_WORK_HOURS", opens_text.strip())
    closes = _clock("CHOUCHA_WORK_HOURS", closes_text.strip()) if sep else time(0, 0)
    if closes <= opens:
        raise ConfigError("CHOUCHA_WORK_HOURS: expected HH:MM-HH:MM, opening before closing")
    try:
        due = tuple(sorted({int(v) for v in (get("CHOUCHA_DUE_REMIND_DAYS") or "").split(",")
                            if v.strip()}, reverse=True))
        if not due or not all(0 < d <= 60 for d in due):
            raise ValueError
    except ValueError:
        raise ConfigError("CHOUCHA_DUE_REMIND_DAYS: working days before the due date, such"
                          " as 3,1") from None
    return Chase(
        opens=opens, closes=closes,
        digest_at=_clock("CHOUCHA_DIGEST_AT", get("CHOUCHA_DIGEST_AT") or ""),
        interval=number("CHOUCHA_CHASE_INTERVAL", 1, 86400),
        accept_remind=int(number("CHOUCHA_ACCEPT_REMIND_DAYS", 0, 60)),
        accept_escalate=int(number("CHOUCHA_ACCEPT_ESCALATE_DAYS", 0, 60)),
        due_remind=due,
        replacement_hours=number("CHOUCHA_REPLACEMENT_REMIND_HOURS", 0, 240),
        replacement_escalate=int(number("CHOUCHA_REPLACEMENT_ESCALATE_DAYS", 0, 60)),
        publish_within=int(number("CHOUCHA_PUBLISH_WITHIN_DAYS", 1, 120)),
        publish_warn=int(number("CHOUCHA_PUBLISH_WARN_DAYS", 0, 60)),
        plan_by=_month_day("CHOUCHA_PLAN_DEADLINE", get("CHOUCHA_PLAN_DEADLINE") or ""),
        plan_warn=int(number("CHOUCHA_PLAN_WARN_DAYS", 0, 120)),
    )


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; raise ConfigError on the first bad one."""
    env = os.environ if env is None else env
    file_values: dict[str, object] = {}
    if env.get("CHOUCHA_CONFIG"):
        file_values = _read_file(env["CHOUCHA_CONFIG"])
    get = functools.partial(_setting, env, file_values)
    # Read in this order: the first bad setting is the one reported.
    token, api_root = _telegram(get)
    db = get("CHOUCHA_DB")
    db_path = _db_path(db, token)
    tz = _time_zone(get)
    webhook_url, listen_host, listen_port, secret = _webhook(get)
    interval, ttl = _limits(get)
    local_host, local_port, spec_path = _local_mode(get)
    level = _log_level(get)
    area = _area(get)
    public_url = _public_url(get)
    pace_second = _pace_second(get, token, api_root)
    _check_sqlite()
    channel = _public_channel(get)
    return Settings(
        chase=_chase(get),
        token=token,
        api_root=api_root,
        db_path=db_path,
        db_given=bool(db),
        tz=tz,
        webhook_url=webhook_url,
        webhook_listen=listen_host,
        webhook_port=listen_port,
        webhook_secret=secret,
        outbox_interval=interval,
        invite_ttl_days=ttl,
        local_host=local_host,
        local_port=local_port,
        bot_api_spec=spec_path,
        log_level=level,
        public_channel=int(channel) if channel else None,
        public_url=public_url,
        id_key=get("CHOUCHA_ID_KEY"),
        area=area,
        pace_second=pace_second,
        trusted_proxies=_proxies(get("CHOUCHA_TRUSTED_PROXIES")),
        key_dir=_key_dir(env),
        objection=_objection(get),
    )


def _setting(env: Mapping[str, str], file_values: Mapping[str, object],
             name: str) -> str | None:
    """One setting as text: the environment's, else the file's, else its default."""
    key, default = _KEYS[name]
    if env.get(name, "").strip():
        return env[name].strip()
    if key in file_values and str(file_values[key]).strip():
        return str(file_values[key]).strip()
    return default


def _telegram(get: Callable[[str], str | None]) -> tuple[str | None, str]:
    """The bot's token (None: local mode) and the Bot API's root, without /bot."""
    token = get("TELEGRAM_BOT_TOKEN")
    if token is not None and not TOKEN_RE.match(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN: malformed (expected the form 123456:ABC-def…)")

    api_root = (get("TELEGRAM_API_BASE_URL") or DEFAULT_API_ROOT).rstrip("/")
    for suffix in ("/bot", "/file/bot"):
        if api_root.endswith(suffix):
            api_root = api_root[: -len(suffix)]
    parts = urlsplit(api_root)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"TELEGRAM_API_BASE_URL: expected an http(s) URL, got {api_root!r}")
    return token, api_root


def _db_path(db: str | None, token: str | None) -> Path:
    """The database: CHOUCHA_DB, else one under data/ (another one in local mode)."""
    return Path(db) if db else Path("data") / (
        "choucha.sqlite3" if token else "choucha-local.sqlite3"
    )


def _time_zone(get: Callable[[str], str | None]) -> ZoneInfo:
    """CHOUCHA_TZ, a known time zone."""
    tz_name = get("CHOUCHA_TZ") or "Asia/Shanghai"
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"CHOUCHA_TZ: unknown time zone {tz_name!r}") from None


def _webhook(get: Callable[[str], str | None]) -> tuple[str | None, str, int, str | None]:
    """The webhook's URL, the host and port it listens on, and its secret."""
    webhook_url = get("CHOUCHA_WEBHOOK_URL")
    if webhook_url and urlsplit(webhook_url).scheme not in ("http", "https"):
        raise ConfigError(f"CHOUCHA_WEBHOOK_URL: expected an http(s) URL, got {webhook_url!r}")
    listen_host, listen_port = _host_port(
        "CHOUCHA_WEBHOOK_LISTEN", get("CHOUCHA_WEBHOOK_LISTEN") or ""
    )
    secret = get("CHOUCHA_WEBHOOK_SECRET")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise ConfigError("CHOUCHA_WEBHOOK_SECRET: 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return webhook_url, listen_host, listen_port, secret


def _limits(get: Callable[[str], str | None]) -> tuple[float, int]:
    """The outbox's interval in seconds and how many days an invite lasts."""
    try:
        interval = float(get("CHOUCHA_OUTBOX_INTERVAL") or "")
        if not 0 < interval <= 3600:
            raise ValueError
    except ValueError:
        raise ConfigError("CHOUCHA_OUTBOX_INTERVAL: expected seconds between 0 and 3600") from None
    try:
        ttl = int(get("CHOUCHA_INVITE_TTL_DAYS") or "")
        if not 1 <= ttl <= 365:
            raise ValueError
    except ValueError:
        raise ConfigError("CHOUCHA_INVITE_TTL_DAYS: expected whole days from 1 to 365") from None
    return interval, ttl


def _local_mode(get: Callable[[str], str | None]) -> tuple[str, int, Path]:
    """Local mode's host and port, and the Bot API description its emulator follows."""
    local_host, local_port = _host_port("CHOUCHA_LOCAL_LISTEN", get("CHOUCHA_LOCAL_LISTEN") or "")
    spec = get("CHOUCHA_BOT_API_SPEC")
    spec_path = (
        Path(spec)
        if spec
        else REPO_ROOT.parent / "shared" / "telegram-bot-api" / "api.min.json"
    )
    return local_host, local_port, spec_path


def _log_level(get: Callable[[str], str | None]) -> str:
    """CHOUCHA_LOG_LEVEL, in capitals."""
    level = (get("CHOUCHA_LOG_LEVEL") or "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"CHOUCHA_LOG_LEVEL: one of DEBUG, INFO, WARNING, ERROR, got {level!r}")
    return level


def _area(get: Callable[[str], str | None]) -> tuple[float, float, float] | None:
    """CHOUCHA_AREA: the county's centre and radius (latitude, longitude, km), if given."""
    area = None
    if get("CHOUCHA_AREA"):
        try:
            lat, lon, km = (float(v) for v in str(get("CHOUCHA_AREA")).split(","))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < km <= 2000):
                raise ValueError
            area = (lat, lon, km)
        except ValueError:
            raise ConfigError("CHOUCHA_AREA: latitude,longitude,radius in km, such as"
                              " 24.43,98.58,60") from None
    return area


def _public_url(get: Callable[[str], str | None]) -> str | None:
    """CHOUCHA_PUBLIC_URL: the Mini App's HTTPS base, without a trailing slash."""
    public_url = get("CHOUCHA_PUBLIC_URL")
    if public_url is not None:
        public_url = public_url.rstrip("/")
        parts = urlsplit(public_url)
        if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
            raise ConfigError("CHOUCHA_PUBLIC_URL: the HTTPS address Telegram opens the Mini"
                              f" App at, such as https://choucha.example.org, got {public_url!r}")
    return public_url


def _pace_second(get: Callable[[str], str | None], token: str | None, api_root: str) -> float:
    """CHOUCHA_PACE_SECOND: 1 against Telegram, shorter only against an emulator."""
    try:
        pace_second = float(get("CHOUCHA_PACE_SECOND") or "")
        if not 0.01 <= pace_second <= 1.0 or (pace_second < 1.0 and token is not None and (
                urlsplit(api_root).hostname == urlsplit(DEFAULT_API_ROOT).hostname)):
            raise ValueError
    except ValueError:
        raise ConfigError("CHOUCHA_PACE_SECOND: leave it at 1 against Telegram (the test"
                          " suite uses 0.1 against its emulator)") from None
    return pace_second


def _check_sqlite() -> None:
    """Refuse a Python whose SQLite is older than MIN_SQLITE."""
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise ConfigError(
            f"Choucha needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer; this Python"
            f" has {sqlite3.sqlite_version}. Use a Python built with a newer SQLite (Debian"
            " 12 and Ubuntu 22.04 have one).")


def _objection(get: Callable[[str], str | None]) -> str:
    """CHOUCHA_OBJECTION: one paragraph of at most 500 characters."""
    text = " ".join((get("CHOUCHA_OBJECTION") or "").split())
    if len(text) > 500:
        raise ConfigError("CHOUCHA_OBJECTION: at most 500 characters (one paragraph of the"
                          " 检查结果告知书)")
    return text or DEFAULT_OBJECTION


def _public_channel(get: Callable[[str], str | None]) -> str | None:
    """CHOUCHA_PUBLIC_CHANNEL: the channel's chat id, as text."""
    channel = get("CHOUCHA_PUBLIC_CHANNEL")
    if channel is not None and not re.fullmatch(r"-\d{5,20}", channel):
        raise ConfigError("CHOUCHA_PUBLIC_CHANNEL: the channel's chat id, such as -1001234567890")
    return channel


def _key_dir(env: Mapping[str, str]) -> Path | None:
    """CHOUCHA_KEY_DIR, else the configuration file's folder, else None (the database's)."""
    return Path(env["CHOUCHA_KEY_DIR"]) if env.get("CHOUCHA_KEY_DIR", "").strip() \
        else Path(env["CHOUCHA_CONFIG"]).parent if env.get("CHOUCHA_CONFIG") else None
