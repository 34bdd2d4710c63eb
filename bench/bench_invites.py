"""The office's invite sheet for a whole county: a fresh invite for everyone not yet
registered, the links CSV and the A4 PDF of QR cards.

Run:  .venv/bin/python -m bench.bench_invites [--people 500]

A county with `--people` inspectors (through the real import). Timed: making the
invites (planned, then stored in one transaction), the CSV, and the PDF; the baseline
is the same PDF with each card's QR code left out (the cost of the codes themselves
shows as the ratio). Peak Python memory is printed for the PDF.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import tracemalloc
from datetime import UTC
from pathlib import Path
from unittest import mock

from bot.config import load_settings
from bot.core import Core
from bot.demo import load_county
from bot.formats.rendering.fonts import drawn, font_paths
from bot.i18n import translator
from bot.services import invite_sheets
from bot.services.access import SYSTEM
from bot.services.onboarding import plan_unregistered, store_planned
from storage import Database


async def main(people: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"CHOUCHA_DB": str(Path(tmp) / "inv.sqlite3")})
        async with Database(settings.db_path) as db:
            core = Core(settings, db, "choucha_bench_bot")
            await load_county(core, Path(tmp) / "county", 50, max(2, people // 5),
                              checklists=False)
            started = time.perf_counter()
            issued = await store_planned(core, SYSTEM,
                                         await plan_unregistered(core, SYSTEM))
            made = time.perf_counter() - started
            t = translator("zh_CN")
            # Which glyphs each font draws is read once per process (cached): timed apart,
            # so that neither PDF below carries it.
            started = time.perf_counter()
            for path in font_paths():
                drawn(path)
            font_scan = time.perf_counter() - started
            started = time.perf_counter()
            links = invite_sheets.links_csv(issued, UTC)
            csv_time = time.perf_counter() - started
            with mock.patch("bot.formats.rendering.invite_sheet.qr_runs") as blank:
                blank.return_value = (41, [])
                started = time.perf_counter()
                plain = invite_sheets.cards_pdf(issued, UTC, t)
                baseline = time.perf_counter() - started
            started = time.perf_counter()
            pdf = invite_sheets.cards_pdf(issued, UTC, t)
            full = time.perf_counter() - started
            tracemalloc.start()  # a second run, for memory only (tracing slows it down)
            invite_sheets.cards_pdf(issued, UTC, t)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    print(f"invite sheet for {len(issued)} people ({(len(issued) + 7) // 8} A4 pages):")
    print(f"  invites (planned, then stored in one transaction): {made * 1000:.0f} ms")
    print(f"  font glyph scan (once a process): {font_scan:.2f} s")
    print(f"  links.csv:                 {csv_time * 1000:.1f} ms, {len(links) // 1024} KiB")
    print(f"  PDF without QR codes (baseline): {baseline:.2f} s, {len(plain) // 1024} KiB")
    print(f"  PDF with QR codes:               {full:.2f} s, {len(pdf) // 1024} KiB,"
          f" peak Python memory {peak:.1f} MiB")
    print(f"  ratio: {full / baseline:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=500)
    asyncio.run(main(parser.parse_args().people))
