"""Building the roster index: from participant rows to frozen, compact columns.

:func:`build_index_data` reads the rows once and returns an :class:`IndexData`, a frozen
record of read-only numpy arrays and tuples; :class:`rmtui.search.index.RosterIndex` wraps it.
"""

from __future__ import annotations

import json
import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import numpy as np

from rmtui.db.records import json_list
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


class Packed(Sequence[str]):
    """A text column (names, e-mail addresses) as one string and where each value ends.

    At 100,000 people the index kept 200,000 small strings, each made while the rows were
    read, among the rows' other strings that were then freed: the C library could give back
    none of the pages they sat on. The index held 90 MB of resident memory for 45 MB of data
    (50 MB free in 99,000 holes; issue 14's hour-long soak). Packed, they are two blocks.
    A value is cut out when asked for (the rows painted, a name compared).
    """

    __slots__ = ("_ends", "_text")

    def __init__(self, values: Sequence[str]) -> None:
        self._text = "".join(values)
        self._ends = array("q", accumulate(map(len, values)))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, position: int) -> str:  # type: ignore[override]
        ends = self._ends
        if position < 0:
            position += len(ends)
            if position < 0:
                raise IndexError("Packed index out of range")
        return self._text[ends[position - 1] if position else 0 : ends[position]]

    def __iter__(self) -> Iterator[str]:
        text, start = self._text, 0
        for end in self._ends:
            yield text[start:end]
            start = end


@dataclass(frozen=True, slots=True)
class Column:
    """A text column with few distinct values: one int32 code per person."""

    codes: np.ndarray  # int32, one per person
    values: tuple[str, ...]  # code → value as stored
    keys: tuple[str, ...]  # code → value as searches compare it

    def code_ranks(self) -> np.ndarray:
        """Return, per code, the rank of its value in case/accent-insensitive order."""
        ordered = sorted(range(len(self.values)), key=lambda c: (self.keys[c], self.values[c]))
        rank = np.empty(len(self.values), dtype=np.int64)
        rank[ordered] = np.arange(len(ordered), dtype=np.int64)
        return rank

    def sort_ranks(self) -> np.ndarray:
        """Return, per person, the rank of their value in case/accent-insensitive order."""
        return self.code_ranks()[self.codes] if len(self.values) else np.zeros(0, np.int64)

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
    """Return a hobbies/interests value (stored text, see :func:`rmtui.db.records.json_list`,
    or a list) as a list of strings."""
    if value is None or isinstance(value, str):
        return json_list(value)
    if isinstance(value, (list, tuple)):
        return [v if isinstance(v, str) else str(v) for v in value]
    return [str(value)]


