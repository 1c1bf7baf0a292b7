"""Refreshing the pairing screen's pool by the participants that changed.

Every write to a column the pool reads logs the participant's id in ``participant_changes``
(triggers, in the writing transaction, whichever process writes: the change log migrations).
A pool's stamp holds the log's last revision as of its read; :func:`refreshed` reads, in the
same snapshot as the new stamp, the ids logged since and those people's rows, and returns
the pool with them replaced, added or removed (:func:`spliced`). A commit is in the snapshot
whole (its rows and its log entries) or not at all, so two processes writing at once cannot
make it miss a change: what commits after the snapshot is read on the next refresh.

The arrays the rules read over everyone are patched at the changed positions when nobody
was added or removed (the common case: another coordinator edits someone), else worked out
afresh when first read. The pairs likewise: every pair write is logged in ``pair_changes``
(a session's too, and a person renamed logs their pairs); when the pairs logged since are as
they were, the pairs and what is counted of them are kept, else those pairs are read again
and put in their places, what is counted of them patched (a pair proposed or withdrawn by
another coordinator: 100,000 pairs read and counted again took 150 ms at 100k people).
Many changes (an import), a log that went backwards (a restore) or a value the column read
cannot carry: None, and the caller reads the whole pool.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rmtui.db.records import json_list
from rmtui.matching import _LISTS, _PAIRS_SQL, _PEOPLE_SQL, PairFact, Pool, _Columns, _fold_name, _sparse
from rmtui.rules import AVAILABLE, ONGOING, utc_offset_hours
from rmtui.text import clean, fold

if TYPE_CHECKING:
    from rmtui.db import Store

REREAD_MIN = 500
REREAD_SHARE = 0.05
"""When more than this share of the people changed (an import), the whole pool is read again."""
_BATCH = 500  # ids per SELECT ... IN (...)
# The texts of a _PEOPLE_SQL row: name, role, line of business, team, time zone, status, the lists, attributes.
_TEXTS = (1, 2, 4, 5, 7, 8, 10, 11, 12, 13, 14)


def refreshed(store: Store, previous: Pool, stamp: tuple) -> Pool | None:
    """Return ``previous`` brought up to ``stamp`` (the people stamp read in the snapshot this
    runs in) by the people and pairs logged since its own stamp; None when it cannot be done
    exactly."""
    columns, seen = previous.columns, previous.stamp
    if columns is None or seen is None:
        return None
    changed = logged_since(store, "participant_changes", "participant_id", seen[4:6], stamp[4])
    if changed is None or len(changed) > max(REREAD_MIN, REREAD_SHARE * len(columns.ids)):
        return None
    rows = _read(store, changed)
    if any(_odd(row) for row in rows):
        return None
    kept_pairs = _kept_pairs(store, previous, stamp)
    pairs, counted = kept_pairs or ([PairFact(*row) for row in store.query_tuples(_PAIRS_SQL)], {})
    wave_names = dict(store.query_tuples("SELECT id, name FROM waves"))
    if not changed:  # only pairs, sessions or waves changed
        pool = previous.with_pairs(pairs, wave_names)
        vars(pool).update(counted)
        pool.stamp = stamp
        return pool
    spliced_columns = spliced(columns, changed, rows)
    if spliced_columns is None:
        return None
    managers = dict(previous.managers)
    for person_id in changed:
        managers.pop(person_id, None)
    managers.update((row[0], row[6]) for row in rows)
    kept = _kept(previous, rows) if np.array_equal(spliced_columns.ids, columns.ids) else {}
    pool = previous.with_people(spliced_columns, managers, pairs, wave_names, {**kept, **counted})
    pool.stamp = stamp
    return pool


def logged_since(store: Store, log: str, logged: str, seen: tuple, now: int | None) -> list[int] | None:
    """The ids ``log`` holds after ``seen`` (its last revision as read and whom that entry is
    of), ascending; None when the log is not the one read then (a restore, a rebuilt demo)."""
    revision = seen[0] or 0  # (None: the log was empty)
    if now is None or now < revision:
        return None
    if revision and store.query_tuples(f"SELECT {logged} FROM {log} WHERE rev = ?", (revision,)) != [(seen[1],)]:
        return None
    if now == revision:
        return []
    return [
        row[0]
        for row in store.query_tuples(f"SELECT DISTINCT {logged} FROM {log} WHERE rev > ? ORDER BY 1", (revision,))
    ]


def _kept_pairs(store: Store, previous: Pool, stamp: tuple) -> tuple[list[PairFact], dict[str, Any]] | None:
    """The pairs now and what is counted of them (Pool attribute → value, for the new pool):
    ``previous.pairs`` and its counts when every pair logged since is as it was (a person
    renamed logs their pairs: the leaderboard shows names); else those pairs read again and
    put in their places by id, the counts patched (:func:`_recounted`). None when the log is
    not the one read or many pairs changed: the pairs are read again."""
    assert previous.stamp is not None
    logged = logged_since(store, "pair_changes", "pair_id", previous.stamp[6:8], stamp[6])
    if logged is None or len(logged) > REREAD_MIN:
        return None
    built: dict[str, Any] = vars(previous)
    counted: dict[str, Any] = {name: built[name] for name in ("_pair_totals", "_went_ahead") if name in built}
    if not logged:
        return previous.pairs, counted
    wanted = set(logged)
    rows = store.query_tuples(f"{_PAIRS_SQL} WHERE id IN ({','.join('?' * len(logged))})", logged)
    now = sorted((PairFact(*row) for row in rows), key=_pair_id)
    old = [pair for pair in previous.pairs if pair.id in wanted]
    if set(now) == set(old):
        return previous.pairs, counted
    pairs = sorted([pair for pair in previous.pairs if pair.id not in wanted] + now, key=_pair_id)  # (two sorted runs)
    return pairs, _recounted(counted, old, now, len(pairs))


def _pair_id(pair: PairFact) -> int:
    return pair.id


def _recounted(counted: dict[str, Any], old: list[PairFact], now: list[PairFact], total: int) -> dict[str, Any]:
    """What Pool counts of its pairs (``counted``, of the pairs with ``old``) with ``old``
    replaced by ``now``: the totals of :meth:`Pool._pair_totals` taken off and added again;
    the pairs that went ahead kept when only proposals changed."""
    found: dict[str, Any] = {}
    if "_pair_totals" in counted:
        load, waves, former = (Counter(totals) for totals in counted["_pair_totals"][:3])
        for pairs, step in ((old, -1), (now, 1)):
            for pair in pairs:  # (as Pool._pair_totals counts them)
                if pair.status in ONGOING:
                    _count(load, pair.mentor_id, step)
                    _count(waves, (pair.mentee_id, pair.wave_id), step)
                if pair.status != "proposed":
                    _count(former, frozenset((pair.mentor_id, pair.mentee_id)), step)
        found["_pair_totals"] = (load, waves, former, total)
    if "_went_ahead" in counted and all(pair.status == "proposed" for pair in (*old, *now)):
        found["_went_ahead"] = counted["_went_ahead"]
    return found


def _count(counter: Counter, key: object, step: int) -> None:
    """Add ``step`` to ``key``'s count; a count down to 0 goes (the facts list the keys)."""
    counter[key] += step
    if not counter[key]:
        del counter[key]


