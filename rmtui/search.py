"""Roster search: fuzzy, typo-tolerant, filterable, instant at 100,000 people.

How a query is answered
-----------------------
Every searchable field (name, email, job title, department, line of business, interests,
hobbies) is folded (:func:`rmtui.text.fold`, plus a few look-alike letters) and split into
words. The index keeps one *vocabulary* of distinct words and, per person, a compact list of
*terms* (a term is a word seen in one field class, so a name word and the same word in a hobby
are different terms with different weights). A roster of 100k people has a few tens of
thousands of distinct words, far fewer than people, so the fuzzy work is done once per word:

1. For each query word, rapidfuzz scores it against the whole vocabulary in C (LCS, then
   OSA edit distance on the prefix and the whole word for the candidates LCS lets through).
2. numpy spreads the word scores to terms (times the field weight) and takes, per person,
   the best term: ``maximum.reduceat`` over the person-major term array.
3. A person matches when every query word matched one of their words; their score is the sum
   of the best per query word. Results are sorted by score, then name (or by a column).

Narrowing as you type
---------------------
A word matches *loosely* when at most :data:`LOOSE_MISSES` of its characters are absent from
the longest common subsequence with some word of the person. Appending characters to a query
word can only add missing characters (``LCS(t + x, w) <= LCS(t, w) + len(x)``), and a shown
match never has more than ``LOOSE_MISSES`` missing, so anyone who matches a longer query
already matched the shorter one loosely. Only the last word can still grow (the text ends
inside it); finished words are held to the shown cutoff. Each result keeps these *survivors*
(a superset of what it shows), and the next keystroke that only extends the free text scores
just those: narrowing returns exactly what a fresh search would, and gets cheaper as the
query grows. Anything else (a deletion, a changed filter) searches afresh, reusing the
per-word scores of the last dozen words from a small cache.
"""

from __future__ import annotations

import json
import re
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq, OSA

from rmtui.text import fold

if TYPE_CHECKING:
    import rmtui.db

SORT_KEYS = ("name", "role", "level", "department", "line_of_business", "status")

ROLES = ("mentor", "mentee")
STATUSES = ("applicant", "active", "withdrawn", "alumni")

# Field classes of terms and how much a match in each counts: a name match outranks the
# same match anywhere else.
NAME, EMAIL, TITLE, DEPARTMENT, BUSINESS, INTERESTS = range(6)
FIELD_WEIGHTS = np.array([1.0, 0.9, 0.8, 0.75, 0.75, 0.7], dtype=np.float32)

# Word-level scoring. A query word of length L is *shown* matching a word when at most
# ``allowed_misses(L)`` of its characters are missing from their common subsequence and its
# similarity (best of whole word, prefix and substring) is at least SHOWN_SIMILARITY.
LOOSE_MISSES = 2
SHOWN_SIMILARITY = 0.5
PREFIX_FACTOR = 0.9  # "kraw" is a fine match for "krawczyk", but "krawczyk" itself is better
SUBSTRING_SCORE = 0.6  # "smith" inside "goldsmith"
LOOSE_SCORE = 1e-3  # loose-only matches: kept as survivors, never shown
SHOWN_MIN = 0.1  # any shown word score times any field weight is above this

MAX_QUERY_WORDS = 10
MAX_WORD_LENGTH = 64
TOKEN_CACHE_SIZE = 12

LEVEL_NONE = np.iinfo(np.int32).min

# Letters from other scripts that look like Latin ones ("mariа" with a Cyrillic а). Applied to
# both the index and the query, so a genuinely Cyrillic name still matches itself.
_LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁӏ" "αοιντκρ",
    "aeopcyxijsdl" "aoivtkp",
)
_WORD = re.compile(r"[^\W\d_]+|\d+")
_EMAIL_PIECES = re.compile(r"[@.]")
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


def search_key(text: str) -> str:
    """Return ``text`` in the form searches compare: folded, look-alike letters made Latin."""
    if text.isascii():
        return text.lower()  # fold() of ASCII text is exactly lower(); skip its per-character work
    return fold(text).translate(_LOOKALIKES)


def _words(text: str) -> list[str]:
    return _WORD.findall(search_key(text))


