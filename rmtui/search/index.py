"""The roster index: search (filters, fuzzy words, narrowing as you type) and ranking."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from rapidfuzz.distance import LCSseq

from rmtui.search.build import (
    LEVEL_NONE,
    Column,
    IndexData,
    Lexicon,
    Moved,
    Side,
    _frozen,
    build_index_data,
    update_index,
)
from rmtui.search.query import ROLES, SORT_KEYS, STATUSES, level_test, one_of, parse_query, short_key, shorten
from rmtui.search.rows import RosterRow as RosterRow
from rmtui.search.rows import first_page as first_page
from rmtui.search.words import (
    LOOSE_MISSES,
    SHOWN_MIN,
    SHOWN_SIMILARITY,
    WORD,
    Vocabulary,
    search_key,
    word_score,
    word_scores,
)

if TYPE_CHECKING:
    import rmtui.db

TOKEN_CACHE_SIZE = 12
CARRIED_TOKENS = 4
"""How many of its newest cached query words an index hands on to its update (each costs a
copy of one score per person): the words of the query on screen, searched again at once."""
ROW_COLUMNS = "id, name, email, role, job_title, level, department, line_of_business, status, hobbies, interests"
"""The participants' columns an index is built of, in the order :meth:`RosterIndex.from_rows` takes."""


