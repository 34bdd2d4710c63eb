"""Checks requests against the official Bot API reference (api.min.json).

The reference gives methods, fields, their types and whether they are required.
Limits that the reference states only in prose are encoded in `check_limits`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_INT_RE = re.compile(r"^-?\d+$")
_FLOAT_RE = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SCALARS = {"Integer", "Float", "Boolean", "String", "True", "InputFile"}
SEND_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendLocation", "sendVenue", "sendContact",
     "sendMediaGroup", "copyMessage", "forwardMessage", "sendVideo", "sendAudio", "sendVoice",
     "sendSticker", "sendAnimation", "sendPoll", "sendDice"}
)


class SchemaError(Exception):
    """A request real Telegram would refuse; the message reads like its description."""


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    body: bytes


class Spec:
    """The reference, loaded once."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.methods: dict[str, Any] = {k.lower(): v for k, v in data["methods"].items()}
        self.types: dict[str, Any] = data["types"]
        self.version: str = data.get("version", "?")

    @classmethod
    def load(cls, path: Path | None) -> Spec | None:
        if path is None or not path.is_file():
            logger.warning("Bot API reference %s: requests are not checked against it",
                           f"not found at {path}" if path else "not given")
            return None
        with path.open(encoding="utf-8") as fh:
            return cls(json.load(fh))

    def method(self, name: str) -> dict[str, Any] | None:
        return self.methods.get(name.lower())

    # -- decoding form values ----------------------------------------------
    def decode(
        self, method: str, raw: dict[str, Any], uploads: dict[str, Upload]
    ) -> dict[str, Any]:
        """Turn form or JSON values into typed values and check them against the reference."""
        spec = self.method(method)
        if spec is None:
            raise SchemaError("Not Found")
        fields = {f["name"]: f for f in spec.get("fields", [])}
        params: dict[str, Any] = {}
        for name, value in raw.items():
            if name not in fields:
                raise SchemaError(f"Bad Request: unknown parameter {name!r} for {spec['name']}")
            params[name] = self._decode_value(name, value, fields[name]["types"], uploads)
        for name, value in uploads.items():
            if name in fields and name not in params:
                if "InputFile" not in fields[name]["types"]:
                    raise SchemaError(f"Bad Request: parameter {name!r} is not a file")
                params[name] = value
        for name, field in fields.items():
            if field["required"] and name not in params:
                raise SchemaError(f"Bad Request: parameter {name!r} is required")
        return params

    def _decode_value(
        self, name: str, value: Any, types: list[str], uploads: dict[str, Upload]
    ) -> Any:
        if isinstance(value, str):
            if "InputFile" in types and value.startswith("attach://"):
                part = uploads.get(value[len("attach://"):])
                if part is None:
                    raise SchemaError(f"Bad Request: {name}: attached file not found")
                return part
            if "Integer" in types and _INT_RE.match(value):
                value = int(value)
            elif "Float" in types and _FLOAT_RE.match(value):
                value = float(value)
            elif "Boolean" in types and value in ("true", "false"):
                value = value == "true"
            elif "True" in types and value == "true":
                value = True
            elif "String" not in types:
                try:
                    value = json.loads(value)
                except json.JSONDecodeError:
                    raise SchemaError(
                        f"Bad Request: {name}: can't parse JSON for {'/'.join(types)}"
                    ) from None
        errors = []
        for type_name in types:
            try:
                self.check(value, type_name, name)
                return value
            except SchemaError as exc:
                errors.append(str(exc))
        raise SchemaError(errors[0] if len(errors) == 1 else f"Bad Request: {name}: " + "; ".join(
            e.removeprefix("Bad Request: ") for e in errors))

    # -- structural check ---------------------------------------------------
    def check(self, value: Any, type_name: str, path: str) -> None:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                raise SchemaError(f"Bad Request: {path}: expected an array")
            inner = type_name[len("Array of "):]
            for i, item in enumerate(value):
                self.check(item, inner, f"{path}[{i}]")
            return
        if type_name in _SCALARS:
            ok = {
                "Integer": isinstance(value, int) and not isinstance(value, bool),
                "Float": isinstance(value, int | float) and not isinstance(value, bool),
                "Boolean": isinstance(value, bool),
                "True": value is True,
                "String": isinstance(value, str),
                "InputFile": isinstance(value, Upload),
            }[type_name]
            if not ok:
                raise SchemaError(f"Bad Request: {path}: expected {type_name}")
            return
        spec = self.types.get(type_name)
        if spec is None:
            raise SchemaError(f"Bad Request: {path}: unknown type {type_name}")
        if spec.get("subtypes"):
            problems = []
            for sub in spec["subtypes"]:
                try:
                    self.check(value, sub, path)
                    return
                except SchemaError as exc:
                    problems.append(str(exc))
            raise SchemaError(f"Bad Request: {path}: matches no kind of {type_name}")
        if not isinstance(value, dict):
            raise SchemaError(f"Bad Request: {path}: expected a {type_name} object")
        fields = {f["name"]: f for f in spec.get("fields", [])}
        for key in value:
            if key not in fields:
                raise SchemaError(f"Bad Request: {path}: unknown field {key!r} in {type_name}")
        for key, field in fields.items():
            if key not in value:
                if field["required"]:
                    raise SchemaError(f"Bad Request: {path}: {type_name} needs {key!r}")
                continue
            errors = []
            for sub in field["types"]:
                try:
                    self.check(value[key], sub, f"{path}.{key}")
                    break
                except SchemaError as exc:
                    errors.append(str(exc))
            else:
                raise SchemaError(errors[0])
        # A scope or similar subtype names itself in its "type" field ("must be chat").
        type_field = fields.get("type")
        if type_field and "must be " in type_field.get("description", ""):
            expected = type_field["description"].split("must be ", 1)[1].strip(" .*")
            if value.get("type") != expected:
                raise SchemaError(f"Bad Request: {path}: type is not {expected!r}")


