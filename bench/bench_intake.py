"""Nothing lost, nobody waits: the figures of issue 13, each beside its baseline.

Run:  .venv/bin/python -m bench.bench_intake [--only flood,hol,fanout,bomb,chase,soak,heavy]
      [--chase-tasks 20000] [--soak-kills 8] [--heavy-targets 1000000]

- flood: an inspector's /help round trip alone, then while a stranger sends 200 commands
  (real governor, emulator enforcing Telegram's limits);
- hol: 300 queued messages to 300 chats, alone and behind 300 queued to one chat;
- fanout: one message to each of 600 people while 10 people chat: msg/s and 429s;
- bomb: a 1 MB workbook whose shared strings expand to 1 GiB, refused: time, memory;
- chase: a county with `--chase-tasks` open tasks all overdue and unaccepted: reminders
  owed (one per task per person, as before) against messages sent now, the most one
  person gets per group, the longest time the writer was held, total time;
- soak: 10 people press a button 20 times each while the bot is killed (SIGKILL)
  `--soak-kills` times: presses lost and applied twice.
- heavy: /help round trips, asked continuously (the next 0.1 s after the previous answer,
  by twelve people in turn so that no chat exceeds Telegram's one message a second, at
  least 20 per step), alone, then while the office, in the same bot process, imports
  `--heavy-targets` targets, prepares and runs a draw of 10% of them and builds the
  digest over the tasks drawn; the longest writer hold of each.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import now
from bot.config import Settings, load_settings
from bot.core import Core
from bot.demo import publish_plans
from bot.emulator import EmulatedUser, Emulator
from bot.emulator.server import EmulatorServer
from bot.rules.models import Person, Role
from bot.services import chasing
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.imports import import_file
from bot.services.notify import enqueue_text
from bot.services.onboarding import invite_person, redeem
from bot.tg.app import BotRunner
from handlers import register
from storage import Database

TOKEN = "123456789:BENCH-token"


def _q(xs: list[float]) -> str:
    qs = statistics.quantiles(xs, n=20) if len(xs) > 1 else [xs[0]] * 19
    return f"p50 {statistics.median(xs) * 1000:.0f} ms, p95 {qs[18] * 1000:.0f} ms"


@contextlib.asynccontextmanager
async def _bot(tmp: Path, name: str) -> AsyncIterator[tuple[Emulator, BotRunner]]:
    emulator = Emulator(token=TOKEN)  # Telegram's limits enforced: a 429 is counted
    server = await EmulatorServer(emulator).start()
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.url,
                              "CHOUCHA_DB": str(tmp / f"{name}.sqlite3"),
                              "CHOUCHA_OUTBOX_INTERVAL": "0.1",
                              # The people are office staff: no morning digest to 600 of
                              # them in the middle of what is measured.
                              "CHOUCHA_DIGEST_AT": "23:59"})
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        yield emulator, runner
    finally:
        await runner.stop()
        await server.stop()


async def _people(runner: BotRunner, emulator: Emulator, n: int,
                  prefix: str) -> list[tuple[Person, EmulatedUser]]:
    found = []
    for i in range(n):
        user = EmulatedUser(emulator, emulator.add_user(f"{prefix}{i}", language_code="en"))
        issued = await invite_person(runner.core, SYSTEM, f"{prefix}{i}", None, [Role.OFFICE])
        bound = await redeem(runner.core, issued.code,
                             TgUser(user.id, user.id, None, f"{prefix}{i}", "en"))
        assert bound.person is not None
        found.append((bound.person, user))
    # Each joining was announced to the office: not part of what is measured.
    async with runner.core.db.transaction(record_update=False) as tx:
        await tx.conn.execute("DELETE FROM outbox WHERE status = 'pending'")
    return found


# ------------------------------------------------------------------ flood
async def _asks_until(user: EmulatedUser, done: Callable[[int], bool],
                      timeout: float = 60) -> list[float]:
    """/help round trips, one a second (a person's pace: Telegram allows a chat about one
    message a second), until done(how many so far)."""
    took: list[float] = []
    while not done(len(took)):
        started = time.perf_counter()
        await user.send("/help")
        await user.expect("/invite", timeout=timeout)
        took.append(time.perf_counter() - started)
        await asyncio.sleep(1.0)
    return took


async def _asks(user: EmulatedUser, n: int) -> list[float]:
    return await _asks_until(user, lambda asked: asked >= n)


async def bench_flood(tmp: Path) -> None:
    async with _bot(tmp, "flood") as (emulator, runner):
        [(_, inspector), (_, other)] = await _people(runner, emulator, 2, "insp")
        alone = await _asks(inspector, 15)
        flooder = EmulatedUser(emulator, emulator.add_user("flooder", language_code="en"))
        for _ in range(200):
            await flooder.send("/help")
        flooded = await _asks(other, 15)
        answered = len(flooder.bot_messages())
        limited = len(emulator.rate_limited)
    print("flood: an inspector's /help while a stranger sends 200 commands")
    print(f"  alone:        {_q(alone)}")
    print(f"  during flood: {_q(flooded)}  (ratio p95 "
          f"{statistics.quantiles(flooded, n=20)[18] / statistics.quantiles(alone, n=20)[18]:.2f}x;"
          f" the flooder had {answered} answers so far; 429s: {limited})")


# ------------------------------------------------------------------ head of line
async def _queue(runner: BotRunner, pairs: list[tuple[Person, str, str]]) -> None:
    async with runner.core.db.transaction() as tx:
        for who, key, text in pairs:
            await enqueue_text(tx, who, key, lambda t, text=text: text, now())


async def _sent(db: Database, like: str) -> int:
    """Read through the bot's own reader (a thread): polling must not block the loop."""
    async with db.read() as rtx:
        return int(await rtx.outbox.scalar(
            "SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND dedupe_key LIKE ?",
            (like,)))