def allowed_misses(length: int) -> int:
    """Return how many characters of a query word of ``length`` may be missing in a shown match."""
    if length <= 2:
        return 0
    if length <= 5:
        return 1
    return LOOSE_MISSES


def _packed(strings: list[str]) -> list[str]:
    """Return copies of ``strings`` allocated one after another (same order, same text)."""
    if not strings:
        return []
    if any("\x00" in s for s in strings):
        return [(s + "\x00")[:-1] for s in strings]
    return "\x00".join(strings).split("\x00")


class Vocabulary:
    """Distinct words to score query words against, with their first letters and lengths."""

    __slots__ = ("words", "first", "lengths")

    def __init__(self, words: list[str]) -> None:
        # Fresh copies, allocated one after another: rapidfuzz reads every word on every
        # keystroke, and words scattered among 100k rows' objects made that 5x slower.
        self.words = _packed(words)
        self.first = np.array([ord(w[0]) if w else 0 for w in words], dtype=np.uint32)
        self.lengths = np.array([len(w) for w in words], dtype=np.int32)

    def __len__(self) -> int:
        return len(self.words)


def word_scores(token: str, vocabulary: Vocabulary) -> np.ndarray:
    """Return, per vocabulary word, how well query word ``token`` matches it (float32).

    0 means no match, :data:`LOOSE_SCORE` a loose match (kept for narrowing, not shown),
    anything from :data:`SHOWN_SIMILARITY` to 1 a shown match (1 = the same word).
    """
    words = vocabulary.words
    scores = np.zeros(len(words), dtype=np.float32)
    length = len(token)
    if not words or not token:
        return scores
    common = process.cdist([token], words, scorer=LCSseq.similarity, dtype=np.int32)[0]
    missing = length - common
    scores[missing <= LOOSE_MISSES] = LOOSE_SCORE
    candidates = np.flatnonzero(missing <= allowed_misses(length))
    if candidates.size == 0:
        return scores
    if length == 1:  # every candidate contains the letter: only "starts with it" tells them apart
        starts = vocabulary.first[candidates] == ord(token)
        single = vocabulary.lengths[candidates] == 1
        scores[candidates] = np.where(starts, np.where(single, 1.0, PREFIX_FACTOR), SUBSTRING_SCORE)
        return scores
    chosen = [words[i] for i in candidates]
    whole = process.cdist([token], chosen, scorer=OSA.normalized_similarity)[0]
    prefixes = [w[:length] for w in chosen]
    prefix = process.cdist([token], prefixes, scorer=OSA.normalized_similarity)[0] * PREFIX_FACTOR
    best = np.maximum(whole, prefix)
    exact_subsequence = np.flatnonzero(missing[candidates] == 0)
    if exact_subsequence.size:
        inside = np.fromiter(
            (token in chosen[i] for i in exact_subsequence), dtype=bool, count=exact_subsequence.size
        )
        rows = exact_subsequence[inside]
        best[rows] = np.maximum(best[rows], SUBSTRING_SCORE)
    shown = best >= SHOWN_SIMILARITY
    scores[candidates[shown]] = best[shown]
    return scores


def word_score(token: str, word: str) -> float:
    """Return :func:`word_scores` for one word: the same rules, without numpy's set-up cost."""
    length = len(token)
    if not token or not word:
        return 0.0
    missing = length - LCSseq.similarity(token, word)
    loose = LOOSE_SCORE if missing <= LOOSE_MISSES else 0.0
    if missing > allowed_misses(length):
        return loose
    if length == 1:
        if word[0] != token:
            return SUBSTRING_SCORE
        return 1.0 if len(word) == 1 else PREFIX_FACTOR
    best = max(
        OSA.normalized_similarity(token, word),
        OSA.normalized_similarity(token, word[:length]) * PREFIX_FACTOR,
    )
    if missing == 0 and token in word:
        best = max(best, SUBSTRING_SCORE)
    return best if best >= SHOWN_SIMILARITY else loose


@dataclass(frozen=True, slots=True)
class RosterRow:
    """What one result line displays."""

    id: int
    name: str
    email: str
    role: str
    job_title: str
    level: int | None
    department: str
    line_of_business: str
    status: str


