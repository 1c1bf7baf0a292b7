"""A search field: "/" is the key that goes to it, so "/" in an empty field types nothing."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class SearchField(Input):
    """An Input where "/" typed while it is empty is taken as "search here", not as text.

    Screens bind "/" (a priority key) to move the focus to their search field; a field that
    has the focus already (the pairing screen's finder, from the start) then got the "/"
    typed into it, and "/jose" looked for "/jose". Decided here, in the field's own turn for
    the key, after the keys before it: "r/d" typed fast is still "r/d".
    """

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "slash" and not self.value:
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)
