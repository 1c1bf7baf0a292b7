"""A list field entered as tags: type an entry, Enter (or ;) adds it, Backspace on empty removes."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static


def _default_split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ";").split(";") if part.strip()]


class TagEntry(Input):
    """The typing line of a TagInput; Backspace on an empty line takes back the last tag."""

    class RemoveLast(Message):
        pass

    def action_delete_left(self) -> None:
        if not self.value:
            self.post_message(self.RemoveLast())
            return
        super().action_delete_left()


class TagInput(Widget):
    """Tags shown as chips above a line to type the next one. Holds text only, no data access."""

    DEFAULT_CSS = """
    TagInput { height: auto; }
    TagInput > .tags { height: auto; padding: 0 1; color: $text; }
    TagInput > .tags.-empty { display: none; }
    """

    class Changed(Message):
        """The tags (or the text being typed) changed."""

        def __init__(self, tag_input: TagInput) -> None:
            super().__init__()
            self.tag_input = tag_input

        @property
        def control(self) -> TagInput:
            return self.tag_input

    def __init__(
        self,
        tags: list[str] | None = None,
        *,
        placeholder: str = "",
        id: str | None = None,
        split: Callable[[str], list[str]] | None = None,
        separators: str = ";",
    ) -> None:
        """``split`` turns typed text into tags (the domain's rule, e.g. intake.split_tags);
        typing one of ``separators`` adds what was typed before it as tags."""
        super().__init__(id=id)
        self.split = split or _default_split
        self.separators = separators.replace("\n", "") or ";"
        self.tags: list[str] = list(tags or [])
        self.placeholder = placeholder or "type an entry, Enter adds it"

    def compose(self) -> ComposeResult:
        yield Static(classes="tags")
        yield TagEntry(placeholder=self.placeholder, compact=True)

    def on_mount(self) -> None:
        self._show()

    @property
    def entry(self) -> TagEntry:
        return self.query_one(TagEntry)

    @property
    def pending(self) -> str:
        """The text typed but not yet added as a tag (kept: typed input is never lost)."""
        return self.entry.value

    def value(self) -> list[str]:
        """Return the tags plus whatever is still being typed."""
        return [*self.tags, self.pending] if self.pending.strip() else list(self.tags)

    def set_tags(self, tags: list[str]) -> None:
        """Replace the tags and clear the typing line."""
        self.tags = list(tags)
        self.entry.value = ""
        self._show()

    def focus(self, scroll_visible: bool = True) -> TagInput:
        self.entry.focus(scroll_visible)
        return self

    def _show(self) -> None:
        chips = Text()
        for number, tag in enumerate(self.tags):
            if number:
                chips.append(" ")
            chips.append(f" {tag} ", style="reverse")
        label = self.query_one(".tags", Static)
        label.update(chips)
        label.set_class(not self.tags, "-empty")

    def _add(self, text: str) -> None:
        for tag in self.split(text):
            if tag and tag not in self.tags:
                self.tags.append(tag)
        self._show()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.screen.focus_next()
            return
        self._add(event.value)
        self.entry.value = ""
        self.post_message(self.Changed(self))

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        cut = max(event.value.rfind(sep) for sep in self.separators)
        if cut >= 0:
            head, tail = event.value[:cut], event.value[cut + 1 :]
            self._add(head)
            self.entry.value = tail.lstrip()
        self.post_message(self.Changed(self))

    @on(TagEntry.RemoveLast)
    def _remove_last(self, event: TagEntry.RemoveLast) -> None:
        event.stop()
        if self.tags:
            self.entry.value = self.tags.pop()
            self.entry.cursor_position = len(self.entry.value)
            self._show()
            self.post_message(self.Changed(self))
