"""Benchmark: an hour of a coordinator's use, with another coordinator editing: resident memory.

The app runs in a real terminal (a tmux pane of 80x24, the harness of bench_terminal.py) on a
copy of a demo programme. A second coordinator's process (tests/live_writer.py soak) makes
realistic edits all along, one every ~2.5 s: a person's field, a session held, notes, a pair
proposed or closed early, now and then a small CSV import. Meanwhile a driver works through
the areas as a coordinator would, at a person's pace: roster (``/``, a name typed key by key,
Esc, a profile opened, back), pairing (wait until ranked, a few rows down), timeline,
leaderboard, triage, dashboard and audit, each visit waiting until the pane shows the area's
content so no key is lost.

Every ``--interval`` seconds the resident memory (VmRSS) of the app's python process is
sampled with the area it is on. At the end: RSS at the start, min/median/max, RSS back on the
roster after 15 s idle, the growth slope on the roster (MB per hour, least squares over the
roster's samples after the first round of the areas, so each area's one-off step on its
first visit is left out), the step of each area's first and later visits, the writer's
edits, visits per area and any error the pane showed. Printed, never asserted (issue 14's
budget: ≤ 200 MB at 100k after an hour of use with live edits).

    python tests/bench/bench_soak.py --db /tmp/dbs/p100000.db               # 60 minutes
    python tests/bench/bench_soak.py --db /tmp/dbs/p100000.db --minutes 10 --base /tmp/base
        # the same soak on the checkout at /tmp/base (with its .venv) at the same time,
        # on its own copy and with its own writer: before → after in the same hour
    RMTUI_BENCH_QUICK=1 python tests/bench/bench_soak.py    # ~1 minute on 2,000 people
    python tests/bench/bench_soak.py --probe ...  # also the app's live objects by type
        # (gc.get_objects) at each return to the roster: what grows, if anything does
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bench_terminal import ROOT, TODAY, Pane, build_demo_db, cpu_of_pane, read_only, rss_of_pane

pytestmark = pytest.mark.bench

SIZE = (80, 24)
WRITER = ROOT / "tests" / "live_writer.py"
WRITER_LOGIN = "soakwriter"  # the other coordinator

# The app as the user runs it; on SIGUSR1 it appends its live objects by type (the most
# numerous) to RMTUI_SOAK_PROBE, one JSON line: what a leak would be made of. The bench's
# own launcher (with --probe only): nothing of it is in the product.
PROBE = r"""
import collections, gc, json, os, runpy, signal, sys, time

out = os.environ["RMTUI_SOAK_PROBE"]


def dump(signum, frame):
    gc.collect()
    counts = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
    with open(out, "a") as f:
        f.write(json.dumps({"time": time.time(), "types": dict(counts.most_common(300))}) + "\n")


