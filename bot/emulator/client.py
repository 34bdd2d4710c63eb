"""A person on the other side of the chat, for tests: type, tap, share, and read."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from bot.emulator.core import Emulator, EmuUser

T = TypeVar("T")


def message_text(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Inline buttons of a message, flattened."""
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


class EmulatedUser:
    """One Telegram user talking to the bot in their private chat."""

    def __init__(self, emulator: Emulator, user: EmuUser) -> None:
        self.emulator = emulator
        self.user = user
        self._seen = 0

    @property
    def id(self) -> int:
        return self.user.id

    # ----------------------------------------------------------------- acting
    async def send(self, text: str) -> dict[str, Any]:
        return await self.emulator.user_text(self.user, text)

    async def start(self, payload: str | None = None) -> dict[str, Any]:
        return await self.send(f"/start {payload}" if payload else "/start")

    async def open_link(self, link: str) -> dict[str, Any]:
        """Tap a https://t.me/<bot>?start=<payload> link."""
        prefix = f"https://t.me/{self.emulator.username}?start="
        if not link.startswith(prefix):
            raise AssertionError(f"not a deep link to this bot: {link}")
        payload = link[len(prefix):]
        if len(payload) > 64:
            raise AssertionError("deep-link payloads are at most 64 characters")
        return await self.start(payload)

    async def share_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        return await self.emulator.user_location(self.user, latitude, longitude)

    async def send_photo(self, data: bytes, caption: str | None = None,
                         reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a photo, optionally as a reply to one of the bot's messages."""
        return await self.emulator.user_photo(
            self.user, data, caption, self._current(reply_to) if reply_to else None)

    async def send_document(self, data: bytes, filename: str,
                            mime_type: str = "application/octet-stream",
                            caption: str | None = None) -> dict[str, Any]:
        return await self.emulator.user_document(self.user, data, filename, mime_type, caption)

    async def send_voice(self, data: bytes, duration: int = 5,
                         mime_type: str | None = "audio/ogg") -> dict[str, Any]:
        """Send a voice message (recorded holding 🎤)."""
        return await self.emulator.user_voice(self.user, data, duration, mime_type)

    async def send_audio(self, data: bytes, filename: str | None = "audio.mp3",
                         mime_type: str | None = "audio/mpeg",
                         duration: int = 30) -> dict[str, Any]:
        """Send an audio file (as music)."""
        return await self.emulator.user_audio(self.user, data, filename, mime_type, duration)

    async def send_video(self, data: bytes, filename: str | None = "video.mp4",
                         mime_type: str | None = "video/mp4",
                         duration: int = 10) -> dict[str, Any]:
        """Send a video."""
        return await self.emulator.user_video(self.user, data, filename, mime_type, duration)

    async def send_video_note(self, data: bytes, duration: int = 8) -> dict[str, Any]:
        """Send a round video message."""
        return await self.emulator.user_video_note(self.user, data, duration)

    def _button(self, label: str, message: dict[str, Any] | None,
                matches: Callable[[dict[str, Any]], bool],
                kind: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
        """(the message as it stands now, its button) for the first button `matches`
        accepts; newest message first, or only `message`."""
        candidates = [message] if message else list(reversed(self.bot_messages()))
        for candidate in candidates:
            current = self._current(candidate)
            for button in buttons(current):
                if matches(button):
                    return current, button
        shown = [b.get("text") for m in candidates[:3] for b in buttons(self._current(m))]
        raise AssertionError(f"no {kind}button {label!r}; recent buttons: {shown}")

    async def press(self, label: str, message: dict[str, Any] | None = None) -> str:
        """Tap the inline button whose text (or callback data) is `label`; newest message first."""
        current, button = self._button(label, message, lambda b: label in (
            b.get("text"), b.get("callback_data")))
        if "callback_data" not in button:
            raise AssertionError(f"button {label!r} is a link, not a callback")
        return await self.emulator.user_press(self.user, current, button["callback_data"])

    def open_web_app(self, label: str, message: dict[str, Any] | None = None) -> str:
        """Tap the `web_app` button whose text is `label`: the Mini App's address with the
        launch data Telegram would give it (in the fragment)."""
        current, button = self._button(
            label, message, lambda b: b.get("text") == label and bool(b.get("web_app")),
            "web_app ")
        return self.emulator.webapp_launch(self.user, current, button["web_app"]["url"])

    async def press_data(self, message: dict[str, Any], data: str) -> str:
        """Send a callback query with any data, as a forged or stale client could."""
        return await self.emulator.user_press(self.user, self._current(message), data)

    async def delete(self, message: dict[str, Any]) -> None:
        """Delete a message from this chat, as the person can in their app."""
        ids = [m["message_id"] for m in self.bot_messages()]
        if message["message_id"] in ids[:self._seen]:
            self._seen -= 1  # the messages already read shift up by one
        await self.emulator.user_deletes(self.user, int(message["message_id"]))

    async def block_bot(self) -> None:
        await self.emulator.user_blocks_bot(self.user)

    # ---------------------------------------------------------------- reading
    def _current(self, message: dict[str, Any]) -> dict[str, Any]:
        for m in self.emulator.chats[self.id].messages:
            if m["message_id"] == message["message_id"]:
                return m
        return message

    def bot_messages(self) -> list[dict[str, Any]]:
        return [m for m in self.emulator.chat_messages(self.id) if not m.get("_from_user")]

    def reply_keyboard(self) -> list[str]:
        """Labels of the reply keyboard currently shown, if any."""
        for message in reversed(self.bot_messages()):
            keyboard = message.get("_keyboard") or {}
            if keyboard.get("remove_keyboard"):
                return []
            if "keyboard" in keyboard:
                return [b if isinstance(b, str) else b["text"]
                        for row in keyboard["keyboard"] for b in row]
        return []

    def commands(self) -> list[str]:
        return [c["command"] for c in self.emulator.commands_for(self.id,
                                                                  self.user.language_code)]

    async def _until(self, probe: Callable[[], T | None], failure: Callable[[], str],
                     timeout: float) -> T:
        """Wait until `probe()` returns something, re-checking after every emulator change."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = probe()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{self.user.first_name}: {failure()} within {timeout}s")
            await self.emulator.wait_changed(self.emulator.version, min(remaining, 0.5))

    async def expect(
        self,
        contains: str | None = None,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """Wait for the next bot message (after those already read) that matches."""

        def probe() -> dict[str, Any] | None:
            messages = self.bot_messages()
            for index in range(self._seen, len(messages)):
                message = messages[index]
                if (contains is None or contains in message_text(message)) and (
                    predicate is None or predicate(message)
                ):
                    self._seen = index + 1
                    return message
            return None

        def failure() -> str:
            got = [message_text(m)[:120] for m in self.bot_messages()[self._seen:]]
            return f"no message containing {contains!r}; new messages: {got}"

        return await self._until(probe, failure, timeout)

    def mark_read(self) -> None:
        """Everything so far is read: `expect` waits for what comes next."""
        self._seen = len(self.bot_messages())

    async def find(self, contains: str, timeout: float = 10.0) -> dict[str, Any]:
        """The latest bot message containing `contains`, read or not: a notice from the
        outbox and a direct reply may come in either order, and the person sees both."""

        def probe() -> dict[str, Any] | None:
            return next((m for m in reversed(self.bot_messages())
                         if contains in message_text(m)), None)

        def failure() -> str:
            return f"no message at all containing {contains!r}"

        return await self._until(probe, failure, timeout)

    async def expect_edit(self, message: dict[str, Any], contains: str,
                          timeout: float = 10.0) -> dict[str, Any]:
        """Wait until the message's text (after an edit) contains `contains`."""

        def probe() -> dict[str, Any] | None:
            current = self._current(message)
            return current if contains in message_text(current) else None

        return await self._until(
            probe,
            lambda: f"message never edited to contain {contains!r}:"
                    f" {message_text(self._current(message))!r}",
            timeout,
        )

    async def expect_button(self, message: dict[str, Any], label: str,
                            timeout: float = 10.0) -> dict[str, Any]:
        """Wait until the message shows a button labelled `label` (after an edit)."""

        def probe() -> dict[str, Any] | None:
            current = self._current(message)
            return current if any(b.get("text") == label for b in buttons(current)) else None

        return await self._until(
            probe,
            lambda: f"no button {label!r} appeared; buttons:"
                    f" {[b.get('text') for b in buttons(self._current(message))]}",
            timeout,
        )

    async def answer(self, query_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The bot's answer to a button press (the toast or alert)."""
        return await self._until(lambda: self.emulator.callback_answers.get(query_id),
                                 lambda: "the bot never answered the button press", timeout)

    async def quiet(self, seconds: float = 0.5) -> None:
        """Assert that no new bot message arrives for a while."""
        before = len(self.bot_messages())
        await asyncio.sleep(seconds)
        extra = self.bot_messages()[max(before, self._seen):]
        if extra:
            raise AssertionError(f"unexpected messages: {[message_text(m) for m in extra]}")

    def file_bytes(self, file_id: str) -> bytes:
        return self.emulator.files[file_id].data
