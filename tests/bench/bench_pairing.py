"""Benchmark: one pair's rule check, ranking candidates among 10,000, a 1,000 × 1,000 cohort,
and the pairing screen's work on a real 100,000-person programme file.

    python tests/bench/bench_pairing.py                     # full sizes (builds a 100k demo: ~1.5 min)
    RMTUI_BENCH_QUICK=1 python tests/bench/bench_pairing.py  # small smoke run (2,000 people)
    RMTUI_BENCH_DB=/tmp/p100k.db python tests/bench/bench_pairing.py  # reuse a demo file

The programme part (issue 14: rule panel update on a cursor move p95 ≤ 10 ms, ranking ≤ 50 ms,
the pairing screen usable ≤ 1 s at 100k) first times what the coordinator sees
(:func:`screen_figures`): the real app, headless at 80×24, presses ``3``; "usable" is when the
pairing screen shows the person, candidate rows with a cursor and the rule panel of the row
under it (keys answer from then on: the first candidates by name, checked, while the whole
programme is read), "ranked" when the ranking has replaced them. Then the screen's own calls:
``_glance`` (the first paint's narrow read), ``_load`` (rules, ``load_pool``, ongoing pairs,
waves), ``rank_candidates``, and on each cursor move ``pairing.check`` of the person with the
candidate under the cursor. Wall clock and CPU time are printed side by side.
``python tests/bench/bench_pairing.py --screen FILE`` runs the screen part only (any version
of the screen: interleave runs of two checkouts on one file).

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
import tempfile
import time
from pathlib import Path

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


def _timed(action, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = action(*args, **kwargs)
    return result, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def programme_figures(path: Path, moves: int = 200) -> dict[str, float]:
    """Time the pairing screen's own calls on the programme file ``path``."""
    from rmtui.clock import FixedClock
    from rmtui.matching import load_pool
    from rmtui.pairing import check, find_people, roles_of
    from rmtui.programme import Programme
    from rmtui.screens.pairing import _load

    figures: dict[str, float] = {}
    programme = Programme.open(path, FixedClock.on(TODAY.isoformat()))
    try:
        pool, figures["load_pool_ms"], figures["load_pool_cpu_ms"] = _timed(load_pool, programme.store, TODAY)
        people = len(pool.people)
        del pool
        # Time to usable: what the screen does from opening to a ranked, checked first person.
        loaded, wall, cpu = _timed(_load, programme)
        wave = loaded.waves[0].id if loaded.waves else None
        chosen = getattr(loaded, "first", {}).get(wave)  # the screen's load picks the first person too
        if chosen is None:  # (before it did, the screen called find_people on the UI thread)
            first, w2, c2 = _timed(find_people, loaded.pool, "", wave, limit=1)
            person = first[0]
        else:
            person, w2, c2 = loaded.pool.by_id[chosen], 0.0, 0.0
        ranking, w3, c3 = _timed(rank_candidates, loaded.pool, person.id, loaded.config, wave)
        mentor, mentee = roles_of(person, ranking.candidates[0])
        _, w4, c4 = _timed(check, loaded.pool, mentor.id, mentee.id, loaded.config, wave)
        figures["ranked_ms"], figures["ranked_cpu_ms"] = wall + w2 + w3 + w4, cpu + c2 + c3 + c4
        print(f"pairing screen at {people:,} people, whole programme read and ranked (load {wall:.0f} ms, first "
              f"person {w2:.0f} ms, ranking {w3:.0f} ms, first check {w4:.1f} ms): {figures['ranked_ms']:.0f} ms "
              f"wall, {figures['ranked_cpu_ms']:.0f} ms CPU")
        try:  # the first paint's narrow read (screens before issue 14's second round have none)
            from rmtui.screens.pairing import _glance
        except ImportError:
            _glance = None
        if _glance is not None:
            seen, wall, cpu = _timed(_glance, programme, wave, None, small=0)
            first = seen.ranking
            if first is not None and len(first):
                mentor, mentee = roles_of(first.person, first.candidates[0])
                _, w2, c2 = _timed(check, seen.pool, mentor.id, mentee.id, seen.config, wave)
                wall, cpu = wall + w2, cpu + c2
            figures["usable_ms"], figures["usable_cpu_ms"] = wall, cpu
            print(f"first paint's read (names, person, first candidates by name checked): {wall:.0f} ms wall, "
                  f"{cpu:.0f} ms CPU (budget 1 s with the screen's own work: see the screen figures)")
        print(f"load_pool alone: {figures['load_pool_ms']:.0f} ms wall, {figures['load_pool_cpu_ms']:.0f} ms CPU")
        walls, cpus = [], []
        mentees = [p for p in (loaded.pool.people[i] for i in range(0, people, max(1, people // 40))) if p.role == "mentee"]
        for other in mentees[:20]:
            _, w, c = _timed(rank_candidates, loaded.pool, other.id, loaded.config, wave)
            walls.append(w)
            cpus.append(c)
        figures["rank_median_ms"], figures["rank_p95_ms"] = statistics.median(walls), _p(walls, 0.95)
        print(f"rank_candidates for one mentee among {people:,}: median {figures['rank_median_ms']:.1f} ms, "
              f"p95 {figures['rank_p95_ms']:.1f} ms wall; CPU median {statistics.median(cpus):.1f} ms (budget 50 ms)")
        walls, cpus = [], []
        for index in range(min(moves, len(ranking))):  # the cursor walks down the candidate table
            mentor, mentee = roles_of(person, ranking.candidates[index])
            _, w, c = _timed(check, loaded.pool, mentor.id, mentee.id, loaded.config, wave)
            walls.append(w)
            cpus.append(c)
        figures["panel_p50_ms"], figures["panel_p95_ms"] = _p(walls, 0.5), _p(walls, 0.95)
        print(f"rule panel check on a cursor move: p50 {figures['panel_p50_ms']:.2f} ms, p95 "
              f"{figures['panel_p95_ms']:.2f} ms wall; CPU p95 {_p(cpus, 0.95):.2f} ms (budget 10 ms)")
    finally:
        programme.close()
    return figures


def screen_figures(path: Path, start: str = "coordinators", settle: float | None = None) -> dict[str, float]:
    """Time what the coordinator sees: the real app (headless, 80×24) on the ``start`` screen,
    ``settle`` seconds after its first screen is in (RMTUI_BENCH_SETTLE, default 2: the app
    imports the pairing screen's modules in the background meanwhile), gets the key ``3``;
    the clock runs until the first frame written to the terminal (the app's ``_display``)
    that shows the pairing screen usable (the person, candidate rows with a cursor, the rule
    panel filled for the row under it: keys answer from here), and until the first frame
    with the candidates ranked. CPU time of the whole process (the app, its
    workers, the watcher) beside the wall clock. Runs on any version of the screen (an older
    one is usable only once ranked). Then the same after going back to the roster (``1``) for
    ``settle`` seconds and pressing ``3`` again, with the process's resident memory (VmRSS) on
    the ranked screen and on the roster after it.

    The key is posted as the terminal's driver posts it, not with ``Pilot.press``: that waits
    until the process has been idle a moment (up to a second, twice), so with the programme
    read in a worker meanwhile it stopped the clock a second late, or more."""
    import asyncio

    from rmtui.app import RmtuiApp
    from rmtui.clock import FixedClock
    from rmtui.programme import Programme

    figures: dict[str, float] = {}
    programme = Programme.open(path, FixedClock.on(TODAY.isoformat()))
    if settle is None:
        settle = float(os.environ.get("RMTUI_BENCH_SETTLE", "2"))

    async def measure() -> None:
        app = RmtuiApp(programme, start=start)
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
            await asyncio.sleep(settle)  # the coordinator reads the first screen, then presses 3
            seen: dict[str, tuple[float, float]] = {}
            display = app._display
            wall = cpu = 0.0

            def frame(screen, renderable) -> None:  # every frame Textual writes to the terminal
                display(screen, renderable)
                if renderable is None or not wall:
                    return
                source = getattr(screen, "source", None)
                if "usable" not in seen and source is not None and len(source) and getattr(screen, "current", None) is not None:
                    seen["usable"] = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
                ranking = getattr(screen, "ranking", None)
                if "usable" in seen and ranking is not None and getattr(ranking, "complete", True):
                    seen["ranked"] = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000

            app._display = frame  # type: ignore[method-assign]

            async def press(key_name: str, wanted: str) -> None:
                nonlocal wall, cpu
                seen.clear()
                wall, cpu = time.perf_counter(), time.process_time()
                app.post_message(_key(key_name, app))
                while wanted not in seen and time.perf_counter() - wall < 120:
                    await asyncio.sleep(0.005)
                assert wanted in seen, f"never {wanted} after {key_name}"

            await press("3", "ranked")
            figures["screen_usable_ms"], figures["screen_usable_cpu_ms"] = seen["usable"]
            figures["screen_ranked_ms"], figures["screen_ranked_cpu_ms"] = seen["ranked"]
            figures["screen_rss_mb"] = _rss_mb()
            # Back to the roster for a while (the coordinator looks someone up), then 3 again.
            await asyncio.sleep(1)
            app.post_message(_key("1", app))
            await asyncio.sleep(0.5)
            await app.workers.wait_for_complete()  # (the roster's first index build, when not shown yet)
            await asyncio.sleep(settle)
            figures["left_rss_mb"] = _rss_mb()
            await press("3", "ranked")
            figures["back_usable_ms"], figures["back_usable_cpu_ms"] = seen["usable"]
            figures["back_ranked_ms"], figures["back_ranked_cpu_ms"] = seen["ranked"]

    try:
        asyncio.run(measure())
    finally:
        programme.close()
    for visit, name in (("screen", "opened (3)"), ("back", "back (1, then 3)")):
        print(f"pairing screen {name} at {path.name}: usable in {figures[f'{visit}_usable_ms']:.0f} ms wall, "
              f"{figures[f'{visit}_usable_cpu_ms']:.0f} ms CPU (budget 1 s); ranked in "
              f"{figures[f'{visit}_ranked_ms']:.0f} ms wall, {figures[f'{visit}_ranked_cpu_ms']:.0f} ms CPU")
    print(f"resident memory: {figures['screen_rss_mb']:.0f} MB on the ranked pairing screen, "
          f"{figures['left_rss_mb']:.0f} MB {settle:.0f} s after going back to the roster")
    return figures


def _key(name: str, sender):  # noqa: ANN001, ANN202 - a Textual key event as the driver posts it
    from textual import events

    key = events.Key(name, name)
    key.set_sender(sender)
    return key


def _rss_mb() -> float:
    """This process's resident memory in MB (VmRSS; 0 where /proc is not there)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0.0


def build_programme(path: Path, people: int) -> None:
    """Build the demo programme of ``people`` (the project's own generator) into ``path``."""
    from rmtui.clock import FixedClock
    from rmtui.demo import build_demo
    from rmtui.programme import Programme

    programme = Programme.open(path, FixedClock.on(TODAY.isoformat()))
    try:
        build_demo(programme.store, people=people, seed=7, today=programme.today())
    finally:
        programme.close()


def run_programme(quick: bool) -> dict[str, float]:
    given = os.environ.get("RMTUI_BENCH_DB")
    if given:
        return {**screen_figures(Path(given)), **programme_figures(Path(given))}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pairing.db"
        build_programme(path, 2_000 if quick else 100_000)
        path.chmod(0o640)  # a group- or world-writable file opens on the health warning
        return {**screen_figures(path), **programme_figures(path, moves=50 if quick else 200)}


def test_bench_pairing() -> None:
    """Run the benchmark (quick under RMTUI_BENCH_QUICK=1) and print its figures."""
    quick = os.environ.get("RMTUI_BENCH_QUICK") == "1"
    run(quick)
    run_programme(quick)


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--screen"]:  # only the screen, on a given file (interleaved runs of two versions)
        screen_figures(Path(sys.argv[2]))
    else:
        quick = os.environ.get("RMTUI_BENCH_QUICK") == "1"
        run(quick)
        run_programme(quick)
