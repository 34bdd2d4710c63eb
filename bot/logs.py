"""Logging set-up: the token and personal data never reach a log line."""

from __future__ import annotations

import logging
import re

# 18-character resident ID numbers and 11-digit mainland mobile numbers.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
# Invite codes travel as /start payloads and in deep links; they are single-use secrets.
_START_RE = re.compile(r"(/start[ =]|\?start=)[A-Za-z0-9_-]{4,64}")
# A desk check's link for the party's documents (bot/tg/materials.py): its token is the
# credential, and a refused request is logged by Tornado with its path.
_MATERIALS_RE = re.compile(r"(/u/)[A-Za-z0-9_-]{16,64}")


def mask_phone(phone: str | None) -> str:
    """138****5678 for display; anything shorter than 7 characters becomes ****."""
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) < 7:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


def mask_cert(cert: str | None) -> str:
    """YN53******0001: a 执法证号 recognisable on a card or a list, not copyable from it."""
    if not cert:
        return ""
    cert = cert.strip()
    if len(cert) <= 8:
        return cert[:2] + "*" * max(0, len(cert) - 2)
    return f"{cert[:4]}{'*' * (len(cert) - 8)}{cert[-4:]}"


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Mask ID numbers, phone numbers and any of `secrets` in free text."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    text = _START_RE.sub(lambda m: f"{m.group(1)}<code>", text)
    text = _MATERIALS_RE.sub(lambda m: f"{m.group(1)}<token>", text)
    text = _ID_RE.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return _PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


class RedactingFilter(logging.Filter):
    """Rewrites every record's message with `redact` before any handler formats it."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_info and record.exc_text is None and record.exc_info[0] is not None:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(formatted, self.secrets)
        return True


def setup_logging(level: str, token: str | None) -> None:
    """Configure the root logger once, with redaction on its handler."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter((token,) if token else ()))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL, which carries the token: keep it quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # PDF font subsetting chatter
