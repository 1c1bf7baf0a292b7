"""Benchmark: another coordinator's edit → visible on the open pairing screen (DESIGN.md: another
process's write visible on any open screen at 100k people, p95 ≤ 300 ms).

    python tests/bench/bench_pairing_live.py --live DB [--base DIR] [--edits 12] [--rounds 2]
    RMTUI_BENCH_QUICK=1 pytest -m bench tests/bench/bench_pairing_live.py   # smoke run, 300 people

The app runs headless at 80×24 in a child process on a copy of ``DB`` (``DB`` itself is never
written), opens pairing and waits until the ranking is in. A second process (the writer, also
a child) then, one edit at a time, renames the top candidate, or proposes a pair of the person
being matched with that candidate, or withdraws it (raw SQL, as any other process may write:
one commit each). Measured from the writer's commit to the first frame the app writes whose
candidate table shows it (the new name; "◆ proposed" on the candidate's row, then not): wall
clock, and the app process's CPU time over the same span; and the full garbage collections
(generation 2) that ran in that span. With ``--base DIR`` a checkout (its own ``.venv``) runs
the same child on its own copy, rounds interleaved base, new, base, new. Figures printed:
min / median / p95 per version, by kind of edit and all together, with the load average.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench

TODAY = "2026-11-20"
KINDS = ("rename", "rename", "propose", "rename", "rename", "withdraw")  # cycled


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


# -- the writer: another coordinator's process ----------------------------------------------


def writer(db: str) -> None:
    """Read commands from stdin, one commit each; print "<n> <wall-clock time of the commit>".

    ``rename ID N``; ``propose MENTOR MENTEE WAVE``; ``withdraw PAIR``."""
    from rmtui.db import Store

    with Store(db) as store:  # as this OS user: the demo makes them its admin
        print("ready", flush=True)
        for line in sys.stdin:
            kind, *args = line.split()
            with store.write() as w:
                if kind == "rename":
                    w.execute(
                        "UPDATE participants SET name = ?, version = version + 1, updated_at = ? WHERE id = ?",
                        (f"Livetest Run{int(args[1]):04d}", TODAY, int(args[0])),
                    )
                    made = args[0]
                elif kind == "propose":
                    made = w.execute(
                        "INSERT INTO pairs (wave_id, mentor_id, mentee_id, status, created_at, updated_at) "
                        "VALUES (?, ?, ?, 'proposed', ?, ?)",
                        (int(args[2]), int(args[0]), int(args[1]), TODAY, TODAY),
                    ).lastrowid
                else:
                    w.execute("DELETE FROM pairs WHERE id = ?", (int(args[0]),))
                    made = args[0]
            print(f"{made} {time.time()}", flush=True)


# -- the app: the pairing screen open, its frames watched --------------------------------------


def app_child(db: str, edits: int) -> None:
    """Open pairing on ``db`` headless and time ``edits`` edits by a writer process; print JSON."""
    import asyncio
    import gc

    from rmtui.app import RmtuiApp
    from rmtui.clock import FixedClock
    from rmtui.programme import Programme

    full_passes: list[tuple[float, bool]] = []  # when, and whether the app's GcPacer ran it

    def collected(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            frame, names = sys._getframe(0).f_back, set()
            while frame is not None:
                names.add(frame.f_code.co_name)
                frame = frame.f_back
            full_passes.append((time.time(), "tick" in names))

    gc.callbacks.append(collected)
    from rmtui import memory

    switch = getattr(memory, "use_system_allocator", None)  # as rmtui.run does (not in older checkouts)
    if switch is not None:
        switch()
    programme = Programme.open(db, FixedClock.on(TODAY))
    out: list[dict[str, object]] = []

    async def main() -> None:
        app = RmtuiApp(programme, start="pairing")
        async with app.run_test(size=(80, 24)):
            began = time.perf_counter()
            while True:
                await asyncio.sleep(0.05)
                screen = app.screen
                ranking, loaded = getattr(screen, "ranking", None), getattr(screen, "loaded", None)
                if (
                    ranking is not None
                    and ranking.complete
                    and loaded is not None
                    and not loaded.partial
                    and not screen._loading
                ):
                    break
                if time.perf_counter() - began > 300:
                    raise SystemExit("the pairing screen never ranked")
            await asyncio.sleep(1.0)
            target = screen.ranking.ids[0]
            person = screen.ranking.person
            mentor, mentee = (target, person.id) if person.role == "mentee" else (person.id, target)
            proc = subprocess.Popen(
                [sys.executable, __file__, "--writer", db], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
            assert proc.stdin is not None and proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
            display = app._display
            state: dict[str, object] = {}

            def shown(source) -> bool:  # noqa: ANN001
                row = source.index_of(target)
                if row is None:
                    return False
                cells = " ".join(str(cell) for cell in source.cells(row).values())
                want = state["want"]
                return (want in cells) if isinstance(want, str) else ("◆ proposed" not in cells)

            def frame(shown_screen, renderable) -> None:  # noqa: ANN001 - every frame written
                display(shown_screen, renderable)
                if renderable is None or "want" not in state or "seen" in state:
                    return
                source = getattr(shown_screen, "source", None)
                if source is not None and shown(source):
                    state["seen"] = (time.time(), time.process_time())

            app._display = frame
            proposal = None
            for n in range(1, edits + 1):
                kind = KINDS[(n - 1) % len(KINDS)]
                if kind == "propose" and proposal is not None or kind == "withdraw" and proposal is None:
                    kind = "rename"
                command = {
                    "rename": f"rename {target} {n}",
                    "propose": f"propose {mentor} {mentee} {screen.wave_id}",
                    "withdraw": f"withdraw {proposal}",
                }[kind]
                state.clear()
                state["want"] = {"rename": f"Livetest Run{n:04d}", "propose": "◆ proposed", "withdraw": None}[kind]
                cpu = time.process_time()
                proc.stdin.write(command + "\n")
                proc.stdin.flush()
                made, committed_at = proc.stdout.readline().split()
                committed = float(committed_at)
                proposal = int(made) if kind == "propose" else None if kind == "withdraw" else proposal
                waited = time.perf_counter()
                while "seen" not in state and time.perf_counter() - waited < 30:
                    await asyncio.sleep(0.002)
                if "seen" not in state:
                    raise SystemExit(f"edit {n} ({kind}) never shown")
                wall, cpu_seen = state["seen"]  # type: ignore[misc]
                out.append(
                    {
                        "kind": kind,
                        "wall": (wall - committed) * 1000,
                        "cpu": (cpu_seen - cpu) * 1000,
                        "full_gc": sum(committed <= t <= wall for t, _ in full_passes),
                        "paced_gc": sum(committed <= t <= wall and paced for t, paced in full_passes),
                    }
                )
                await asyncio.sleep(0.6)  # the refresh ends (a frame may come before its last work)
                while screen._loading:
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.3)
            proc.stdin.close()
            proc.wait()

    asyncio.run(main())
    programme.close()
    print(json.dumps(out))


# -- the parent: copies, interleaved runs, figures ----------------------------------------------


def _run(python: str, cwd: str, db: Path, edits: int) -> list[dict]:
    done = subprocess.run(
        [python, str(Path(__file__).resolve()), "--app", str(db), str(edits)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONSAFEPATH": "1"},
    )
    if done.returncode:
        raise SystemExit(f"{python} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _copy(db: Path, to: Path) -> Path:
    shutil.copyfile(db, to)
    to.chmod(0o640)  # (a group- or world-writable file opens on the health warning)
    return to


def live(db: Path, base: Path | None, edits: int, rounds: int) -> dict[str, list[dict]]:
    versions = {"new": (sys.executable, os.getcwd())}
    if base is not None:
        versions = {"base": (str(base / ".venv" / "bin" / "python"), str(base)), **versions}
    found: dict[str, list[dict]] = {name: [] for name in versions}
    with tempfile.TemporaryDirectory() as folder:
        copies = {name: _copy(db, Path(folder) / f"{name}.db") for name in versions}
        for round_ in range(rounds):
            for name, (python, cwd) in versions.items():
                load = os.getloadavg()
                results = _run(python, cwd, copies[name], edits)
                found[name] += results
                walls = [r["wall"] for r in results]
                print(
                    f"round {round_ + 1} {name:4}: load {load[0]:.2f} {load[1]:.2f}; wall median "
                    f"{statistics.median(walls):.0f} ms, max {max(walls):.0f}",
                    flush=True,
                )
    for name, results in found.items():
        for kind in ("rename", "propose", "withdraw", "all"):
            some = [r for r in results if kind in ("all", r["kind"])]
            if not some:
                continue
            line = f"{name:4} {kind:8} n={len(some):3}"
            for what in ("wall", "cpu"):
                values = [r[what] for r in some]
                line += f"  {what} min/median/p95 {min(values):4.0f} / {statistics.median(values):4.0f} / {_p(values, 0.95):4.0f} ms"
            line += f"  full gc passes in the path: {sum(r['full_gc'] for r in some)}"
            line += f" ({sum(r.get('paced_gc', 0) for r in some)} by the app's pacer)"
            print(line)
    return found


def test_bench_pairing_live(tmp_path: Path) -> None:
    """A smoke run on a small demo (the figures that count are at 100k: --live FILE)."""
    from rmtui.clock import FixedClock
    from rmtui.demo import build_demo
    from rmtui.programme import Programme

    path = tmp_path / "live.db"
    programme = Programme.open(path, FixedClock.on(TODAY))
    build_demo(programme.store, people=300, seed=7, today=programme.today())
    programme.close()
    found = live(path, None, edits=6 if os.environ.get("RMTUI_BENCH_QUICK") == "1" else 20, rounds=1)
    assert len(found["new"]) >= 6


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["--writer"]:
        writer(arguments[1])
    elif arguments[:1] == ["--app"]:
        app_child(arguments[1], int(arguments[2]))
    elif arguments[:1] == ["--live"]:
        options = dict(zip(arguments[2::2], arguments[3::2]))
        live(
            Path(arguments[1]),
            Path(options["--base"]) if "--base" in options else None,
            int(options.get("--edits", 12)),
            int(options.get("--rounds", 2)),
        )
    else:
        raise SystemExit(__doc__)
