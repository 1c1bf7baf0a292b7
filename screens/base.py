"""What every rmtui screen shares: the programme it works on, and live refresh."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.message import Message
from textual.screen import Screen

from rmtui.programme import Programme

if TYPE_CHECKING:
    from rmtui.app import RmtuiApp


class DataChanged(Message):
    """Someone (this app or another coordinator's) committed to the programme database."""

    def __init__(self, generation: int) -> None:
        super().__init__()
        self.generation = generation


class ProgrammeScreen(Screen):
    """A screen that reads and writes the open programme through rmtui's services.

    Screens that show data override :meth:`refresh_data`; it runs when the database
    changes while the screen is shown, or when the screen comes back after a change.
    """

    seen_generation = 0

    @property
    def programme(self) -> Programme:
        return cast("RmtuiApp", self.app).programme

    def refresh_data(self) -> None:
        """Reload what this screen shows from the database (in a worker)."""

    def on_data_changed(self, message: DataChanged) -> None:
        self.seen_generation = message.generation
        self.refresh_data()

    def on_screen_resume(self) -> None:
        generation = getattr(self.app, "data_generation", 0)
        if generation > self.seen_generation:
            self.seen_generation = generation
            self.refresh_data()
