"""Reading a QR code back, as a phone's camera would (zbarimg): the invite card's, the
command line's (tests/test_invite_card.py, test_cli.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def decode_qr(png: bytes, tmp: Path) -> str:
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg (Debian zbar-tools) is needed: scripts/setup test installs it"
    path = tmp / "card.png"
    path.write_bytes(png)
    out = subprocess.run([zbarimg, "--quiet", "--raw", str(path)], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()
