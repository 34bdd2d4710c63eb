"""Heavy work (imports, draws, spreadsheets, PDFs) in worker processes with limits.

A worker is a spawned Python process that runs one job at a time and is kept for the
next one. Before each job it lowers its own address-space limit (RLIMIT_AS) to the
job's memory limit, so a spreadsheet that expands to gigabytes ends in a MemoryError
inside the worker, not in the bot; the parent kills a worker that outlives the job's
time limit and starts a new one for the next job. The bot's event loop only waits: a
thread of the default executor blocks on the worker's pipe, and nobody else waits for
the job. Small inputs are not worth a process: callers pass ``heavy=False`` and the
function runs in a thread of the bot instead, with no limits.

Functions and their arguments cross the pipe pickled: they must be module-level and
their arguments plain data (paths, lists, dataclasses).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
MIB = 1024 * 1024


@dataclass(frozen=True)
class Limit:
    """What one job may use: address space (MiB) and wall-clock time (seconds)."""

    memory_mb: int
    seconds: float


# Generous for real work (1M-target import: 40 MB a worker, 34 s; 1M draw: 0.7 GB, 15 s;
# a 100k-task digest spreadsheet: 124 MB, 7 s), far below what a crafted file would take.
IMPORT = Limit(memory_mb=2048, seconds=900)
DRAW = Limit(memory_mb=6144, seconds=900)
DOCUMENT = Limit(memory_mb=1024, seconds=300)
SITE = Limit(memory_mb=4096, seconds=1800)  # the public site of a province


class Failure(enum.Enum):
    MEMORY = "memory"  # the job needed more memory than its limit
    TIME = "time"  # the job ran longer than its limit and was stopped
    CRASHED = "crashed"  # the worker process died (a signal, the kernel's OOM killer)


class WorkFailed(Exception):
    """A job ended without a result; `failure` says why. Nothing it did was kept."""

    def __init__(self, failure: Failure, detail: str = "") -> None:
        super().__init__(f"{failure.value}: {detail}" if detail else failure.value)
        self.failure = failure
        self.detail = detail


def _limit_memory(memory_mb: int) -> None:
    """Lower the soft RLIMIT_AS of this process (never above its hard limit)."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = memory_mb * MIB
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def _serve(conn: Connection) -> None:
    """The worker's loop: receive (memory, function, arguments), send the outcome."""
    import resource
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the bot decides when its workers stop
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    while True:
        try:
            memory_mb, fn, args = conn.recv()
        except (EOFError, OSError):
            return
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))  # unpickling is done
        try:
            _limit_memory(memory_mb)
            outcome: tuple[str, Any] = ("ok", fn(*args))
        except MemoryError:
            outcome = ("memory", "")
        except BaseException as exc:  # sent back and raised in the bot as it was
            outcome = ("error", exc)
        try:
            conn.send(outcome)
        except MemoryError:
            conn.send(("memory", "the result did not fit"))
        except Exception as exc:  # an exception or result that cannot be pickled
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        finally:
            resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


class _Worker:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True,
                                       name="choucha-worker")
        self.process.start()
        child.close()
        self.retired = False  # killed while a thread of the bot still waits on it

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def call(self, limit: Limit, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        """Blocking: run one job (in a thread of the bot)."""
        try:
            self.conn.send((limit.memory_mb, fn, args))
            if not self.conn.poll(limit.seconds):
                self.kill()
                raise WorkFailed(Failure.TIME, f"{limit.seconds:.0f} s")
            kind, value = self.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self.kill()
            code = self.process.exitcode
            raise WorkFailed(Failure.CRASHED, f"exit code {code}") from None
        if kind == "ok":
            return value
        if kind == "memory":
            self.kill()  # a process that ran out of memory is not trusted with the next job
            raise WorkFailed(Failure.MEMORY, f"{limit.memory_mb} MiB")
        raise value

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class Workers:
    """Up to `size` worker processes, started when first needed and kept for reuse."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        self._slots: asyncio.Semaphore | None = None
        self.started = 0  # processes started so far (the tests read it)

    async def run(self, limit: Limit, fn: Callable[..., T], *args: Any,
                  heavy: bool = True) -> T:
        """fn(*args) in a worker under `limit`, or in a thread when not heavy.

        Raises WorkFailed when the worker ran out of memory or time or died; an
        exception raised by fn itself is raised here as it was.
        """
        if not heavy:
            return await asyncio.to_thread(fn, *args)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        async with self._slots:
            worker = self._take()
            try:
                result = await asyncio.to_thread(worker.call, limit, fn, args)
            except asyncio.CancelledError:
                # Nobody waits for the result any more; the thread still does: end the
                # process (the thread then sees the pipe close) and never reuse it.
                worker.retired = True
                worker.process.kill()
                raise
            finally:
                self._give_back(worker)
        return result

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    self._busy.add(worker)
                    return worker
                worker.kill()
            worker = _Worker()
            self.started += 1
            self._busy.add(worker)
            logger.info("worker process %s started", worker.process.pid)
            return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
            if worker.alive and not worker.conn.closed and not worker.retired:
                self._idle.append(worker)

    def close(self) -> None:
        """Stop every worker, busy ones too (their callers get WorkFailed)."""
        with self._lock:
            idle, busy = list(self._idle), list(self._busy)
            self._idle.clear()
        for worker in idle:
            worker.kill()
        for worker in busy:  # its caller's thread sees the pipe end and cleans up
            worker.process.kill()
