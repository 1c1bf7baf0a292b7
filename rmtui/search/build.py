"""Building the roster index: from participant rows to frozen, compact columns.

:func:`build_index_data` reads the rows once and returns an :class:`IndexData`, a frozen
record of read-only numpy arrays and tuples; :class:`rmtui.search.index.RosterIndex` wraps it.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from rmtui.search.words import (
    BUSINESS,
    DEPARTMENT,
    EMAIL,
    FIELD_WEIGHTS,
    INTERESTS,
    NAME,
    TITLE,
    WORD,
    Vocabulary,
    search_key,
    words_of,
)

LEVEL_NONE = int(np.iinfo(np.int32).min)
_EMAIL_PIECES = re.compile(r"[@.]")


def _frozen(values: np.ndarray) -> np.ndarray:
    """Return ``values`` made read-only: the index never changes once built."""
    values.flags.writeable = False
    return values


@dataclass(frozen=True, slots=True)
class Column:
    """A text column with few distinct values: one int32 code per person."""

    codes: np.ndarray  # int32, one per person
    values: tuple[str, ...]  # code → value as stored
    keys: tuple[str, ...]  # code → value as searches compare it

    def sort_ranks(self) -> np.ndarray:
        """Return, per person, the rank of their value in case/accent-insensitive order."""
        ordered = sorted(range(len(self.values)), key=lambda c: (self.keys[c], self.values[c]))
        rank = np.empty(len(self.values), dtype=np.int64)
        rank[ordered] = np.arange(len(ordered), dtype=np.int64)
        return rank[self.codes] if len(self.values) else np.zeros(0, np.int64)

    def mask_where(self, accept: Callable[[str], bool]) -> tuple[np.ndarray, bool]:
        """Return (mask of people whose value key passes ``accept``, whether any value did)."""
        ok = np.fromiter((accept(k) for k in self.keys), dtype=bool, count=len(self.keys))
        return ok[self.codes] if len(ok) else np.zeros(len(self.codes), bool), bool(ok.any())


class _ColumnBuilder:
    """Collects one :class:`Column` person by person."""

    __slots__ = ("_lookup", "codes", "values", "keys")

    def __init__(self) -> None:
        self._lookup: dict[str, int] = {}
        self.codes = array("i")
        self.values: list[str] = []
        self.keys: list[str] = []

    def add(self, value: Any) -> tuple[int, bool]:
        """Append one person's value; return its code and whether the value is new."""
        text = value if isinstance(value, str) else ("" if value is None else str(value))
        code = self._lookup.get(text)
        new = code is None
        if code is None:
            code = self._lookup[text] = len(self.values)
            self.values.append(text)
            self.keys.append(search_key(text))
        self.codes.append(code)
        return code, new

    def finish(self) -> Column:
        """Return the finished column (codes as a read-only numpy array)."""
        codes = np.frombuffer(self.codes, dtype=np.int32).copy() if self.codes else np.zeros(0, np.int32)
        return Column(_frozen(codes), tuple(self.values), tuple(self.keys))


