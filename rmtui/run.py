"""Running the Textual app: part of the composition root (it imports the App)."""

from __future__ import annotations

from rmtui.programme import Programme


def run_app(programme: Programme, screen: str | None) -> None:
    """Open the Textual app on ``programme`` at ``screen`` and close the store after."""
    from rmtui.app import RmtuiApp
    from rmtui.keymap import load_user_keymap
    from rmtui.programme_settings import first_screen

    try:
        keymap = load_user_keymap()  # the user's keys.toml, checked before anything shows
        # An empty programme opens on its setup, not on a dead end.
        RmtuiApp(programme, start=first_screen(programme.store, screen), keymap=keymap).run()
    finally:
        programme.close()