signal.signal(signal.SIGUSR1, dump)
sys.argv = ["rmtui", *sys.argv[1:]]
runpy.run_module("rmtui", run_name="__main__", alter_sys=True)
"""


# Each area: its key and what the pane shows once its content is there.
AREAS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "roster": ("1", lambda s: "Roster —" in s and " people" in s and "preparing" not in s),
    "pairing": ("3", lambda s: "Pairing —" in s and "candidates allowed" in s),  # ranked (not "ranking…")
    "timeline": ("4", lambda s: "Timeline —" in s and " # Status" in s),
    "leaderboard": ("5", lambda s: "Leaderboard —" in s and re.search(r"\d+ pairs", s) is not None),
    "triage": ("6", lambda s: "Triage —" in s and " items" in s),
    "dashboard": ("7", lambda s: "Dashboard —" in s and "Metric" in s),
    "audit": ("8", lambda s: "Audit —" in s and "newest first" in s),
}
SCROLLED = {"pairing", "leaderboard", "triage", "audit"}  # a few rows down on each visit


@dataclass
class Visit:
    area: str
    began: float  # seconds since the soak began
    rss_before: float | None
    rss_after: float | None = None


@dataclass
class Soak:
    """One checkout's soak: its pane, its copy of the programme, its writer and its figures."""

    label: str
    root: Path
    python: str
    folder: Path
    minutes: float
    interval: float
    pause: float  # the writer's seconds between edits
    probe: bool = False
    areas: tuple[str, ...] = tuple(AREAS)  # visited in this order, round after round
    rng: random.Random = field(default_factory=lambda: random.Random(14))
    samples: list[tuple[float, float, str]] = field(default_factory=list)  # (seconds, MB, area)
    visits: list[Visit] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    edits: dict[str, int] = field(default_factory=dict)
    area: str = "start"
    began: float = 0.0
    first_round_done: float | None = None
    end_rss: float | None = None
    cpu: float | None = None
    people: int = 0

    def run(self, source: Path) -> None:
        db = self.folder / f"{self.label}.db"
        shutil.copyfile(source, db)
        db.chmod(0o600)  # else the app opens on its warning that the file is readable by all
        self.people = read_only(db, "SELECT count(*) FROM participants")[0][0]
        names = [
            name.lower()
            for (name,) in read_only(db, "SELECT name FROM participants ORDER BY random() LIMIT 500")
            if name.isascii()
        ]
        env = {"TEXTUAL_ANIMATIONS": "none"}
        program = "-m rmtui"
        if self.probe:
            launcher = self.folder / "soak_probe.py"
            launcher.write_text(PROBE)
            program = str(launcher)
            env["RMTUI_SOAK_PROBE"] = str(self.folder / f"{self.label}-probe.jsonl")
        pane = Pane(f"{self.python} {program} --db {str(db)!r} --today {TODAY}", env=env, root=self.root, size=SIZE)
        writer = None
        try:
            if not self.look(pane, AREAS["roster"][1], "start", timeout=600):  # an older demo is migrated first
                return
            subprocess.run(
                [
                    self.python,
                    "-m",
                    "rmtui",
                    "--db",
                    str(db),
                    "users",
                    "add",
                    WRITER_LOGIN,
                    "--role",
                    "coordinator",
                    "--force",
                ],
                cwd=self.root,
                check=True,
                capture_output=True,
            )
            log = (self.folder / f"{self.label}-writer.txt").open("w")
            writer = subprocess.Popen(
                [self.python, str(WRITER), "soak", str(db), WRITER_LOGIN, str(self.minutes * 60), str(self.pause)],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                text=True,
            )
            self.began = time.perf_counter()
            sampler = threading.Thread(target=self.sample, args=(pane,), daemon=True)
            sampler.start()
            self.drive(pane, names)
            self.go(pane, "roster")
            time.sleep(15)
            self.end_rss, self.cpu = rss_of_pane(pane), cpu_of_pane(pane)
        finally:
            self.area = "done"
            if writer is not None:
                try:
                    writer.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    writer.terminate()
                    writer.wait()
                kinds = [
                    line.split()[1]
                    for line in (self.folder / f"{self.label}-writer.txt").read_text().splitlines()
                    if re.match(r"\d+\.\d+ \w+$", line)
                ]
                self.edits = {kind: kinds.count(kind) for kind in sorted(set(kinds))}
                if writer.returncode:
                    self.errors.append(f"the writer failed ({writer.returncode}): see {self.folder}")
            pane.close()

    def seconds(self) -> float:
        return time.perf_counter() - self.began

    def sample(self, pane: Pane) -> None:
        while self.area != "done":
            rss = rss_of_pane(pane)
            if rss is not None:
                self.samples.append((self.seconds(), rss, self.area))
            time.sleep(self.interval)

    def look(self, pane: Pane, ready: Callable[[str], bool], what: str, timeout: float = 120) -> bool:
        """Wait until the pane shows ``what`` (``ready``); note an error or a timeout shown."""
        deadline = time.perf_counter() + timeout
        while not ready(screen := pane.capture()) and "Traceback" not in screen:
            if time.perf_counter() > deadline:
                self.errors.append(f"{what}: timed out; the pane showed:\n{screen}")
                return False
            time.sleep(0.05)  # bench_terminal's Pane.wait_for polls every ms: for timing keys, not for an hour
        if "Traceback" in screen or "Error" in screen:
            self.errors.append(f"{what}: the pane showed an error:\n{screen}")
            return False
        return True

    def visit(self, pane: Pane, area: str) -> Visit:
        """Note that ``area`` is visited from now (its memory before); show it unless a profile."""
        self.area = area
        self.visits.append(Visit(area, self.seconds(), rss_of_pane(pane)))
        return self.visits[-1]

    def go(self, pane: Pane, area: str) -> Visit | None:
        """Switch to ``area`` with its key; return its visit once the pane shows it, else None."""
        visit = self.visit(pane, area)
        key, ready = AREAS[area]
        pane.send(key)
        return visit if self.look(pane, ready, area) else None

    def pace(self, low: float, high: float) -> None:
        time.sleep(self.rng.uniform(low, high))

    def drive(self, pane: Pane, names: list[str]) -> None:
        """Visit the areas in turn, as a coordinator would, until the time is up."""
        deadline = self.began + self.minutes * 60
        while time.perf_counter() < deadline:
            for area in self.areas:
                if time.perf_counter() >= deadline or pane.pid() is None:
                    return
                visit = self.go(pane, area)
                if visit is None:
                    pane.send("Escape")
                    continue
                if area == "roster":
                    self.search(pane, self.rng.choice(names))
                    if self.probe and pane.pid():
                        os.kill(pane.pid() or 0, signal.SIGUSR1)
                        self.pace(1, 2)
                elif area in SCROLLED:
                    self.pace(1, 3)
                    for _ in range(self.rng.randint(2, 5)):
                        pane.send("Down")
                        self.pace(0.3, 0.7)
                self.pace(2, 5)
                visit.rss_after = rss_of_pane(pane)
            if self.first_round_done is None:
                self.first_round_done = self.seconds()

    def search(self, pane: Pane, name: str) -> None:
        """Type part of ``name`` at a person's pace, open the first person found, come back."""
        pane.send("/")
        self.pace(0.3, 0.6)
        pane.send("C-u")
        typed = name[: self.rng.randint(6, len(name))].rstrip()
        for end in range(1, len(typed) + 1):
            pane.send(typed[end - 1], literal=True)
            time.sleep(self.rng.uniform(0.08, 0.25))
        found = self.look(
            pane,
            lambda s: typed in "\n".join(s.splitlines()[:4]) and (" match" in s or "No one" in s),
            f"roster search {typed!r}",
            timeout=60,
        )
        self.pace(1, 2)
        pane.send("Escape")  # to the results
        self.pace(0.3, 0.8)
        if found and "No one matches" not in pane.capture():
            profile = self.visit(pane, "profile")
            pane.send("Enter")
            if self.look(pane, lambda s: "Profile —" in s, "profile"):
                self.pace(2, 5)
                profile.rss_after = rss_of_pane(pane)
                pane.send("Escape")
            self.area = "roster"
            self.look(pane, AREAS["roster"][1], "back to the roster")

    # -- figures --------------------------------------------------------------------------

    def slope(self) -> tuple[float | None, int]:
        """MB per hour (least squares) over the roster's samples after the first round."""
        start = self.first_round_done or 0.0
        points = [(t / 3600, mb) for t, mb, area in self.samples if area == "roster" and t >= start]
        if len(points) < 3:
            return None, len(points)
        mean_t = statistics.fmean(t for t, _ in points)
        mean_mb = statistics.fmean(mb for _, mb in points)
        spread = sum((t - mean_t) ** 2 for t, _ in points)
        if not spread:
            return None, len(points)
        return sum((t - mean_t) * (mb - mean_mb) for t, mb in points) / spread, len(points)

    def lines(self) -> list[str]:
        rss = [mb for _, mb, _ in self.samples]
        title = f"soak {self.label} ({self.root}), {self.people:,} people, {self.minutes:g} min at 80x24"
        if not rss:
            return [f"{title}: no memory sampled", *self.errors]
        slope, count = self.slope()
        end = f"{self.end_rss:.0f} MB" if self.end_rss else "unknown"
        lines = [
            f"{title}: RSS at start {rss[0]:.0f} MB; min {min(rss):.0f}, median {statistics.median(rss):.0f}, "
            f"max {max(rss):.0f} MB over {len(rss)} samples; end (roster, 15 s idle) {end}; "
            + (
                f"growth on the roster {slope:+.1f} MB/h ({count} samples after the first round)"
                if slope is not None
                else "growth on the roster unknown (too few samples)"
            )
            + (f"; CPU {self.cpu:.0f} s" if self.cpu is not None else "")
        ]
        for area in [*AREAS, "profile"]:
            steps = [
                v.rss_after - v.rss_before
                for v in self.visits
                if v.area == area and v.rss_after is not None and v.rss_before is not None
            ]
            on = [mb for _, mb, at in self.samples if at == area]
            visits = sum(v.area == area for v in self.visits)
            if not visits and not on:
                continue
            first = f"first visit {steps[0]:+.1f} MB" if steps else "first visit unknown"
            later = f", later visits median {statistics.median(steps[1:]):+.1f} MB" if len(steps) > 1 else ""
            median = f", median RSS there {statistics.median(on):.0f} MB" if on else ""
            lines.append(f"  {area}: {visits} visits; {first}{later}{median}")
        total = sum(self.edits.values())
        lines.append(
            f"  the other coordinator: {total} edits ("
            + ", ".join(f"{kind} {n}" for kind, n in self.edits.items())
            + ")"
        )
        lines.append("  errors on screen: " + ("none" if not self.errors else f"{len(self.errors)}; the first:"))
        lines += [f"    {line}" for line in self.errors[0].splitlines()] if self.errors else []
        return lines

    def figures(self) -> dict[str, object]:
        return {
            "label": self.label,
            "root": str(self.root),
            "people": self.people,
            "samples": self.samples,
            "visits": [vars(v) for v in self.visits],
            "edits": self.edits,
            "errors": self.errors,
            "end_rss": self.end_rss,
            "first_round_done": self.first_round_done,
        }