def _read(store: Store, ids: list[int]) -> list[tuple]:
    rows: list[tuple] = []
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        rows += store.query_tuples(f"{_PEOPLE_SQL} WHERE id IN ({','.join('?' * len(batch))})", tuple(batch))
    return sorted(rows)


def _odd(row: tuple) -> bool:
    """Whether the column read would not carry this row (load_pool reads everyone row by row then)."""
    if not isinstance(row[0], int) or not isinstance(row[9], int):
        return True
    if any(value is not None and not isinstance(value, int) for value in (row[3], row[6])):
        return True
    return any(not isinstance(row[k], str) or "\x1f" in row[k] for k in _TEXTS)


# -- the columns with some people replaced, added or removed -----------------------------


def _spliced_list(old: list, drop: Sequence[int], at: Sequence[int], values: list) -> list:
    """``old`` without the positions ``drop`` (ascending), then ``values`` inserted before the
    positions ``at`` (ascending) of what is left, as numpy.insert does."""
    kept: list = []
    start = 0
    for position in drop:
        kept += old[start:position]
        start = position + 1
    kept += old[start:]
    out: list = []
    start = 0
    for position, value in zip(at, values):
        out += kept[start:position]
        out.append(value)
        start = position
    out += kept[start:]
    return out


def _spliced_items(
    items: tuple[np.ndarray, np.ndarray, list[str]], drop: np.ndarray, at: np.ndarray, lists: list[list[str]]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """One list column (indptr, codes, vocabulary) spliced as :func:`_spliced_list` splices rows."""
    indptr, codes, vocabulary = items
    keep = np.ones(len(codes), dtype=bool)
    for position in drop.tolist():
        keep[indptr[position] : indptr[position + 1]] = False
    lengths = np.delete(np.diff(indptr), drop)
    starts = np.concatenate([[0], np.cumsum(lengths)])[at]  # where each new row's items go
    code_of = {value: code for code, value in enumerate(vocabulary)}
    new_codes = [code_of.setdefault(value, len(code_of)) for values in lists for value in values]
    counts = [len(values) for values in lists]
    lengths = np.insert(lengths, at, counts)
    spliced_indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=spliced_indptr[1:])
    spliced_codes = np.insert(codes[keep], np.repeat(starts, counts), np.array(new_codes, dtype=codes.dtype))
    return spliced_indptr, spliced_codes, list(code_of) if len(code_of) > len(vocabulary) else vocabulary


