"""What the draw's steps return to the office: a preparation, a cancelled one, a run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.rules.draw.announcement import Announcement, BeforeRun


@dataclass(frozen=True)
class Prepared:
    """A draw prepared: the announcement, frozen before the lottery."""

    plan: str
    plan_id: int
    announcement: Announcement
    announcement_sha256: str
    raised: int  # targets the plan's risk rule put in the highest-risk stratum

    @property
    def draw_date(self) -> str:
        return self.announcement.draw_date


@dataclass(frozen=True)
class CancelledPreparation:
    """A preparation cancelled before its draw date: its nonce revealed."""

    plan: str
    draw_date: date
    reason: str
    nonce_commitment: str
    nonce: str
    entropy_source: str


@dataclass(frozen=True)
class Ran:
    """A draw run: the seed, the tasks, the record's digest."""

    plan: str
    draw_id: int
    seed: str
    tasks: int
    entropy: str
    nonce: str
    record_sha256: str  # the record as drawn, in the file store
    announcement_sha256: str
    withdrawn: tuple[BeforeRun, ...] = ()
