"""Foundation benchmarks: update round trips through the real bot, and the audit chain.

Run:  .venv/bin/python -m bench.bench_foundation [--updates 300] [--audit 20000]

Each figure is printed next to a baseline measured in the same process:
- round trip: Choucha's /help (identify the account, guard against redelivery,
  record the update, refresh the command menu, reply) against a bare PTB
  Application that only replies, both through the same emulator over loopback
  HTTP and both behind PTB's AIORateLimiter (30 messages/s overall), which paces
  sequential replies to about 33 ms once its burst is spent, so the people
  write 40 ms apart (not counted) and what is timed is the processing;
- audit append: one audit row per transaction (hash chained) against a plain
  INSERT per transaction on the same kind of connection;
- audit verify: rows per second, with the peak Python memory of the streamed check.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.clock import now
from bot.config import load_settings
from bot.emulator import EmulatedUser, Emulator
from bot.emulator.server import EmulatorServer
from bot.rules.models import AuditAction, Role
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.onboarding import invite_person, redeem
from bot.tg.app import BotRunner
from bot.tg.sender import GovernedRateLimiter, Governor
from handlers import register
from storage import Database

TOKEN = "123456789:BENCH-token"


async def _round_trips(users: list[EmulatedUser]) -> list[float]:
    latencies = []
    for user in users:
        started = time.perf_counter()
        await user.send("/help")
        await user.expect("/help", timeout=30)
        latencies.append(time.perf_counter() - started)
        # Stay under the 30 messages/s limit so that pacing is not what is measured.
        await asyncio.sleep(0.04)
    return latencies


async def bench_round_trip(n: int, tmp: Path) -> None:
    emulator = Emulator(token=TOKEN, rate_limits=False)
    server = await EmulatorServer(emulator).start()
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.url,
                              "CHOUCHA_DB": str(tmp / "rt.sqlite3")})

    # Baseline: a bare Application that only answers /help.
    async def bare_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("/help — bare reply")

    # Same rate limiter as Choucha (its send governor), so the ratio is Choucha's own cost.
    bare = (Application.builder().token(TOKEN).base_url(settings.base_url)
            .rate_limiter(GovernedRateLimiter(Governor(), max_retries=2)).build())
    bare.add_handler(CommandHandler("help", bare_help))
    await bare.initialize()
    await bare.start()
    assert bare.updater is not None
    await bare.updater.start_polling(poll_interval=0.0, timeout=1)
    base_users = [EmulatedUser(emulator, emulator.add_user(f"b{i}")) for i in range(n)]
    base = await _round_trips(base_users)
    await bare.updater.stop()
    await bare.stop()
    await bare.shutdown()

    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    ours_users = []
    for i in range(n):
        user = EmulatedUser(emulator, emulator.add_user(f"u{i}"))
        issued = await invite_person(runner.core, SYSTEM, f"u{i}", None, [Role.OFFICE])
        await redeem(runner.core, issued.code, TgUser(user.id, user.id, None, f"u{i}", "en"))
        ours_users.append(user)
    ours = await _round_trips(ours_users)
    await runner.stop()
    await server.stop()

    def summary(xs: list[float]) -> str:
        qs = statistics.quantiles(xs, n=20)
        return f"p50 {statistics.median(xs) * 1000:.1f} ms, p95 {qs[18] * 1000:.1f} ms"

    print(f"round trip /help, {n} people, one message each:")
    print(f"  bare PTB reply (baseline): {summary(base)}")
    print(f"  Choucha /help:             {summary(ours)}")
    print(f"  ratio (median): {statistics.median(ours) / statistics.median(base):.2f}x")


async def bench_audit(n: int, tmp: Path) -> None:
    async with Database(tmp / "audit.sqlite3") as db:
        async with db.transaction() as tx:
            await tx.conn.execute("CREATE TABLE plain (id INTEGER PRIMARY KEY, at TEXT,"
                                  " actor TEXT, action TEXT, subject TEXT, payload TEXT)")
        started = time.perf_counter()
        for i in range(n):
            async with db.transaction() as tx:
                await tx.conn.execute(
                    "INSERT INTO plain (at, actor, action, subject, payload) VALUES (?,?,?,?,?)",
                    (now().isoformat(), "person:1", "bench.step", f"thing:{i}", '{"n":1}'))
        plain = time.perf_counter() - started
        started = time.perf_counter()
        for i in range(n):
            async with db.transaction() as tx:
                await tx.audit.append("person:1", AuditAction.PERSON_LANGUAGE, f"thing:{i}",
                                      {"n": i}, now())
        chained = time.perf_counter() - started
        tracemalloc.start()
        started = time.perf_counter()
        async with db.read() as rtx:
            count, problem = await rtx.audit.verify()
        verify = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == n and problem is None
    print(f"audit, {n} rows, one transaction each:")
    print(f"  plain INSERT (baseline): {n / plain:,.0f} rows/s")
    print(f"  chained audit append:    {n / chained:,.0f} rows/s"
          f"  (ratio {chained / plain:.2f}x the time)")
    print(f"  verify: {n / verify:,.0f} rows/s, peak Python memory {peak / 1e6:.1f} MB")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--audit", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await bench_round_trip(args.updates, Path(tmp))
        await bench_audit(args.audit, Path(tmp))


if __name__ == "__main__":
    asyncio.run(main())
