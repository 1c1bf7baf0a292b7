"""Benchmark: presence (issue 15) with 50 open apps, and how soon a header shows a newcomer.

Run ``python tests/bench/bench_presence.py [--quick]``; pytest also collects it (``-m bench``)
and prints the same figures (``RMTUI_BENCH_QUICK=1`` makes it short). Nothing asserts a time.

(a) Write rate: 50 simulated open apps in a second process (one thread and one store each,
    so 50 SQLite connections on one file) heartbeat as the app does: announce (upsert and
    prune) then read the others. Meanwhile this process makes a coordinator's saves (one
    versioned update with its audit row, ``synchronous=FULL``) every 50 ms; their latency is
    compared with the same saves without presence. Run at the real cadence (every 5 s) and
    at a stress cadence (every 0.5 s: ten times the real write rate).
(b) Header latency: an app under Pilot is open; another process (tests/writer_process.py
    ``presence``) moves to a new record; the time until the app's header names it.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from rmtui.db import Participant, Store

pytestmark = pytest.mark.bench

WORKER = Path(__file__).resolve().parents[1] / "writer_process.py"
APPS = 50


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _quick() -> bool:
    return os.environ.get("RMTUI_BENCH_QUICK") == "1" or "--quick" in sys.argv[1:]


# -- (a) 50 apps heartbeating ----------------------------------------------------------------

_SIMULATOR = r"""
import json, random, sys, threading, time
from rmtui.db import Store
from rmtui.presence import Presence, Spot

db, apps, interval, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
beats, others_ms, skipped, writes = [], [], [0], [0]
lock = threading.Lock()
start = threading.Barrier(apps + 1)

def app(n):
    with Store(db, actor=f"user{n}") as store:
        # Another host's app ids: their pids are not checked here; none goes stale meanwhile.
        me = Presence(store, host="simulated", pid=100000 + n, alive=lambda pid: True)
        start.wait()
        time.sleep(interval * n / apps)  # apps opened at different moments
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            began = time.perf_counter()
            wrote = me.announce(Spot("timeline", "pair", n, f"pair {n}"))
            took = (time.perf_counter() - began) * 1000
            began = time.perf_counter()
            me.others()
            read = (time.perf_counter() - began) * 1000
            with lock:
                beats.append(took); others_ms.append(read)
                writes[0] += wrote; skipped[0] += not wrote
            # As the app: a skipped beat is tried again within a second (rmtui.app PRESENCE_RETRY_SECONDS).
            pause = interval if wrote else min(interval, 0.5 + random.random())
            time.sleep(max(0.0, pause - took / 1000))

threads = [threading.Thread(target=app, args=(n,)) for n in range(apps)]
for t in threads: t.start()
start.wait()
print("started", flush=True)
began = time.time()
for t in threads: t.join()
print(json.dumps({"beats": beats, "others": others_ms, "writes": writes[0], "skipped": skipped[0],
                  "seconds": time.time() - began}), flush=True)
"""


def _saves(store: Store, row_id: int, seconds: float) -> list[float]:
    """A coordinator saving every 50 ms for ``seconds``: each save's latency in ms."""
    latencies = []
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        version = store.scalar("SELECT version FROM participants WHERE id = ?", (row_id,))
        began = time.perf_counter()
        with store.write(wait=True) as writer:
            writer.update("participants", row_id, version, {"job_title": f"save {n}"})
        latencies.append((time.perf_counter() - began) * 1000)
        n += 1
        time.sleep(0.05)
    return latencies


def measure_write_rate(folder: Path, interval: float, seconds: float, rounds: int) -> dict[str, float]:
    """``rounds`` times: a coordinator saves alone for ``seconds``, then as long again while
    50 apps heartbeat (the shared machine's noise falls on both alike)."""
    import json

    db = folder / f"presence-{interval}.db"
    with Store(db, actor="setup") as store, store.write() as writer:
        row_id = writer.insert(Participant(name="Saver", role="mentor")).id
    script = folder / "simulate.py"
    script.write_text(_SIMULATOR, encoding="utf-8")
    alone: list[float] = []
    during: list[float] = []
    beats: list[float] = []
    others: list[float] = []
    writes = skipped = 0
    span = 0.0
    with Store(db, actor="saver") as store:
        for _ in range(rounds):
            alone += _saves(store, row_id, seconds)
            settle = min(interval, 1.0)  # every app has announced once, or is about to
            child = subprocess.Popen(
                [sys.executable, str(script), str(db), str(APPS), str(interval), str(seconds + settle + 0.5)],
                stdout=subprocess.PIPE, text=True,
            )
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "started"
            time.sleep(settle)
            during += _saves(store, row_id, seconds)
            out, _ = child.communicate(timeout=600)
            if child.returncode != 0:
                raise RuntimeError(f"the simulator exited with {child.returncode}")
            result = json.loads(out.strip().splitlines()[-1])
            beats += result["beats"]
            others += result["others"]
            writes += result["writes"]
            skipped += result["skipped"]
            span += result["seconds"]
    return {
        "interval": interval,
        "writes_per_s": writes / span,
        "skipped_pct": 100 * skipped / max(1, writes + skipped),
        "beat_p50": statistics.median(beats),
        "beat_p95": p95(beats),
        "others_p95": p95(others),
        "save_alone_p50": statistics.median(alone),
        "save_alone_p95": p95(alone),
        "save_during_p50": statistics.median(during),
        "save_during_p95": p95(during),
        "saves": len(during),
    }


