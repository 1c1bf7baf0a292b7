"""Benchmark: start-up to a painted roster, first paint and memory at 100k, typing end to end.

Each figure comes from a fresh child process (a real interpreter start, real imports, the
real app headless), so it is what a coordinator waits for after pressing Enter on `rmtui`.

    python tests/bench/bench_app.py            # 10k and 100k people
    RMTUI_BENCH_QUICK=1 python tests/bench/bench_app.py   # 2k people, a smoke run

Budgets (DESIGN.md): start → roster painted at 10k ≤ 0.8 s; roster first paint at 100k
≤ 1 s; resident memory at 100k ≤ 200 MB. Printed, never asserted.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-11-20"

CHILD = r"""
import asyncio, json, sys, time
started = float(sys.argv[1])
import psutil
from textual import events
from rmtui.app import RmtuiApp
from rmtui.clock import FixedClock
from rmtui.programme import Programme

async def main():
    programme = Programme.open(sys.argv[2], FixedClock.on(sys.argv[3]))
    app = RmtuiApp(programme)
    figures = {}
    async with app.run_test(size=(120, 40)) as pilot:
        # First paint: rows handed to the table (the SQL first page or the search results);
        # the compositor paints them on its next frame. Not pilot.pause(): waiting for the
        # app to go idle would also wait for the index build running in the background.
        while not app.screen.query("#results") or not app.screen.query_one("#results").row_count:
            await asyncio.sleep(0.002)
        figures["painted_s"] = time.time() - started
        while getattr(app.screen, "result", None) is None:
            await asyncio.sleep(0.002)
        figures["search_ready_s"] = time.time() - started
        await pilot.pause()
        figures["rss_mb"] = psutil.Process().memory_info().rss / 2**20
        latencies = []
        search = app.screen.query_one("#search")
        for query in sys.argv[4:]:
            typed = ""
            for character in query:
                typed += character
                # Key event in → results handed to the table (painted on the next frame).
                # Pilot.press is not used: it waits for a whole idle cycle (~100 ms).
                before = time.perf_counter()
                app.post_message(events.Key(character if character != " " else "space", character))
                while search.value != typed or app.screen.shown_query != typed:
                    await asyncio.sleep(0.0002)
                latencies.append((time.perf_counter() - before) * 1000)
            search.value = ""
            await app.workers.wait_for_complete()
            await pilot.pause()
        figures["keystroke_ms"] = latencies
    programme.close()
    print(json.dumps(figures))

asyncio.run(main())
"""

QUERIES = ["jhon smtih", "jose nunez", "role:mentor chess", "dept:finance anal"]


def build(path: Path, people: int) -> float:
    """Build the demo programme of ``people`` into ``path``; return seconds taken."""
    from rmtui.clock import FixedClock
    from rmtui.demo import build_demo
    from rmtui.programme import Programme

    started = time.perf_counter()
    programme = Programme.open(path, FixedClock.on(TODAY))
    build_demo(programme.store, people=people, seed=7, today=programme.today())
    programme.close()
    return time.perf_counter() - started


def measure(path: Path, queries: list[str]) -> dict:
    """Start a fresh app process on ``path``; return its figures."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD, repr(time.time()), str(path), TODAY, *queries],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env={**os.environ, "TEXTUAL_ANIMATIONS": "none"},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(quick: bool) -> list[str]:
    sizes = [2_000] if quick else [10_000, 100_000]
    runs = 1 if quick else 3
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        for people in sizes:
            path = Path(folder) / f"bench-{people}.db"
            seconds = build(path, people)
            lines.append(f"demo build, {people:,} people: {seconds:.2f} s")
            painted, ready, rss, keys = [], [], [], []
            for _ in range(runs):
                figures = measure(path, QUERIES)
                painted.append(figures["painted_s"])
                ready.append(figures["search_ready_s"])
                rss.append(figures["rss_mb"])
                keys.extend(figures["keystroke_ms"])
            lines.append(
                f"start → roster painted, {people:,} people: median {statistics.median(painted):.2f} s "
                f"(runs: {', '.join(f'{p:.2f}' for p in painted)}); search ready: median "
                f"{statistics.median(ready):.2f} s; resident memory {max(rss):.0f} MB"
            )
            lines.append(
                f"keystroke → results on screen (end to end, in the app), {people:,} people: "
                f"p50 {percentile(keys, 0.5):.1f} ms, p95 {percentile(keys, 0.95):.1f} ms, "
                f"max {max(keys):.1f} ms over {len(keys)} keystrokes"
            )
    return lines


def test_bench_app() -> None:
    """Smoke run in the suite: prints the figures, asserts nothing about time."""
    quick = os.environ.get("RMTUI_BENCH_QUICK", "1") != "0"
    for line in run(quick):
        print(line)


if __name__ == "__main__":
    quick = os.environ.get("RMTUI_BENCH_QUICK") == "1" or "--quick" in sys.argv
    for line in run(quick):
        print(line, flush=True)
