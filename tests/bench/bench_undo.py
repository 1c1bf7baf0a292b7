"""Benchmark: undo (and redo) of an import of 100,000 people into an empty programme (issue 14).

    python tests/bench/bench_undo.py                      # 100,000 people
    python tests/bench/bench_undo.py --base /tmp/base     # and a base checkout, interleaved
    python tests/bench/bench_undo.py --file people.csv    # an export made before (skips the demo)
    RMTUI_BENCH_QUICK=1 python tests/bench/bench_undo.py  # 2,000 people, a smoke run

The file is the 23-column export of a demo programme (bench_import's ``build_export``),
imported once into an empty programme. Each round copies that database and runs, each as
its own process (the CLI, as a person runs it): ``rmtui undo --dry-run``, ``rmtui undo``
then ``rmtui redo``, timed wall to wall with their CPU (user + system). With ``--base``
the same steps run with the base checkout's Python on its own copy, base and this tree
taking turns, and min / median of each are printed. Figures only, never asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from bench_import import build_export, measure  # noqa: E402

pytestmark = pytest.mark.bench

STEPS = (("undo --dry-run", ("undo", "--dry-run")), ("undo", ("undo",)), ("redo", ("redo",)))


def run_round(python: str, imported: Path, copy: Path) -> dict[str, dict]:
    """Copy the imported programme and time each step on the copy with ``python``."""
    shutil.copyfile(imported, copy)
    figures = {}
    for label, args in STEPS:
        figures[label] = result = measure(python, "-m", "rmtui", *args, "--db", copy)
        if result["rc"]:
            print(f"  {label} FAILED ({result['rc']}): {result['err']}")
    return figures


def report(people: int, rounds: int, base: Path | None, source: Path | None) -> None:
    print(
        f"\nundo and redo of an import of {people:,} people (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    trees = {"this tree": sys.executable}
    if base is not None:
        trees = {"base": str(base / ".venv" / "bin" / "python"), **trees}
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        source = (source and source.resolve()) or build_export(folder, people)
        os.chdir(folder)  # ``python -m rmtui`` imports from the working directory first: not this tree's for the base
        imported = folder / "imported.db"
        done = measure(sys.executable, "-m", "rmtui", "import", source, "--db", imported)
        if done["rc"]:
            print(f"  import FAILED: {done['err']}")
            return
        print(f"  imported once: {done['out'].splitlines()[-1]} ({done['cpu']:.1f} s CPU)")
        seen: dict[str, dict[str, list[dict]]] = {tree: {label: [] for label, _ in STEPS} for tree in trees}
        for _ in range(rounds):
            for tree, python in trees.items():  # base, this tree, base, this tree...
                for label, result in run_round(python, imported, folder / "copy.db").items():
                    seen[tree][label].append(result)
        for label, _ in STEPS:
            for tree in trees:
                cpu = [r["cpu"] for r in seen[tree][label]]
                wall = [r["seconds"] for r in seen[tree][label]]
                print(
                    f"  {label:<15} {tree:<10} CPU min {min(cpu):6.2f} s median {statistics.median(cpu):6.2f} s   "
                    f"wall min {min(wall):6.2f} s median {statistics.median(wall):6.2f} s   ({len(cpu)} runs)"
                )
        print(f"  load average after: {os.getloadavg()[0]:.1f}")
        os.chdir(here)


def test_bench_undo() -> None:
    quick = os.environ.get("RMTUI_BENCH_QUICK") == "1"
    report(2_000 if quick else 100_000, 1, None, None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=None, help="demo size (default 100,000; 2,000 with --quick)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", type=Path, help="a base checkout with its own .venv, measured in turn")
    parser.add_argument("--file", type=Path, help="an export to import (instead of building a demo)")
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    quick = options.quick or os.environ.get("RMTUI_BENCH_QUICK") == "1"
    report(options.people or (2_000 if quick else 100_000), options.rounds, options.base, options.file)