def run(
    minutes: float,
    db: Path | None = None,
    *,
    base: Path | None = None,
    interval: float = 5.0,
    pause: float = 2.5,
    people: int = 100_000,
    json_path: Path | None = None,
    probe: bool = False,
    areas: tuple[str, ...] = tuple(AREAS),
) -> list[str]:
    """Soak this checkout (and ``base`` at the same time, if given); return the printed lines."""
    if shutil.which("tmux") is None:
        return ["tmux not installed: the soak benchmark needs it (apt-get install tmux)"]
    with tempfile.TemporaryDirectory(prefix="rmtui-soak-") as name:
        folder = Path(name)
        source = db or build_demo_db(folder, people)
        checkouts = [("new", ROOT, sys.executable)]
        if base is not None:
            checkouts.append(("base", base, str(base / ".venv" / "bin" / "python")))
        soaks = [Soak(*checkout, folder, minutes, interval, pause, probe, areas) for checkout in checkouts]
        threads = [threading.Thread(target=soak.run, args=(source,)) for soak in soaks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        lines = [line for soak in soaks for line in soak.lines()]
        if json_path is not None:
            json_path.write_text(json.dumps([soak.figures() for soak in soaks]))
        if probe:
            for soak in soaks:
                lines += probe_lines(soak.label, folder / f"{soak.label}-probe.jsonl")
    return lines


def probe_lines(label: str, path: Path) -> list[str]:
    """The object types whose count grew most from the second probe to the last."""
    try:
        dumps = [json.loads(line) for line in path.read_text().splitlines()]
    except (OSError, ValueError):
        return [f"probe {label}: nothing written"]
    if len(dumps) < 3:
        return [f"probe {label}: only {len(dumps)} dump(s)"]
    first, last = dumps[1]["types"], dumps[-1]["types"]
    grown = sorted(((last.get(t, 0) - first.get(t, 0), t) for t in {*first, *last}), reverse=True)[:15]
    return [
        f"probe {label}: objects from the 2nd roster visit to the last ({len(dumps)} dumps), most grown: "
        + ", ".join(f"{t} {n:+d}" for n, t in grown)
    ]


def quick() -> bool:
    return os.environ.get("RMTUI_BENCH_QUICK", "1") != "0"


def test_bench_soak() -> None:
    """Smoke run (about a minute on 2,000 people when quick): prints, asserts nothing about memory."""
    for line in run(1, people=2_000, interval=2, pause=1) if quick() else run(60):
        print(line)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(
        description="An hour of a coordinator's use with another coordinator editing: "
        "the app's resident memory, in a tmux pane of 80x24."
    )
    parser.add_argument("--minutes", type=float, default=None, help="how long to soak (default 60; 1 when quick)")
    parser.add_argument("--db", type=Path, help="a demo programme to copy (default: build one of --people)")
    parser.add_argument(
        "--people", type=int, default=None, help="people in the demo built (default 100000; 2000 when quick)"
    )
    parser.add_argument("--base", type=Path, help="also soak the checkout at DIR (with its .venv) at the same time")
    parser.add_argument("--interval", type=float, default=None, help="seconds between memory samples (default 5)")
    parser.add_argument("--pause", type=float, default=2.5, help="the writer's seconds between edits (default 2.5)")
    parser.add_argument("--json", type=Path, help="write the samples and visits to this file")
    parser.add_argument("--probe", action="store_true", help="also count the app's objects by type on the roster")
    parser.add_argument("--areas", default=",".join(AREAS), help=f"areas visited in turn (default {','.join(AREAS)})")
    parser.add_argument("--quick", action="store_true", help="a minute on 2,000 people (also RMTUI_BENCH_QUICK=1)")
    options = parser.parse_args()
    small = options.quick or os.environ.get("RMTUI_BENCH_QUICK") == "1"
    figures = run(
        options.minutes or (1 if small else 60),
        options.db,
        base=options.base.resolve() if options.base else None,
        interval=options.interval or (2 if small else 5),
        pause=options.pause,
        people=options.people or (2_000 if small else 100_000),
        json_path=options.json,
        probe=options.probe,
        areas=tuple(options.areas.split(",")),
    )
    print("== summary ==")
    print("\n".join(figures))