class RosterIndex:
    """Everything the roster searches and shows, held in compact columns (no per-row dicts)."""

    __slots__ = (
        "_lock", "_token_cache", "_n", "_ids", "_level", "_names", "_emails", "_role", "_title",
        "_department", "_business", "_status", "_word_count", "_max_word", "_vocabularies",
        "_term_word", "_term_weight", "_postings", "_starts", "_side", "_by_name", "_name_rank",
        "_column_ranks", "_data", "_lexicon", "_group_ids", "_group_starts", "_group_terms",
        "_by_length", "_built",
    )

    def __init__(
        self, data: IndexData, lexicon: Lexicon | None = None, token_cache: OrderedDict[str, np.ndarray] | None = None,
        by_length: ByLength | None = None,
    ) -> None:
        """Wrap built ``data`` (see :meth:`from_rows`, :meth:`from_store`); frozen from here on.
        ``by_length``: that of an index with the same postings (else it is made here)."""
        # The one mutable part: a small cache of per-word scores, guarded by a lock.
        self._lock = threading.Lock()
        self._token_cache: OrderedDict[str, np.ndarray] = OrderedDict() if token_cache is None else token_cache
        self._n: int = data.n
        self._ids: np.ndarray = data.ids
        self._level: np.ndarray = data.level
        self._names: Sequence[str] = data.names
        self._emails: Sequence[str] = data.emails
        self._role: Column = data.role
        self._title: Column = data.title
        self._department: Column = data.department
        self._business: Column = data.business
        self._status: Column = data.status
        self._word_count: int = data.word_count
        self._max_word: int = data.max_word
        self._vocabularies: dict[str, tuple[np.ndarray, Vocabulary]] = data.vocabularies
        self._term_word: np.ndarray = data.term_word
        self._term_weight: np.ndarray = data.term_weight
        self._postings: np.ndarray = data.postings
        self._starts: np.ndarray = data.starts
        self._side: Side = data.side  # people edited since: their terms are here, not in the postings
        self._by_name: np.ndarray = data.by_name
        self._name_rank: np.ndarray = data.name_rank
        self._column_ranks: dict[str, tuple[np.ndarray, int]] = data.column_ranks
        self._by_length = by_length if by_length is not None else ByLength(data.postings, data.starts)
        self._group_ids: np.ndarray = data.group_ids
        self._group_starts: np.ndarray = data.group_starts
        self._group_terms: np.ndarray = data.group_terms
        self._data = data
        # Made on the first update (see with_changes), handed on to the updated index.
        self._lexicon: list[Lexicon | None] = [lexicon]
        self._built = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_built", False):
            raise AttributeError(f"a RosterIndex is immutable once built (tried to set {name})")
        object.__setattr__(self, name, value)

    @classmethod
    def empty(cls) -> RosterIndex:
        """Return an index of nobody."""
        return cls.from_rows(())

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
                    f"SELECT {ROW_COLUMNS} FROM participants"
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
        return cls(build_index_data(rows))

    def with_changes(self, rows: Iterable[tuple], removed: Iterable[int] = ()) -> RosterIndex:
        """Return a new index: this one with ``rows`` (as :meth:`from_rows` takes them) added or,
        for ids it has, replaced, and the ``removed`` ids taken out. The same searches as a
        fresh build of the changed table, for the cost of a few array copies (this index is
        left as it was; see :func:`rmtui.search.build.update_index`). Changes are applied by
        one thread at a time per chain of indexes.

        The query words this index scored everyone for last (its token cache's newest) are
        carried over, scored again only for the rows put in: the open roster's query, searched
        again on the new index, then costs no pass over the vocabulary and postings.
        """
        with self._lock:
            lexicon = self._lexicon[0]
            if lexicon is None or not lexicon.fits(self._data):
                lexicon = Lexicon(self._data)
            self._lexicon[0] = None  # it grows below: it will fit the new index, not this one
            cached = list(self._token_cache.items())[-CARRIED_TOKENS:]  # the newest: the query shown
        data, moved = update_index(self._data, lexicon, list(rows), removed)
        shared = data.postings is self._postings and data.starts is self._starts  # the edited people are apart
        return RosterIndex(data, lexicon, _carried(cached, data, moved, lexicon), self._by_length if shared else None)

    def prepare_changes(self) -> None:
        """Make what :meth:`with_changes` needs now (a word and term lookup, some 100 ms at
        100k people), so that the first live edit does not wait for it. Call it off the UI thread."""
        with self._lock:
            if self._lexicon[0] is None or not self._lexicon[0].fits(self._data):
                self._lexicon[0] = Lexicon(self._data)

    def ids(self) -> np.ndarray:
        """Return the participant ids, one per position (ascending; read-only)."""
        return self._ids

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
        name_words, origin = _name_words(self._names[position])
        if not name_words:
            return []
        marked: set[int] = set()
        for token in dict.fromkeys(tokens):
            for word, start in name_words:
                marks = _word_marks(token, word)
                if marks is not None:
                    marked.update(range(start + marks[0], start + marks[1]))
        spans: list[tuple[int, int]] = []
        for k in sorted(marked if origin is None else {origin[k] for k in marked}):
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
            ranking = self._sort(subset, sort or "name", descending)
            return SearchResult(query, ranking, len(subset), problems, self, parsed.text, (),
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
        # The first letters of a word keep (loosely) everyone: then no copies of 100k rows.
        if not survive.all():
            subset, best = subset[survive], best[:, survive]
        survivors = subset
        shown = (best >= SHOWN_MIN).all(axis=0)
        everyone = bool(shown.all())
        matched = survivors if everyone else survivors[shown]
        if sort is None:
            ranking = self._by_score(matched, (best if everyone else best[:, shown]).sum(axis=0), descending)
        else:
            ranking = self._sort(matched, sort, descending)
        return SearchResult(query, ranking, len(matched), problems, self, parsed.text, tokens,
                            parsed.filters, filter_problems, survivors, best)

    def _token_best(self, token: str, subset: np.ndarray) -> np.ndarray:
        """Return each subset person's best term score for query word ``token``."""
        if len(subset) * 3 >= self._n:
            return self._full_best(token).take(subset) if len(subset) < self._n else self._full_best(token)
        term_scores = self._term_scores(token)
        starts = self._starts[subset]
        lengths = self._starts[subset + 1] - starts
        ends = np.cumsum(lengths)
        firsts = ends - lengths
        if len(subset) == 0:
            return np.zeros(0, np.float32)
        index = np.repeat(starts - firsts, lengths) + np.arange(ends[-1], dtype=np.int64)
        # ndarray.take, not fancy indexing: the same gather, two to three times faster here.
        best = np.maximum.reduceat(term_scores.take(self._postings.take(index)), firsts)
        side = self._side
        if len(side.people):  # people edited since the postings were laid out: their terms are apart
            at = np.searchsorted(side.people, subset)
            edited = at < len(side.people)
            edited[edited] = side.people[at[edited]] == subset[edited]
            if edited.any():
                best[edited] = np.maximum.reduceat(term_scores.take(side.postings), side.starts[:-1])[at[edited]]
        return best

    def _full_best(self, token: str) -> np.ndarray:
        with self._lock:
            cached = self._token_cache.get(token)
            if cached is not None:
                self._token_cache.move_to_end(token)
                return cached
        if self._n == 0:
            return np.zeros(0, np.float32)
        # Every person's best term: a gather over all postings and a max per person. The
        # keystroke's biggest cost at 100k people.
        term_scores = self._term_scores(token)
        best = self._by_length.best(term_scores)
        side = self._side
        if len(side.people):  # people edited since the postings were laid out: their terms are apart
            best[side.people] = np.maximum.reduceat(term_scores.take(side.postings), side.starts[:-1])
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
        term_scores = scores[self._term_word] * self._term_weight
        if len(self._group_ids):
            # Each group (a value many people share) scores its best term, once: a person's
            # postings hold the group's term instead of the value's terms (see build.Groups).
            term_scores[self._group_ids] = np.maximum.reduceat(term_scores.take(self._group_terms),
                                                                self._group_starts[:-1])
        return term_scores

    def _filter_mask(self, filters: tuple[tuple[str, str], ...], problems: list[str]) -> np.ndarray | None:
        mask: np.ndarray | None = None
        for key, value in filters:
            part = self._one_filter(key, value, problems)
            if part is not None:
                mask = part if mask is None else mask & part
        return mask

    def _one_filter(self, key: str, value: str, problems: list[str]) -> np.ndarray | None:
        shown = shorten(f"{short_key(key)}:{value}")
        wanted = search_key(value)
        if key == "level":
            test = level_test(value)
            if test is None:
                problems.append(f"{shown} — level needs a number, like level:>=5")
                return None
            low, high = test
            return (self._level != LEVEL_NONE) & (self._level >= low) & (self._level <= high)
        if key in ("role", "status"):
            column, known = (self._role, ROLES) if key == "role" else (self._status, STATUSES)
            if not any(k.startswith(wanted) or wanted.rstrip("s") == k for k in known):
                problems.append(f"{shown} — {key} is {one_of(known)}")
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
            problems.append(f'{shown} — no {noun} contains "{shorten(value, 20)}"')
        return mask

    def _sort(self, positions: np.ndarray, column: str, descending: bool) -> Ranking:
        """Return ``positions`` ordered by ``column`` (ties by name); missing values last."""
        if column == "name":
            return Ranking(self, positions, None, descending)
        ranks, count = self._column_ranks[column]
        key = ranks[positions]
        if descending:
            key = np.where(key < count, count - 1 - key, key)
        return Ranking(self, positions, key, False)

    def _by_score(self, positions: np.ndarray, scores: np.ndarray, descending: bool) -> Ranking:
        """Return ``positions`` best score first, ties by name."""
        points = np.rint(scores * 1000).astype(np.int32)
        return Ranking(self, positions, points.max(initial=0) - points, descending)

    def _ordered(self, positions: np.ndarray, key: np.ndarray | None, reverse: bool) -> np.ndarray:
        """Return ``positions`` sorted by ``key`` (None: no key), ties by name; ``reverse``: backwards."""
        order = self._in_name_order(positions) if key is None else self._ordered_by(positions, key)
        return order[::-1].copy() if reverse else order

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


@lru_cache(maxsize=4096)
def _name_words(name: str) -> tuple[tuple[tuple[str, int], ...], tuple[int, ...] | None]:
    """Return the folded words of ``name`` with where each starts, and (None when folding kept
    one character for one) the name character each folded character came from. Names repeat
    ("María González" is many people) and the rows on screen are highlighted on every keystroke."""
    origin: list[int] | None = None  # folded character -> index of the name character it came from
    if name.isascii():  # folding ASCII is lower(): one character for one
        folded = name.lower()
    else:
        folded_chars: list[str] = []
        origin = []
        for j, ch in enumerate(name):
            for f in search_key(ch):
                folded_chars.append(f)
                origin.append(j)
        folded = "".join(folded_chars)
    return tuple((m.group(), m.start()) for m in WORD.finditer(folded)), None if origin is None else tuple(origin)


@lru_cache(maxsize=16384)
def _word_marks(token: str, word: str) -> tuple[int, int] | None:
    """Return the (start, end) stretch of name word ``word`` that query word ``token`` marks,
    or None when it does not match as shown. Names share their words (first names, surnames),
    so each pair is worked out once, not once per row painted on every keystroke."""
    if word_score(token, word) < SHOWN_SIMILARITY:
        return None
    at = word.find(token)
    if at >= 0:
        return at, at + len(token)
    # A typo: mark the stretch of the word the query word lines up with.
    equal = [op for op in LCSseq.opcodes(token, word) if op.tag == "equal"]
    if equal:
        return equal[0].dest_start, equal[-1].dest_end
    return None


def _carried(
    cached: list[tuple[str, np.ndarray]], data: IndexData, moved: Moved, lexicon: Lexicon
) -> OrderedDict[str, np.ndarray]:
    """Return the token cache of the index ``data`` updated from one holding ``cached``:
    each word's best scores moved with the people kept, and computed for the rows put in
    exactly as :meth:`RosterIndex._term_scores` would (the same scorer, on their words only)."""
    carried: OrderedDict[str, np.ndarray] = OrderedDict()
    if not cached:
        return carried
    terms = np.unique(np.array([t for row in moved.row_terms for t in row], dtype=np.int64))
    word_ids = data.term_word[terms]
    words = [lexicon.word_list[w] for w in word_ids.tolist()]
    numeric = np.fromiter((w.isdigit() for w in words), dtype=bool, count=len(words))
    lengths = np.array([len(t) for t in moved.row_terms], dtype=np.int64)
    firsts = np.cumsum(lengths) - lengths
    flat = np.searchsorted(terms, np.array([t for row in moved.row_terms for t in row], dtype=np.int64))
    for token, best in cached:
        scores = np.zeros(len(terms), dtype=np.float32)
        if len(token) <= data.max_word + LOOSE_MISSES:
            kind = numeric if token.isdigit() else ~numeric
            chosen = np.flatnonzero(kind)
            if len(chosen):
                scores[chosen] = word_scores(token, Vocabulary([words[i] for i in chosen.tolist()]))
        scores[word_ids == 0] = 0.0  # the empty word stands for "no words at all"
        scores = scores * data.term_weight[terms]
        updated = np.empty(data.n, dtype=np.float32)
        if moved.kept_old is None:
            updated[:] = best
        else:
            assert moved.kept_new is not None
            updated[moved.kept_new] = best[moved.kept_old]
        if len(moved.positions):
            updated[moved.positions] = np.maximum.reduceat(scores[flat], firsts)
        carried[token] = updated
    return carried


class ByLength:
    """The postings again, people grouped by how many terms they have: one (terms × people)
    matrix per count, so that a person's best term is a maximum down a column.

    ``np.maximum.reduceat`` over the person-major postings costs some 30 ns a person whatever
    their terms (half of a full pass at 100k people); the maximum over a matrix's rows is a
    handful of vectorised passes. Made once per postings layout (an edit keeps it: edited
    people's terms are apart, see build.Side); the same terms, so the same maxima, bit for bit.
    """

    __slots__ = ("people", "terms")

    def __init__(self, postings: np.ndarray, starts: np.ndarray) -> None:
        lengths = np.diff(starts)
        order = np.argsort(lengths, kind="stable")
        cuts = np.flatnonzero(np.diff(lengths[order])) + 1
        self.people: list[np.ndarray] = []
        self.terms: list[np.ndarray] = []
        for people in np.split(order, cuts) if len(order) else []:
            count = int(lengths[people[0]])
            self.people.append(_frozen(people))
            where = starts[people][None, :] + np.arange(count)[:, None]
            # int64: ndarray.take converts any other index type to it first, on every keystroke.
            self.terms.append(_frozen(postings.take(where).astype(np.int64)))

    def best(self, term_scores: np.ndarray) -> np.ndarray:
        """Return each person's best score among their terms' ``term_scores``."""
        best = np.empty(sum(len(p) for p in self.people), dtype=term_scores.dtype)
        for people, terms in zip(self.people, self.terms):
            best[people] = term_scores.take(terms).max(axis=0)
        return best


class Ranking:
    """The display order of a search's matches: the first :data:`HEAD` sorted at once, all of
    them only when a row past those is asked for (someone scrolls down).

    People are ordered by ``key`` (small non-negative ints; None: none), then by name rank,
    reversed when ``reverse``: a total order (no two people share a name rank), so the first
    rows picked by a partial sort are exactly the first rows of the full sort.
    """

    __slots__ = ("_index", "_positions", "_key", "_reverse", "_head", "_full")

    HEAD = 256
    """Rows sorted at once: the first screenfuls, where the cursor goes on a new query."""

    def __init__(self, index: RosterIndex, positions: np.ndarray, key: np.ndarray | None, reverse: bool) -> None:
        self._index, self._positions, self._key, self._reverse = index, positions, key, reverse
        self._full: np.ndarray | None = None
        if len(positions) <= 4 * self.HEAD or len(positions) == index._n and key is None:
            self._full = index._ordered(positions, key, reverse)  # cheap enough: all at once
            self._head = self._full
            return
        ranks = index._name_rank[positions].astype(np.int64)
        order_key = ranks if key is None else key.astype(np.int64) * max(index._n, 1) + ranks
        if reverse:
            order_key = -order_key
        chosen = np.argpartition(order_key, self.HEAD)[: self.HEAD]
        self._head = positions[chosen[np.argsort(order_key[chosen])]]

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, i: int) -> int:
        if i < len(self._head):
            return int(self._head[i])
        return int(self.full()[i])

    def full(self) -> np.ndarray:
        """Return every match's position, in display order (sorted on the first call)."""
        full = self._full
        if full is None:  # two threads may both sort: the same array either way
            full = self._full = self._index._ordered(self._positions, self._key, self._reverse)
        return full


@dataclass(frozen=True)
class SearchResult:
    """The people one query matched, in display order; rows are built only when asked for."""

    query: str
    _ranking: Ranking = field(repr=False)
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

    @property
    def order(self) -> np.ndarray:
        """Every match's index position, in display order."""
        return self._ranking.full()

    def row(self, i: int) -> RosterRow:
        """Return the ``i``-th result."""
        return self._index.row(self._ranking[i])

    @property
    def tokens(self) -> tuple[str, ...]:
        """The query words the shown names are highlighted by."""
        return self._tokens

    def row_id(self, i: int) -> int:
        """Return the participant id of the ``i``-th result."""
        return int(self._index._ids[self._ranking[i]])

    def name_spans(self, i: int) -> list[tuple[int, int]]:
        """Return the (start, end) character spans of the ``i``-th result's name that matched."""
        return self._index.name_spans(self._ranking[i], self._tokens)




