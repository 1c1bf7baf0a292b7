"""ProgrammeScreen.run_work: results reach the UI thread, failures are shown one way."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from textual.app import App
from textual.message import Message
from textual.notifications import Notify

from rmtui.db import StoreError
from rmtui.screens.base import ProgrammeScreen


class Probe(ProgrammeScreen):
    """A screen whose work is given to it by the test."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[Any] = []
        self.threads: list[str] = []
        self.ended = 0

    def got(self, value: Any) -> None:
        self.threads.append(threading.current_thread().name)
        self.results.append(value)

    def ended_once(self) -> None:
        self.ended += 1


class ProbeApp(App[None]):
    """Just what a ProgrammeScreen asks of its App (the ProgrammeHost protocol)."""

    programme: Any = None
    may_edit = True
    data_generation = 0
    timezone = "UTC"

    others: list[Any] = []

    def poll_changes(self) -> bool:
        return False

    def screen_shown(self) -> None:
        pass

    def since(self, instant: float) -> str:
        return "00:00"

    def on_mount(self) -> None:
        self.push_screen(Probe())


async def _run(work: Any, *args: Any, **options: Any) -> tuple[Probe, list[Notify]]:
    notes: list[Notify] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append(message)

    app = ProbeApp()
    async with app.run_test(message_hook=hook) as pilot:
        screen = app.screen
        assert isinstance(screen, Probe)
        screen.run_work(work, *args, what="read the thing", done=screen.got, after=screen.ended_once, **options)
        await screen.workers.wait_for_complete()
        for _ in range(5):
            await pilot.pause()
    return screen, notes


async def test_the_result_reaches_done_on_the_ui_thread_with_the_arguments_given() -> None:
    screen, notes = await _run(lambda a, b: a + b, 2, 3)
    assert screen.results == [5]
    assert screen.threads == [threading.main_thread().name]
    assert screen.ended == 1
    assert notes == []


async def test_a_store_error_is_shown_as_its_own_message() -> None:
    def busy() -> None:
        raise StoreError("Another coordinator is saving; try again in a moment.")

    screen, notes = await _run(busy)
    assert screen.results == [] and screen.ended == 1
    [note] = notes
    assert note.notification.message == "Another coordinator is saving; try again in a moment."
    assert note.notification.title == "Could not read the thing"
    assert note.notification.severity == "error"


async def test_an_unexpected_error_is_one_sentence_and_the_traceback_goes_to_the_log(tmp_path: Path) -> None:
    def broken() -> None:
        raise ZeroDivisionError("division by zero")

    screen, notes = await _run(broken)
    [note] = notes
    text = note.notification.message
    assert text.startswith("Could not read the thing: something unexpected went wrong (details in ")
    assert "Traceback" not in text
    log = Path(text.split("(details in ", 1)[1].rstrip(").").rstrip(")"))
    assert "ZeroDivisionError: division by zero" in log.read_text(encoding="utf-8")


async def test_failed_may_handle_an_error_itself() -> None:
    handled: list[BaseException] = []

    def failing() -> None:
        raise ValueError("mine to explain")

    def failed(error: BaseException) -> bool:
        handled.append(error)
        return True

    screen, notes = await _run(failing, failed=failed)
    assert [str(e) for e in handled] == ["mine to explain"]
    assert notes == []
