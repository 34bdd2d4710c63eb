"""A handwritten signature as drawn on the Mini App's canvas: strokes of points with times.

What arrives is checked before anything is kept: a drawing with too few points or too
small to be a signature is empty; anything not shaped as strokes of (x, y, t) within the
canvas, or larger than a signature can be, is unreadable. The strokes are the signature's
primary form (the PNG is rendered from them on the server)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

MAX_SIDE = 2000  # CSS pixels of the canvas
MAX_STROKES = 200
MAX_POINTS = 6000
MIN_POINTS = 8
MIN_EXTENT = 24.0  # the drawing's width or height, in CSS pixels
MAX_MILLISECONDS = 60 * 60 * 1000

Point = tuple[float, float, int]


class DrawingEmpty(ValueError):
    """Nothing (or next to nothing) was drawn."""


class DrawingUnreadable(ValueError):
    """Not strokes of points, or out of bounds."""


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    strokes: tuple[tuple[Point, ...], ...]

    @property
    def points(self) -> int:
        return sum(len(s) for s in self.strokes)

    def as_json(self) -> bytes:
        """Canonical JSON: what is hashed and kept."""
        return json.dumps({"width": self.width, "height": self.height,
                           "strokes": [[list(p) for p in s] for s in self.strokes]},
                          separators=(",", ":")).encode()


def _number(value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DrawingUnreadable("not a number")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise DrawingUnreadable("out of bounds")
    return number


def read_drawing(data: Any) -> Drawing:
    """{"width", "height", "strokes": [[[x, y, t], …], …]} as a Drawing."""
    if not isinstance(data, dict) or not isinstance(data.get("strokes"), list):
        raise DrawingUnreadable("not a drawing")
    width = int(_number(data.get("width"), 1, MAX_SIDE))
    height = int(_number(data.get("height"), 1, MAX_SIDE))
    if len(data["strokes"]) > MAX_STROKES:
        raise DrawingUnreadable("too many strokes")
    strokes = []
    total = 0
    for stroke in data["strokes"]:
        if not isinstance(stroke, list):
            raise DrawingUnreadable("not a stroke")
        total += len(stroke)
        if total > MAX_POINTS:
            raise DrawingUnreadable("too many points")
        points = []
        for point in stroke:
            if not isinstance(point, list) or len(point) != 3:
                raise DrawingUnreadable("not a point")
            points.append((round(_number(point[0], 0, width), 1),
                           round(_number(point[1], 0, height), 1),
                           int(_number(point[2], 0, MAX_MILLISECONDS))))
        if points:
            strokes.append(tuple(points))
    drawing = Drawing(width, height, tuple(strokes))
    xs = [p[0] for s in drawing.strokes for p in s]
    ys = [p[1] for s in drawing.strokes for p in s]
    if drawing.points < MIN_POINTS or max(max(xs) - min(xs), max(ys) - min(ys)) < MIN_EXTENT:
        raise DrawingEmpty("nothing drawn")
    return drawing
