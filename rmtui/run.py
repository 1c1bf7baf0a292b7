"""Running the Textual app: part of the composition root (it imports the App)."""

from __future__ import annotations

from rmtui.programme import Programme


def run_app(programme: Programme, screen: str | None) -> None:
    """Open the Textual app on ``programme`` at ``screen`` and close the store after."""
    from rmtui import startup
    from rmtui.keymap import load_user_keymap
    from rmtui.memory import use_system_allocator
    from rmtui.programme_settings import first_screen
    from rmtui.screens import AREAS

    # A long session gives back what each screen frees (rmtui.memory); before any thread.
    use_system_allocator()
    try:
        keymap = load_user_keymap()  # the user's keys.toml, checked before anything shows
        # An empty programme opens on its setup, not on a dead end.
        start = first_screen(programme.store, screen)
        if (start if any(area.name == start for area in AREAS) else AREAS[0].name) == "roster":
            # Its first page is read while Textual loads (issue 14), not after the screen asks.
            startup.start_first_page(programme.store)
        from rmtui.app import RmtuiApp

        RmtuiApp(programme, start=start, keymap=keymap).run()
    finally:
        startup.resume_gc()
        startup.forget(programme.store)
        programme.close()
