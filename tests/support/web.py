"""Local mode's web pages in the tests: a free port to serve them on, and Debian's
Chromium to drive them (tests/test_web_chat.py, test_handsign.py, test_local_restart.py,
test_web_page_guard.py)."""

from __future__ import annotations

import os
import shutil


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_PRESENT = os.path.exists(CHROMIUM)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
