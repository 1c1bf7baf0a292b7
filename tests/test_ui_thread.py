"""The UI thread never touches a database connection: every read and write runs in a worker.

Each of the store's entry points (the read connections, the write transaction, the
store's own data_version watch) is wrapped to note a call made on the main thread, the
one Textual's event loop runs on. The real app is then driven through every area and its
dialogs; any note fails the test, naming the code that made the call.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from conftest import settled
from textual.pilot import Pilot

from rmtui.app import RmtuiApp
from rmtui.db import Store
from rmtui.programme import Programme
from rmtui.screens import AREAS


class UiThreadAccess:
    """Where the main thread reached the database while recording."""

    def __init__(self) -> None:
        self.recording = False
        self.calls: list[str] = []

    def note(self, entry: str) -> None:
        if self.recording and threading.current_thread() is threading.main_thread():
            frames = [f for f in traceback.extract_stack()[:-2] if "/rmtui/" in f.filename or "/screens/" in f.filename]
            where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames[-4:]))
            self.calls.append(f"{entry}: {where}")


@pytest.fixture
def ui_access(monkeypatch: pytest.MonkeyPatch) -> UiThreadAccess:
    access = UiThreadAccess()

    def watched_context(name: str, original: Callable[..., AbstractContextManager[Any]]) -> Callable[..., Any]:
        @contextmanager
        def wrapper(self: Store, *args: Any, **kwargs: Any) -> Iterator[Any]:
            access.note(name)
            with original(self, *args, **kwargs) as value:
                yield value

        return wrapper

    def watched_call(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
            access.note(name)
            return original(self, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(Store, "_reading", watched_context("read", Store._reading))
    monkeypatch.setattr(Store, "_transaction", watched_context("write", Store._transaction))
    monkeypatch.setattr(Store, "data_version", watched_call("data_version", Store.data_version))
    return access


async def _press(pilot: Pilot[Any], *keys: str) -> None:
    await pilot.press(*keys)
    await settled(pilot)


async def _action(pilot: Pilot[Any], action: str) -> None:
    """Run a screen action as its key would (keys may be rebound; actions keep their names)."""
    await pilot.app.screen.run_action(action)
    await settled(pilot)


async def _close_dialogs(pilot: Pilot[Any], screen: Any, seen: set[str]) -> None:
    """Escape until ``screen`` is on top again (a dialog a worker opened may come late)."""
    for _ in range(4):
        await settled(pilot)
        if pilot.app.screen is screen:
            return
        seen.add(type(pilot.app.screen).__name__)
        await pilot.press("escape")
    assert pilot.app.screen is screen


async def test_no_screen_touches_the_database_on_the_ui_thread(
    demo_programme: Programme, ui_access: UiThreadAccess
) -> None:
    app = RmtuiApp(demo_programme)  # reads the settings once before the app runs: allowed
    ui_access.recording = True
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        for area in AREAS:
            await app.action_go(area.name)
            screen = await settled(pilot)
            await _press(pilot, "down", "down", "up")
            assert app.screen is screen, f"{area.name}: moving the cursor opened {app.screen!r}"
        # The dialogs and screens that read or write on their way in or out.
        seen: set[str] = set()
        dialogs = {
            "timeline": ["notes", "agenda", "coach", "complete", "pause", "answer", "add_session", "replan", "export"],
            "triage": ["notes", "snooze"],
            "pairing": ["coach", "edit_rules", "match_wave"],
            "waves": ["add", "edit"],
        }
        for name, actions in dialogs.items():
            await app.action_go(name)
            screen = await settled(pilot)
            for action in actions:
                await _action(pilot, action)
                await _close_dialogs(pilot, screen, seen)
        await app.action_go("roster")
        roster = await settled(pilot)
        app.action_show_coaches()
        await _close_dialogs(pilot, roster, seen)
        await _press(pilot, "enter")  # a person's profile
        await _close_dialogs(pilot, roster, seen)
        # A save, and the refresh every screen makes after it.
        await app.action_go("timeline")
        timeline = await settled(pilot)
        await _action(pilot, "follow_up")
        assert app.screen is timeline
        await settled(pilot)
    ui_access.recording = False
    assert ui_access.calls == []
    # The drive above reached the dialogs (else it proves nothing about them).
    assert {"EditText", "PickOne", "AskLine", "WaveFormScreen", "CohortScreen", "RuleEditorScreen", "CoachesScreen",
            "ProfileScreen"} <= seen
