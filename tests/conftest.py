"""Shared fixtures: a real SQLite programme in a temp dir, a fixed clock, the demo data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

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
    monkeypatch.delenv("RMTUI_DB", raising=False)
    monkeypatch.delenv("RMTUI_TODAY", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


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
    # Benchmarks run in the suite as quick smoke runs that print figures; run a bench
    # script directly (python tests/bench/bench_x.py) for the full measurement.
    os.environ.setdefault("RMTUI_BENCH_QUICK", "1")
