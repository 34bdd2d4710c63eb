"""How many XLSForms written by others load as checklists (issue 17), and why the rest do
not.

Run:  .venv/bin/python -m bench.bench_xlsforms [--corpus DIR ...] [--timeout 20]

Without --corpus, the corpus is the example forms the XLSForm ecosystem published with
pyxform (the tests/example_xls folder of the pyxform 0.15.1 and 1.0.0 source releases on
PyPI, downloaded once into bench/.cache; forms of the same name are taken once, the newer
release's). Each form is read by `load_xlsform` in its own process with a time limit, and
counted as loaded, refused (each problem: the question named and the reason), crashed (any
other exception: a traceback the office would see) or hung (over the time limit). A
problem is "named" when its text names a question of the form, or the form itself for a
file pyxform cannot read.

Not a test: the figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

CACHE = Path(__file__).parent / ".cache"
RELEASES = ("1.0.0", "0.15.1")  # newest first: a form of the same name is taken once
SUFFIXES = (".xls", ".xlsx", ".xlsm", ".csv")


def fetch() -> list[Path]:
    """The example forms of pyxform's source releases (downloaded from PyPI once)."""
    found: dict[str, Path] = {}
    for version in RELEASES:
        folder = CACHE / f"pyxform-{version}"
        if not folder.exists():
            CACHE.mkdir(exist_ok=True)
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            "--no-binary", ":all:", f"pyxform=={version}", "-d", str(CACHE)],
                           check=True)
            with tarfile.open(CACHE / f"pyxform-{version}.tar.gz") as archive:
                archive.extractall(CACHE, filter="data")
        for path in sorted(folder.rglob("example_xls/*")):
            if path.suffix.lower() in SUFFIXES:
                found.setdefault(path.name, path)
    return sorted(found.values(), key=lambda p: p.name)


def _load(path: str, out: Any) -> None:
    from bot.i18n import translator
    from bot.rules.checklist import ChecklistError, load_xlsform

    t = translator("en")
    try:
        checklist = load_xlsform(Path(path))
    except ChecklistError as exc:
        out.send(("refused", [(p.question, p.message, t._(p.message).format(**p.params))
                              for p in exc.problems]))
        return
    except Exception as exc:  # what the bench is for: a crash is counted, not raised
        out.send(("crashed", [("", type(exc).__name__, repr(exc)[:200])]))
        return
    asked = sum(1 for q in checklist.questions if q.type not in ("note", "calculate",
                                                                  "hidden"))
    out.send(("loaded", [("", f"{asked} questions, {len(checklist.repeats)} repeat groups",
                          "")]))


def judge(path: Path, limit: float) -> tuple[str, list[tuple[str, str, str]], float]:
    receive, send = multiprocessing.Pipe(duplex=False)
    started = time.perf_counter()
    worker = multiprocessing.Process(target=_load, args=(str(path), send))
    worker.start()
    worker.join(limit)
    took = time.perf_counter() - started
    if worker.is_alive():
        worker.kill()
        worker.join()
        return "hung", [], took
    if not receive.poll():
        return "crashed", [("", "died", f"exit code {worker.exitcode}")], took
    outcome, detail = receive.recv()
    return outcome, detail, took


def _reason(message: str) -> str:
    """A problem's kind: its message id with the placeholders left in."""
    return re.sub(r"\s+", " ", message)[:110]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", nargs="*", type=Path, default=None)
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    forms = fetch() if not args.corpus else sorted(
        p for folder in args.corpus for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES)
    counts: collections.Counter[str] = collections.Counter()
    reasons: collections.Counter[str] = collections.Counter()
    only: collections.Counter[str] = collections.Counter()
    unnamed: list[str] = []
    slowest = 0.0
    for path in forms:
        outcome, detail, took = judge(path, args.timeout)
        slowest = max(slowest, took)
        counts[outcome] += 1
        kinds = {_reason(message) for _, message, _ in detail}
        if outcome == "refused":
            reasons.update(kinds)
            if len(kinds) == 1:
                only.update(kinds)
            unnamed += [f"{path.name}: {text}" for question, _, text in detail
                        if not question and "cannot be read" not in text
                        and "no questions" not in text]
        shown = "; ".join(f"{q or '(form)'}: {text}" for q, _, text in detail)[:160]
        print(f"{outcome:8} {took:5.2f}s {path.name:45} {shown}")
    total = len(forms)
    print()
    print(f"forms: {total}; " + ", ".join(
        f"{k} {counts[k]} ({100 * counts[k] / max(total, 1):.0f}%)"
        for k in ("loaded", "refused", "crashed", "hung")) + f"; slowest {slowest:.2f}s")
    print("reasons (forms affected / forms where it was the only reason):")
    for reason, n in reasons.most_common():
        print(f"  {n:3} / {only[reason]:3}  {reason}")
    print(f"refusals naming no question (other than an unreadable form): {len(unnamed)}")
    for line in unnamed:
        print("  " + line)


if __name__ == "__main__":
    main()
