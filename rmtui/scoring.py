"""The match score: the soft rules' fits weighted into 0–100, with the breakdown shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rmtui.rules import Verdict


@dataclass(frozen=True)
class ScorePart:
    """What one soft rule adds to the score."""

    rule: str
    label: str
    fit: float  # 0..1
    weight: float
    points: float  # the share of 100 this rule earned


@dataclass(frozen=True)
class Score:
    """A pair's score and where it came from."""

    total: float  # 0..100
    parts: tuple[ScorePart, ...]


def score(verdicts: Iterable[Verdict]) -> Score:
    """Return the weighted score of the soft verdicts (0 when no soft rule carries weight).

    Each soft rule earns ``weight × fit``; the total is that sum over the sum of the
    weights, times 100. Hard rules do not score: they allow or block.
    """
    soft = [v for v in verdicts if not v.hard and v.weight > 0]
    weights = sum(v.weight for v in soft)
    if not weights:
        return Score(0.0, ())
    parts = tuple(ScorePart(v.rule, v.label, v.fit, v.weight, 100 * v.weight * v.fit / weights) for v in soft)
    total = 100 * sum(v.weight * v.fit for v in soft) / weights
    return Score(total, parts)
