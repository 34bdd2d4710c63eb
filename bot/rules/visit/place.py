"""Whether a check-in's place is plausible."""

from __future__ import annotations

import math

from bot.rules.records import CheckinFlag, FlagKind

CHINA = (18.0, 54.0, 73.0, 135.5)  # south, north, west, east: a generous bounding box


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def checkin_flag(latitude: float, longitude: float,
                 area: tuple[float, float, float] | None) -> CheckinFlag | None:
    """Why a shared location is implausible, or None: 0,0 (no fix, or a forged one),
    outside China, or beyond the office's area (centre, radius km) by how many km."""
    if abs(latitude) < 1e-6 and abs(longitude) < 1e-6:
        return CheckinFlag(FlagKind.ZERO)
    south, north, west, east = CHINA
    if not (south <= latitude <= north and west <= longitude <= east):
        return CheckinFlag(FlagKind.OUTSIDE_CHINA)
    if area is not None:
        distance = _km(latitude, longitude, area[0], area[1])
        if distance > area[2]:
            return CheckinFlag(FlagKind.FAR, round(distance))
    return None
