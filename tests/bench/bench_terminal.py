"""Benchmark: what a coordinator sees in a real terminal (a tmux pane), with floors.

Keystroke → results visible: each key is sent with ``tmux send-keys`` and the pane is read
with ``tmux capture-pane -p`` until the screen shows that keystroke's results (for rmtui's
roster: the typed text, the first result's name and the "N of M people match" status line;
for fzf: its "matched/total" count; for a bare Textual Input → Label app: the label).
fzf (when installed) and the bare Textual app run in the same harness, in the same run, as
floors; the ratios are printed. Only keystrokes whose results differ from the previous
keystroke's are timed for rmtui and fzf (else "visible" would only mean the input line).

Live propagation: a separate writer process (tests/writer_process.py rename) renames one
participant; the clock runs from the moment its commit returned until the open roster (a
search that shows only that person) shows the new name. Then 500 more renames
(RMTUI_BENCH_LIVE_EDITS), each waited for on screen: the roster's resident memory before and
after, and how often its index was built in full (1: only the first time) or updated.

    python tests/bench/bench_terminal.py           # 10k and 100k people
    python tests/bench/bench_terminal.py --live    # only the live propagation part
    RMTUI_BENCH_QUICK=1 python tests/bench/bench_terminal.py   # 1k people, a few keys
    python tests/bench/bench_terminal.py --keys 10000=/tmp/d10k.db --base=/tmp/base --rounds=2
        # keystrokes only (no live propagation), and an older checkout (with its own .venv)
        # typed into in the same run, interleaved with this one, for before → after figures
    python tests/bench/bench_terminal.py --frames 10000=/tmp/d10k.db --base=/tmp/base --rounds=2
        # only in the app's process (headless, no tmux): key → the frame's bytes written,
        # wall clock and the main thread's CPU (what a busy machine blurs least)

Beside wall clock, each rmtui run reports the main thread's CPU per keystroke (from
/proc/PID/task/PID/schedstat, from the key sent until the next key), the garbage
collector's passes while typing (counted by gc.callbacks in the app's process: how many
took ≥ 5 ms and the longest) and the resident memory at the end.

Budgets (DESIGN.md "Performance budgets"): keystroke → visible p95 ≤ 33 ms at 10k, ≤ 50 ms
at 100k, ≤ 1.0× fzf; another process's edit visible at 100k p95 ≤ 300 ms. Printed, never
asserted.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-11-20"
WIDTH, HEIGHT = 120, 40
SOCKET = f"rmtui-bench-{os.getpid()}"  # a tmux server of our own: other people's sessions are left alone
# Edits after the timed ones, for resident memory after many live edits.
LIVE_MEMORY_EDITS = int(os.environ.get("RMTUI_BENCH_LIVE_EDITS", "500"))
QUERIES = ["jhon smtih", "jose nunez", "role:mentor chess", "dept:finance anal", "maria garcia", "priya"]

# Runs ``python -m rmtui ...`` with gc.callbacks timing every collection; a thread writes the
# figures to RMTUI_GC_PROBE (as JSON) twice a second.
GC_PROBE = r"""
import gc, json, os, runpy, sys, threading, time

out = os.environ["RMTUI_GC_PROBE"]
passes = []
started = [0.0]

def probe(phase, info):
    if phase == "start":
        started[0] = time.perf_counter()
    else:
        passes.append((info["generation"], (time.perf_counter() - started[0]) * 1000, started[0]))

gc.callbacks.append(probe)

def dump():
    written = -1
    while True:
        time.sleep(0.5)
        if len(passes) != written:
            written = len(passes)
            with open(out + ".tmp", "w") as f:
                json.dump(passes[:written], f)
            os.replace(out + ".tmp", out)

threading.Thread(target=dump, daemon=True).start()
sys.argv = ["rmtui", *sys.argv[1:]]
runpy.run_module("rmtui", run_name="__main__", alter_sys=True)
"""

BARE_APP = r"""
from textual.app import App
from textual.widgets import Input, Label

