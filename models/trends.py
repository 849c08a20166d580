"""Short engagement trends from a student's recent check-ins: a sparkline and a direction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from models.checkin import ENGAGEMENT_DIMENSIONS, CheckIn

_BARS = "▁▂▃▄▅▆▇█"


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    STEADY = "steady"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Trend:
    sparkline: str
    direction: Direction
    latest: float | None


def engagement(check_in: CheckIn) -> float | None:
    """The mean of the rated dimensions, or None when nothing was rated."""
    ratings = [r for d in ENGAGEMENT_DIMENSIONS if (r := check_in.rating(d)) is not None]
    return sum(ratings) / len(ratings) if ratings else None


def sparkline(values: Sequence[float]) -> str:
    # A fixed 1-5 scale, so the same rating always draws the same bar.
    return "".join(_BARS[round((v - 1) / 4 * (len(_BARS) - 1))] for v in values)


def engagement_trend(check_ins: Sequence[CheckIn], window: int = 6) -> Trend:
    """`check_ins` oldest first; a change of half a point or more between halves is a direction."""
    scores = [s for c in check_ins if (s := engagement(c)) is not None][-window:]
    if not scores:
        return Trend("", Direction.UNKNOWN, None)
    if len(scores) < 2:
        return Trend(sparkline(scores), Direction.UNKNOWN, scores[-1])
    half = len(scores) // 2
    earlier = sum(scores[:half]) / half
    later = sum(scores[half:]) / (len(scores) - half)
    if later - earlier >= 0.5:
        direction = Direction.UP
    elif earlier - later >= 0.5:
        direction = Direction.DOWN
    else:
        direction = Direction.STEADY
    return Trend(sparkline(scores), direction, scores[-1])