def as_list(value: Any) -> list[str]:
    """Return a hobbies/interests value (JSON text or a list) as a list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v if isinstance(v, str) else str(v) for v in value]
    return [str(value)]


def _level_value(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return LEVEL_NONE


@dataclass(frozen=True, slots=True)
class IndexData:
    """Everything the roster searches and shows, in compact read-only columns."""

    n: int
    ids: np.ndarray  # int64 participant ids, one per position
    level: np.ndarray  # int32, LEVEL_NONE when not recorded
    names: tuple[str, ...]
    emails: tuple[str, ...]
    role: Column
    title: Column
    department: Column
    business: Column
    status: Column
    word_count: int  # distinct words (the vocabulary a keystroke scores)
    max_word: int
    # "letters"/"digits" → (vocabulary word ids, the words): scored separately.
    vocabularies: dict[str, tuple[np.ndarray, Vocabulary]]
    term_word: np.ndarray  # term → word id
    term_weight: np.ndarray  # term → field weight
    postings: np.ndarray  # person-major terms
    starts: np.ndarray  # person → first posting (n + 1 entries)
    by_name: np.ndarray  # positions in name order
    name_rank: np.ndarray  # position → rank by name
    column_ranks: dict[str, tuple[np.ndarray, int]]  # sort column → (rank per person, distinct count)


def build_index_data(rows: Iterable[tuple]) -> IndexData:
    """Return the index of ``rows``: (id, name, email, role, job_title, level, department,
    line_of_business, status, hobbies, interests); hobbies/interests as JSON text or lists."""
    ids = array("q")
    levels = array("i")
    names: list[str] = []
    emails: list[str] = []
    role, title, department, business, status = (_ColumnBuilder() for _ in range(5))
    words: dict[str, int] = {"": 0}
    term_maps: list[dict[str, int]] = [{} for _ in FIELD_WEIGHTS]
    term_word = array("i", [0])  # term 0: the empty word, given to people with no words
    term_field = array("b", [NAME])

    def terms_of(field_class: int, text_words: Iterable[str]) -> list[int]:
        found = term_maps[field_class]
        out = []
        for word in text_words:
            term = found.get(word)
            if term is None:
                word_id = words.setdefault(word, len(words))
                term = found[word] = len(term_word)
                term_word.append(word_id)
                term_field.append(field_class)
            out.append(term)
        return out

    # Titles, departments, businesses and interest lists repeat: split each value once.
    value_terms: list[list[list[int]]] = [[], [], []]
    list_terms: dict[Any, list[int]] = {}

    def interest_terms(value: Any) -> list[int]:
        cache_key = value if isinstance(value, (str, type(None))) else json.dumps(value)
        terms = list_terms.get(cache_key)
        if terms is None:
            terms = list_terms[cache_key] = terms_of(INTERESTS, (w for item in as_list(value) for w in words_of(item)))
        return terms

    name_pieces: dict[str, tuple[str, list[int]]] = {}
    email_pieces: dict[str, list[int]] = {}
    name_keys: list[str] = []
    postings = array("i")
    lengths = array("i")
    for row in rows:
        name, email = row[1] or "", row[2] or ""
        ids.append(int(row[0]))
        names.append(name)
        emails.append(email)
        levels.append(LEVEL_NONE if row[5] is None else _level_value(row[5]))
        role.add(row[3])
        status.add(row[8])
        # Names and e-mail addresses repeat piece by piece ("María", "gonzalez"): fold
        # and split each distinct piece once.
        terms: list[int] = []
        name_key = []
        for piece in name.split():
            known = name_pieces.get(piece)
            if known is None:
                key = search_key(piece)
                known = name_pieces[piece] = (key, terms_of(NAME, WORD.findall(key)))
            name_key.append(known[0])
            terms += known[1]
        name_keys.append(" ".join(name_key))
        for piece in _EMAIL_PIECES.split(email):
            known_terms = email_pieces.get(piece)
            if known_terms is None:
                known_terms = email_pieces[piece] = terms_of(EMAIL, words_of(piece))
            terms += known_terms
        for slot, (column, field_class, value) in enumerate(
            ((title, TITLE, row[4]), (department, DEPARTMENT, row[6]), (business, BUSINESS, row[7]))
        ):
            code, new = column.add(value)
            if new:
                value_terms[slot].append(terms_of(field_class, WORD.findall(column.keys[code])))
            terms += value_terms[slot][code]
        terms += interest_terms(row[9])
        terms += interest_terms(row[10])
        postings.extend(terms or (0,))
        lengths.append(len(terms) or 1)

    n = len(ids)
    level = np.frombuffer(levels, dtype=np.int32).copy() if levels else np.zeros(0, np.int32)
    all_words = list(words)
    # Free what only the loop needed before the vocabularies are built (peak memory at 100k people).
    words.clear()
    list_terms.clear()
    name_pieces.clear()
    email_pieces.clear()
    term_maps.clear()
    # Letters and digits are separate words, and a query word of letters never shares a
    # character with one of digits: each is scored against its own part of the vocabulary.
    numeric = np.fromiter((w.isdigit() for w in all_words), dtype=bool, count=len(all_words))
    vocabularies = {
        kind: (_frozen(ids_), Vocabulary([all_words[i] for i in ids_]))
        for kind, ids_ in (("digits", np.flatnonzero(numeric)), ("letters", np.flatnonzero(~numeric)))
    }
    starts = np.zeros(n + 1, dtype=np.int64)
    if n:
        np.cumsum(np.frombuffer(lengths, dtype=np.int32), out=starts[1:])
    columns = {"role": role.finish(), "title": title.finish(), "department": department.finish(),
               "business": business.finish(), "status": status.finish()}
    by_name, name_rank, column_ranks = _sort_ranks(name_keys, level, columns)
    return IndexData(
        n=n,
        ids=_frozen(np.frombuffer(ids, dtype=np.int64).copy() if ids else np.zeros(0, np.int64)),
        level=_frozen(level),
        names=tuple(names),
        emails=tuple(emails),
        role=columns["role"],
        title=columns["title"],
        department=columns["department"],
        business=columns["business"],
        status=columns["status"],
        word_count=len(all_words),
        max_word=max((len(w) for w in all_words), default=0),
        vocabularies=vocabularies,
        term_word=_frozen(np.frombuffer(term_word, dtype=np.int32).copy()),
        term_weight=_frozen(FIELD_WEIGHTS[np.frombuffer(term_field, dtype=np.int8)]),
        postings=_frozen(np.frombuffer(postings, dtype=np.int32).copy() if postings else np.zeros(0, np.int32)),
        starts=_frozen(starts),
        by_name=by_name,
        name_rank=name_rank,
        column_ranks=column_ranks,
    )


def _sort_ranks(
    keys: list[str], level: np.ndarray, columns: dict[str, Column]
) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[np.ndarray, int]]]:
    """Return (positions by name, name rank per position, sort column → (ranks, distinct))."""
    n = len(keys)
    # Equal keys ("Jose" and "José") keep their id order: sorted() is stable.
    by_name = np.array(sorted(range(n), key=keys.__getitem__), dtype=np.int64)
    name_rank = np.empty(n, dtype=np.int32)
    name_rank[by_name] = np.arange(n, dtype=np.int32)
    present = level != LEVEL_NONE
    levels = np.unique(level[present])
    level_rank = np.full(n, len(levels), dtype=np.int32)  # no level sorts last
    level_rank[present] = np.searchsorted(levels, level[present])
    column_ranks = {
        "level": (_frozen(level_rank), len(levels)),
        **{
            key: (_frozen(columns[name].sort_ranks()), len(columns[name].values))
            for key, name in (("role", "role"), ("department", "department"),
                              ("line_of_business", "business"), ("status", "status"))
        },
    }
    return _frozen(by_name), _frozen(name_rank), column_ranks