async def _until_sent(db: Database, like: str, n: int, limit: float = 300) -> float:
    started = time.perf_counter()
    while await _sent(db, like) < n:
        if time.perf_counter() - started > limit:
            raise TimeoutError(like)
        await asyncio.sleep(0.1)
    return time.perf_counter() - started


async def bench_hol(tmp: Path) -> None:
    async with _bot(tmp, "hol") as (emulator, runner):
        people = await _people(runner, emulator, 601, "p")
        busy, rest = people[0][0], [p for p, _ in people[1:]]
        db = runner.core.db
        await _queue(runner, [(p, f"alone:{p.id}", f"alone {p.id}") for p in rest[:300]])
        alone = await _until_sent(db, "alone:%", 300)
        await _queue(runner, [(busy, f"busy:{i}", f"busy {i}") for i in range(300)])
        await asyncio.sleep(0.5)
        await _queue(runner, [(p, f"behind:{p.id}", f"behind {p.id}") for p in rest[300:]])
        behind = await _until_sent(db, "behind:%", 300)
        limited = len(emulator.rate_limited)
    print("head of line: 300 messages to 300 chats")
    print(f"  alone: {alone:.1f} s; behind 300 queued for one chat: {behind:.1f} s"
          f" (ratio {behind / alone:.2f}x; 429s: {limited})")


# ------------------------------------------------------------------ fan-out
async def bench_fanout(tmp: Path) -> None:
    async with _bot(tmp, "fanout") as (emulator, runner):
        people = await _people(runner, emulator, 610, "f")
        chatters = [u for _, u in people[600:]]
        db = runner.core.db
        stop = asyncio.Event()

        talking = [asyncio.create_task(_asks_until(u, lambda _: stop.is_set()))
                   for u in chatters]
        await asyncio.sleep(1.0)
        sent_before = len(emulator.sent)
        await _queue(runner, [(p, f"fan:{p.id}", f"任务 {p.id}") for p, _ in people[:600]])
        took = await _until_sent(db, "fan:%", 600)
        everything = len(emulator.sent) - sent_before  # the chatters' replies too
        stop.set()
        replies = [x for t in await asyncio.gather(*talking) for x in t]
        limited = len(emulator.rate_limited)
    print("fan-out: one message to each of 600 people while 10 people chat")
    print(f"  fan-out {600 / took:.1f} msg/s ({took:.1f} s); everything sent meanwhile"
          f" {everything / took:.1f} msg/s; 429s: {limited};"
          f" the chatters' replies: {_q(replies)}")


