"""Benchmark: importing the app's own full-profile export of 100,000 people (issue 14).

    python tests/bench/bench_import.py            # 100,000 people
    RMTUI_BENCH_QUICK=1 python tests/bench/bench_import.py   # 2,000 people, a smoke run

The file is what a coordinator round-trips: ``rmtui demo`` builds a realistic programme
(full profiles: role statements, goals, competencies, hobbies, managers), ``rmtui export
participants`` writes its 23-column CSV, and ``rmtui import`` reads it into an empty
programme. Each import runs as its own process (the CLI, as a person runs it), timed wall
to wall with its CPU time (user + system) and peak RSS; in the same run ``sqlite3 .import
--csv`` of the same file into a fresh database gives the floor (no checking, no indexes,
no audit). On a busy machine compare CPU: wall time swings with other work's disk I/O.

Targets (issue 14): ≤ 10 s and peak RSS ≤ 300 MB at 100,000 people, with progress. The
figures are printed, never asserted. A thin HR-style file (9 aliased columns, semicolons,
a BOM) then shows the dry run, a re-import with nothing to change and one changing every
row's level (versioned updates).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from rmtui.clock import FixedClock
from rmtui.csv_import import import_file
from rmtui.programme import Programme

pytestmark = pytest.mark.bench

TARGET_SECONDS = 10.0
TARGET_RSS_MB = 300.0

# Runs one command as its only child and reports its wall time and peak RSS (ru_maxrss of
# the children of a process that has no other child).
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime,
                  "rc": done.returncode, "out": done.stdout.strip(), "err": done.stderr.strip()[-400:]}))
"""


def measure(*command: str | Path) -> dict:
    """Return wall seconds, peak RSS (MB), CPU seconds, exit code and output of ``command``."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *map(str, command)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def rmtui(*args: str | Path) -> list[str | Path]:
    return [sys.executable, "-m", "rmtui", *args]


def build_export(folder: Path, people: int) -> Path:
    """Build a demo programme of ``people`` and return its 23-column export."""
    demo = folder / "demo.db"
    export = folder / "participants.csv"
    start = time.perf_counter()
    subprocess.run(rmtui("demo", "--people", str(people), "--no-open", "--db", demo), check=True, capture_output=True)
    subprocess.run(rmtui("export", "participants", "-o", export, "--db", demo), check=True, capture_output=True)
    with export.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        columns = len(next(reader))
        rows = sum(1 for _ in reader)
    print(
        f"  file: {rows:,} people × {columns} columns, {export.stat().st_size / 2**20:.1f} MB "
        f"(demo + export {time.perf_counter() - start:.1f} s)"
    )
    return export


def report_round_trip(folder: Path, people: int) -> None:
    export = build_export(folder, people)
    target = folder / "imported.db"
    result = measure(*rmtui("import", export, "--db", target))
    if result["rc"]:
        print(f"  import FAILED ({result['rc']}): {result['err']}")
        return
    print(
        f"  rmtui import (new programme)        {result['seconds']:6.2f} s  CPU {result['cpu']:5.1f} s  "
        f"peak RSS {result['rss_mb']:5.0f} MB   {result['out'].splitlines()[-1]}"
    )
    again = measure(*rmtui("import", export, "--db", target))
    print(
        f"  rmtui import again (all unchanged)  {again['seconds']:6.2f} s  CPU {again['cpu']:5.1f} s  "
        f"peak RSS {again['rss_mb']:5.0f} MB   {again['out'].splitlines()[-1] if again['out'] else again['err']}"
    )
    sqlite = shutil.which("sqlite3") or "/usr/bin/sqlite3"
    if not Path(sqlite).exists():
        print("  floor: no sqlite3 binary on this machine")
        return
    floor = measure(sqlite, folder / "floor.db", f".import --csv {export} people")
    print(
        f"  floor: sqlite3 .import --csv         {floor['seconds']:6.2f} s  CPU {floor['cpu']:5.1f} s  "
        f"peak RSS {floor['rss_mb']:5.0f} MB"
    )
    print(
        f"  ratio import / floor: wall {result['seconds'] / floor['seconds']:.1f}×, "
        f"CPU {result['cpu'] / max(floor['cpu'], 0.01):.1f}×   "
        f"target ≤ {TARGET_SECONDS:.0f} s: wall {'met' if result['seconds'] <= TARGET_SECONDS else 'NOT met'}, "
        f"CPU {'met' if result['cpu'] <= TARGET_SECONDS else 'NOT met'}; "
        f"≤ {TARGET_RSS_MB:.0f} MB: {'met' if result['rss_mb'] <= TARGET_RSS_MB else 'NOT met'}"
        + ("" if people >= 100_000 else " (targets are for 100,000 people)")
    )


DEPARTMENTS = ["Claims", "Finance", "Technology", "Marketing", "Legal", "Operations", "HR", "Sales"]
HOBBIES = ["chess", "cycling", "sailing", "jazz", "climbing", "baking", "gaming", "running"]


def write_thin_file(path: Path, rows: int, level_shift: int = 0) -> None:
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


def timed(label: str, action) -> None:
    updates: list[float] = []

    def progress(done: int, total: int) -> None:
        updates.append(time.perf_counter())

    start = time.perf_counter()
    result = action(progress)
    seconds = time.perf_counter() - start
    print(f"  {label:<34} {seconds:6.2f} s  ({len(updates)} progress updates)  {result}")


def report_thin(folder: Path, rows: int) -> None:
    source = folder / "hr.csv"
    changed = folder / "hr-changed.csv"
    write_thin_file(source, rows)
    write_thin_file(changed, rows, level_shift=1)
    print(f"\nthin HR file: {rows:,} rows × 9 columns, {source.stat().st_size / 2**20:.1f} MB (in process)")
    programme = Programme.open(folder / "thin.db", FixedClock.on("2026-11-20"), actor="bench")
    store = programme.store
    try:
        timed("dry run (parse + check + plan)", lambda p: import_file(store, source, dry_run=True, progress=p)[1])
        timed("real import (all new)", lambda p: import_file(store, source, progress=p)[1])
        timed("again (all unchanged)", lambda p: import_file(store, source, progress=p)[1])
        timed("every level changed (all updated)", lambda p: import_file(store, changed, progress=p)[1])
    finally:
        programme.close()


def report(quick: bool) -> None:
    people = 2_000 if quick else 100_000
    print(
        f"\nfull-profile round trip of {people:,} people (export → import; target ≤ {TARGET_SECONDS:.0f} s, "
        f"≤ {TARGET_RSS_MB:.0f} MB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        report_round_trip(folder, people)
        report_thin(folder, people)


def test_bench_import() -> None:
    report(quick=os.environ.get("RMTUI_BENCH_QUICK") == "1")


if __name__ == "__main__":
    report(quick=os.environ.get("RMTUI_BENCH_QUICK") == "1" or "--quick" in sys.argv)