def spliced(columns: _Columns, changed: list[int], rows: list[tuple]) -> _Columns | None:
    """Return ``columns`` (ids ascending, as the table is read) without the people ``changed``,
    then with ``rows`` (_PEOPLE_SQL rows of those still there, by id) in their places by id."""
    ids = columns.ids
    if len(ids) > 1 and not (np.diff(ids) > 0).all():
        return None
    drop = np.flatnonzero(np.isin(ids, np.array(changed, dtype=np.int64)))
    kept_ids = np.delete(ids, drop)
    new_ids = np.array([row[0] for row in rows], dtype=np.int64)
    at = np.searchsorted(kept_ids, new_ids)
    drop_list, at_list = drop.tolist(), at.tolist()

    def texts(old: list[str], k: int) -> list[str]:
        return _spliced_list(old, drop_list, at_list, [row[k] for row in rows])

    def numbers(old: np.ndarray, k: int) -> np.ndarray:
        values = [np.nan if row[k] is None else row[k] for row in rows]
        return np.insert(np.delete(old, drop), at, np.array(values, dtype=old.dtype))

    spliced_ids = np.insert(kept_ids, at, new_ids)
    # Where each old position and each new row ends up (numpy.insert: the k-th value lands at at[k] + k).
    inserted = at + np.arange(len(at))
    if np.array_equal(drop, inserted):  # people edited in place: nobody else moved
        attributes = dict(columns.attributes)
        for position in drop_list:
            attributes.pop(position, None)
    else:
        moved = np.full(len(ids), -1, dtype=np.int64)
        moved[np.delete(np.arange(len(ids)), drop)] = np.delete(np.arange(len(spliced_ids)), inserted)
        attributes = {int(moved[p]): text for p, text in columns.attributes.items() if moved[p] >= 0}
    for position, row in zip(inserted.tolist(), rows):
        if row[14] not in ("", "{}"):
            attributes[position] = row[14]
    return _Columns(
        ids=spliced_ids,
        names=texts(columns.names, 1),
        roles=texts(columns.roles, 2),
        levels=numbers(columns.levels, 3),
        business=texts(columns.business, 4),
        teams=texts(columns.teams, 5),
        managers=numbers(columns.managers, 6),
        timezones=texts(columns.timezones, 7),
        statuses=texts(columns.statuses, 8),
        capacity=numbers(columns.capacity, 9),
        items={
            column: _spliced_items(columns.items[column], drop, at, [json_list(row[10 + k]) for row in rows])
            for k, column in enumerate(_LISTS)
        },
        attributes=attributes,
    )


# -- the arrays over everyone, patched where people were edited in place --------------------