_TEXT_FIELDS = frozenset({"text", "caption", "callback_query_id", "url", "secret_token",
                          "file_id", "parse_mode", "action", "language_code", "description"})


def loose_decode(raw: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any]:
    """Typed values without the reference: numbers, booleans and JSON by their look."""
    params: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, str) and name not in _TEXT_FIELDS:
            if _INT_RE.match(value):
                value = int(value)
            elif value in ("true", "false"):
                value = value == "true"
            elif value[:1] in ("{", "["):
                with contextlib.suppress(json.JSONDecodeError):
                    value = json.loads(value)
            elif value.startswith("attach://") and value[len("attach://"):] in uploads:
                value = uploads[value[len("attach://"):]]
        params[name] = value
    for name, upload in uploads.items():
        params.setdefault(name, upload)
    return params


# -- limits stated in prose ---------------------------------------------------
_ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote", "tg-emoji",
}


class _HtmlChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self.error = f"unsupported start tag {tag!r}"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f"unexpected end tag {tag!r}"
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text as Telegram shows it, after parsing HTML entities; raises on bad markup."""
    if not parse_mode:
        return text
    if parse_mode.upper() != "HTML":
        return text
    if re.search(r"<(?![a-zA-Z/])", text) or re.search(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)",
                                                          text):
        raise SchemaError("Bad Request: can't parse entities: unescaped '<' or '&'")
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.error or checker.stack:
        problem = checker.error or f"unclosed tag {checker.stack[-1]!r}"
        raise SchemaError(f"Bad Request: can't parse entities: {problem}")
    return "".join(checker.text)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        return
    if "inline_keyboard" in markup:
        buttons = [b for row in markup["inline_keyboard"] for b in row]
        if len(buttons) > 100:
            raise SchemaError("Bad Request: too many inline buttons (at most 100)")
        actions = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                   "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                   "copy_text", "callback_game", "pay")
        for button in buttons:
            if not button.get("text"):
                raise SchemaError("Bad Request: inline button text is empty")
            if sum(1 for a in actions if a in button) != 1:
                raise SchemaError("Bad Request: an inline button needs exactly one action")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise SchemaError("Bad Request: BUTTON_DATA_INVALID (callback_data 1-64 bytes)")
    if "keyboard" in markup:
        buttons = [b for row in markup["keyboard"] for b in row]
        if not buttons:
            raise SchemaError("Bad Request: keyboard is empty")
        for button in buttons:
            text = button if isinstance(button, str) else button.get("text")
            if not text:
                raise SchemaError("Bad Request: keyboard button text is empty")
    placeholder = markup.get("input_field_placeholder")
    if placeholder is not None and not 1 <= len(placeholder) <= 64:
        raise SchemaError("Bad Request: input_field_placeholder must be 1-64 characters")


def check_limits(method: str, params: dict[str, Any]) -> None:
    """The limits of the real service that the reference states only in words."""
    name = method.lower()
    parse_mode = params.get("parse_mode")
    if "text" in params and name in ("sendmessage", "editmessagetext"):
        shown = visible_text(params["text"], parse_mode).strip()
        if not shown:
            raise SchemaError("Bad Request: message text is empty")
        if _utf16_len(shown) > 4096:
            raise SchemaError("Bad Request: message is too long (at most 4096 characters)")
    if "caption" in params and params["caption"] is not None:
        shown = visible_text(params["caption"], parse_mode)
        if _utf16_len(shown) > 1024:
            raise SchemaError("Bad Request: message caption is too long (at most 1024)")
    if name == "answercallbackquery" and len(params.get("text") or "") > 200:
        raise SchemaError("Bad Request: callback answer text is too long (at most 200)")
    if "reply_markup" in params:
        check_markup(params["reply_markup"])
    if name == "setmycommands":
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise SchemaError("Bad Request: too many commands (at most 100)")
        for command in commands:
            if not _COMMAND_RE.match(command.get("command", "")):
                raise SchemaError("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise SchemaError("Bad Request: command description must be 1-256 characters")
    if name == "sendlocation" and (
        not -90 <= params["latitude"] <= 90 or not -180 <= params["longitude"] <= 180
    ):
        raise SchemaError("Bad Request: wrong coordinates")
