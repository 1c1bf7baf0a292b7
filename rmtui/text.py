"""Text safety: what users type or import is kept literal and never reaches the terminal raw."""

from __future__ import annotations

import re
import unicodedata

from rich.markup import escape

# C0 and C1 control characters, DEL, and the bidirectional marks, overrides and isolates
# that can reorder what a reader sees (a terminal cell grid has no use for them). Tab and
# newline survive where a field allows several lines.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])"
)


def _without_format_characters(text: str) -> str:
    """Drop the invisible format characters (Unicode category Cf: zero-width space U+200B,
    joiner U+200D, byte-order mark U+FEFF, soft hyphen...): they take no cell, or one the
    reader cannot see, and misalign columns or make two equal names differ."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def clean(text: str | None, *, multiline: bool = False) -> str:
    """Return ``text`` without terminal escape sequences, control and zero-width characters.

    Whole escape sequences (CSI, OSC) are removed, not just their ESC byte, so no stray
    ``[31m`` is left behind. Format characters (category Cf: U+200B, U+200D, U+FEFF...)
    go too. Newlines and tabs are kept only when ``multiline``. Plain printable text
    (nearly every name and field) skips the regular expressions: every character
    ``clean`` removes is non-printable.
    """
    if not text:
        return ""
    if text.isprintable():
        return text if multiline else text.strip()
    text = _without_format_characters(_ESCAPE_SEQUENCE.sub("", text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if multiline:
        text = text.replace("\t", "    ")
        return "\n".join(_CONTROL.sub("", line) for line in text.split("\n"))
    text = text.replace("\t", " ").replace("\n", " ")
    return _CONTROL.sub("", text).strip()


def clean_path(text: str) -> str:
    """Return a file path as typed or pasted, without control or zero-width characters and
    surrounding blanks (a path copied from a chat often carries a U+200B or U+FEFF)."""
    return clean(text)


def literal(text: str | None) -> str:
    """Return ``text`` cleaned and escaped so Rich markup in it shows as typed."""
    return escape(clean(text))


def fold(text: str) -> str:
    """Return ``text`` lower-cased without accents: the form searches compare ("José" → "jose")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
