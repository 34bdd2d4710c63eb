"""The emulator refuses what Telegram refuses, and limits what Telegram limits."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from bot.emulator import Emulator
from bot.emulator.server import EmulatorServer
from bot.rules import pacing
from tests.conftest import SPEC_PRESENT, TOKEN, person

needs_spec = pytest.mark.skipif(not SPEC_PRESENT,
                                reason="checks against ../shared/telegram-bot-api/api.min.json")


async def call(server: EmulatorServer, method: str, token: str = TOKEN,
               files: dict[str, Any] | None = None, **params: Any) -> tuple[int, dict[str, Any]]:
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{server.url}/bot{token}/{method}", data=data, files=files)
    return response.status_code, response.json()


@needs_spec
@pytest.mark.parametrize(
    ("method", "params", "words"),
    [
        ("sendMessage", {"text": "hi", "colour": "red"}, "unknown parameter 'colour'"),
        ("sendMessage", {}, "parameter 'text' is required"),
        ("sendMessage", {"text": "x" * 4097}, "too long"),
        ("sendMessage", {"text": "<b>bold", "parse_mode": "HTML"}, "can't parse entities"),
        ("sendMessage", {"text": "a < b", "parse_mode": "HTML"}, "can't parse entities"),
        ("sendMessage", {"text": "   "}, "text is empty"),
        ("sendMessage", {"text": "hi", "reply_markup": {"inline_keyboard": [[
            {"text": "x", "callback_data": "y" * 65}]]}}, "BUTTON_DATA_INVALID"),
        ("sendMessage", {"text": "hi", "reply_markup": {"inline_keyboard": [[
            {"text": "x", "callback_data": "y", "bogus": 1}]]}}, "unknown field 'bogus'"),
        ("sendMessage", {"text": "hi", "reply_markup": {"inline_keyboard": [[
            {"text": "x"}]]}}, "exactly one action"),
        ("sendMessage", {"text": "hi", "disable_notification": "maybe"}, "Boolean"),
        ("setMyCommands", {"commands": [{"command": "Bad-Name", "description": "x"}]},
         "BOT_COMMAND_INVALID"),
        ("sendLocation", {"latitude": 95, "longitude": 10}, "wrong coordinates"),
    ],
)
async def test_refused_requests_are_recorded(server: EmulatorServer, emulator: Emulator,
                                             method: str, params: dict[str, Any],
                                             words: str) -> None:
    user = person(emulator, "U")
    if method != "setMyCommands":
        params = {"chat_id": user.id, **params}
    status, body = await call(server, method, **params)
    assert status == 400 and not body["ok"]
    assert words in body["description"]
    assert len(emulator.violations) == 1 and words in emulator.violations[0]
    emulator.violations.clear()


async def test_text_of_4096_characters_is_accepted(server: EmulatorServer,
                                                   emulator: Emulator) -> None:
    user = person(emulator, "U")
    status, _ = await call(server, "sendMessage", chat_id=user.id, text="字" * 4096)
    assert status == 200


async def test_unknown_method_and_wrong_token(server: EmulatorServer, emulator: Emulator) -> None:
    status, body = await call(server, "sendTelepathy", chat_id=1)
    assert status == 404 and body["description"] == "Not Found"
    assert emulator.violations == ["sendTelepathy: unknown method"]
    emulator.violations.clear()
    status, body = await call(server, "getMe", token="1:wrong")
    assert status == 401


async def test_overall_limit_answers_429(server: EmulatorServer, emulator: Emulator) -> None:
    emulator.clock = lambda: 1_800_000_000.0  # time stands still: all 31 in the same second
    users = [person(emulator, f"U{i}") for i in range(31)]
    results = [await call(server, "sendMessage", chat_id=u.id, text="hi") for u in users]
    assert [s for s, _ in results[:30]] == [200] * 30
    status, body = results[30]
    assert status == 429 and body["parameters"]["retry_after"] >= 1


@pytest.mark.raw_pace
async def test_private_chat_burst_then_one_a_second(server: EmulatorServer,
                                                    emulator: Emulator) -> None:
    user = person(emulator, "U")
    now = [1_800_000_000.0]
    emulator.clock = lambda: now[0]
    statuses = []
    for _ in range(4):
        status, _ = await call(server, "sendMessage", chat_id=user.id, text="hi")
        statuses.append(status)
    assert statuses == [200, 200, 200, 429]  # a burst of 3
    now[0] += 1.0  # a second later, one more may go
    _, sent = await call(server, "sendMessage", chat_id=user.id, text="hi")
    assert (await call(server, "sendMessage", chat_id=user.id, text="hi"))[0] == 429
    # An edit counts as a message.
    now[0] += 1.0
    edit = {"chat_id": user.id, "message_id": sent["result"]["message_id"]}
    assert (await call(server, "editMessageText", **edit, text="hello"))[0] == 200
    assert (await call(server, "editMessageText", **edit, text="hello!"))[0] == 429
    # A strict server's slack: a little less than a second apart still passes.
    now[0] += 0.9
    assert (await call(server, "sendMessage", chat_id=user.id, text="hi"))[0] == 200
    assert [b.chat_id for b in pacing.breaches(emulator.paced)] == [user.id] * 3


@pytest.mark.raw_pace
async def test_group_limit_is_twenty_a_minute(server: EmulatorServer, emulator: Emulator) -> None:
    emulator.clock = lambda: 1_800_000_000.0
    emulator.add_chat(-100123, "supergroup", "办公室群")
    statuses = [(await call(server, "sendMessage", chat_id=-100123, text="hi"))[0]
                for _ in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429


async def test_updates_stay_until_confirmed(server: EmulatorServer, emulator: Emulator) -> None:
    user = person(emulator, "U")
    await user.send("one")
    await user.send("two")
    _, first = await call(server, "getUpdates")
    ids = [u["update_id"] for u in first["result"]]
    assert len(ids) == 2
    _, again = await call(server, "getUpdates")  # not confirmed: delivered again
    assert [u["update_id"] for u in again["result"]] == ids
    _, rest = await call(server, "getUpdates", offset=ids[0] + 1)
    assert [u["update_id"] for u in rest["result"]] == ids[1:]
    _, none = await call(server, "getUpdates", offset=ids[1] + 1, timeout=0)
    assert none["result"] == []
    _, only_buttons = await call(server, "getUpdates", allowed_updates=["callback_query"])
    assert only_buttons["result"] == []


async def test_documents_upload_and_download(server: EmulatorServer, emulator: Emulator) -> None:
    user = person(emulator, "U")
    payload = "统一社会信用代码,名称\n".encode() * 100
    status, body = await call(server, "sendDocument", chat_id=user.id, caption="名录",
                              files={"document": ("targets.csv", payload, "text/csv")})
    assert status == 200
    file_id = body["result"]["document"]["file_id"]
    assert body["result"]["document"]["file_name"] == "targets.csv"
    _, info = await call(server, "getFile", file_id=file_id)
    async with httpx.AsyncClient() as client:
        download = await client.get(f"{server.url}/file/bot{TOKEN}/{info['result']['file_path']}")
    assert download.content == payload
    assert user.bot_messages()[-1]["caption"] == "名录"


async def test_edits_deletes_and_answers_follow_telegram(server: EmulatorServer,
                                                         emulator: Emulator) -> None:
    user = person(emulator, "U")
    markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "v1:x"}]]}
    _, sent = await call(server, "sendMessage", chat_id=user.id, text="a", reply_markup=markup)
    message_id = sent["result"]["message_id"]
    status, body = await call(server, "editMessageText", chat_id=user.id,
                              message_id=message_id, text="a", reply_markup=markup)
    assert status == 400 and "not modified" in body["description"]
    status, _ = await call(server, "editMessageText", chat_id=user.id, message_id=message_id,
                           text="b")
    assert status == 200 and user.bot_messages()[-1].get("reply_markup") is None
    query = await user.press_data(user.bot_messages()[-1], "v1:x")
    assert (await call(server, "answerCallbackQuery", callback_query_id=query,
                       text="done"))[0] == 200
    assert (await call(server, "answerCallbackQuery", callback_query_id=query))[0] == 400
    assert emulator.answered_twice == [query]  # what the fixture fails a bot's test for
    emulator.answered_twice.clear()
    assert (await call(server, "deleteMessage", chat_id=user.id,
                       message_id=message_id))[0] == 200
    assert (await call(server, "deleteMessage", chat_id=user.id,
                       message_id=message_id))[0] == 400
    assert user.bot_messages() == []


async def test_commands_by_scope_and_webhook_conflict(server: EmulatorServer,
                                                      emulator: Emulator) -> None:
    user = person(emulator, "U")
    await call(server, "setMyCommands", commands=[{"command": "help", "description": "帮助"}])
    await call(server, "setMyCommands", commands=[{"command": "tasks", "description": "任务"}],
               scope={"type": "chat", "chat_id": user.id})
    assert user.commands() == ["tasks"]
    assert person(emulator, "V").commands() == ["help"]
    assert (await call(server, "setWebhook", url="http://127.0.0.1:9/hook"))[0] == 200
    status, _ = await call(server, "getUpdates")
    assert status == 409
    _, info = await call(server, "getWebhookInfo")
    assert info["result"]["url"] == "http://127.0.0.1:9/hook"
    assert (await call(server, "deleteWebhook"))[0] == 200


async def test_blocked_user_answers_403(server: EmulatorServer, emulator: Emulator) -> None:
    user = person(emulator, "U")
    await user.block_bot()
    status, body = await call(server, "sendMessage", chat_id=user.id, text="hi")
    assert status == 403 and "blocked" in body["description"]
