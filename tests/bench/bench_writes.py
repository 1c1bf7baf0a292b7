"""Benchmark: write throughput and commit latency with 1, 4 and 8 concurrent writer processes.

Run ``python tests/bench/bench_writes.py [--quick]``; pytest also collects it and prints the
same figures (``RMTUI_BENCH_QUICK=1`` makes it small). Nothing here asserts a time.

Each writer is a real process (tests/writer_process.py ``bench``) making single-row versioned
edits through the store, each its own ``BEGIN IMMEDIATE`` transaction with its audit row,
WAL and ``synchronous=FULL``, as a coordinator's save is. A commit's latency runs from asking
for the write lock to the commit returning, so it includes waiting for the other writers.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from rmtui.db import Participant, Store

pytestmark = pytest.mark.bench

WORKER = Path(__file__).resolve().parents[1] / "writer_process.py"
WRITERS = (1, 4, 8)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def measure(writers: int, edits: int, folder: Path) -> dict[str, float]:
    """Return throughput (commits/s) and latency figures (ms) for ``writers`` processes."""
    db = folder / f"writes-{writers}.db"
    with Store(db, actor="setup") as store, store.write() as writer:
        for n in range(max(WRITERS)):
            writer.insert(Participant(name=f"Writer {n}", role="mentor"))
    processes = [
        subprocess.Popen([sys.executable, str(WORKER), "bench", str(db), str(n), str(edits)], stdout=subprocess.PIPE, text=True)
        for n in range(writers)
    ]
    latencies: list[float] = []
    spans: list[list[float]] = []
    busy = 0
    for process in processes:
        out, _ = process.communicate(timeout=900)
        if process.returncode != 0:
            raise RuntimeError(f"writer exited with {process.returncode}")
        result = json.loads(out.strip().splitlines()[-1])
        latencies.extend(result["latencies"])
        busy += result["busy"][0]
        spans.append(result["span"])
    # From the first writer's first edit to the last writer's last commit (start-up excluded).
    elapsed = max(end for _, end in spans) - min(begin for begin, _ in spans)
    return {
        "writers": writers,
        "commits": len(latencies),
        "seconds": elapsed,
        "throughput": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p95_ms": p95(latencies),
        "max_ms": max(latencies),
        "busy_retries": busy,
    }


def run(quick: bool) -> list[dict[str, float]]:
    edits = 100 if quick else 1000
    figures = []
    with tempfile.TemporaryDirectory(prefix="rmtui-bench-writes-") as folder:
        for writers in WRITERS:
            figures.append(measure(writers, edits, Path(folder)))
    print(f"\nWrites ({edits} single-row versioned edits per writer process; WAL, synchronous=FULL, {os.cpu_count()} CPUs)")
    print(f"{'writers':>7} {'commits':>8} {'commits/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'busy':>5}")
    for f in figures:
        print(
            f"{f['writers']:>7} {f['commits']:>8} {f['throughput']:>10.0f} {f['p50_ms']:>8.2f} "
            f"{f['p95_ms']:>8.2f} {f['max_ms']:>8.1f} {f['busy_retries']:>5}"
        )
    return figures


def test_write_benchmark_prints_figures() -> None:
    figures = run(quick=os.environ.get("RMTUI_BENCH_QUICK") == "1")
    assert [f["writers"] for f in figures] == list(WRITERS)


if __name__ == "__main__":
    run(quick="--quick" in sys.argv[1:] or os.environ.get("RMTUI_BENCH_QUICK") == "1")
