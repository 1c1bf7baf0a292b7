"""What every rmtui screen shares: the programme it works on."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

from rmtui.programme import Programme

if TYPE_CHECKING:
    from rmtui.app import RmtuiApp


class ProgrammeScreen(Screen):
    """A screen that reads and writes the open programme through rmtui's services."""

    @property
    def programme(self) -> Programme:
        return cast("RmtuiApp", self.app).programme
