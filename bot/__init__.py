"""Choucha: the core (models, domain, services, rendering, scheduler jobs, CLI, emulator)."""

import os

# Opt in to python-telegram-bot's timedelta-valued durations (RetryAfter.retry_after, …)
# before it is imported anywhere, as its deprecation notice asks.
os.environ.setdefault("PTB_TIMEDELTA", "1")