# ------------------------------------------------------------------ zip bomb
def _bomb(expanded: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            block = b"<si><t>" + b"A" * (1 << 20) + b"</t></si>"
            for _ in range(expanded // len(block)):
                part.write(block)
    return buffer.getvalue()


async def bench_bomb(tmp: Path) -> None:
    data = _bomb(1 << 30)
    path = tmp / "bomb.xlsx"
    path.write_bytes(data)
    settings = load_settings({"CHOUCHA_DB": str(tmp / "bomb.sqlite3")})
    async with Database(settings.db_path) as db:
        core = Core(settings, db, "bench_bot")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        tracemalloc.start()
        started = time.perf_counter()
        report = await import_file(core, SYSTEM, path, "targets.xlsx")
        took = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert not report.ok
    print(f"zip bomb: {len(data) / 2**20:.1f} MB expanding to 1 GiB of shared strings")
    print(f"  refused in {took * 1000:.0f} ms; Python peak {peak:.1f} MiB; process peak"
          f" {rss_after:.0f} MiB (before {rss_before:.0f} MiB): {report.problems[0].message}")
    # The same inside a checklist .zip: the form within is a workbook of its own.
    bundle = tmp / "form.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("survey.xlsx", data)
        archive.writestr("choices.csv", "list_name,name,label\nyn,y,Yes\n")
    async with Database(settings.db_path) as db:
        core = Core(settings, db, "bench_bot")
        tracemalloc.start()
        started = time.perf_counter()
        report = await import_file(core, SYSTEM, bundle, "form.zip", "checklist")
        took = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        rss_nested = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert not report.ok
    print(f"  nested in a checklist .zip ({bundle.stat().st_size / 2**20:.1f} MB): refused in"
          f" {took * 1000:.0f} ms; Python peak {peak:.1f} MiB; process peak {rss_nested:.0f}"
          f" MiB")


# ------------------------------------------------------------------ chase
async def bench_chase(tmp: Path, tasks: int) -> None:
    from bench.bench_digest import build

    settings = load_settings({"CHOUCHA_DB": str(tmp / "chase.sqlite3")})
    async with Database(settings.db_path) as db:
        core = Core(settings, db, "bench_bot")
        started = time.perf_counter()
        await build(core, tmp, tasks)
        with sqlite3.connect(settings.db_path) as conn:
            # Three of the inspectors are the office; everyone is on Telegram.
            conn.execute("INSERT INTO person_roles (person_id, role, department_id,"
                         " granted_at) SELECT id, 'office', NULL,"
                         " '2026-01-01T00:00:00.000000Z' FROM people WHERE id <= 3"
                         " ON CONFLICT DO NOTHING")
        for person_id in await _all_people(db):
            async with db.transaction(record_update=False) as tx:
                await tx.people.upsert_account(900000 + person_id, 900000 + person_id,
                                               None, "x", "zh-hans", now())
                await tx.conn.execute("UPDATE telegram_accounts SET person_id = ? WHERE"
                                      " tg_user_id = ?", (person_id, 900000 + person_id))
        with sqlite3.connect(settings.db_path) as conn:
            open_tasks = conn.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
        print(f"chase: county built in {time.perf_counter() - started:.0f} s,"
              f" {open_tasks} open tasks")
        moment = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        async with db.read() as rtx:
            cal = await chasing.calendar(rtx)
            owed = await chasing.owed(rtx, core, cal, moment)
        before = sum(o.count for o in owed)
        with _writer_holds(db) as holds:
            started = time.perf_counter()
            sent = await chasing.chase(core, moment)
            took = time.perf_counter() - started
        with _writer_holds(db) as again:  # the next round: everything was queued today
            started = time.perf_counter()
            sent_again = await chasing.chase(core, moment + timedelta(minutes=5))
            took_again = time.perf_counter() - started
        # Baseline: plain inserts of the same rows, in one transaction of this process.
        async with db.transaction(record_update=False) as tx:
            await tx.conn.execute("CREATE TEMP TABLE r2 AS SELECT * FROM reminders WHERE 0")
            await tx.conn.execute("CREATE TEMP TABLE o2 AS SELECT * FROM outbox WHERE 0")
        with sqlite3.connect(settings.db_path) as conn:
            rows_r = conn.execute("SELECT * FROM reminders").fetchall()
            rows_o = conn.execute("SELECT * FROM outbox").fetchall()
        with _writer_holds(db) as plain:
            async with db.transaction(record_update=False) as tx:
                await tx.conn.executemany(
                    f"INSERT INTO r2 VALUES ({','.join('?' * len(rows_r[0]))})", rows_r)
                await tx.conn.executemany(
                    f"INSERT INTO o2 VALUES ({','.join('?' * len(rows_o[0]))})", rows_o)
        with sqlite3.connect(settings.db_path) as conn:
            per = Counter(conn.execute(
                "SELECT person_id, kind FROM reminders WHERE day = '2026-12-07'").fetchall())
            people = conn.execute("SELECT COUNT(DISTINCT person_id) FROM reminders").fetchone()[0]
    print(f"  reminders owed, one per task per person (before): {before}")
    print(f"  messages now: {sent} to {people} people (ratio {before / max(sent, 1):.0f}:1);"
          f" most to one person per group: {max(per.values())}")
    print(f"  writer held {sum(holds) * 1000:.0f} ms in all over {len(holds)} transactions"
          f" (longest {max(holds, default=0) * 1000:.0f} ms); the round took {took:.1f} s")
    print(f"  plain inserts of the same {len(rows_r)} + {len(rows_o)} rows:"
          f" {sum(plain) * 1000:.0f} ms (ratio {sum(holds) / max(sum(plain), 1e-9):.1f}x)")
    print(f"  next round (nothing new): {sent_again} messages, writer held"
          f" {sum(again) * 1000:.0f} ms over {len(again)} transactions;"
          f" the round took {took_again:.1f} s")


# ------------------------------------------------------------------ heavy work
HEAVY_PLAN = "基准十分之一"


@contextlib.contextmanager
def _writer_holds(db: Database) -> Any:
    """Time every write transaction while inside: yields the list of hold times."""
    holds: list[float] = []
    original = db.transaction

    @contextlib.asynccontextmanager
    async def timed(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        held = time.perf_counter()  # from BEGIN IMMEDIATE to the end of COMMIT
        try:
            async with original(*args, **kwargs) as tx:
                yield tx
        finally:
            holds.append(time.perf_counter() - held)

    db.transaction = timed  # type: ignore[method-assign]
    try:
        yield holds
    finally:
        db.transaction = original  # type: ignore[method-assign]


HEAVY_ASKERS = 12  # in turn, 0.1 s apart: each chat asks about once every 1.3 s
HEAVY_GAP = 0.1
HEAVY_MIN_ASKS = 20


async def _asks_while(users: list[EmulatedUser], work: Any) -> tuple[Any, list[float], float]:
    """/help asked continuously, the next HEAVY_GAP after the previous answer, by `users`
    in turn, until `work` (a coroutine) is done and at least HEAVY_MIN_ASKS were asked:
    its result, the round trips, how long the work took."""
    task = asyncio.ensure_future(work)
    started = time.perf_counter()
    took: list[float] = []
    while not task.done() or len(took) < HEAVY_MIN_ASKS:
        user = users[len(took) % len(users)]
        asked = time.perf_counter()
        await user.send("/help")
        await user.expect("/invite", timeout=120)
        took.append(time.perf_counter() - asked)
        await asyncio.sleep(HEAVY_GAP)
    return await task, took, time.perf_counter() - started


async def bench_heavy(tmp: Path, targets: int) -> None:
    import csv as csvmod

    from bot.demo_data import generate
    from bot.i18n import translator
    from bot.services import digest, draws

    started = time.perf_counter()
    files = generate(tmp / "county", targets=targets, per_department=100)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    with files["plans"].open("a", encoding="utf-8", newline="") as fh:
        csvmod.writer(fh).writerow([
            HEAVY_PLAN, "基准", "联合", "", "10%", "SC-002、WS-001、HJ-001", "", "SCJGJ",
            "WSJKJ、STHJJ", today.isoformat(), today.isoformat(),
            (today + timedelta(days=60)).isoformat(), "", ""])
    print(f"heavy work: {targets:,} targets generated in {time.perf_counter() - started:.0f} s")
    async with _bot(tmp, "heavy") as (emulator, runner):
        core = runner.core
        askers = [user for _, user in await _people(runner, emulator, HEAVY_ASKERS, "insp")]
        for key, path in files.items():
            if key not in ("targets", "recusals"):  # the targets are what is measured
                kind = "checklist" if key.startswith("checklist:") else key
                assert (await import_file(core, SYSTEM, path, path.name, kind)).ok, key
        await publish_plans(core)
        _, alone, _ = await _asks_while(askers, asyncio.sleep(10))
        print(f"  alone:                  {_q(alone)}, max {max(alone) * 1000:.0f} ms"
              f" ({len(alone)} asks)")
        steps = [
            ("import of the targets", lambda: import_file(core, SYSTEM, files["targets"],
                                                          "targets.csv", "targets")),
            ("draw prepared", lambda: draws.prepare(core, SYSTEM, HEAVY_PLAN, "bench lottery")),
            ("draw run", lambda: draws.run(core, SYSTEM, HEAVY_PLAN, "372915")),
            ("digest over the tasks", lambda: digest.render(core, SYSTEM, translator("zh_CN"),
                                                            core.today())),
        ]
        every: list[float] = []
        for name, work in steps:
            with _writer_holds(core.db) as holds:
                result, during, took = await _asks_while(askers, work())
            every += during
            extra = ""
            if name.startswith("import"):
                assert result.ok, result.problems[:3]
                extra = f"; {result.rows:,} rows"
                assert (await import_file(core, SYSTEM, files["recusals"], "recusals.csv",
                                          "recusals")).ok
            elif name == "draw run":
                extra = f"; {result.tasks:,} tasks"
            elif name.startswith("digest"):
                extra = f"; spreadsheet {len(result.sheet or b'') / 1e6:.1f} MB"
            print(f"  during {name + ':':24s}{_q(during)}, max {max(during) * 1000:.0f} ms"
                  f" ({len(during)} asks); took {took:.1f} s{extra};"
                  f" longest writer hold {max(holds) * 1000:.0f} ms")
        p95 = statistics.quantiles(every, n=20)[18] / statistics.quantiles(alone, n=20)[18]
        print(f"  during all of it:       {_q(every)}; ratio p95 {p95:.2f}x"
              f"; worker processes started: {core.workers.started}")


async def _all_people(db: Database) -> list[int]:
    async with db.read() as rtx:
        return [int(r[0]) for r in await rtx.people.all("SELECT id FROM people")]


# ------------------------------------------------------------------ kill -9 soak
def start_bot(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`choucha run` as its own process (so that it can be killed), logging to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "handlers.main", "run"], env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def stop_bot(proc: subprocess.Popen[bytes]) -> int | None:
    """Stop it as a service manager would (SIGTERM, then SIGKILL after 15 s): its exit
    code, None when it had to be killed."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


@dataclass(frozen=True)
class Soak:
    presses: int
    kills: int
    lost: int
    twice: int
    seconds: float
    refused_requests: int  # requests the emulator found real Telegram would refuse


async def soak(tmp: Path, kills: int, people: int = 10, presses: int = 20,
               spec: Path | None = None, seed: int = 7) -> Soak:
    """`people` press the language button `presses` times each while the bot (a separate
    process) is killed with SIGKILL `kills` times at random moments; each press is one
    committed change (an audit row), so lost and doubled presses can be counted."""
    emulator = Emulator(spec_path=spec, token=TOKEN, rate_limits=False)
    server = await EmulatorServer(emulator).start()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.url,
           "CHOUCHA_DB": str(tmp / "soak.sqlite3"), "CHOUCHA_OUTBOX_INTERVAL": "0.2",
           **({"CHOUCHA_BOT_API_SPEC": str(spec)} if spec else {})}
    settings: Settings = load_settings(env)
    users = [EmulatedUser(emulator, emulator.add_user(f"s{i}", language_code="en"))
             for i in range(people)]
    async with Database(settings.db_path) as db:
        core = Core(settings, db, emulator.username)
        for user in users:
            issued = await invite_person(core, SYSTEM, f"s{user.id}", None, [Role.OFFICE])
            await redeem(core, issued.code, TgUser(user.id, user.id, None, "x", "en"))
    log = tmp / "soak.log"
    proc = start_bot(env, log)
    rng = random.Random(seed)
    total = presses * len(users)
    kill_at = sorted(rng.sample(range(min(10, total // 4), total), kills))
    started = time.perf_counter()
    try:
        keyboards = []
        for user in users:
            await user.send("/language")
            keyboards.append(await user.expect("Choose your language", timeout=30))
        done = 0
        for round_ in range(presses):
            for user, keyboard in zip(users, keyboards, strict=True):
                await user.press_data(keyboard, "v1:lang:en" if round_ % 2 else "v1:lang:zh_CN")
                done += 1
                await asyncio.sleep(rng.uniform(0.0, 0.05))
                if kill_at and done == kill_at[0]:
                    kill_at.pop(0)
                    await asyncio.sleep(rng.uniform(0.0, 0.2))
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(timeout=10)
                    proc = start_bot(env, log)

        def applied() -> Counter[str]:
            with sqlite3.connect(settings.db_path) as conn:
                return Counter(r[0] for r in conn.execute(
                    "SELECT actor FROM audit_log WHERE action = 'person.language'"))

        for _ in range(240):  # up to two minutes for the last restart to catch up
            if sum(applied().values()) >= total:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2.0)
        counts = applied()
    finally:
        stop_bot(proc)
        await server.stop()
    lost = sum(max(0, presses - counts.get(a, 0)) for a in counts) + presses * (
        len(users) - len(counts))
    twice = sum(max(0, n - presses) for n in counts.values())
    return Soak(total, kills, lost, twice, time.perf_counter() - started,
                len(emulator.violations))


async def bench_soak(tmp: Path, kills: int) -> None:
    result = await soak(tmp, kills)
    print(f"kill -9 soak: {result.presses} presses by 10 people, {result.kills} kills,"
          f" {result.seconds:.0f} s")
    print(f"  lost {result.lost}, applied twice {result.twice}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="flood,hol,fanout,bomb,chase,soak,heavy")
    parser.add_argument("--chase-tasks", type=int, default=20000)
    parser.add_argument("--soak-kills", type=int, default=8)
    parser.add_argument("--heavy-targets", type=int, default=1_000_000)
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if "flood" in wanted:
            await bench_flood(tmp)
        if "hol" in wanted:
            await bench_hol(tmp)
        if "fanout" in wanted:
            await bench_fanout(tmp)
        if "bomb" in wanted:
            await bench_bomb(tmp)
        if "chase" in wanted:
            await bench_chase(tmp, args.chase_tasks)
        if "soak" in wanted:
            await bench_soak(tmp, args.soak_kills)
        if "heavy" in wanted:
            await bench_heavy(tmp, args.heavy_targets)


if __name__ == "__main__":
    asyncio.run(main())
