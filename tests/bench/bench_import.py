"""Benchmark: importing a 100,000-row HR export, as a dry run and for real.

    python tests/bench/bench_import.py            # 100,000 rows
    RMTUI_BENCH_QUICK=1 python tests/bench/bench_import.py   # 5,000 rows, a smoke run

Budget (issue 3): ≤ 20 s for 100,000 rows on a 2-core machine, with progress visible.
The figures are printed, never asserted. A second import of the same file (every row
matched by email, nothing to change) and a re-import with one field changed on every
row show what matching and versioned updates cost.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import time
from pathlib import Path

import pytest

from rmtui.clock import FixedClock
from rmtui.csv_import import import_file
from rmtui.programme import Programme

pytestmark = pytest.mark.bench

DEPARTMENTS = ["Claims", "Finance", "Technology", "Marketing", "Legal", "Operations", "HR", "Sales"]
HOBBIES = ["chess", "cycling", "sailing", "jazz", "climbing", "baking", "gaming", "running"]


def write_file(path: Path, rows: int, level_shift: int = 0) -> None:
    """Write an HR-style export (aliases, semicolons, a BOM, quoted line breaks) of ``rows`` people."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Full name", "E-mail", "Role", "Grade", "Business unit", "Dept", "Start date", "Hobbies", "Experience"])
        for number in range(rows):
            writer.writerow(
                [
                    f"Person {number:06d}",
                    f"person{number}@example.org",
                    "mentor" if number % 3 else "mentee",
                    1 + (number + level_shift) % 12,
                    DEPARTMENTS[number % 8],
                    DEPARTMENTS[(number // 8) % 8],
                    f"{2000 + number % 25}-{1 + number % 12:02d}-{1 + number % 28:02d}",
                    f"{HOBBIES[number % 8]}; {HOBBIES[(number + 3) % 8]}",
                    "Joined from a start-up.\nLikes mentoring." if number % 5 == 0 else "",
                ]
            )


def timed(label: str, action) -> tuple[float, object]:
    updates: list[float] = []

    def progress(done: int, total: int) -> None:
        updates.append(time.perf_counter())

    start = time.perf_counter()
    result = action(progress)
    seconds = time.perf_counter() - start
    print(f"  {label:<34} {seconds:6.2f} s  ({len(updates)} progress updates)  {result}")
    return seconds, result


def report(quick: bool) -> None:
    rows = 5_000 if quick else 100_000
    print(f"\nimport of {rows:,} rows (budget 20 s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "hr.csv"
        changed = Path(folder) / "hr-changed.csv"
        write_file(source, rows)
        write_file(changed, rows, level_shift=1)
        print(f"  file: {source.stat().st_size / 2**20:.1f} MB")
        programme = Programme.open(Path(folder) / "bench.db", FixedClock.on("2026-11-20"), actor="bench")
        store = programme.store
        try:
            timed("dry run (parse + check + plan)", lambda p: import_file(store, source, dry_run=True, progress=p)[1])
            timed("real import (all new)", lambda p: import_file(store, source, progress=p)[1])
            timed("again (all unchanged)", lambda p: import_file(store, source, progress=p)[1])
            timed("every level changed (all updated)", lambda p: import_file(store, changed, progress=p)[1])
        finally:
            programme.close()


def test_bench_import() -> None:
    report(quick=os.environ.get("RMTUI_BENCH_QUICK") == "1")


if __name__ == "__main__":
    report(quick=os.environ.get("RMTUI_BENCH_QUICK") == "1" or "--quick" in sys.argv)
