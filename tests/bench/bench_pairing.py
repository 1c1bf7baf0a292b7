"""Benchmark: one pair's rule check, ranking candidates among 10,000, a 1,000 × 1,000 cohort.

    python tests/bench/bench_pairing.py                     # full sizes
    RMTUI_BENCH_QUICK=1 python tests/bench/bench_pairing.py  # small smoke run

Budgets (DESIGN.md and issue 4): one candidate's rule check ≤ 1 ms; ranking one person's
candidates among 10,000 ≤ 100 ms; optimal matching 1,000 × 1,000 ≤ 2 s. Printed, never
asserted. The people are synthetic but shaped like a programme: a management tree
several levels deep, a few dozen lines of business and teams, vocabularies of hobbies,
goals and competencies like the intake forms'.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time

import pytest

from rmtui.matching import PairFact, Pool, match_cohort, rank_candidates
from rmtui.rule_settings import default_rule_config
from rmtui.rules import Person, check_pair

pytestmark = pytest.mark.bench

TODAY = dt.date(2026, 11, 20)
ZONES = ["Europe/London", "Europe/Paris", "America/New_York", "America/Chicago", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"]
BUSINESSES = [f"Line {i}" for i in range(12)]
TEAMS = [f"Team {i}" for i in range(80)]
HOBBIES = [f"hobby {i}" for i in range(60)]
GOALS = [f"get better at area{i:02d} in everyday work" for i in range(80)]
SKILLS = [f"area{i:02d} in practice" for i in range(80)]


def synthetic_pool(mentors: int, mentees: int, seed: int = 11) -> Pool:
    """Return a pool of ``mentors`` + ``mentees`` people under a management tree."""
    rng = random.Random(seed)
    people: list[Person] = []
    for i in range(1, mentors + mentees + 1):
        role = "mentor" if i <= mentors else "mentee"
        level = rng.randint(1, 4) if role == "mentor" else rng.randint(5, 10)
        manager = rng.randint(max(1, i - 500), i - 1) if i > 1 and rng.random() < 0.9 else None
        people.append(
            Person.make(
                i, f"Person {i}", role,
                level=level,
                line_of_business=rng.choice(BUSINESSES),
                team=rng.choice(TEAMS),
                manager_id=manager,
                timezone=rng.choice(ZONES),
                status="active",
                capacity=rng.choice([1, 1, 1, 2]),
                hobbies=rng.sample(HOBBIES, 3),
                interests=rng.sample(HOBBIES, 2),
                development_goals=rng.sample(GOALS, 3),
                competencies=rng.sample(SKILLS, 3),
            )
        )
    pairs = [PairFact(k, 1, rng.randint(1, mentors), rng.randint(mentors + 1, mentors + mentees), "completed")
             for k in range(1, mentees // 10 + 1)]
    return Pool(people, pairs, {1: "Pilot", 2: "Wave 2"}, TODAY)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def run(quick: bool) -> dict[str, float]:
    figures: dict[str, float] = {}
    config = default_rule_config()

    candidates = 2_000 if quick else 10_000
    pool = synthetic_pool(candidates, 50)
    facts = pool.facts(2)
    rng = random.Random(3)
    mentors = [p for p in pool.people if p.role == "mentor"]
    mentees = [p for p in pool.people if p.role == "mentee"]
    times = []
    for _ in range(200 if quick else 2000):
        a, b = rng.choice(mentors), rng.choice(mentees)
        start = time.perf_counter()
        check_pair(a, b, facts, config)
        times.append(time.perf_counter() - start)
    times.sort()
    figures["check_median_ms"] = statistics.median(times) * 1000
    figures["check_p95_ms"] = times[int(len(times) * 0.95)] * 1000
    print(f"one candidate rule check: median {_ms(statistics.median(times))}, p95 {_ms(times[int(len(times) * 0.95)])} (budget 1 ms)")

    start = time.perf_counter()
    rank_candidates(pool, mentees[0].id, config, 2)
    figures["rank_first_ms"] = (time.perf_counter() - start) * 1000
    times = []
    for person in mentees[1:21]:
        start = time.perf_counter()
        rank_candidates(pool, person.id, config, 2)
        times.append(time.perf_counter() - start)
    figures["rank_median_ms"] = statistics.median(times) * 1000
    figures["rank_max_ms"] = max(times) * 1000
    print(
        f"ranking one mentee among {candidates:,} mentors: median {_ms(statistics.median(times))}, "
        f"max {_ms(max(times))} (budget 100 ms); first ranking, building the pool's arrays: "
        f"{figures['rank_first_ms']:.1f} ms"
    )

    side = 200 if quick else 1_000
    cohort = synthetic_pool(side, side, seed=5)
    start = time.perf_counter()
    result = match_cohort(cohort, 2, config)
    figures["cohort_s"] = time.perf_counter() - start
    print(
        f"whole cohort {side:,} mentees × {side:,} mentors: {figures['cohort_s']:.2f} s (budget 2 s), "
        f"{len(result.proposals):,} pairs, total {result.total:,.0f} vs greedy {result.greedy_total:,.0f} "
        f"over {result.greedy_pairs:,} pairs, {len(result.unmatched):,} unmatched"
    )
    return figures


def test_bench_pairing() -> None:
    """Run the benchmark (quick under RMTUI_BENCH_QUICK=1) and print its figures."""
    run(os.environ.get("RMTUI_BENCH_QUICK") == "1")


if __name__ == "__main__":
    run(os.environ.get("RMTUI_BENCH_QUICK") == "1")
