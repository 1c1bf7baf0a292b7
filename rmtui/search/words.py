"""Word-level matching: folding text for search, and scoring a query word against a vocabulary."""

from __future__ import annotations

import re

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA, LCSseq

from rmtui.search.rows import search_key as search_key

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

WORD = re.compile(r"[^\W\d_]+|\d+")

def words_of(text: str) -> list[str]:
    return WORD.findall(search_key(text))


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


