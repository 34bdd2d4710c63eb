"""Fitting texts to Telegram's limits: 4,096 characters a message, 1,024 a caption, 200 a
button's alert (UTF-16 code units, as Telegram counts them).

Lengths are measured on the HTML as sent (tags and escapes included), which is never
shorter than what Telegram counts, so a fitted text is always accepted. A long message is
split at line boundaries into several; a tag open across a cut is closed before it and
opened again after it, so that no entity is ever cut in two. A single line longer than a
message is cut between characters (its markup dropped, its text kept).
"""

from __future__ import annotations

import html
import re

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALERT_LIMIT = 200
MORE = "…"

_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def plain_text(text: str) -> str:
    """HTML as the text a person would read (tags dropped, entities unescaped)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _open_tags(text: str, stack: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The tags still open after `text`, given those open before it: (name, opening tag)."""
    opened = list(stack)
    for match in _TAG_RE.finditer(text):
        closing, name = match.group(1), match.group(2).lower()
        if closing:
            for i in range(len(opened) - 1, -1, -1):
                if opened[i][0] == name:
                    del opened[i]
                    break
        else:
            opened.append((name, match.group(0)))
    return opened


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _opening(stack: list[tuple[str, str]]) -> str:
    return "".join(tag for _, tag in stack)


def _cut_plain(text: str, limit: int) -> list[str]:
    """Escaped pieces of a plain text, each at most `limit` long once escaped."""
    pieces: list[str] = []
    current = ""
    for char in text:
        escaped = html.escape(char, quote=False)
        if utf16_len(current) + utf16_len(escaped) > limit:
            pieces.append(current)
            current = ""
        current += escaped
    if current:
        pieces.append(current)
    return pieces


def split_html(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """`text` as one or more messages of at most `limit`, cut at line boundaries."""
    if utf16_len(text) <= limit:
        return [text]
    chunks: list[str] = []
    stack: list[tuple[str, str]] = []  # open at the start of the current chunk
    current: list[str] = []
    current_len = 0
    # Room for re-opened and closing tags around each chunk.
    budget = max(limit // 2, limit - 200)

    def flush() -> None:
        nonlocal current, current_len, stack
        body = "\n".join(current)
        after = _open_tags(body, stack)
        chunk = _opening(stack) + body + _closing(after)
        if plain_text(chunk).strip():
            chunks.append(chunk)
        stack, current, current_len = after, [], 0

    for line in text.split("\n"):
        size = utf16_len(line) + 1
        if current and current_len + size > budget:
            flush()
        if utf16_len(line) > budget:
            if current:
                flush()
            closing = _closing(stack)
            for piece in _cut_plain(plain_text(line), budget):
                chunks.append(_opening(stack) + piece + closing)
            stack = _open_tags(line, stack)
            continue
        current.append(line)
        current_len += size
    if current:
        flush()
    return chunks or [text[:limit]]


def cut_html(text: str, limit: int) -> str:
    """`text` cut to `limit` (for an edit, a caption or an alert: one piece only), marked
    with an ellipsis when something was left out."""
    if utf16_len(text) <= limit:
        return text
    first = split_html(text, limit - len(MORE) - 1)[0]
    return first + "\n" + MORE


def cut_plain(text: str, limit: int) -> str:
    """A plain text (no markup) cut to `limit`, marked with an ellipsis."""
    if utf16_len(text) <= limit:
        return text
    out = ""
    for char in text:
        if utf16_len(out) + utf16_len(char) > limit - len(MORE):
            break
        out += char
    return out + MORE
