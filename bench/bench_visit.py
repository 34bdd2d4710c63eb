"""On-site benchmarks: the answer round trip on a phone, and building the record's PDF.

Run:  .venv/bin/python -m bench.bench_visit [--answers 100] [--photos 30]

- answer round trip: tap a choice of a checklist question through the real bot and the
  emulator over loopback until the next question arrives (load the visit, check the step,
  write the answer and the audit row and the new step in one transaction, evaluate skip
  logic, reply), then Back (same work, no answer written); the baseline is Choucha's own
  /help round trip for the same person in the same process, interleaved;
- PDF: the record of a visit with N photo thumbnails against the same record without
  photos (fpdf2, CJK font subset), with the peak Python memory.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from unittest import mock

from PIL import Image

from bot.config import load_settings
from bot.demo import joint_plan, load_county, publish_plans
from bot.emulator import EmulatedUser, Emulator
from bot.emulator.server import EmulatorServer
from bot.formats.rendering.fonts import drawn, font_paths
from bot.formats.rendering.record_pdf import record_pdf
from bot.services import draws
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.onboarding import redeem, reissue_invite
from bot.tg.app import BotRunner
from bot.tg.intake import Pace
from bot.tg.sender import Governor
from handlers import register
from storage.files import read_blob

TOKEN = "123456789:BENCH-token"
PLAN = "基准联合抽查"


async def _county(runner: BotRunner, tmp: Path) -> None:
    await load_county(runner.core, tmp / "county", 10, 4, plans=[joint_plan(
        PLAN, "SC-001、WS-001", "WSJKJ", ("2026-04-15", "2026-04-20", "2026-06-30"), "20%")])


def _median(xs: list[float]) -> str:
    qs = statistics.quantiles(xs, n=20)
    return f"p50 {statistics.median(xs) * 1000:.1f} ms, p95 {qs[18] * 1000:.1f} ms"


async def bench_answers(n: int, tmp: Path) -> None:
    emulator = Emulator(token=TOKEN, rate_limits=False)
    server = await EmulatorServer(emulator).start()
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.url,
                              "CHOUCHA_DB": str(tmp / "visit.sqlite3")})
    # The emulator runs without limits here, and so does the bot's send governor: the
    # figures measure the bot, not Telegram's pacing.
    runner = BotRunner(settings, TOKEN, register, Governor(unlimited=True))
    # Nor does the intake pace the chat (bot/tg/intake.py: 10 updates a second after a
    # burst of 30, against flooding): a hundred answers in a row would measure that pace.
    pacing = mock.patch("bot.tg.intake.MEMBER_PACE", Pace(burst=1e9, per_second=1e9))
    pacing.start()
    await runner.start(webhook=False, poll_timeout=1)
    try:
        await _county(runner, tmp)
        await publish_plans(runner.core)
        await draws.prepare(runner.core, SYSTEM, PLAN, "bench")
        ran = await draws.run(runner.core, SYSTEM, PLAN, "1")
        record = json.loads(read_blob(runner.core.files_root, ran.record_sha256))
        cert = record["teams"][0]["members"][0]["inspector"]
        async with runner.core.db.read() as rtx:
            person_id = await rtx.replacements.person_by_cert(cert)
        assert person_id is not None
        user = EmulatedUser(emulator, emulator.add_user("leader"))
        issued = await reissue_invite(runner.core, SYSTEM, person_id)
        await redeem(runner.core, issued.code, TgUser(user.id, user.id, None, "x", "en"))
        await user.send("/tasks")  # registered after the draw: the task is in the list
        listing = await user.expect("Your open tasks")
        await user.press(listing["reply_markup"]["inline_keyboard"][0][0]["text"], listing)
        await user.press("▶️ Start the visit", await user.expect("Items to check"))
        # The other member is not registered: the leader is told, then starts anyway.
        await user.press("▶️ Start anyway", await user.expect("Before you start the visit"))
        await user.expect("Check-in")
        await user.share_location(24.4, 98.5)
        await user.press("▶️ Continue my checklist", await user.expect("Items:"))
        question = await user.expect("Valid licence obtained")
        answers, backs, helps = [], [], []
        for _ in range(n):
            started = time.perf_counter()
            label = next(b["text"] for row in question["reply_markup"]["inline_keyboard"]
                         for b in row if b["text"].endswith("Not applicable"))
            await user.press(label, question)
            following = await user.expect("Premises match")
            answers.append(time.perf_counter() - started)
            started = time.perf_counter()
            await user.press("◀️ Back", following)
            question = await user.expect("Valid licence obtained")
            backs.append(time.perf_counter() - started)
            started = time.perf_counter()
            await user.send("/help")
            await user.expect("/tasks")
            helps.append(time.perf_counter() - started)
            await asyncio.sleep(0.04)  # stay under 30 messages/s: pacing is not measured
    finally:
        await runner.stop()
        await server.stop()
        pacing.stop()
    print(f"answer round trip, {n} answers by one inspector:")
    print(f"  /help (baseline):     {_median(helps)}")
    print(f"  answer a question:    {_median(answers)}")
    print(f"  back (no write):      {_median(backs)}")
    print(f"  ratio answer / help (median): "
          f"{statistics.median(answers) / statistics.median(helps):.2f}x")


def _content(photos: list[str]) -> dict[str, object]:
    answers = [{"question": f"q{i}", "label": f"检查项目第 {i} 项是否符合要求？",
                "type": "select_one",
                "value": "yes", "skipped": False, "display": "符合", "by": "张伟",
                "at": "2026-11-23T02:00:00.000000Z", "photos": photos if i == 0 else []}
               for i in range(12)]
    return {"kind": "choucha-record-v1", "shortcut": None, "shortcut_photos": [],
            "started_at": "2026-11-23T01:00:00.000000Z",
            "task": {"id": 1, "plan": PLAN, "target_code": "91533103MA6K000000",
                     "target_name": "芒市某某餐饮有限公司", "address": "芒市勇罕街 1 号",
                     "window": ["2026-04-20", "2026-06-30"]},
            "team": [{"name": "张伟", "department": "芒市市场监督管理局", "cert_no": "YN1",
                      "leader": True}],
            "checkins": [{"name": "张伟", "at": "2026-11-23T01:00:00.000000Z",
                          "latitude": 24.4, "longitude": 98.5, "skip_reason": None}],
            "items": [{"code": f"SC-00{n}", "name": "食品经营许可及经营条件检查",
                       "department": "芒市市场监督管理局", "basis": "《食品安全法》",
                       "checklist_version": 1, "answerer": "张伟", "answers": answers,
                       "result": "no_problem", "result_wording": "未发现问题", "detail": {},
                       "result_by": "张伟", "result_at": "2026-11-23T02:00:00.000000Z",
                       "follow_up": None} for n in range(1, 3)]}


def bench_pdf(count: int) -> None:
    from zoneinfo import ZoneInfo

    blobs: dict[str, bytes] = {}
    for i in range(count):
        out = io.BytesIO()
        Image.new("RGB", (1600, 1200), (i * 7 % 255, 90, 160)).save(out, format="JPEG")
        blobs[f"{i:064x}"] = out.getvalue()
    signatures = [{"kind": "member", "name": "张伟", "at": "2026-11-23T03:00:00.000000Z",
                   "tg_user_id": 1, "content_hash": "0" * 64, "evidence_sha256": None,
                   "reason": None, "witness": None, "witness_sha256": None}]
    submitted = {"by": "张伟", "at": "2026-11-23T03:00:00.000000Z"}
    tz = ZoneInfo("Asia/Shanghai")
    started = time.perf_counter()
    for path in font_paths():  # which glyphs each font draws: read once a process, cached
        drawn(path)
    print(f"font glyph scan (once a process): {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    plain = record_pdf(_content([]), signatures, submitted, "f" * 64, blobs.__getitem__, tz)
    base = time.perf_counter() - started
    started = time.perf_counter()
    full = record_pdf(_content(list(blobs)), signatures, submitted, "f" * 64,
                      blobs.__getitem__, tz)
    took = time.perf_counter() - started
    tracemalloc.start()  # a second run for memory: tracing slows Python down several times
    record_pdf(_content(list(blobs)), signatures, submitted, "f" * 64, blobs.__getitem__, tz)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"record PDF (24 answers, 2 items), {count} photos of 1600x1200:")
    print(f"  without photos (baseline): {base * 1000:.0f} ms, {len(plain) / 1024:.0f} KiB")
    print(f"  with {count} photos:          {took * 1000:.0f} ms, {len(full) / 1024:.0f} KiB,"
          f" peak Python memory {peak / 2**20:.1f} MiB")
    print(f"  ratio: {took / base:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=100)
    parser.add_argument("--photos", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(bench_answers(args.answers, Path(tmp)))
    bench_pdf(args.photos)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
