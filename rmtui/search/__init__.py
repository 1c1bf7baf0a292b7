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
   the best term. Values of several words that people share (a job title, a department, a
   hobby, an e-mail domain) are *groups*, scored once as the best of their terms; a person's
   postings hold the group's term instead of the value's terms. The maximum per person is
   taken down the columns of one (terms × people) matrix per count of terms.
3. A person matches when every query word matched one of their words; their score is the sum
   of the best per query word. Results are sorted by score, then name (or by a column): only
   the first rows at once, all of them when someone scrolls past those.

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

The package: :mod:`.words` (folding, word scores), :mod:`.query` (parsing free text and
filters), :mod:`.build` (rows → frozen columns), :mod:`.index` (the immutable
:class:`RosterIndex`: filtering, scoring, ranking), :mod:`.names` (picking one person by name).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rmtui.search.build import LEVEL_NONE, Column, IndexData, as_list, build_index_data
    from rmtui.search.index import TOKEN_CACHE_SIZE, RosterIndex, RosterRow, SearchResult, first_page
    from rmtui.search.kept import KeptRosterIndex
    from rmtui.search.names import name_matches
    from rmtui.search.query import (
        MAX_QUERY_WORDS,
        MAX_WORD_LENGTH,
        ROLES,
        SORT_KEYS,
        STATUSES,
        ParsedQuery,
        parse_query,
    )
    from rmtui.search.words import (
        FIELD_WEIGHTS,
        LOOSE_MISSES,
        LOOSE_SCORE,
        PREFIX_FACTOR,
        SHOWN_MIN,
        SHOWN_SIMILARITY,
        SUBSTRING_SCORE,
        Vocabulary,
        allowed_misses,
        search_key,
        word_score,
        word_scores,
    )

# Where each name lives. The package imports its modules when a name is first asked for:
# numpy and rapidfuzz (0.15-0.2 s) then load in the roster's index worker, after the first
# paint, instead of before the app shows anything. RosterRow and first_page come from the
# light .rows module, which is all the first page needs.
_HOMES = {
    "LEVEL_NONE": "build", "Column": "build", "IndexData": "build", "as_list": "build",
    "build_index_data": "build",
    "TOKEN_CACHE_SIZE": "index", "RosterIndex": "index", "SearchResult": "index",
    "RosterRow": "rows", "first_page": "rows",
    "KeptRosterIndex": "kept",
    "name_matches": "names",
    "MAX_QUERY_WORDS": "query", "MAX_WORD_LENGTH": "query", "ROLES": "query", "SORT_KEYS": "query",
    "STATUSES": "query", "ParsedQuery": "query", "parse_query": "query",
    "FIELD_WEIGHTS": "words", "LOOSE_MISSES": "words", "LOOSE_SCORE": "words", "PREFIX_FACTOR": "words",
    "SHOWN_MIN": "words", "SHOWN_SIMILARITY": "words", "SUBSTRING_SCORE": "words", "Vocabulary": "words",
    "allowed_misses": "words", "search_key": "words", "word_score": "words", "word_scores": "words",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "FIELD_WEIGHTS",
    "LEVEL_NONE",
    "LOOSE_MISSES",
    "LOOSE_SCORE",
    "MAX_QUERY_WORDS",
    "MAX_WORD_LENGTH",
    "PREFIX_FACTOR",
    "ROLES",
    "SHOWN_MIN",
    "SHOWN_SIMILARITY",
    "SORT_KEYS",
    "STATUSES",
    "SUBSTRING_SCORE",
    "TOKEN_CACHE_SIZE",
    "Column",
    "IndexData",
    "KeptRosterIndex",
    "ParsedQuery",
    "RosterIndex",
    "RosterRow",
    "SearchResult",
    "Vocabulary",
    "allowed_misses",
    "as_list",
    "build_index_data",
    "first_page",
    "name_matches",
    "parse_query",
    "search_key",
    "word_score",
    "word_scores",
]
