"""Shared fixtures: a real SQLite programme in a temp dir, a fixed clock, the demo data."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, TextArea
from textual.worker import WorkerCancelled

from rmtui.clock import FixedClock
from rmtui.programme import Programme

TODAY = "2026-11-20"


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own database, data folder and clock out of every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))  # no user keymap or settings
    monkeypatch.delenv("RMTUI_DB", raising=False)
    monkeypatch.delenv("RMTUI_TODAY", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(autouse=True)
def _steady_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """No blinking cursors, no animation: a screen looks the same whenever it is captured."""
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    for widget in (Input, TextArea):
        original = widget.__init__

        def steady(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> None:
            __original(self, *args, **kwargs)
            self.cursor_blink = False

        monkeypatch.setattr(widget, "__init__", steady)


async def settled(pilot: Pilot[Any], rounds: int = 5) -> Screen[Any]:
    """Let the app under test finish what it started; return the screen it then shows.

    Each round lets pending messages run and waits for every worker: a worker's result
    arrives as a message, which may start another worker (a load, then a search).
    """
    for _ in range(rounds):
        await pilot.pause()
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            pass  # superseded by a newer run of its group (keys typed fast): the next round waits on
    await pilot.pause()
    return pilot.app.screen


def before_migration(store: Any, marker: str, trigger: str) -> None:
    """Put ``store`` back to before the migration whose text holds ``marker``: ``trigger`` as
    the migration that first created it made it, the schema version that migration's (the
    next open runs it again), the data as it is."""
    from rmtui.db.schema import MIGRATIONS

    mine = next(i for i, m in enumerate(MIGRATIONS) if marker in m)
    first = next(m for m in MIGRATIONS if f"CREATE TRIGGER {trigger}" in m)
    old_trigger = first[first.index(f"CREATE TRIGGER {trigger}") :].split("END;")[0] + "END;"
    with store.write() as w:
        w.execute(f"DROP TRIGGER {trigger}")
        w.execute(old_trigger)
        w.execute(f"PRAGMA user_version = {mine}")


def wait_until(
    condition: Callable[[], object],
    *,
    what: str,
    timeout: float = 60.0,
    processes: Iterable[subprocess.Popen[str]] = (),
) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` s, or at once if a child died.

    Every wait on another process goes through here (or :func:`line_from`): a child that
    crashed must fail the test with its error, never hang the run.
    """
    children = list(processes)
    deadline = time.monotonic() + timeout
    while not condition():
        for child in children:
            if child.poll() is not None:
                error = child.stderr.read() if child.stderr else ""
                raise AssertionError(f"waiting for {what}: the child exited with {child.returncode}\n{error}")
        if time.monotonic() > deadline:
            raise AssertionError(f"waiting for {what}: not within {timeout:g} s")
        time.sleep(0.01)


def line_from(child: subprocess.Popen[str], timeout: float = 60.0) -> str:
    """Return the next line ``child`` prints (stripped); fail after ``timeout`` s instead of hanging."""
    assert child.stdout is not None
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(child.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        child.kill()
        raise AssertionError(f"the child printed no line within {timeout:g} s")
    return got[0].strip()


class Notes:
    """The notifications an app under test showed: pass as ``run_test(message_hook=notes)``."""

    def __init__(self) -> None:
        self.shown: list[Notification] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.shown.append(message.notification)

    @property
    def messages(self) -> list[str]:
        return [note.message for note in self.shown]


@pytest.fixture
def notes() -> Notes:
    """A fresh :class:`Notes` for one app run."""
    return Notes()


@pytest.fixture
def clock() -> FixedClock:
    """Today is 2026-11-20, 09:00 UTC, in every test."""
    return FixedClock.on(TODAY)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "programme.db"


@pytest.fixture
def programme(db_path: Path, clock: FixedClock) -> Iterator[Programme]:
    """An empty programme database on disk."""
    opened = Programme.open(db_path, clock, actor="coordinator")
    yield opened
    opened.close()


@pytest.fixture
def demo_programme(db_path: Path, clock: FixedClock) -> Iterator[Programme]:
    """The default demo programme (60 people, seed 7) built for 2026-11-20."""
    from rmtui.demo import build_demo

    opened = Programme.open(db_path, clock, actor="coordinator")
    build_demo(opened.store, people=60, seed=7, today=opened.today())
    yield opened
    opened.close()


def pytest_configure(config: pytest.Config) -> None:
    # Child processes (other coordinators, the CLI) import the installed rmtui, never a
    # folder that happens to be their working directory or script's folder.
    os.environ["PYTHONSAFEPATH"] = "1"
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    # Benchmarks (marked bench) are deselected by default; `pytest -m bench` runs them as
    # quick smoke runs that print figures (CI does). Run a bench script directly
    # (python tests/bench/bench_x.py) for the full measurement.
    os.environ.setdefault("RMTUI_BENCH_QUICK", "1")