class _Column:
    """A text column with few distinct values: one int32 code per person."""

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
        if new:
            code = self._lookup[text] = len(self.values)
            self.values.append(text)
            self.keys.append(search_key(text))
        self.codes.append(code)
        return code, new

    def finish(self) -> None:
        """Freeze the codes into a numpy array once every person is added."""
        self.codes = np.frombuffer(self.codes, dtype=np.int32).copy() if self.codes else np.zeros(0, np.int32)
        self._lookup = {}

    def sort_ranks(self) -> np.ndarray:
        """Return, per person, the rank of their value in case/accent-insensitive order."""
        ordered = sorted(range(len(self.values)), key=lambda c: (self.keys[c], self.values[c]))
        rank = np.empty(len(self.values), dtype=np.int64)
        rank[ordered] = np.arange(len(ordered), dtype=np.int64)
        return rank[self.codes] if len(self.values) else np.zeros(0, np.int64)

    def mask_where(self, accept) -> tuple[np.ndarray, bool]:
        """Return (mask of people whose value key passes ``accept``, whether any value did)."""
        ok = np.fromiter((accept(k) for k in self.keys), dtype=bool, count=len(self.keys))
        return ok[self.codes] if len(ok) else np.zeros(len(self.codes), bool), bool(ok.any())


def _as_list(value: Any) -> list[str]:
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


@dataclass(frozen=True, slots=True)
class _Query:
    text: str  # the folded free text, filters removed
    tokens: tuple[str, ...]
    open_last: bool  # the last word may still grow: the text ends inside it
    filters: tuple[tuple[str, str], ...]  # (canonical key, raw value), in query order
    problems: tuple[str, ...]


def parse_query(query: str) -> _Query:
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
            problems.append(f'{_shorten(match.group(0))} — there is no "{key}:" filter; {_FILTER_HELP}')
        elif value.strip():
            filters.append((canonical, value.strip()))
    pieces.append(query[cursor:])
    text = search_key(" ".join(pieces))
    words = list(_WORD.finditer(text))
    tokens = tuple(m.group()[:MAX_WORD_LENGTH] for m in words[:MAX_QUERY_WORDS])
    open_last = 0 < len(words) <= MAX_QUERY_WORDS and words[-1].end() == len(text)
    return _Query(text, tokens, open_last, tuple(filters), tuple(problems))


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _level_test(value: str) -> tuple[int, int] | None:
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