def _kept(previous: Pool, rows: list[tuple]) -> dict[str, object]:
    """What ``previous`` worked out over everyone, patched at the positions of ``rows`` (the
    same people in the same places, some edited): Pool attribute → value, for Pool.with_people."""
    built: dict[str, Any] = vars(previous)
    positions = [previous.position[row[0]] for row in rows]
    kept: dict[str, object] = {}

    def patch(name: str, value_of: Callable[[tuple], object]) -> None:
        old = built.get(name)
        if old is not None:
            new = old.copy()
            for position, row in zip(positions, rows):
                new[position] = value_of(row)
            kept[name] = new

    patch("is_mentor", lambda row: row[2] == "mentor")
    patch("is_mentee", lambda row: row[2] == "mentee")
    patch("available", lambda row: row[8] in AVAILABLE)
    patch("folded_names", lambda row: _fold_name(clean(row[1])))
    patch("offsets", lambda row: _offset(row[7], previous.today))
    old = previous.columns
    assert old is not None
    for name, k, stored in (("business", 4, old.business), ("teams", 5, old.teams)):
        if name in built:
            kept[name] = _patched_codes(built[name], stored, positions, [fold(clean(row[k])) for row in rows])
    if "interest_matrix" in built and "_interest_keys" in built:
        kept["interest_matrix"], kept["_interest_keys"] = _patched_incidence(
            built["interest_matrix"], built["_interest_keys"], positions, _folded_lists(rows, (10, 11))
        )
    grew = False  # a new goal or competency: the words they share are worked out again
    for name, k in (("goal_matrix", 12), ("competency_matrix", 13)):
        if name in built:
            matrix, keys = built[name]
            kept[name] = patched = _patched_incidence(matrix, keys, positions, _folded_lists(rows, (k,)))
            grew = grew or len(patched[1]) > len(keys)
    if "shared_keywords" in built and "goal_matrix" in kept and "competency_matrix" in kept and not grew:
        kept["shared_keywords"] = built["shared_keywords"]
    if all(previous.managers.get(row[0]) == row[6] for row in rows):  # the reporting lines are as they were
        kept.update((name, built[name]) for name in ("reports", "_parents", "_chains") if name in built)
    return kept


def _offset(zone: str, day: dt.date) -> float:
    value = utc_offset_hours(clean(zone or ""), day)
    return np.nan if value is None else value


def _folded_lists(rows: list[tuple], columns: tuple[int, ...]) -> list[list[str]]:
    """Each row's items of these list columns, cleaned and folded (as Pool's matrices key them)."""
    return [[fold(clean(value)) for k in columns for value in json_list(row[k])] for row in rows]


def _patched_codes(codes: np.ndarray, stored: list[str], positions: list[int], values: list[str]) -> np.ndarray:
    """``codes`` (of the ``stored`` values: equal codes for equal folded values, 0 for none, as
    Pool._codes) with the folded ``values`` at ``positions``: a value someone else has takes
    their code, a new one a new code."""
    firsts = np.unique(codes, return_index=True)[1].tolist()
    code_of = {fold(clean(stored[p])): int(codes[p]) for p in firsts}
    code_of[""] = 0
    top = int(codes.max()) if len(codes) else 0
    patched = codes.copy()
    for position, value in zip(positions, values):
        code = code_of.get(value)
        if code is None:
            top += 1
            code = code_of[value] = top
        patched[position] = code
    return patched


def _patched_incidence(matrix, keys: list[str], positions: list[int], wanted: list[list[str]]):  # noqa: ANN001, ANN202
    """A person × key incidence matrix (scipy CSR, one 1 per distinct non-empty key of a row)
    with the rows at ``positions`` made of ``wanted``; new keys become new columns."""
    column_of = {key: k for k, key in enumerate(keys)}
    rows = [sorted({column_of.setdefault(key, len(column_of)) for key in row if key}) for row in wanted]
    indptr, indices = matrix.indptr, matrix.indices
    drop = np.array(positions, dtype=np.int64)
    keep = np.ones(len(indices), dtype=bool)
    for position in positions:
        keep[indptr[position] : indptr[position + 1]] = False
    lengths = np.diff(indptr)
    lengths[drop] = [len(row) for row in rows]
    new_indptr = np.zeros(len(lengths) + 1, dtype=indptr.dtype)
    np.cumsum(lengths, out=new_indptr[1:])
    kept_lengths = np.diff(indptr).copy()
    kept_lengths[drop] = 0
    starts = np.concatenate([[0], np.cumsum(kept_lengths)])[drop]
    new_indices = np.insert(
        indices[keep],
        np.repeat(starts, [len(row) for row in rows]),
        np.array([k for row in rows for k in row], dtype=indices.dtype),
    )
    data = np.ones(len(new_indices), dtype=matrix.dtype)
    shape = (matrix.shape[0], max(matrix.shape[1], len(column_of)))
    return _sparse().csr_matrix((data, new_indices, new_indptr), shape=shape), list(column_of)