def run_write_rate(quick: bool) -> list[dict[str, float]]:
    seconds, rounds = (4.0, 1) if quick else (10.0, 3)
    intervals = (0.5,) if quick else (5.0, 0.5)
    with tempfile.TemporaryDirectory(prefix="rmtui-bench-presence-") as folder:
        figures = [measure_write_rate(Path(folder), interval, seconds, rounds) for interval in intervals]
    print(f"\nPresence: {APPS} open apps heartbeating on one file ({rounds} rounds of {seconds:g} s; announce + read "
          f"the others; {os.cpu_count()} CPUs); a coordinator saves every 50 ms, alone then with them")
    print(f"{'beat s':>6} {'writes/s':>9} {'skipped':>8} {'beat p50':>9} {'beat p95':>9} {'others p95':>11} "
          f"{'save p50 alone/with':>20} {'save p95 alone/with':>20}")
    for f in figures:
        print(f"{f['interval']:>6g} {f['writes_per_s']:>9.1f} {f['skipped_pct']:>7.1f}% {f['beat_p50']:>8.2f}m "
              f"{f['beat_p95']:>8.2f}m {f['others_p95']:>10.2f}m "
              f"{f['save_alone_p50']:>9.2f} / {f['save_during_p50']:<8.2f} {f['save_alone_p95']:>9.2f} / {f['save_during_p95']:<8.2f}")
    print("(times in ms)")
    return figures


def test_presence_write_rate_prints_figures() -> None:
    figures = run_write_rate(_quick())
    assert all(f["saves"] > 0 for f in figures)


# -- (b) header latency ----------------------------------------------------------------------


async def _header_latency(folder: Path, trials: int) -> tuple[list[float], int, int]:
    from rmtui.app import RmtuiApp
    from rmtui.programme import Programme

    db = folder / "header.db"
    programme = Programme.open(db, actor="coordinator")
    app = RmtuiApp(programme, start="audit")
    latencies: list[float] = []
    async with app.run_test(size=(200, 40)) as pilot:
        for _ in range(5):
            await pilot.pause()
            await app.workers.wait_for_complete()
        child = subprocess.Popen([sys.executable, str(WORKER), "presence", str(db), "alice", "5", "timeline"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert child.stdin is not None and child.stdout is not None
        try:
            assert child.stdout.readline().strip() == "here"
            generation = app.data_generation
            reads = _count_presence_reads(app)
            for n in range(1, trials + 1):
                label = f"pair {n}"
                began = time.perf_counter()
                child.stdin.write(f"move timeline pair {n} pair_{n}\n")
                child.stdin.flush()
                while f"({label} · timeline)" not in app.sub_title:
                    await asyncio.sleep(0.002)
                    if time.perf_counter() - began > 30:
                        raise RuntimeError("the header never showed the move")
                latencies.append((time.perf_counter() - began) * 1000)
                assert child.stdout.readline().strip() == "moved"
            refreshed = app.data_generation - generation
            child.stdin.write("leave\n")
            child.stdin.flush()
            child.wait(timeout=30)
        finally:
            child.kill()
    programme.close()
    return latencies, refreshed, reads[0]


def _count_presence_reads(app) -> list[int]:  # noqa: ANN001 - the app under test
    """Count the app's presence reads (each presence-only commit costs one, and no screen refresh)."""
    count = [0]
    original = app.read_presence

    def counted() -> None:
        count[0] += 1
        original()

    app.read_presence = counted
    return count


def run_header_latency(quick: bool) -> list[float]:
    trials = 8 if quick else 40
    with tempfile.TemporaryDirectory(prefix="rmtui-bench-presence-") as folder:
        latencies, refreshed, reads = asyncio.run(_header_latency(Path(folder), trials))
    print(f"\nHeader: another process moves to a record -> an open app's header names it ({trials} moves; "
          f"poll every 0.15 s): p50 {statistics.median(latencies):.0f} ms, p95 {p95(latencies):.0f} ms, "
          f"max {max(latencies):.0f} ms; meanwhile {reads} presence reads (one query each) and "
          f"{refreshed} screen refreshes")
    return latencies


def test_header_latency_prints_figures() -> None:
    assert run_header_latency(_quick())


if __name__ == "__main__":
    run_write_rate(_quick())
    run_header_latency(_quick())