def _level_value(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return LEVEL_NONE


@dataclass(frozen=True, slots=True)
class Side:
    """The terms of people edited since the postings were laid out, kept apart from them.

    An edit then shares the (large) postings with the index before it instead of copying
    them: their own postings still hold these people's old terms, which searches ignore.
    """

    people: np.ndarray  # int64 positions, ascending
    starts: np.ndarray  # int64: person i's terms are postings[starts[i]:starts[i + 1]]
    postings: np.ndarray  # int32


NO_SIDE = Side(_frozen(np.zeros(0, np.int64)), _frozen(np.zeros(1, np.int64)), _frozen(np.zeros(0, np.int32)))
SIDE_MAX = 2048
"""When more people than this have their terms apart, the postings are laid out again, all in place."""


@dataclass(frozen=True, slots=True)
class IndexData:
    """Everything the roster searches and shows, in compact read-only columns."""

    n: int
    ids: np.ndarray  # int64 participant ids, one per position
    level: np.ndarray  # int32, LEVEL_NONE when not recorded
    names: Sequence[str]  # Packed, or Patched after updates
    emails: Sequence[str]
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
    term_field: np.ndarray  # term → field class (int8)
    postings: np.ndarray  # person-major terms (for the people in ``side``: their terms before an edit)
    starts: np.ndarray  # person → first posting (n + 1 entries)
    side: Side  # the terms of people edited since the postings were laid out
    by_name: np.ndarray  # positions in name order
    name_rank: np.ndarray  # position → rank by name
    column_ranks: dict[str, tuple[np.ndarray, int]]  # sort column → (rank per person, distinct count)
    # The distinct levels the level ranks count (ascending). After updates it may hold levels
    # nobody has any more: ranks then have gaps, which orders people the same.
    levels: np.ndarray
    # Values of several words that people share (see :class:`Groups`): their keys, their
    # terms in the postings, and group g's terms: group_terms[group_starts[g]:group_starts[g + 1]].
    group_keys: tuple[tuple[int, str], ...]
    group_ids: np.ndarray
    group_starts: np.ndarray
    group_terms: np.ndarray


class Groups:
    """Values of several words that many people share (a job title, a department, a hobby,
    an e-mail domain), scored once per query word instead of once per person who has them.

    Each group is a term of its own (of the empty word, so scored 0 until the search gives it
    the best score of the group's terms: see ``RosterIndex._term_scores``), and a person's
    postings hold that one term for such a value instead of its terms. The best over a
    person's postings is the best over their terms, with 40% fewer postings at 100k people.
    A value of one word stays that word's term.
    """

    __slots__ = ("keys", "ids", "terms", "known")

    def __init__(self, keys: Sequence[tuple[int, str]] = (), ids: Sequence[int] = (),
                 terms: Sequence[list[int]] = ()) -> None:
        self.keys = list(keys)
        self.ids = list(ids)  # group → its term
        self.terms = dict(zip(self.ids, terms))  # a group's term → the terms it stands for
        self.known: dict[tuple[int, str], list[int]] = {key: [term] for key, term in zip(self.keys, self.ids)}

    def entries(self, field_class: int, text: str, words: Callable[[str], Iterable[str]],
                terms_of: Callable[[int, Iterable[str]], list[int]], new_term: Callable[[], int]) -> list[int]:
        """Return the postings of value ``text`` (its words: ``words(text)``) in ``field_class``:
        its one term, or its group's (``new_term()`` makes a group's term)."""
        key = (field_class, text)
        known = self.known.get(key)
        if known is None:
            terms = list(dict.fromkeys(terms_of(field_class, words(text))))
            if len(terms) <= 1:
                known = terms
            else:
                term = new_term()
                known = [term]
                self.keys.append(key)
                self.ids.append(term)
                self.terms[term] = terms
            self.known[key] = known
        return known

    def arrays(self) -> dict[str, Any]:
        """Return the IndexData fields of these groups."""
        members = [self.terms[term] for term in self.ids]
        starts = np.zeros(len(members) + 1, dtype=np.int64)
        np.cumsum([len(t) for t in members], out=starts[1:])
        return {
            "group_keys": tuple(self.keys),
            "group_ids": _frozen(np.array(self.ids, dtype=np.int64)),
            "group_starts": _frozen(starts),
            "group_terms": _frozen(np.array([t for terms in members for t in terms], dtype=np.int64)),
        }

    def expanded(self, entries: list[int]) -> list[int]:
        """Return the terms ``entries`` stand for (a group's term: the group's terms)."""
        members = self.terms
        return [t for e in entries for t in members.get(e, (e,))]


def _split_email(email: str) -> tuple[str, str]:
    """Return (the part before the last "@", the domain): the domain is a value people share."""
    local, at, domain = email.rpartition("@")
    return (local, domain) if at else (email, "")


def _domain_words(domain: str) -> list[str]:
    return [w for piece in _EMAIL_PIECES.split(domain) for w in words_of(piece)]


def _person_entries(name_terms: list[int], local_terms: list[int], value_entries: list[int],
                    term_word: Sequence[int]) -> list[int]:
    """Return one person's postings entries: their name's terms, the e-mail's own words that are
    not words of the name (a name term of the same word always scores more), their values'."""
    name_words = {term_word[t] for t in name_terms}
    local = [t for t in local_terms if term_word[t] not in name_words]
    return list(dict.fromkeys([*name_terms, *local, *value_entries])) or [0]


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

    def new_term() -> int:  # a group's term (see Groups)
        term_word.append(0)
        term_field.append(NAME)
        return len(term_word) - 1

    # Titles, departments, businesses, hobbies and domains repeat: each value is split once,
    # and one of several words becomes a group (see Groups).
    groups = Groups()
    list_entries: dict[Any, list[int]] = {}

    def interest_entries(value: Any) -> list[int]:
        cache_key = value if isinstance(value, (str, type(None))) else json.dumps(value)
        entries = list_entries.get(cache_key)
        if entries is None:
            entries = list_entries[cache_key] = [
                e for item in as_list(value) for e in groups.entries(INTERESTS, item, words_of, terms_of, new_term)]
        return entries

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
        name_terms: list[int] = []
        name_key = []
        for piece in name.split():
            known = name_pieces.get(piece)
            if known is None:
                key = search_key(piece)
                known = name_pieces[piece] = (key, terms_of(NAME, WORD.findall(key)))
            name_key.append(known[0])
            name_terms += known[1]
        name_keys.append(" ".join(name_key))
        local, domain = _split_email(email)
        local_terms: list[int] = []
        for piece in _EMAIL_PIECES.split(local):
            known_terms = email_pieces.get(piece)
            if known_terms is None:
                known_terms = email_pieces[piece] = terms_of(EMAIL, words_of(piece))
            local_terms += known_terms
        values = groups.entries(EMAIL, domain, _domain_words, terms_of, new_term) if domain else []
        for column, field_class, value in (
            (title, TITLE, row[4]), (department, DEPARTMENT, row[6]), (business, BUSINESS, row[7])
        ):
            code, _ = column.add(value)
            values = values + groups.entries(field_class, column.keys[code], WORD.findall, terms_of, new_term)
        values += interest_entries(row[9])
        values += interest_entries(row[10])
        entries = _person_entries(name_terms, local_terms, values, term_word)
        postings.extend(entries)
        lengths.append(len(entries))

    n = len(ids)
    level = np.frombuffer(levels, dtype=np.int32).copy() if levels else np.zeros(0, np.int32)
    all_words = list(words)
    # Free what only the loop needed before the vocabularies are built (peak memory at 100k people).
    words.clear()
    list_entries.clear()
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
    by_name, name_rank, column_ranks, distinct_levels = _sort_ranks(name_keys, level, columns)
    return IndexData(
        n=n,
        ids=_frozen(np.frombuffer(ids, dtype=np.int64).copy() if ids else np.zeros(0, np.int64)),
        level=_frozen(level),
        names=Packed(names),
        emails=Packed(emails),
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
        term_field=_frozen(np.frombuffer(term_field, dtype=np.int8).copy()),
        postings=_frozen(np.frombuffer(postings, dtype=np.int32).copy() if postings else np.zeros(0, np.int32)),
        starts=_frozen(starts),
        side=NO_SIDE,
        by_name=by_name,
        name_rank=name_rank,
        column_ranks=column_ranks,
        levels=distinct_levels,
        **groups.arrays(),
    )


def _sort_ranks(
    keys: list[str], level: np.ndarray, columns: dict[str, Column]
) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[np.ndarray, int]], np.ndarray]:
    """Return (positions by name, name rank per position, sort column → (ranks, distinct), levels)."""
    n = len(keys)
    # Equal keys ("Jose" and "José") keep their id order: sorted() is stable.
    by_name = np.array(sorted(range(n), key=keys.__getitem__), dtype=np.int64)
    name_rank = np.empty(n, dtype=np.int32)
    name_rank[by_name] = np.arange(n, dtype=np.int32)
    levels = _frozen(np.unique(level[level != LEVEL_NONE]))
    return _frozen(by_name), _frozen(name_rank), _column_ranks(level, columns, levels), levels


