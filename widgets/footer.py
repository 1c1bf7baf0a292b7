"""The key footer: Textual's, recomposed only when the keys it shows change.

Textual's ``Footer`` recomposes (removes and mounts every key again, each styled from CSS)
once per bindings change, and a screen's bindings "change" several times while it starts:
the first focus, the screen's own focus, each ``refresh_bindings``. Starting the roster
took six recomposes before its first rows reached the terminal (issue 14). This one queues
at most one recompose per refresh, and skips it when the keys, their labels and their
enabled states are the ones already shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Footer as TextualFooter

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.dom import DOMNode
    from textual.screen import Screen


def forget_closed_watchers(node: DOMNode) -> None:
    """Drop the watchers of closed widgets from ``node``'s reactives (issue 14's soak).

    Textual drops a closed widget's watcher of a reactive only when that reactive next
    changes: one that never does (the app's title, watched by each screen's Header; the
    footer's ``compact``, bound by each of its keys) kept every widget that ever watched it,
    and all the widget held. The same rule as Textual's, applied now.
    """
    for watchers in getattr(node, "__watchers", {}).values():
        watchers[:] = [(watcher, callback) for watcher, callback in watchers if not watcher._closing]


class Footer(TextualFooter):
    """A :class:`textual.widgets.Footer` that recomposes only when what it shows changes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[Any, ...] | None = None
        """What the last compose showed (see :meth:`shown_keys`); None before the keys are ready."""
        self._recompose_queued = False

    def shown_keys(self) -> tuple[Any, ...]:
        """Everything the footer's compose reads: each shown binding (key, action, label,
        group...), how it is displayed, whether it is enabled and its tooltip; then the
        command palette's key. Two equal values compose the same footer."""
        app = self.app
        active = self.screen.active_bindings
        keys = tuple(
            (binding, app.get_key_display(binding), enabled, tooltip)
            for (_node, binding, enabled, tooltip) in active.values()
            if binding.show
        )
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = (binding, app.get_key_display(binding), enabled, tooltip)
        return (keys, palette, self.compact, self.combine_groups)

    def compose(self) -> ComposeResult:
        self._shown = self.shown_keys() if self._bindings_ready else None
        yield from super().compose()

    async def show_keys(self) -> None:
        """Show the keys now, if they are not shown yet (the screen's focus is set by then).

        Textual's footer composes empty and gets its keys by a recompose queued after the
        screen's next refresh: the screen's first frame went out without them, and the keys
        cost another layout and frame. Its screen's ``on_mount`` calls this instead, so the
        keys are in the first frame (issue 14)."""
        self._bindings_ready = True
        with self._context():  # composed as the footer (its keys bind to its reactives), not as the screen
            await self._recompose_if_changed()

    @property
    def keys_shown(self) -> bool:
        """Whether the keys are composed (else the footer is still empty)."""
        return self._shown is not None

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._recompose_queued:
            self._recompose_queued = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._recompose_queued = False
        if self.is_attached and self.shown_keys() != self._shown:
            await self.recompose()
            forget_closed_watchers(self)  # the keys just removed, each bound to our ``compact``