class RosterIndex:
    """Everything the roster searches and shows, held in compact columns (no per-row dicts)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token_cache: OrderedDict[str, np.ndarray] = OrderedDict()

    # -- building ----------------------------------------------------------------------

    @classmethod
    def from_store(cls, store: rmtui.db.Store, *, chunk: int = 10_000) -> RosterIndex:
        """Return the index of every participant in ``store``.

        Read in id order, ``chunk`` rows per query, so 100k rows never sit in memory at once
        and no read transaction is held while the index is built. A write landing between
        two chunks may be half-seen; the data_version refresh rebuilds the index anyway.
        """

        def rows() -> Iterator[tuple]:
            last = None
            while True:
                batch = store.query_tuples(
                    "SELECT id, name, email, role, job_title, level, department, line_of_business,"
                    " status, hobbies, interests FROM participants"
                    + ("" if last is None else " WHERE id > ?")
                    + " ORDER BY id LIMIT ?",
                    (chunk,) if last is None else (last, chunk),
                )
                yield from batch
                if len(batch) < chunk:
                    return
                last = batch[-1][0]

        return cls.from_rows(rows())

    @classmethod
    def from_rows(cls, rows: Iterable[tuple]) -> RosterIndex:
        """Return the index of ``rows``: (id, name, email, role, job_title, level, department,
        line_of_business, status, hobbies, interests); hobbies/interests as JSON text or lists."""
        self = cls()
        ids = array("q")
        levels = array("i")
        self._names: list[str] = []
        self._emails: list[str] = []
        self._role, self._title, self._department, self._business, self._status = (
            _Column() for _ in range(5)
        )
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
                terms = list_terms[cache_key] = terms_of(
                    INTERESTS, (w for item in _as_list(value) for w in _words(item))
                )
            return terms

        name_pieces: dict[str, tuple[str, list[int]]] = {}
        email_pieces: dict[str, list[int]] = {}
        name_keys: list[str] = []
        postings = array("i")
        lengths = array("i")
        for row in rows:
            name, email = row[1] or "", row[2] or ""
            ids.append(int(row[0]))
            self._names.append(name)
            self._emails.append(email)
            levels.append(LEVEL_NONE if row[5] is None else _level_value(row[5]))
            self._role.add(row[3])
            self._status.add(row[8])
            # Names and e-mail addresses repeat piece by piece ("María", "gonzalez"): fold
            # and split each distinct piece once.
            terms = []
            name_key = []
            for piece in name.split():
                known = name_pieces.get(piece)
                if known is None:
                    key = search_key(piece)
                    known = name_pieces[piece] = (key, terms_of(NAME, _WORD.findall(key)))
                name_key.append(known[0])
                terms += known[1]
            name_keys.append(" ".join(name_key))
            for piece in _EMAIL_PIECES.split(email):
                known_terms = email_pieces.get(piece)
                if known_terms is None:
                    known_terms = email_pieces[piece] = terms_of(EMAIL, _words(piece))
                terms += known_terms
            for slot, (column, field_class, value) in enumerate(
                ((self._title, TITLE, row[4]), (self._department, DEPARTMENT, row[6]),
                 (self._business, BUSINESS, row[7]))
            ):
                code, new = column.add(value)
                if new:
                    value_terms[slot].append(terms_of(field_class, _WORD.findall(column.keys[code])))
                terms += value_terms[slot][code]
            terms += interest_terms(row[9])
            terms += interest_terms(row[10])
            postings.extend(terms or (0,))
            lengths.append(len(terms) or 1)

        self._n = len(ids)
        self._ids = np.frombuffer(ids, dtype=np.int64).copy() if ids else np.zeros(0, np.int64)
        self._level = np.frombuffer(levels, dtype=np.int32).copy() if levels else np.zeros(0, np.int32)
        for column in (self._role, self._title, self._department, self._business, self._status):
            column.finish()
        all_words = list(words)
        del words, term_maps, list_terms, name_pieces, email_pieces
        self._word_count = len(all_words)
        self._max_word = max((len(w) for w in all_words), default=0)
        # Letters and digits are separate words, and a query word of letters never shares a
        # character with one of digits: each is scored against its own part of the vocabulary.
        numeric = np.fromiter((w.isdigit() for w in all_words), dtype=bool, count=len(all_words))
        self._vocabularies = {
            kind: (ids_, Vocabulary([all_words[i] for i in ids_]))
            for kind, ids_ in (("digits", np.flatnonzero(numeric)), ("letters", np.flatnonzero(~numeric)))
        }
        del all_words
        self._term_word = np.frombuffer(term_word, dtype=np.int32).copy()
        self._term_weight = FIELD_WEIGHTS[np.frombuffer(term_field, dtype=np.int8)]
        self._postings = np.frombuffer(postings, dtype=np.int32).copy() if postings else np.zeros(0, np.int32)
        self._starts = np.zeros(self._n + 1, dtype=np.int64)
        if self._n:
            np.cumsum(np.frombuffer(lengths, dtype=np.int32), out=self._starts[1:])
        self._build_sort_ranks(name_keys)
        return self

    def _build_sort_ranks(self, keys: list[str]) -> None:
        # Equal keys ("Jose" and "José") keep their id order: sorted() is stable.
        self._by_name = np.array(sorted(range(self._n), key=keys.__getitem__), dtype=np.int64)
        self._name_rank = np.empty(self._n, dtype=np.int32)
        self._name_rank[self._by_name] = np.arange(self._n, dtype=np.int32)
        present = self._level != LEVEL_NONE
        levels = np.unique(self._level[present])
        level_rank = np.full(self._n, len(levels), dtype=np.int32)  # no level sorts last
        level_rank[present] = np.searchsorted(levels, self._level[present])
        self._column_ranks = {
            "level": (level_rank, len(levels)),
            "role": (self._role.sort_ranks(), len(self._role.values)),
            "department": (self._department.sort_ranks(), len(self._department.values)),
            "line_of_business": (self._business.sort_ranks(), len(self._business.values)),
            "status": (self._status.sort_ranks(), len(self._status.values)),
        }

    # -- reading -----------------------------------------------------------------------

    def __len__(self) -> int:
        return self._n

    @property
    def word_count(self) -> int:
        """Return how many distinct words the index searches (what each keystroke scores)."""
        return self._word_count

    def row(self, position: int) -> RosterRow:
        """Return the display row of the person at ``position`` in the index."""
        level = int(self._level[position])
        return RosterRow(
            id=int(self._ids[position]),
            name=self._names[position],
            email=self._emails[position],
            role=self._role.values[self._role.codes[position]],
            job_title=self._title.values[self._title.codes[position]],
            level=None if level == LEVEL_NONE else level,
            department=self._department.values[self._department.codes[position]],
            line_of_business=self._business.values[self._business.codes[position]],
            status=self._status.values[self._status.codes[position]],
        )

    def name_spans(self, position: int, tokens: tuple[str, ...]) -> list[tuple[int, int]]:
        """Return the merged character spans of the name at ``position`` matched by ``tokens``."""
        if not tokens:
            return []
        name = self._names[position]
        folded_chars: list[str] = []
        origin: list[int] = []  # folded character -> index of the name character it came from
        for j, ch in enumerate(name):
            for f in search_key(ch):
                folded_chars.append(f)
                origin.append(j)
        folded = "".join(folded_chars)
        name_words = [(m.group(), m.start()) for m in _WORD.finditer(folded)]
        if not name_words:
            return []
        marked: set[int] = set()
        for token in dict.fromkeys(tokens):
            for word, start in name_words:
                if word_score(token, word) < SHOWN_SIMILARITY:
                    continue
                at = word.find(token)
                if at >= 0:
                    marked.update(range(start + at, start + at + len(token)))
                    continue
                # A typo: mark the stretch of the word the query word lines up with.
                equal = [op for op in LCSseq.opcodes(token, word) if op[0] == "equal"]
                if equal:
                    marked.update(range(start + equal[0][3], start + equal[-1][4]))
        spans: list[tuple[int, int]] = []
        for k in sorted({origin[k] for k in marked}):
            if spans and spans[-1][1] == k:
                spans[-1] = (spans[-1][0], k + 1)
            else:
                spans.append((k, k + 1))
        return spans

    # -- searching ---------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        sort: str | None = None,
        descending: bool = False,
        previous: SearchResult | None = None,
    ) -> SearchResult:
        """Return the people matching ``query`` (free text and filter tokens), best first.

        With ``sort`` (one of :data:`SORT_KEYS`) the matches are ordered by that column, ties
        by name; without it by relevance, or by name when there is no free text.
        ``descending`` reverses the order. ``previous`` is the last keystroke's result: when
        this query only extends its free text, only its survivors are scored.
        """
        if sort is not None and sort not in SORT_KEYS:
            raise ValueError(f"sort must be one of {', '.join(SORT_KEYS)}, not {sort!r}")
        query = query if isinstance(query, str) else str(query)
        parsed = parse_query(query)
        tokens = parsed.tokens
        reuse: dict[int, np.ndarray] = {}
        if (
            previous is not None
            and previous._index is self
            and previous._filters == parsed.filters
            and parsed.text.startswith(previous._text)
        ):
            subset = previous._survivors
            filter_problems = previous._filter_problems
            for i, token in enumerate(previous._tokens):
                if i < len(tokens) and tokens[i] == token:
                    reuse[i] = previous._best[i]
        else:
            filter_problems = []
            mask = self._filter_mask(parsed.filters, filter_problems)
            subset = np.arange(self._n, dtype=np.int64) if mask is None else np.flatnonzero(mask)

        problems = [*parsed.problems, *filter_problems]
        if not tokens:
            order = self._sort(subset, sort or "name", descending)
            return SearchResult(query, order, len(order), problems, self, parsed.text, (),
                                parsed.filters, filter_problems, subset,
                                np.zeros((0, len(subset)), np.float32))

        best = np.empty((len(tokens), len(subset)), dtype=np.float32)
        first_row: dict[str, int] = {}
        for i, token in enumerate(tokens):
            if i in reuse:
                best[i] = reuse[i]
            elif token in first_row:
                best[i] = best[first_row[token]]
            else:
                best[i] = self._token_best(token, subset)
            first_row.setdefault(token, i)
        # Finished words must match as shown; the word being typed need only match loosely,
        # so the next keystroke can narrow from these survivors (see the module docstring).
        survive = np.ones(len(subset), dtype=bool)
        for i in range(len(tokens)):
            survive &= best[i] > 0 if (parsed.open_last and i == len(tokens) - 1) else best[i] >= SHOWN_MIN
        survivors = subset[survive]
        best = best[:, survive]
        shown = (best >= SHOWN_MIN).all(axis=0)
        matched = survivors[shown]
        if sort is None:
            order = self._by_score(matched, best[:, shown].sum(axis=0), descending)
        else:
            order = self._sort(matched, sort, descending)
        return SearchResult(query, order, len(order), problems, self, parsed.text, tokens,
                            parsed.filters, filter_problems, survivors, best)

    def _token_best(self, token: str, subset: np.ndarray) -> np.ndarray:
        """Return each subset person's best term score for query word ``token``."""
        if len(subset) * 3 >= self._n:
            return self._full_best(token)[subset] if len(subset) < self._n else self._full_best(token)
        term_scores = self._term_scores(token)
        starts = self._starts[subset]
        lengths = self._starts[subset + 1] - starts
        ends = np.cumsum(lengths)
        firsts = ends - lengths
        if len(subset) == 0:
            return np.zeros(0, np.float32)
        index = np.repeat(starts - firsts, lengths) + np.arange(ends[-1], dtype=np.int64)
        return np.maximum.reduceat(term_scores[self._postings[index]], firsts)

    def _full_best(self, token: str) -> np.ndarray:
        with self._lock:
            cached = self._token_cache.get(token)
            if cached is not None:
                self._token_cache.move_to_end(token)
                return cached
        if self._n == 0:
            return np.zeros(0, np.float32)
        best = np.maximum.reduceat(self._term_scores(token)[self._postings], self._starts[:-1])
        with self._lock:
            self._token_cache[token] = best
            while len(self._token_cache) > TOKEN_CACHE_SIZE:
                self._token_cache.popitem(last=False)
        return best

    def _term_scores(self, token: str) -> np.ndarray:
        scores = np.zeros(self._word_count, dtype=np.float32)
        if len(token) <= self._max_word + LOOSE_MISSES:
            ids, words = self._vocabularies["digits" if token.isdigit() else "letters"]
            scores[ids] = word_scores(token, words)
        scores[0] = 0.0  # the empty word stands for "no words at all"
        return scores[self._term_word] * self._term_weight

    def _filter_mask(self, filters: tuple[tuple[str, str], ...], problems: list[str]) -> np.ndarray | None:
        mask: np.ndarray | None = None
        for key, value in filters:
            part = self._one_filter(key, value, problems)
            if part is not None:
                mask = part if mask is None else mask & part
        return mask

    def _one_filter(self, key: str, value: str, problems: list[str]) -> np.ndarray | None:
        shown = _shorten(f"{_short_key(key)}:{value}")
        wanted = search_key(value)
        if key == "level":
            test = _level_test(value)
            if test is None:
                problems.append(f"{shown} — level needs a number, like level:>=5")
                return None
            low, high = test
            return (self._level != LEVEL_NONE) & (self._level >= low) & (self._level <= high)
        if key in ("role", "status"):
            column, known = (self._role, ROLES) if key == "role" else (self._status, STATUSES)
            if not any(k.startswith(wanted) or wanted.rstrip("s") == k for k in known):
                problems.append(f"{shown} — {key} is {_one_of(known)}")
                return None
            mask, _ = column.mask_where(lambda k: k.startswith(wanted) or wanted.rstrip("s") == k)
            return mask
        column, noun = {
            "department": (self._department, "department"),
            "line_of_business": (self._business, "line of business"),
            "job_title": (self._title, "job title"),
        }[key]
        mask, any_value = column.mask_where(lambda k: wanted in k)
        if not any_value:
            problems.append(f'{shown} — no {noun} contains "{_shorten(value, 20)}"')
        return mask

    def _sort(self, positions: np.ndarray, column: str, descending: bool) -> np.ndarray:
        """Return ``positions`` ordered by ``column`` (ties by name); missing values last."""
        if column == "name":
            order = self._in_name_order(positions)
            return order[::-1].copy() if descending else order
        ranks, count = self._column_ranks[column]
        key = ranks[positions]
        if descending:
            key = np.where(key < count, count - 1 - key, key)
        return self._ordered_by(positions, key)

    def _by_score(self, positions: np.ndarray, scores: np.ndarray, descending: bool) -> np.ndarray:
        """Return ``positions`` best score first, ties by name."""
        points = np.rint(scores * 1000).astype(np.int32)
        order = self._ordered_by(positions, points.max(initial=0) - points)
        return order[::-1].copy() if descending else order

    def _in_name_order(self, positions: np.ndarray) -> np.ndarray:
        """Return ``positions`` sorted by name (case- and accent-insensitive)."""
        if len(positions) * 16 < self._n:
            return positions[np.argsort(self._name_rank[positions], kind="stable")]
        chosen = np.zeros(self._n, dtype=bool)
        chosen[positions] = True
        return self._by_name[chosen[self._by_name]]

    def _ordered_by(self, positions: np.ndarray, key: np.ndarray) -> np.ndarray:
        """Return ``positions`` sorted by ``key`` (small non-negative ints), ties by name."""
        if len(positions) * 16 < self._n:
            return positions[np.lexsort((self._name_rank[positions], key))]
        # Many rows: take them in name order, then a stable sort on a 16-bit key, which numpy
        # does as a radix sort: a few ms at 100k rows where a general sort takes several times more.
        full_key = np.zeros(self._n, dtype=np.int16 if key.max(initial=0) < 2**15 else np.int32)
        full_key[positions] = key
        by_name = self._in_name_order(positions)
        return by_name[np.argsort(full_key[by_name], kind="stable")]


