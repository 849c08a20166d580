"""Short engagement trends from a student's recent check-ins: a sparkline and a direction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from models.checkin import ENGAGEMENT_DIMENSIONS

_BARS = "▁▂▃▄▅▆▇█"


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    STEADY = "steady"
    UNKNOWN = "unknown"


class Rated(Protocol):
    """A check-in's ratings: a `CheckIn`, or just its rating columns where a view reads no more."""

    def rating(self, dimension: str) -> int | None: ...


@dataclass(frozen=True)
class Trend:
    sparkline: str
    direction: Direction
    latest: float | None


def engagement(check_in: Rated) -> float | None:
    """The mean of the rated dimensions, or None when nothing was rated."""
    ratings = [r for d in ENGAGEMENT_DIMENSIONS if (r := check_in.rating(d)) is not None]
    return sum(ratings) / len(ratings) if ratings else None


def sparkline(values: Sequence[float]) -> str:
    # A fixed 1-5 scale, so the same rating always draws the same bar.
    return "".join(_BARS[round((v - 1) / 4 * (len(_BARS) - 1))] for v in values)


# A change of half a point in the mean rating is a direction; so is a fall or rise of two points in
# one dimension against the student's own recent level (the early-warning rule's "drop" too).
MEAN_STEP = 0.5
DIMENSION_STEP = 2


def engagement_trend(check_ins: Sequence[Rated], window: int = 6) -> Trend:
    """`check_ins` oldest first: the sparkline of the last `window` rated ones, and their direction."""
    rated = [c for c in check_ins if engagement(c) is not None][-window:]
    scores = [s for c in rated if (s := engagement(c)) is not None]
    if not scores:
        return Trend("", Direction.UNKNOWN, None)
    if len(scores) < 2:
        return Trend(sparkline(scores), Direction.UNKNOWN, scores[-1])
    return Trend(sparkline(scores), _direction(rated, scores), scores[-1])


def _direction(rated: Sequence[Rated], scores: Sequence[float]) -> Direction:
    """The word must match the numbers a person reads, so the newest check-in counts most.

    In order: a dimension that fell or rose by two points against its own earlier average (4 -> 2
    is never "steady"); then the newest mean against the earlier ones; then a slow drift, the
    later half of the window against the earlier half.
    """
    latest, earlier = rated[-1], rated[:-1]
    changes = []
    for dimension in ENGAGEMENT_DIMENSIONS:
        before = [r for c in earlier if (r := c.rating(dimension)) is not None]
        now = latest.rating(dimension)
        if before and now is not None:
            changes.append(now - sum(before) / len(before))
    fell = any(change <= -DIMENSION_STEP for change in changes)
    rose = any(change >= DIMENSION_STEP for change in changes)
    if fell != rose:
        return Direction.DOWN if fell else Direction.UP
    for earlier_scores, later_scores in (
        (scores[:-1], scores[-1:]),
        (scores[: len(scores) // 2], scores[len(scores) // 2 :]),
    ):
        change = sum(later_scores) / len(later_scores) - sum(earlier_scores) / len(earlier_scores)
        if change >= MEAN_STEP:
            return Direction.UP
        if change <= -MEAN_STEP:
            return Direction.DOWN
    return Direction.STEADY