class Bare(App):
    def compose(self):
        yield Input(id="q")
        yield Label("ready", id="out")

    def on_input_changed(self, event):
        self.query_one("#out", Label).update("=> " + event.value + " <=")

Bare().run()
"""


def read_only(db: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` read without opening a Store (which would migrate an older file)."""
    from rmtui.db.sqlite import file_uri, sqlite3

    conn = sqlite3.connect(file_uri(db, mode="ro"), uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def own_copy(db: Path, own: Path) -> Path:
    """Return ``own``, a copy of the demo ``db`` made once (what its write-ahead log holds
    included; its permissions too: the app warns of a file others can read). A benchmark
    opens and writes its own copy, never the demo given: opening migrates a file in place,
    and an older checkout then refuses it."""
    if not own.exists():
        from rmtui.db.sqlite import file_uri, sqlite3

        source, target = sqlite3.connect(file_uri(db, mode="ro"), uri=True), sqlite3.connect(own)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        own.chmod(db.stat().st_mode & 0o777)
    return own


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(values: list[float]) -> str:
    if not values:
        return "no keystrokes timed"
    return f"p50 {percentile(values, 0.5):.1f} ms, p95 {percentile(values, 0.95):.1f} ms over {len(values)}"


class Pane:
    """One tmux session running ``command`` in a pane of ``size`` (WIDTH x HEIGHT unless told)."""

    def __init__(self, command: str, *, env: dict[str, str] | None = None, root: Path = ROOT,
                 size: tuple[int, int] = (WIDTH, HEIGHT)) -> None:
        self.name = f"rmtui-bench-{os.getpid()}-{random.randrange(10**9)}"
        exports = " ".join(f"{k}={v!r}" for k, v in (env or {}).items())
        for attempt in range(5):  # a server that just lost its last session may be exiting
            started = subprocess.run(
                ["tmux", "-L", SOCKET, "new-session", "-d", "-s", self.name, "-x", str(size[0]), "-y", str(size[1]),
                 f"cd {str(root)!r} && {exports} exec {command}"],
                check=attempt == 4, capture_output=True,
            )
            if started.returncode == 0:
                break
            time.sleep(0.5)

    def capture(self) -> str:
        return subprocess.run(
            ["tmux", "-L", SOCKET, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True, check=False
        ).stdout

    def send(self, *keys: str, literal: bool = False) -> None:
        subprocess.run(["tmux", "-L", SOCKET, "send-keys", "-t", self.name, *(["-l"] if literal else []), *keys], check=True)

    def wait_for(self, test: Callable[[str], bool], timeout: float = 60.0) -> float:
        """Poll the pane until ``test`` passes; return the time.perf_counter() it did."""
        deadline = time.perf_counter() + timeout
        while True:
            screen = self.capture()
            now = time.perf_counter()
            if test(screen):
                return now
            if now > deadline:
                raise TimeoutError(f"the pane never showed what was expected; it shows:\n{screen}")
            time.sleep(0.001)

    def pid(self) -> int | None:
        """The process the pane runs (its command is exec'd by the shell)."""
        pid = subprocess.run(["tmux", "-L", SOCKET, "display-message", "-p", "-t", self.name, "#{pane_pid}"],
                             capture_output=True, text=True, check=False).stdout.strip()
        return int(pid) if pid.isdigit() else None

    def close(self) -> None:
        subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", self.name], check=False, capture_output=True)


def main_thread_ns(pid: int | None) -> int | None:
    """CPU time (ns) the main thread of ``pid`` has run, or None when unknown."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/task/{pid}/schedstat") as stat:
            return int(stat.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def type_queries(
    pane: Pane, queries: list[str], expected: Callable[[str], Callable[[str], bool] | None],
    clear: Callable[[], None], cpu: list[float] | None = None,
) -> list[float]:
    """Type ``queries`` key by key; return ms from send-keys to ``expected(typed)`` on screen.

    ``cpu``, when given, gets the main thread's CPU ms per timed keystroke (key sent → the
    next key), read from the pane's process.
    """
    latencies = []
    pid = pane.pid() if cpu is not None else None
    for query in queries:
        typed = ""
        for character in query:
            typed += character
            test = expected(typed)
            started = time.perf_counter()
            before = main_thread_ns(pid)
            pane.send(character, literal=True)
            shown = typed.rstrip()
            seen = pane.wait_for(test or (lambda screen, t=shown: t in screen))
            if test is not None:
                latencies.append((seen - started) * 1000)
            time.sleep(0.05 + random.random() * 0.05)  # a person's pace between keys
            after = main_thread_ns(pid)
            if test is not None and cpu is not None and before is not None and after is not None:
                cpu.append((after - before) / 1e6)
        clear()
        time.sleep(0.3)
    return latencies


# -- rmtui -----------------------------------------------------------------------------------


def rmtui_expectations(db: Path) -> Callable[[str], Callable[[str], bool] | None]:
    """Return typed text → a test for the roster showing its results (None: same as before)."""
    from rmtui.search import RosterIndex
    from rmtui.text import clean

    index = RosterIndex.from_rows(read_only(db, "SELECT id, name, email, role, job_title, level, department,"
                                               " line_of_business, status, hobbies, interests FROM participants ORDER BY id"))
    total = len(index)
    previous: list[tuple] = [()]

    def expected(typed: str) -> Callable[[str], bool] | None:
        result = index.search(typed)
        first = clean(result.row(0).name)[:14].rstrip() if result.total else ""
        if result.total:
            status = f"{result.total:,} of {total:,} "
        else:
            status = "No one matches"
        shown = (first, status)
        if shown == previous[0]:
            return None
        previous[0] = shown

        def test(screen: str) -> bool:
            lines = screen.splitlines()
            return (any(typed in line for line in lines[:6]) and status in screen
                    and (not first or any(line.lstrip("▎ ").startswith(first) for line in lines)))

        return test

    return expected


def open_roster(db: Path, root: Path = ROOT, python: str = sys.executable,
                env: dict[str, str] | None = None, launcher: Path | None = None) -> Pane:
    """Open the roster of ``db`` in a pane, running the checkout at ``root`` (``launcher``:
    a script run instead of ``-m rmtui``, given rmtui's arguments)."""
    program = str(launcher) if launcher is not None else "-m rmtui"
    pane = Pane(f"{python} {program} --db {str(db)!r} --today {TODAY} roster",
                env={"TEXTUAL_ANIMATIONS": "none", **(env or {})}, root=root)
    pane.wait_for(lambda screen: " people · sorted by" in screen and "preparing" not in screen, timeout=180)
    pane.send("/")  # the roster starts on its table; / moves to the search field, as a person would
    time.sleep(0.5)
    return pane


def cpu_of_pane(pane: Pane) -> float | None:
    """Return the CPU seconds (user + system) the pane's process has used, or None when unknown."""
    pid = subprocess.run(["tmux", "-L", SOCKET, "display-message", "-p", "-t", pane.name, "#{pane_pid}"],
                         capture_output=True, text=True, check=False).stdout.strip()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def rss_of_pane(pane: Pane) -> float | None:
    """Return the resident memory (MB) of the pane's process, or None when unknown."""
    try:
        with open(f"/proc/{pane.pid()}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


@dataclass
class Typing:
    """What one rmtui run of the keystrokes measured."""

    latencies: list[float]
    cpu: list[float]
    gc_passes: list[tuple[int, float]]  # (generation, ms) of each collection while typing
    rss: float | None

    def lines(self, label: str) -> list[str]:
        slow = [ms for _, ms in self.gc_passes if ms >= 5]
        full = [ms for generation, ms in self.gc_passes if generation == 2]
        return [
            f"{label}: keystroke → visible {summary(self.latencies)}"
            + (f"; resident memory {self.rss:.0f} MB" if self.rss else ""),
            f"{label}: main-thread CPU per keystroke p50 {percentile(self.cpu, 0.5):.1f} ms, "
            f"p95 {percentile(self.cpu, 0.95):.1f} ms" if self.cpu else f"{label}: main-thread CPU unknown",
            f"{label}: garbage collection while typing: {len(self.gc_passes)} passes, {len(slow)} of ≥ 5 ms, "
            f"{len(full)} full (gen 2), longest {max((ms for _, ms in self.gc_passes), default=0):.1f} ms",
        ]


def read_gc(path: Path, start: float, end: float) -> list[tuple[int, float]]:
    """The collections (generation, ms) that began between ``start`` and ``end`` (perf_counter:
    the same monotonic clock in every process)."""
    try:
        return [(int(g), float(ms)) for g, ms, at in json.loads(path.read_text()) if start <= at <= end]
    except (OSError, ValueError):
        return []


def bench_rmtui(db: Path, queries: list[str], root: Path = ROOT, python: str = sys.executable,
                folder: Path | None = None) -> Typing:
    """Type ``queries`` into the roster of ``db`` run from the checkout at ``root``."""
    folder = folder or Path(tempfile.mkdtemp())
    launcher = folder / "gc_probe.py"
    launcher.write_text(GC_PROBE)
    probe = folder / f"gc-{os.getpid()}-{random.randrange(10**9)}.json"
    db = own_copy(db, folder / f"{root.resolve().name}-{zlib.crc32(str(root.resolve()).encode())}-{db.name}")
    pane = open_roster(db, root, python, env={"RMTUI_GC_PROBE": str(probe)}, launcher=launcher)
    try:
        cpu: list[float] = []
        expectations = rmtui_expectations(db)
        start = time.perf_counter()
        latencies = type_queries(pane, queries, expectations, lambda: pane.send("C-u"), cpu)
        end = time.perf_counter()
        rss = rss_of_pane(pane)
        time.sleep(0.8)  # the probe writes twice a second
        return Typing(latencies, cpu, read_gc(probe, start, end), rss)
    finally:
        pane.close()


# -- the floors ------------------------------------------------------------------------------


def bench_fzf(lines_file: Path, queries: list[str], total: int) -> list[float] | None:
    fzf = shutil.which("fzf")
    if fzf is None:
        return None
    previous: list[str] = [""]

    def expected(typed: str) -> Callable[[str], bool] | None:
        count = subprocess.run([fzf, "--filter", typed], stdin=lines_file.open(), capture_output=True,
                               check=False).stdout.count(b"\n")
        shown = f"{count}/{total}"
        if shown == previous[0]:
            return None
        previous[0] = shown
        return lambda screen: f" {shown}" in screen and typed.rstrip() in screen

    pane = Pane(f"{fzf} < {str(lines_file)!r}")
    try:
        pane.wait_for(lambda screen: f"{total}/{total}" in screen)
        time.sleep(0.3)
        return type_queries(pane, queries, expected, lambda: pane.send("C-u"))
    finally:
        pane.close()


def bench_bare(queries: list[str], folder: Path) -> list[float]:
    script = folder / "bare_textual.py"
    script.write_text(BARE_APP)
    pane = Pane(f"{sys.executable} {str(script)!r}", env={"TEXTUAL_ANIMATIONS": "none"})
    try:
        pane.wait_for(lambda screen: "ready" in screen)
        time.sleep(0.3)
        return type_queries(pane, queries, lambda typed: lambda screen: f"=> {typed} <=" in screen,
                            lambda: pane.send("C-u"))
    finally:
        pane.close()


# -- in the app's process: key event → the frame's bytes handed to the driver ---------------

# The real app, headless, with a driver that takes the frames' bytes (the headless driver
# drops them before they are made): the clock and the main thread's CPU run from the key
# event posted to the frame's write. CPU time is what a busy machine blurs least (the wall
# clock of the tmux runs swings 2x with other processes). Prints one JSON line.
FRAME_PROBE = r"""
import asyncio, json, sys, time
from textual import events
from textual.drivers.headless_driver import HeadlessDriver
from rmtui.app import RmtuiApp
from rmtui.clock import FixedClock
from rmtui.programme import Programme

db, today, width, height = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
queries = json.loads(sys.argv[5])
writes = []

class Writing(HeadlessDriver):
    @property
    def is_headless(self):
        return False  # the app makes each frame's bytes, as for a terminal

    def write(self, data):
        writes.append((time.perf_counter(), time.thread_time()))

async def main():
    programme = Programme.open(db, FixedClock.on(today))
    app = RmtuiApp(programme)
    figures = {"wall": [], "cpu": [], "cpu_key": []}
    async with app.run_test(size=(width, height)) as pilot:
        while getattr(app.screen, "result", None) is None:
            await asyncio.sleep(0.01)
        await app.workers.wait_for_complete()
        await asyncio.sleep(1.0)
        await pilot.press("slash")
        await asyncio.sleep(0.3)
        app._driver.__class__ = Writing
        screen, search = app.screen, app.screen.query_one("#search")
        for query in queries:
            typed, previous = "", None
            for character in query:
                typed += character
                writes.clear()
                wall, cpu = time.perf_counter(), time.thread_time()
                app.post_message(events.Key("space" if character == " " else character, character))
                while not (writes and search.value == typed and screen.shown_query == typed):
                    await asyncio.sleep(0)
                written = writes[0]
                await asyncio.sleep(0.1)  # a person's pace: the rest of the keystroke's work
                shown = (screen.result.total, screen.result.row_id(0) if screen.result.total else None)
                if shown != previous:  # as in the tmux runs: keystrokes that change the results
                    figures["wall"].append((written[0] - wall) * 1000)
                    figures["cpu"].append((written[1] - cpu) * 1000)
                    figures["cpu_key"].append((time.thread_time() - cpu) * 1000)
                previous = shown
            search.value = ""
            await asyncio.sleep(0.3)
    programme.close()
    print(json.dumps(figures))

asyncio.run(main())
"""


def bench_frames(db: Path, queries: list[str], root: Path = ROOT, python: str = sys.executable,
                 size: tuple[int, int] = (WIDTH, HEIGHT)) -> dict[str, list[float]]:
    """Type ``queries`` into the roster of ``db`` in a headless app run from the checkout at
    ``root``; return per keystroke ms: key → frame written (wall, main-thread CPU), and the
    main thread's CPU for all the keystroke's work (0.1 s after the key)."""
    done = subprocess.run(
        [python, "-c", FRAME_PROBE, str(db), TODAY, str(size[0]), str(size[1]), json.dumps(queries)],
        capture_output=True, text=True, cwd=root, check=True,
        env={**os.environ, "TEXTUAL_ANIMATIONS": "none", "PYTHONSAFEPATH": "1"},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def frame_lines(label: str, figures: dict[str, list[float]]) -> list[str]:
    cpu, whole = figures["cpu"], figures["cpu_key"]
    return [f"{label}: in the app, key → frame written: wall {summary(figures['wall'])}; main-thread CPU "
            f"p50 {percentile(cpu, 0.5):.1f} ms, p95 {percentile(cpu, 0.95):.1f} ms; the keystroke's whole "
            f"CPU p50 {percentile(whole, 0.5):.1f} ms, p95 {percentile(whole, 0.95):.1f} ms"]


def run_frames(quick: bool, databases: dict[int, Path] | None = None, *, base: Path | None = None,
               rounds: int = 1) -> list[str]:
    """Only the in-process part: this checkout and ``base`` (if given) alternating."""
    lines = []
    queries = QUERIES[:2] if quick else QUERIES
    checkouts = [("rmtui", ROOT, sys.executable)]
    if base is not None:
        checkouts.append(("base", base, str(base / ".venv" / "bin" / "python")))
    with tempfile.TemporaryDirectory() as name:
        for people in sorted(databases) if databases else ([1_000] if quick else [10_000, 100_000]):
            db = (databases or {}).get(people) or build_demo_db(Path(name), people)
            runs: dict[str, dict[str, list[float]]] = {label: {} for label, _, _ in checkouts}
            for _ in range(rounds):
                for label, root, python in checkouts:
                    for key, values in bench_frames(db, queries, root, python).items():
                        runs[label].setdefault(key, []).extend(values)
            for label, figures in runs.items():
                title = f"rmtui roster{' (base ' + str(base) + ')' if label == 'base' else ''}, {people:,} people"
                lines += frame_lines(title, figures)
                print(lines[-1], flush=True)
    return lines


def test_bench_frames() -> None:
    """Smoke run of the in-process part; prints the figures, asserts nothing about time."""
    for line in run_frames(os.environ.get("RMTUI_BENCH_QUICK", "1") != "0"):
        print(line)


# -- live propagation ------------------------------------------------------------------------

# The roster as the user runs it, counting how its index was made each time (a full build
# reading everyone, or an update by the people changed): a probe of the benchmark only.
LIVE_APP = r"""
import os
import sys

from rmtui.search import kept

_build = kept.KeptRosterIndex.build


def counted(self, store):
    index = _build(self, store)
    with open(os.environ["RMTUI_BENCH_BUILDS"], "a") as out:
        out.write("full\n" if self.reread is None else f"update {self.reread}\n")
    return index


kept.KeptRosterIndex.build = counted
from rmtui.cli import main

sys.argv[0] = "rmtui"
main()
"""


@dataclass
class LiveFigures:
    """What the live benchmark saw on one roster."""

    latencies: list[float]  # ms from another process's commit returning to the pane showing it
    full_builds: int  # index builds that read everyone (1: the roster's first; more: a rebuild)
    updates: int  # index updates by the people changed
    rss_before: float | None  # MB, once the roster showed the first search
    rss_after: float | None  # MB, after all the edits
    edits: int  # edits made in all (timed ones and the memory run's)
    cpu_per_edit: float | None = None  # ms of the roster process's CPU per edit in the memory run, idle use taken off


def bench_live(db: Path, edits: int, memory_edits: int = 0) -> LiveFigures:
    """Another process renames one person ``edits`` times at a person's pace (each timed from
    its commit returning to the open roster showing it), then ``memory_edits`` times more as
    fast as the roster shows them (resident memory before and after). On a copy of ``db``."""
    with tempfile.TemporaryDirectory() as folder:
        return _bench_live(own_copy(db, Path(folder) / db.name), edits, memory_edits)


def _bench_live(db: Path, edits: int, memory_edits: int) -> LiveFigures:
    probe = read_only(db, "SELECT id FROM participants ORDER BY id LIMIT 1 OFFSET 7")[0][0]
    writer = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "writer_process.py"), "rename", str(db), str(probe)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    assert writer.stdin is not None and writer.stdout is not None
    assert writer.stdout.readline().strip() == "ready"
    pane = None
    with tempfile.TemporaryDirectory() as name:
        script, builds = Path(name) / "live_rmtui.py", Path(name) / "builds.txt"
        script.write_text(LIVE_APP)
        builds.touch()
        try:

            def rename(n: int) -> float:
                """Rename the person to run ``n``; return when the commit returned (wall clock)."""
                writer.stdin.write(f"{n}\n")  # type: ignore[union-attr]
                writer.stdin.flush()  # type: ignore[union-attr]
                return float(writer.stdout.readline().split()[1])  # type: ignore[union-attr]

            rename(0)
            pane = Pane(f"{sys.executable} {str(script)!r} --db {str(db)!r} --today {TODAY} roster",
                        env={"TEXTUAL_ANIMATIONS": "none", "RMTUI_BENCH_BUILDS": str(builds)})
            pane.wait_for(lambda screen: " people · sorted by" in screen and "preparing" not in screen, timeout=120)
            pane.send("/")
            time.sleep(0.5)
            pane.send("livetest", literal=True)
            pane.wait_for(lambda screen: "Livetest Run0000" in screen)
            time.sleep(1.0)  # the index's update lookup is made in the background after the first build
            rss_before = rss_of_pane(pane)
            latencies = []
            for n in range(1, edits + 1):
                time.sleep(0.2 + random.random() * 0.3)
                committed = rename(n)
                seen = pane.wait_for(lambda screen, n=n: f"Livetest Run{n:04d}" in screen)
                # perf_counter → wall clock: both clocks advance together over this short span.
                latencies.append((time.time() - (time.perf_counter() - seen) - committed) * 1000)
            idle_began, idle_cpu = time.perf_counter(), cpu_of_pane(pane)
            time.sleep(3.0)  # the roster's own use meanwhile (its watcher's polls, the clock)
            idle_span, idle_used = time.perf_counter() - idle_began, cpu_of_pane(pane)
            began, cpu_before = time.perf_counter(), cpu_of_pane(pane)
            for n in range(edits + 1, edits + memory_edits + 1):
                rename(n)
                pane.wait_for(lambda screen, n=n: f"Livetest Run{n:04d}" in screen)
            span, cpu_after = time.perf_counter() - began, cpu_of_pane(pane)
            cpu_per_edit = None
            if memory_edits and None not in (idle_cpu, idle_used, cpu_before, cpu_after):
                idle_rate = (idle_used - idle_cpu) / idle_span  # type: ignore[operator]
                cpu_per_edit = ((cpu_after - cpu_before) - idle_rate * span) / memory_edits * 1000  # type: ignore[operator]
            time.sleep(1.0)
            rss_after = rss_of_pane(pane)
            made = builds.read_text().split()
            return LiveFigures(latencies, made.count("full"), made.count("update"), rss_before, rss_after,
                               edits + memory_edits, cpu_per_edit)
        finally:
            if pane is not None:
                pane.close()
            writer.stdin.close()
            writer.wait(timeout=30)


def live_lines(people: int, live: LiveFigures) -> list[str]:
    """The live benchmark's figures, as printed."""
    memory = ""
    if live.rss_before is not None and live.rss_after is not None:
        memory = f"; resident memory {live.rss_before:.0f} MB → {live.rss_after:.0f} MB after {live.edits} edits"
    if live.cpu_per_edit is not None:
        memory += f"; the roster's CPU per edit {live.cpu_per_edit:.1f} ms (idle use taken off)"
    return [
        f"another process's edit → visible on the open roster, {people:,} people: {summary(live.latencies)}",
        f"the roster's index over {live.edits} edits at {people:,}: {live.full_builds} full build(s) (1 = the first"
        f" only), {live.updates} update(s) by the people changed{memory}",
    ]


# -- the run ---------------------------------------------------------------------------------


def build_demo_db(folder: Path, people: int) -> Path:
    path = folder / f"terminal-{people}.db"
    subprocess.run([sys.executable, "-m", "rmtui", "demo", "--people", str(people), "--no-open", "--db", str(path)],
                   check=True, cwd=ROOT, capture_output=True)
    return path


def fzf_lines(db: Path, folder: Path) -> tuple[Path, int]:
    """The same people as fzf input: name, e-mail, title, department, business, one a line."""
    rows = read_only(db, "SELECT name, coalesce(email, ''), job_title, department, line_of_business, role, status"
                         " FROM participants ORDER BY id")
    path = folder / f"fzf-{db.stem}.txt"
    path.write_text("".join("  ".join(str(v) for v in row).replace("\n", " ") + "\n" for row in rows))
    return path, len(rows)


def run(quick: bool, databases: dict[int, Path] | None = None, *, live: bool = True,
        base: Path | None = None, rounds: int = 1) -> list[str]:
    """Measure; ``base``: an older checkout (with its .venv) typed into in the same run,
    alternating with this one for ``rounds`` rounds (before → after in one run)."""
    if shutil.which("tmux") is None:
        return ["tmux not installed: the terminal benchmarks need it (apt-get install tmux)"]
    sizes = sorted(databases) if databases else ([1_000] if quick else [10_000, 100_000])
    queries = QUERIES[:2] if quick else QUERIES
    lines = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        bare = bench_bare(queries, folder)
        lines.append(f"bare Textual Input → Label: keystroke → visible {summary(bare)}")
        print(lines[-1], flush=True)
        for people in sizes:
            db = (databases or {}).get(people) or build_demo_db(folder, people)
            lines_file, total = fzf_lines(db, folder)
            runs: dict[str, list[Typing]] = {"rmtui": [], "base": []}
            fzf: list[float] = []
            for _ in range(rounds):
                runs["rmtui"].append(bench_rmtui(db, queries, folder=folder))
                if base is not None:
                    runs["base"].append(bench_rmtui(db, queries, base, str(base / ".venv" / "bin" / "python"), folder))
                fzf += bench_fzf(lines_file, queries, total) or []
            floor = fzf or None
            for label, typed in runs.items():
                if not typed:
                    continue
                merged = Typing([ms for t in typed for ms in t.latencies], [ms for t in typed for ms in t.cpu],
                                [p for t in typed for p in t.gc_passes], typed[-1].rss)
                title = f"rmtui roster{' (base ' + str(base) + ')' if label == 'base' else ''}, {people:,} people"
                lines += merged.lines(title)
                ratios = []
                for floor_label, other in (("fzf", floor), ("bare Textual", bare)):
                    if other and merged.latencies:
                        ratios.append(f"p50 {percentile(merged.latencies, 0.5) / percentile(other, 0.5):.2f}× and "
                                      f"p95 {percentile(merged.latencies, 0.95) / percentile(other, 0.95):.2f}× "
                                      f"{floor_label}")
                if ratios:
                    lines.append(f"{title} / floors: " + "; ".join(ratios))
            if floor is None:
                lines.append("fzf not installed: its floor is skipped (apt-get install fzf)")
            else:
                lines.append(f"fzf, {people:,} lines: keystroke → visible {summary(floor)}")
            for line in lines[-12:]:
                print(line, flush=True)
            if live:
                lines += live_lines(people, bench_live(db, 5 if quick else 30, 20 if quick else LIVE_MEMORY_EDITS))
    return lines


def run_live(quick: bool, databases: dict[int, Path] | None = None) -> list[str]:
    """Only the live propagation part of :func:`run`."""
    if shutil.which("tmux") is None:
        return ["tmux not installed: the terminal benchmarks need it (apt-get install tmux)"]
    lines = []
    with tempfile.TemporaryDirectory() as name:
        for people in [1_000] if quick else [10_000, 100_000]:
            db = (databases or {}).get(people) or build_demo_db(Path(name), people)
            lines += live_lines(people, bench_live(db, 5 if quick else 30, 20 if quick else LIVE_MEMORY_EDITS))
            print(*lines[-2:], sep="\n", flush=True)
    return lines


def test_bench_terminal() -> None:
    """Smoke run in the suite: prints the figures, asserts nothing about time."""
    quick = os.environ.get("RMTUI_BENCH_QUICK", "1") != "0"
    for line in run(quick):
        print(line)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Keystroke → visible in a tmux pane, against fzf and a bare Textual app.")
    parser.add_argument("demos", nargs="*", metavar="N=DB", help="reuse a demo of N people built before at DB")
    parser.add_argument("--quick", action="store_true", help="small sizes (also RMTUI_BENCH_QUICK=1)")
    parser.add_argument("--keys", action="store_true", help="keystrokes only, no live edits")
    parser.add_argument("--live", action="store_true", help="another process's edits → visible on the roster")
    parser.add_argument("--frames", action="store_true", help="main-thread CPU per key, headless")
    parser.add_argument("--base", type=Path, help="a checkout of another release (with its .venv) measured in turn")
    parser.add_argument("--rounds", type=int, default=1)
    options = parser.parse_args()
    quick = os.environ.get("RMTUI_BENCH_QUICK") == "1" or options.quick
    given = {int(people): Path(path) for people, path in (demo.split("=", 1) for demo in options.demos)}
    base_checkout = options.base.resolve() if options.base else None
    if options.live:
        run_live(quick, given)
    elif options.frames:
        print("== summary ==")
        print("\n".join(run_frames(quick, given, base=base_checkout, rounds=options.rounds)))
    else:
        print("== summary ==")
        print("\n".join(run(quick, given, live=not options.keys, base=base_checkout, rounds=options.rounds)))