def _level_value(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return LEVEL_NONE


def _short_key(key: str) -> str:
    return {"department": "dept", "line_of_business": "lob", "job_title": "title"}.get(key, key)


def _one_of(values: tuple[str, ...]) -> str:
    if len(values) == 2:
        return f"{values[0]} or {values[1]}"
    return "one of " + ", ".join(values)


@dataclass
class SearchResult:
    """The people one query matched, in display order; rows are built only when asked for."""

    query: str
    order: np.ndarray
    total: int
    problems: list[str]
    _index: RosterIndex = field(repr=False)
    _text: str = field(repr=False)
    _tokens: tuple[str, ...] = field(repr=False)
    _filters: tuple[tuple[str, str], ...] = field(repr=False)
    _filter_problems: list[str] = field(repr=False)
    # The loose survivors (index positions, ascending) and their per-query-word best scores:
    # what the next keystroke narrows from. A superset of ``order``; see the module docstring.
    _survivors: np.ndarray = field(repr=False)
    _best: np.ndarray = field(repr=False)

    def row(self, i: int) -> RosterRow:
        """Return the ``i``-th result."""
        return self._index.row(int(self.order[i]))

    def name_spans(self, i: int) -> list[tuple[int, int]]:
        """Return the (start, end) character spans of the ``i``-th result's name that matched."""
        return self._index.name_spans(int(self.order[i]), self._tokens)


def first_page(store: rmtui.db.Store, limit: int) -> list[RosterRow]:
    """Return the first ``limit`` participants by name, straight from SQL.

    The roster shows these while the full index is still being built, so the first paint
    of a 100,000-person roster does not wait for the index.
    """
    rows = store.query_tuples(
        "SELECT id, name, coalesce(email, ''), role, job_title, level, department,"
        " line_of_business, status FROM participants ORDER BY name COLLATE NOCASE, id LIMIT ?",
        (limit,),
    )
    return [RosterRow(*row) for row in rows]


def name_matches(query: str, folded_names: list[str], limit: int, cutoff: float = 75) -> list[int]:
    """Return positions in ``folded_names`` (see :func:`rmtui.text.fold`) that match ``query``.

    The one rule for picking a person by name (the manager field, the pairing finder):
    names containing what was typed come first (where it starts, then alphabetically);
    fuzzy matches (rapidfuzz WRatio ≥ ``cutoff``) forgive typos after them, best first.
    """
    wanted = fold(query).strip()
    if not wanted:
        return []
    exact = sorted(
        (i for i, name in enumerate(folded_names) if wanted in name),
        key=lambda i: (folded_names[i].find(wanted), folded_names[i]),
    )
    seen = set(exact)
    fuzzy = process.extract(wanted, folded_names, scorer=fuzz.WRatio, limit=limit, score_cutoff=cutoff)
    return (exact + [i for _, _, i in fuzzy if i not in seen])[:limit]
