"""Keeping the public site current by itself: a few seconds after a list or plan is
published, a draw prepared, cancelled or run, a result published, withheld or corrected,
the pages that changed are rewritten (bot/site/build.py writes only what changed, each page
atomically). Driven by what the database holds, not by who changed it, so a change made
by the command line, another process, or just before a crash is caught at the next look."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.core import Core
from bot.site.build import Built, build

logger = logging.getLogger(__name__)

EVERY = 2.0  # seconds between looks (one small query)


@dataclass
class Refresher:
    """The site's folder and the version of the data it was last built from."""

    core: Core
    built: str | None = None

    async def refresh(self) -> Built | None:
        """Build when the data changed since the last build (always the first time)."""
        async with self.core.db.read() as rtx:
            version = await rtx.site.version()
        if version == self.built:
            return None
        self.built = version  # a build that fails is tried again when the data changes
        try:
            done = await build(self.core, self.core.settings.site_dir)
        except Exception:
            logger.exception("the public site could not be built; the bot goes on")
            return None
        if done.written:
            logger.info("public site: %d of %d files rewritten in %.1f s", done.written,
                        done.files, done.seconds)
        return done
