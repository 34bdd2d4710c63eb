"""The inspected party signs on their own phone (003 第二十一条): after opening the QR link
they state who signs — name, role, optionally the last four characters of an ID — and
their opinion (无异议, or 有异议 with what they object to), then confirm. Each answer is a
step in the database, like every other flow; a stranger to Choucha may be in this one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules.models import LAST4_RE, Flow, Opinion, PartyRole, PartySigner
from bot.services import visits
from bot.services.errors import Refusal, Refused, typed_line
from bot.texts.labels import one_line

FLOW = Flow.PARTY


@dataclass(frozen=True)
class PartyStep:
    """Where the party is: `name`, `role`, `id`, `opinion`, `opinion_text` or `confirm`."""

    step: str
    token_id: int
    state: visits.State
    data: dict[str, Any] = field(default_factory=dict)

    def signer(self) -> PartySigner:
        return PartySigner(self.data["name"], PartyRole(self.data["role"]),
                           self.data.get("last4"), Opinion(self.data["opinion"]),
                           self.data.get("opinion_text"))


async def begin(core: Core, tg_user_id: int, code: str) -> PartyStep:
    """The link opened: the summary, then who signs."""
    view = await visits.party_open(core, tg_user_id, code)
    async with core.db.transaction() as tx:
        await tx.conversations.put(tg_user_id, FLOW, "name", {"token": view.token_id},
                                   clock_now())
    return PartyStep("name", view.token_id, view.state)


async def _step(core: Core, tg_user_id: int, expected: tuple[str, ...], step: str,
                **data: Any) -> PartyStep:
    async with core.db.transaction() as tx:
        conversation = await tx.conversations.get(tg_user_id)
        if (conversation is None or conversation.flow != FLOW
                or conversation.step not in expected):
            raise Refused(Refusal.NOT_CURRENT)
        token_id = int(conversation.data["token"])
        merged = {**conversation.data, **data}
        await tx.conversations.put(tg_user_id, FLOW, step, merged, clock_now())
    state = await visits.token_state(core, token_id, tg_user_id)
    return PartyStep(step, token_id, state, merged)


async def typed(core: Core, tg_user_id: int, text: str) -> PartyStep:
    """The name, the last four characters of an ID, or the objection, as typed."""
    async with core.db.read() as rtx:
        conversation = await rtx.conversations.get(tg_user_id)
    step = conversation.step if conversation and conversation.flow == FLOW else ""
    clean = one_line(typed_line(text), 200) or ""  # what goes on the signed record
    if step == "name":
        if not 2 <= len(clean) <= 50 or clean.startswith("/"):
            raise Refused(Refusal.PARTY_NAME)
        return await _step(core, tg_user_id, ("name",), "role", name=clean)
    if step == "id":
        if not LAST4_RE.match(clean):
            raise Refused(Refusal.PARTY_LAST4)
        return await _step(core, tg_user_id, ("id",), "opinion", last4=clean.upper())
    if step == "opinion_text":
        if len(clean) < 2:
            raise Refused(Refusal.TOO_SHORT)
        return await _step(core, tg_user_id, ("opinion_text",), "confirm",
                           opinion_text=clean[:500])
    raise Refused(Refusal.USE_BUTTONS)


async def role(core: Core, tg_user_id: int, value: str) -> PartyStep:
    return await _step(core, tg_user_id, ("role",), "id", role=PartyRole(value).value)


async def skip_id(core: Core, tg_user_id: int) -> PartyStep:
    return await _step(core, tg_user_id, ("id",), "opinion", last4=None)


async def opinion(core: Core, tg_user_id: int, value: str) -> PartyStep:
    chosen = Opinion(value)
    if chosen == Opinion.AGREE:
        return await _step(core, tg_user_id, ("opinion",), "confirm", opinion=chosen.value,
                           opinion_text=None)
    return await _step(core, tg_user_id, ("opinion",), "opinion_text", opinion=chosen.value)


async def confirm(core: Core, tg_user_id: int, token_id: int, short: str) -> visits.State:
    """Sign this version of the record with what the party stated; the flow ends."""
    async with core.db.read() as rtx:
        conversation = await rtx.conversations.get(tg_user_id)
    if (conversation is None or conversation.flow != FLOW or conversation.step != "confirm"
            or conversation.data.get("token") != token_id):
        raise Refused(Refusal.NOT_CURRENT)
    signer = PartyStep("confirm", token_id, await visits.token_state(
        core, token_id, tg_user_id), dict(conversation.data)).signer()
    state = await visits.party_confirm(core, tg_user_id, signer, token_id, short)
    async with core.db.transaction() as tx:
        await tx.conversations.clear(tg_user_id)
    return state