def _level_ranks(level: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Return each level's rank among ``levels`` (which hold them all); no level ranks last."""
    present = level != LEVEL_NONE
    rank = np.full(len(level), len(levels), dtype=np.int32)
    rank[present] = np.searchsorted(levels, level[present])
    return rank


_SORT_COLUMNS = (("role", "role"), ("department", "department"), ("line_of_business", "business"), ("status", "status"))


def _column_ranks(
    level: np.ndarray, columns: dict[str, Column], levels: np.ndarray
) -> dict[str, tuple[np.ndarray, int]]:
    """Return sort column → (rank per person, distinct values) for every column but the name."""
    return {
        "level": (_frozen(_level_ranks(level, levels)), len(levels)),
        **{key: (_frozen(columns[name].sort_ranks()), len(columns[name].values)) for key, name in _SORT_COLUMNS},
    }


# -- updating a built index by a few rows ----------------------------------------------------


def name_key(name: str) -> str:
    """Return how the index orders ``name``: its pieces folded, one space apart."""
    return " ".join(search_key(piece) for piece in name.split())


class Lexicon:
    """The words and terms of a built index, looked up by text, to add rows' terms to it.

    Made from an :class:`IndexData` (the build frees its dictionaries to keep its peak memory
    low), then grown append-only by :func:`update_index`. ``terms`` says how many terms it
    knows: an index with another count made its own lexicon (see :meth:`fits`).
    """

    __slots__ = ("words", "word_list", "term_maps", "term_word", "term_field", "groups")

    def __init__(self, data: IndexData) -> None:
        word_list = [""] * data.word_count
        for ids_, vocabulary in data.vocabularies.values():
            for word_id, word in zip(ids_.tolist(), vocabulary.words):
                word_list[word_id] = word
        self.word_list = word_list
        self.words = {word: i for i, word in enumerate(word_list)}
        self.term_word = data.term_word.tolist()
        self.term_field = data.term_field.tolist()
        self.term_maps: list[dict[str, int]] = [{} for _ in FIELD_WEIGHTS]
        for term, (word_id, field_class) in enumerate(zip(self.term_word, self.term_field)):
            if word_id:  # not term 0 (no words), nor a group's term
                self.term_maps[field_class][word_list[word_id]] = term
        starts = data.group_starts.tolist()
        flat = data.group_terms.tolist()
        self.groups = Groups(data.group_keys, data.group_ids.tolist(),
                             [flat[starts[g] : starts[g + 1]] for g in range(len(data.group_keys))])

    def fits(self, data: IndexData) -> bool:
        return (len(self.term_word) == len(data.term_word) and len(self.word_list) == data.word_count
                and len(self.groups.keys) == len(data.group_keys))

    def terms_of(self, field_class: int, text_words: Iterable[str]) -> list[int]:
        found = self.term_maps[field_class]
        out = []
        for word in text_words:
            term = found.get(word)
            if term is None:
                word_id = self.words.get(word)
                if word_id is None:
                    word_id = self.words[word] = len(self.word_list)
                    self.word_list.append(word)
                term = found[word] = len(self.term_word)
                self.term_word.append(word_id)
                self.term_field.append(field_class)
            out.append(term)
        return out

    def new_term(self) -> int:
        """Return a new group's term (see :class:`Groups`)."""
        self.term_word.append(0)
        self.term_field.append(NAME)
        return len(self.term_word) - 1


def _extended(column: Column, values: list[Any]) -> tuple[Column, list[int]]:
    """Return ``column`` with any new ``values`` added (codes unchanged) and the values' codes."""
    lookup = {value: code for code, value in enumerate(column.values)}
    new_values, new_keys, codes = list(column.values), list(column.keys), []
    for value in values:
        text = value if isinstance(value, str) else ("" if value is None else str(value))
        code = lookup.get(text)
        if code is None:
            code = lookup[text] = len(new_values)
            new_values.append(text)
            new_keys.append(search_key(text))
        codes.append(code)
    if len(new_values) == len(column.values):
        return column, codes
    return Column(column.codes, tuple(new_values), tuple(new_keys)), codes


@dataclass(frozen=True, slots=True)
class Moved:
    """Where :func:`update_index` put people: what a search cache of the old index needs to
    follow them into the new one."""

    kept_old: np.ndarray | None  # old positions of the people kept (None: everyone, in place)
    kept_new: np.ndarray | None  # their positions in the new index
    positions: np.ndarray  # new positions of the rows put in, ascending
    row_terms: list[list[int]]  # their terms (groups' spelt out), in the same order


def update_index(
    data: IndexData, lexicon: Lexicon, rows: list[tuple], removed: Iterable[int]
) -> tuple[IndexData, Moved]:
    """Return ``data`` with ``rows`` put in (new ids added, known ids replaced) and ``removed`` ids
    taken out: the same index a fresh build over the changed table gives, at the cost of a few
    array copies instead of re-reading and re-splitting every person. Also where people went.

    Rows of people the index has (an edit, the common case) are put in place: the columns they
    changed are copied once and patched, the others shared with ``data``; names and e-mails are
    patched without a copy (:class:`Patched`); their terms go to the :class:`Side` (the large
    postings are shared); the name order changes only if a name's order key did, and the sort
    ranks are patched. Adding or removing people merges the kept ones with the added ones in
    id order (every array copied once: vectorised, still no re-reading or re-splitting).

    ``lexicon`` must fit ``data`` (:meth:`Lexicon.fits`); it grows by the rows' new words.
    Words nobody has any more stay in the vocabulary: they match no one.
    """
    rows = list({int(row[0]): row for row in rows}.values())  # the last of an id wins
    rows.sort(key=lambda row: int(row[0]))
    add_ids = np.array([int(row[0]) for row in rows], dtype=np.int64)
    gone = {int(i) for i in removed} - set(add_ids.tolist())
    gone_ids = np.fromiter(gone, dtype=np.int64, count=len(gone))
    if data.n and not np.isin(gone_ids, data.ids).any():
        at = np.searchsorted(data.ids, add_ids)
        if bool((at < data.n).all()) and np.array_equal(data.ids[np.minimum(at, data.n - 1)], add_ids):
            return _replaced(data, lexicon, rows, at)
    return _merged(data, lexicon, rows, gone | set(add_ids.tolist()))


def _row_codes(data: IndexData, rows: list[tuple], codes_of: Callable[[Column, list[int]], np.ndarray]
               ) -> tuple[dict[str, Column], dict[str, list[int]]]:
    """Return the updated columns (their codes from ``codes_of(old column, row codes)``) and the rows' codes."""
    columns: dict[str, Column] = {}
    row_codes: dict[str, list[int]] = {}
    for key, column, slot in (("role", data.role, 3), ("title", data.title, 4), ("department", data.department, 6),
                              ("business", data.business, 7), ("status", data.status, 8)):
        extended, codes = _extended(column, [row[slot] for row in rows])
        columns[key] = Column(_frozen(codes_of(column, codes)), extended.values, extended.keys)
        row_codes[key] = codes
    return columns, row_codes


def _row_terms(lexicon: Lexicon, rows: list[tuple], columns: dict[str, Column],
               row_codes: dict[str, list[int]]) -> tuple[list[list[int]], list[list[int]]]:
    """Return each row's postings entries, as the build makes them, and the terms they stand for."""
    row_entries: list[list[int]] = []
    groups, terms_of, new_term = lexicon.groups, lexicon.terms_of, lexicon.new_term
    for k, row in enumerate(rows):
        name, email = row[1] or "", row[2] or ""
        name_terms: list[int] = []
        for piece in name.split():
            name_terms += terms_of(NAME, WORD.findall(search_key(piece)))
        local, domain = _split_email(email)
        local_terms = [t for piece in _EMAIL_PIECES.split(local) for t in terms_of(EMAIL, words_of(piece))]
        values = groups.entries(EMAIL, domain, _domain_words, terms_of, new_term) if domain else []
        for key, field_class in (("title", TITLE), ("department", DEPARTMENT), ("business", BUSINESS)):
            values = values + groups.entries(field_class, columns[key].keys[row_codes[key][k]], WORD.findall, terms_of,
                                             new_term)
        for value in (row[9], row[10]):
            values = values + [e for item in as_list(value)
                               for e in groups.entries(INTERESTS, item, words_of, terms_of, new_term)]
        row_entries.append(_person_entries(name_terms, local_terms, values, lexicon.term_word))
    return row_entries, [groups.expanded(entries) for entries in row_entries]


class _NameProbes:
    """``kept_by_name`` as the (order key, position) pairs it is sorted by, for bisect.

    A class of the module's, not one made per call: a class is a reference cycle, and one
    made per update kept its arrays alive until a full garbage collection (hundreds of MB
    of resident memory after a few hundred live edits at 100k people)."""

    __slots__ = ("kept_by_name", "names")

    def __init__(self, kept_by_name: np.ndarray, names: Sequence[str]) -> None:
        self.kept_by_name = kept_by_name
        self.names = names

    def __len__(self) -> int:
        return len(self.kept_by_name)

    def __getitem__(self, i: int) -> tuple[str, int]:
        position = int(self.kept_by_name[i])
        return (name_key(self.names[position]), position)


def _placed(kept_by_name: np.ndarray, names: Sequence[str], keys: list[str], positions: list[int],
            n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (positions by name, name rank per position): ``kept_by_name`` (in name order) with
    the people at ``positions`` (their order ``keys``) put where they sort; ties by position,
    as the build's stable sort leaves them."""
    probes = _NameProbes(kept_by_name, names)
    placed = sorted(zip(keys, positions))
    points = [bisect_left(probes, item) for item in placed]
    by_name = np.insert(kept_by_name, points, [position for _, position in placed]) if placed else kept_by_name.copy()
    name_rank = np.empty(n, dtype=np.int32)
    name_rank[by_name] = np.arange(n, dtype=np.int32)
    return _frozen(by_name), _frozen(name_rank)


def _grown_words(data: IndexData, lexicon: Lexicon) -> dict[str, Any]:
    """Return the term and word fields of the updated index: ``data``'s, with the lexicon's new ones."""
    word_list = lexicon.word_list
    grown: dict[str, Any] = {"word_count": len(word_list)}
    old_terms = len(data.term_word)
    if len(lexicon.term_word) == old_terms:  # no new terms: share the term arrays
        grown.update(term_word=data.term_word, term_field=data.term_field, term_weight=data.term_weight)
    else:
        term_field = np.concatenate([data.term_field, np.array(lexicon.term_field[old_terms:], dtype=np.int8)])
        grown.update(
            term_word=_frozen(np.concatenate([data.term_word, np.array(lexicon.term_word[old_terms:], dtype=np.int32)])),
            term_field=_frozen(term_field),
            term_weight=_frozen(FIELD_WEIGHTS[term_field]),
        )
    if len(lexicon.groups.keys) == len(data.group_keys):  # no new groups: share their arrays
        grown.update(group_keys=data.group_keys, group_ids=data.group_ids, group_starts=data.group_starts,
                     group_terms=data.group_terms)
    else:
        grown.update(lexicon.groups.arrays())
    if len(word_list) == data.word_count:
        grown.update(vocabularies=data.vocabularies, max_word=data.max_word)
        return grown
    # Only the part (letters or digits) that got new words is made again: a new number
    # must not cost re-packing 60,000 words.
    added = word_list[data.word_count:]
    vocabularies = dict(data.vocabularies)
    for kind, is_kind in (("digits", str.isdigit), ("letters", lambda w: not w.isdigit())):
        new_ids = [data.word_count + i for i, w in enumerate(added) if is_kind(w)]
        if new_ids:
            ids_, vocabulary = data.vocabularies[kind]
            all_ids = np.concatenate([ids_, np.array(new_ids, dtype=ids_.dtype)])
            vocabularies[kind] = (_frozen(all_ids), Vocabulary([*vocabulary.words, *(word_list[i] for i in new_ids)]))
    grown.update(vocabularies=vocabularies, max_word=max(data.max_word, max((len(w) for w in added), default=0)))
    return grown


PATCHES_KEPT = 1024
"""A :class:`Patched` text column holds at most this many changed values; then it is copied whole."""


class Patched(Sequence[str]):
    """A text column (names, e-mail addresses) with a few values changed, sharing the rest:
    an edit to one person of 100k costs no copy of 100k strings."""

    __slots__ = ("base", "changes")

    def __init__(self, base: Sequence[str], changes: dict[int, str]) -> None:
        self.base = base
        self.changes = changes

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, position: int) -> str:  # type: ignore[override]
        value = self.changes.get(position)
        return self.base[position] if value is None else value


def _patched(old: Sequence[str], positions: list[int], values: list[str]) -> Sequence[str]:
    """Return ``old`` with the values at ``positions`` changed (``old`` is left as it was)."""
    base, changes = (old.base, dict(old.changes)) if isinstance(old, Patched) else (old, {})
    changes.update(zip(positions, values))
    if len(changes) <= PATCHES_KEPT:
        return Patched(base, changes)
    out = list(base)
    for position, value in changes.items():
        out[position] = value
    return Packed(out)


def _side_with(side: Side, at: np.ndarray, row_terms: list[list[int]]) -> Side:
    """Return ``side`` with the people at positions ``at`` (ascending) given ``row_terms``."""
    people = np.union1d(side.people, at)
    lengths = np.zeros(len(people), dtype=np.int64)
    keep = ~np.isin(side.people, at)
    kept_lengths = np.diff(side.starts)[keep]
    kept_to = np.searchsorted(people, side.people[keep])
    lengths[kept_to] = kept_lengths
    new_to = np.searchsorted(people, at)
    lengths[new_to] = [len(terms) for terms in row_terms]
    starts = np.zeros(len(people) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    postings = np.empty(int(starts[-1]), dtype=np.int32)
    if len(kept_lengths):
        offsets = np.arange(int(kept_lengths.sum()), dtype=np.int64) - np.repeat(np.cumsum(kept_lengths) - kept_lengths,
                                                                                 kept_lengths)
        postings[np.repeat(starts[kept_to], kept_lengths) + offsets] = side.postings[
            np.repeat(side.starts[:-1][keep], kept_lengths) + offsets]
    for to, terms in zip(new_to.tolist(), row_terms):
        postings[starts[to] : starts[to] + len(terms)] = terms
    return Side(_frozen(people), _frozen(starts), _frozen(postings))


def _laid_out(postings: np.ndarray, starts: np.ndarray, side: Side) -> tuple[np.ndarray, np.ndarray]:
    """Return (postings, starts) with the ``side`` people's terms in place (and nothing apart)."""
    if not len(side.people):
        return postings, starts
    lengths = np.diff(starts)
    lengths[side.people] = np.diff(side.starts)
    new_starts = np.zeros(len(starts), dtype=np.int64)
    np.cumsum(lengths, out=new_starts[1:])
    pieces: list[np.ndarray] = []
    end = 0
    for i, position in enumerate(side.people.tolist()):
        pieces += [postings[end : int(starts[position])], side.postings[side.starts[i] : side.starts[i + 1]]]
        end = int(starts[position + 1])
    pieces.append(postings[end:])
    return _frozen(np.concatenate(pieces)), _frozen(new_starts)


def _replaced(data: IndexData, lexicon: Lexicon, rows: list[tuple], at: np.ndarray) -> tuple[IndexData, Moved]:
    """Put ``rows`` (ascending ids, all in ``data``, at positions ``at``) in place of the people's old rows."""
    n = data.n
    at_list = at.tolist()
    given_levels = np.array([LEVEL_NONE if row[5] is None else _level_value(row[5]) for row in rows], dtype=np.int32)
    same_levels = np.array_equal(data.level[at], given_levels)
    level = data.level if same_levels else data.level.copy()
    if not same_levels:
        level[at] = given_levels
    names = _patched(data.names, at_list, [row[1] or "" for row in rows])
    emails = _patched(data.emails, at_list, [row[2] or "" for row in rows])

    def codes_of(column: Column, codes: list[int]) -> np.ndarray:
        if np.array_equal(column.codes[at], codes):  # this column did not change: share it
            return column.codes
        all_codes = column.codes.copy()
        all_codes[at] = codes
        return all_codes

    columns, row_codes = _row_codes(data, rows, codes_of)
    row_entries, row_terms = _row_terms(lexicon, rows, columns, row_codes)

    # Postings: shared with the index before; the people put in get their entries apart.
    side = _side_with(data.side, at, row_entries)
    postings, starts = data.postings, data.starts
    if len(side.people) > SIDE_MAX:
        postings, starts = _laid_out(postings, starts, side)
        side = NO_SIDE

    # Name order: unchanged unless someone's order key changed; then they move, nobody else.
    keys = [name_key(row[1] or "") for row in rows]
    if keys == [name_key(data.names[position]) for position in at_list]:
        by_name, name_rank = data.by_name, data.name_rank
    else:
        keep = np.ones(n, dtype=bool)
        keep[data.name_rank[at]] = False
        by_name, name_rank = _placed(data.by_name[keep], names, keys, at_list, n)

    # Sort ranks: patched where the columns' value sets stayed (then no one else's rank moves).
    new_levels = level[at]
    given = new_levels[new_levels != LEVEL_NONE]
    levels = data.levels
    if same_levels:
        level_rank = data.column_ranks["level"][0]
    elif np.isin(given, levels).all():
        level_rank = data.column_ranks["level"][0].copy()
        level_rank[at] = _level_ranks(new_levels, levels)
    else:
        levels = _frozen(np.union1d(levels, given))
        level_rank = _level_ranks(level, levels)
    column_ranks = {"level": (_frozen(level_rank), len(levels))}
    for key, name in _SORT_COLUMNS:
        column, old = columns[name], getattr(data, name)
        if column.codes is old.codes:
            ranks = data.column_ranks[key][0]
        elif len(column.values) == len(old.values):
            ranks = data.column_ranks[key][0].copy()
            ranks[at] = column.code_ranks()[column.codes[at]]
        else:
            ranks = column.sort_ranks()
        column_ranks[key] = (_frozen(ranks), len(column.values))

    updated = IndexData(
        n=n, ids=data.ids, level=level if same_levels else _frozen(level), names=names, emails=emails,
        role=columns["role"], title=columns["title"], department=columns["department"],
        business=columns["business"], status=columns["status"],
        postings=postings, starts=starts, side=side, by_name=by_name, name_rank=name_rank,
        column_ranks=column_ranks, levels=levels, **_grown_words(data, lexicon),
    )
    return updated, Moved(None, None, at, row_terms)


def _merged(data: IndexData, lexicon: Lexicon, rows: list[tuple], gone: set[int]) -> tuple[IndexData, Moved]:
    """Take the ``gone`` ids out of ``data`` and merge ``rows`` (ascending ids) in, in id order."""
    old_ids = data.ids
    drop = np.isin(old_ids, np.fromiter(gone, dtype=np.int64, count=len(gone))) if gone else np.zeros(data.n, bool)
    kept = np.flatnonzero(~drop)
    add_ids = np.array([int(row[0]) for row in rows], dtype=np.int64)
    # The new positions: kept people and added rows merged in id order.
    insert_at = np.searchsorted(old_ids[kept], add_ids)
    n = len(kept) + len(rows)
    is_new = np.zeros(n, dtype=bool)
    new_positions = insert_at + np.arange(len(rows), dtype=np.int64)
    is_new[new_positions] = True
    kept_positions = np.flatnonzero(~is_new)
    old_to_new = np.full(data.n, -1, dtype=np.int64)
    old_to_new[kept] = kept_positions

    ids = np.empty(n, dtype=np.int64)
    ids[kept_positions] = old_ids[kept]
    ids[new_positions] = add_ids
    level = np.empty(n, dtype=np.int32)
    level[kept_positions] = data.level[kept]
    level[new_positions] = [LEVEL_NONE if row[5] is None else _level_value(row[5]) for row in rows]

    kept_list = kept.tolist()
    new_list = new_positions.tolist()

    def merged(old: Sequence[str], new: list[str]) -> Packed:
        out = list(map(old.__getitem__, kept_list)) if kept_list else []
        for position, value in zip(new_list, new):  # ascending: each lands where it belongs
            out.insert(position, value)
        return Packed(out)

    names = merged(data.names, [row[1] or "" for row in rows])
    emails = merged(data.emails, [row[2] or "" for row in rows])

    def codes_of(column: Column, codes: list[int]) -> np.ndarray:
        all_codes = np.empty(n, dtype=np.int32)
        all_codes[kept_positions] = column.codes[kept]
        all_codes[new_positions] = codes
        return all_codes

    columns, row_codes = _row_codes(data, rows, codes_of)
    row_entries, row_terms = _row_terms(lexicon, rows, columns, row_codes)

    old_postings, old_starts = _laid_out(data.postings, data.starts, data.side)
    old_lengths = np.diff(old_starts)
    lengths = np.empty(n, dtype=np.int64)
    lengths[kept_positions] = old_lengths[kept]
    lengths[new_positions] = [len(t) for t in row_entries]
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    postings = np.empty(int(starts[-1]), dtype=np.int32)
    if len(kept):
        # Copy the kept people's postings run by run: people next to each other both before
        # and after (no one added between them) are one slice.
        breaks = np.flatnonzero((np.diff(kept) != 1) | (np.diff(kept_positions) != 1)) + 1
        for run in np.split(np.arange(len(kept)), breaks):
            first, last = int(kept[run[0]]), int(kept[run[-1]])
            to = int(starts[kept_positions[run[0]]])
            piece = old_postings[old_starts[first] : old_starts[last + 1]]
            postings[to : to + len(piece)] = piece
    for position, entries in zip(new_list, row_entries):
        postings[starts[position] : starts[position] + len(entries)] = entries

    # Name order: the kept people keep theirs; each added row goes where its key sorts.
    kept_by_name = old_to_new[data.by_name]
    kept_by_name = kept_by_name[kept_by_name >= 0]
    by_name, name_rank = _placed(kept_by_name, names, [name_key(row[1] or "") for row in rows], new_list, n)

    given = level[new_positions]
    levels = _frozen(np.union1d(data.levels, given[given != LEVEL_NONE]))
    updated = IndexData(
        n=n, ids=_frozen(ids), level=_frozen(level), names=names, emails=emails,
        role=columns["role"], title=columns["title"], department=columns["department"],
        business=columns["business"], status=columns["status"],
        postings=_frozen(postings), starts=_frozen(starts), side=NO_SIDE, by_name=by_name, name_rank=name_rank,
        column_ranks=_column_ranks(level, columns, levels), levels=levels, **_grown_words(data, lexicon),
    )
    return updated, Moved(kept, kept_positions, new_positions, row_terms)
