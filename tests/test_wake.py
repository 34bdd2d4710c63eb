"""The outbox is woken after every update: by the last group after a handled one, by the
error handler after one that failed (it stops the groups after it), so that what the
update committed before failing leaves at once, not at the sender's next tick."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from handlers.common import on_error, wake_after


class _Context(SimpleNamespace):
    woken: int = 0

    def wake_outbox(self) -> None:
        self.woken += 1


def _update() -> Update:
    return Update.de_json({"update_id": 7, "message": {
        "message_id": 1, "date": 0, "text": "/tasks",
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "刘洋", "language_code": "en"}}},
        None)


async def test_an_update_that_failed_wakes_the_outbox_too() -> None:
    sent: list[Any] = []

    async def send_message(chat_id: int, text: str, **kwargs: Any) -> None:
        sent.append((chat_id, text))

    context = _Context(error=RuntimeError("the reply failed after the commit"),
                       bot=SimpleNamespace(send_message=send_message))
    with pytest.raises(ApplicationHandlerStop):
        await on_error(_update(), context)  # type: ignore[arg-type]
    assert context.woken == 1
    assert sent and "something went wrong" in sent[0][1]
    done = _Context()
    await wake_after(_update(), done)  # type: ignore[arg-type]
    assert done.woken == 1
