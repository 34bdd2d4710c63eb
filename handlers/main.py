"""The entry point (`choucha`): the office's command line with the Telegram handlers.

The one place that joins `bot` and `handlers`: it gives `handlers.register` to the
wiring, so that no module of `bot` imports `handlers` (docs/architecture.md)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bot import cli
from handlers import register


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, register=register)


if __name__ == "__main__":
    sys.exit(main())
