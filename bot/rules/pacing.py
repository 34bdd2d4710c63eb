"""The one pacing rule for what the bot sends, as Telegram enforces it.

Telegram's FAQ for bot developers (core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-
do-i-avoid-this, summed up in PTB's wiki page "Avoiding flood limits"): about one message
a second in one chat, 20 a minute in a group (and, per @BotSupport, a channel), about 30
a second overall; the precise limits are not documented. A private chat tolerates a
short burst (a strict server passes 3) and then about one a second. Messages sent and
messages edited are counted alike.

The rule is a token bucket per private chat (capacity `PRIVATE_BURST`, one token every
`PRIVATE_INTERVAL` seconds) and a sliding minute per group or channel. The bot's governor
(bot/tg/sender.py) paces with a margin over it; the emulator refuses (429) what breaks it
without the margin; `breaches` finds what broke it in a log.

`second` scales time for the test suite only: the journeys run the same rule with a
"second" of 0.1 s, so that hundreds of them finish in minutes; one journey runs at real
speed (tests/test_pacing.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

OVERALL_PER_SECOND = 30
PRIVATE_BURST = 3
PRIVATE_INTERVAL = 1.0
GROUP_PER_MINUTE = 20
MINUTE = 60.0
# What the bot keeps between two messages after the burst: a request leaves when its slot
# is taken and Telegram counts it when it arrives; two requests' times on the wire differ.
BOT_MARGIN = 1.1
# What a strict server lets pass: two arrivals a little closer than a second apart (their
# times on the wire differed) are still "about one a second".
SERVER_SLACK = 0.85


@dataclass
class TokenBucket:
    """`capacity` messages at once, then one every `interval` seconds."""

    capacity: float
    interval: float
    tokens: float = field(init=False)
    last: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def level(self, now: float) -> float:
        if self.last is None:
            return self.capacity
        return min(self.capacity, self.tokens + (now - self.last) / self.interval)

    def wait(self, now: float) -> float:
        """Seconds until a message may go."""
        return max(0.0, (1.0 - self.level(now)) * self.interval)

    def take(self, now: float) -> None:
        self.tokens = self.level(now) - 1.0
        self.last = now


@dataclass
class MinuteWindow:
    """At most `limit` messages in any `span` seconds (a minute; the bot keeps a margin)."""

    limit: int = GROUP_PER_MINUTE
    span: float = MINUTE
    times: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        while self.times and now - self.times[0] >= self.span:
            self.times.popleft()
        return 0.0 if len(self.times) < self.limit else self.span - (now - self.times[0])

    def take(self, now: float) -> None:
        self.times.append(now)


def private_bucket(margin: float = 1.0, tokens: float | None = None,
                   now: float = 0.0) -> TokenBucket:
    """A private chat's bucket: full, or holding `tokens` at `now`."""
    bucket = TokenBucket(float(PRIVATE_BURST), PRIVATE_INTERVAL * margin)
    if tokens is not None:
        bucket.tokens, bucket.last = tokens, now
    return bucket


def group_window(margin: float = 1.0) -> MinuteWindow:
    return MinuteWindow(GROUP_PER_MINUTE, MINUTE * margin)


@dataclass(frozen=True)
class Breach:
    """A message the rule did not allow: the chat, when (in the rule's seconds from the
    chat's first message) and how many the chat had been sent in the `window` before."""

    chat_id: int
    at: float
    before: int
    window: float

    def __str__(self) -> str:
        return (f"chat {self.chat_id}: a message at {self.at:.2f}s, after {self.before} "
                f"in the {self.window:g} seconds before")


def breaches(sends: Iterable[tuple[int, float]], private: bool | None = None,
             slack: float = SERVER_SLACK) -> list[Breach]:
    """The messages of a log of (chat_id, time in the rule's seconds) that break the rule
    (with a strict server's `slack`). A positive chat id is a private chat (Telegram's
    convention), a negative one a group or channel; `private` overrides that."""
    by_chat: dict[int, list[float]] = {}
    for chat_id, at in sends:
        by_chat.setdefault(chat_id, []).append(at)
    found: list[Breach] = []
    for chat_id, times in by_chat.items():
        times.sort()
        is_private = chat_id > 0 if private is None else private
        found += _private_breaches(chat_id, times, slack) if is_private else (
            _group_breaches(chat_id, times))
    return found


def _private_breaches(chat_id: int, times: Sequence[float], slack: float) -> list[Breach]:
    bucket = private_bucket(slack)
    found = []
    for i, at in enumerate(times):
        if bucket.wait(at) > 1e-9:
            before = sum(1 for t in times[:i] if at - t < 1.0)
            found.append(Breach(chat_id, at - times[0], before, PRIVATE_INTERVAL))
            continue  # refused: it takes nothing from the bucket
        bucket.take(at)
    return found


def _group_breaches(chat_id: int, times: Sequence[float]) -> list[Breach]:
    window = MinuteWindow()
    found = []
    for at in times:
        if window.wait(at) > 0.0:
            found.append(Breach(chat_id, at - times[0], len(window.times), MINUTE))
            continue
        window.take(at)
    return found
