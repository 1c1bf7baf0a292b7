"""The app's change watcher polls in one thread of its own and tells the UI thread only
when something changed; it ends with the app, and pauses while the app is suspended."""

from __future__ import annotations

from pathlib import Path

from conftest import settled
from session_data import build_sessions_programme
from test_live import _held, _start_writer, _wait_for
from textual.message import Message

from rmtui.app import Polled, RmtuiApp
from rmtui.programme import Programme


async def test_an_idle_app_hears_nothing_from_its_watcher(programme: Programme) -> None:
    """A poll that found no commit used to be a worker and a message on the UI thread."""
    polled: list[Polled] = []

    def hook(message: Message) -> None:
        if isinstance(message, Polled):
            polled.append(message)

    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await settled(pilot)
        await pilot.pause(1.0)  # about six polls
        assert [m for m in polled if not (m.changed or m.presence)] == []
        assert app._watch_thread.is_alive()
        assert not [w for w in app.workers if w.group == "data-watch"]


async def test_the_polling_thread_ends_with_the_app(programme: Programme) -> None:
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        thread = app._watch_thread
        assert thread.is_alive()
    thread.join(10)
    assert not thread.is_alive()


async def test_a_suspended_app_polls_again_when_it_resumes(programme: Programme, db_path: Path) -> None:
    build_sessions_programme(programme.store)
    app = RmtuiApp(programme, start="leaderboard")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert _held(screen, 3) == 3
        app.app_suspend_signal.publish(app)  # as when a shell or an editor takes the terminal
        generation = app.data_generation
        writer = _start_writer(db_path, 3)
        assert writer.wait(timeout=60) == 0, writer.stderr.read() if writer.stderr else ""
        app.poll_changes()  # asking changes nothing while suspended
        await pilot.pause(0.6)  # several polls' time
        assert app.data_generation == generation and _held(screen, 3) == 3
        app.app_resume_signal.publish(app)
        await _wait_for(pilot, lambda: _held(screen, 3) == 4)
        assert app.data_generation == generation + 1
