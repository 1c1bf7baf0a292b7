"""Query parsing: free text and filter tokens (role:, dept:, lob:, status:, level:, title:)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rmtui.search.words import WORD, search_key

SORT_KEYS = ("name", "role", "level", "department", "line_of_business", "status")
ROLES = ("mentor", "mentee")
STATUSES = ("applicant", "active", "withdrawn", "alumni")

MAX_QUERY_WORDS = 10
MAX_WORD_LENGTH = 64

_FILTER = re.compile(r'(?<!\S)([A-Za-z_]+):(?:"([^"]*)"?|(\S*))')
_LEVEL_COMPARISON = re.compile(r"^(<=|>=|=<|=>|<|>|=)?\s*(\d{1,9})$")
_LEVEL_RANGE = re.compile(r"^(\d{1,9})\s*(?:-|\.\.)\s*(\d{1,9})$")

_FILTER_KEYS = {
    "role": "role",
    "dept": "department",
    "department": "department",
    "lob": "line_of_business",
    "business": "line_of_business",
    "line_of_business": "line_of_business",
    "status": "status",
    "level": "level",
    "title": "job_title",
    "job_title": "job_title",
}
_FILTER_HELP = "use role:, dept:, lob:, status:, level: or title:"



@dataclass(frozen=True, slots=True)
class ParsedQuery:
    text: str  # the folded free text, filters removed
    tokens: tuple[str, ...]
    open_last: bool  # the last word may still grow: the text ends inside it
    filters: tuple[tuple[str, str], ...]  # (canonical key, raw value), in query order
    problems: tuple[str, ...]


def parse_query(query: str) -> ParsedQuery:
    """Split a query into free text and filter tokens; bad filters become problems."""
    filters: list[tuple[str, str]] = []
    problems: list[str] = []
    pieces: list[str] = []
    cursor = 0
    for match in _FILTER.finditer(query):
        key = match.group(1).lower()
        value = match.group(2) if match.group(2) is not None else match.group(3)
        pieces.append(query[cursor : match.start()])
        cursor = match.end()
        canonical = _FILTER_KEYS.get(key)
        if canonical is None:
            problems.append(f'{shorten(match.group(0))} — there is no "{key}:" filter; {_FILTER_HELP}')
        elif value.strip():
            filters.append((canonical, value.strip()))
    pieces.append(query[cursor:])
    text = search_key(" ".join(pieces))
    words = list(WORD.finditer(text))
    tokens = tuple(m.group()[:MAX_WORD_LENGTH] for m in words[:MAX_QUERY_WORDS])
    open_last = 0 < len(words) <= MAX_QUERY_WORDS and words[-1].end() == len(text)
    return ParsedQuery(text, tokens, open_last, tuple(filters), tuple(problems))


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def level_test(value: str) -> tuple[int, int] | None:
    """Return the (low, high) levels a level filter value accepts, or None when it is not one."""
    value = value.strip()
    if m := _LEVEL_RANGE.match(value):
        low, high = sorted((int(m.group(1)), int(m.group(2))))
        return (low, high)
    if m := _LEVEL_COMPARISON.match(value):
        op, number = m.group(1) or "=", int(m.group(2))
        bounds = {
            "=": (number, number),
            "<": (None, number - 1),
            "<=": (None, number),
            "=<": (None, number),
            ">": (number + 1, None),
            ">=": (number, None),
            "=>": (number, None),
        }[op]
        low = -(2**31) + 1 if bounds[0] is None else bounds[0]
        high = 2**31 - 1 if bounds[1] is None else bounds[1]
        return (low, high)
    return None


def short_key(key: str) -> str:
    return {"department": "dept", "line_of_business": "lob", "job_title": "title"}.get(key, key)


def one_of(values: tuple[str, ...]) -> str:
    if len(values) == 2:
        return f"{values[0]} or {values[1]}"
    return "one of " + ", ".join(values)


