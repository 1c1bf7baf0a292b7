"""The ongoing pairs kept by the pairing screen and brought up to date by the pair change log
(rmtui.ongoing_pairs) are the ongoing pairs read afresh: after random writes by another
connection to every column of a pair (statuses, coaches, overrides, people, waves), pairs
added and deleted, people renamed, on a scrambled programme, round after round."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from conftest import before_migration
from scrambled_data import fill_scrambled

import rmtui.ongoing_pairs
from rmtui.db import Store
from rmtui.ongoing_pairs import PAIR_COLUMNS, OngoingPairs, ongoing_pairs
from rmtui.pool_refresh import REREAD_MIN

TODAY = dt.date(2026, 11, 20)
STATUSES = ["proposed", "active", "paused", "completed", "closed_early"]


def _same(kept: OngoingPairs, fresh: OngoingPairs) -> None:
    assert kept.rows == fresh.rows
    assert kept.by_person == fresh.by_person
    assert kept.seen == fresh.seen


def _no_full_read(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Fail the test when ongoing_pairs reads every ongoing pair (returns the calls made)."""
    calls: list[object] = []
    real = rmtui.ongoing_pairs.ongoing_rows
    monkeypatch.setattr(rmtui.ongoing_pairs, "ongoing_rows", lambda *a: calls.append(a) or real(*a))
    return calls


def _write(other: Store, rng: random.Random) -> None:
    """One random write another coordinator could make (raw SQL: every column, also without
    the version the store's own writes add)."""
    with other.write() as w:
        ids = [row[0] for row in w.execute("SELECT id FROM pairs")]
        people = [row[0] for row in w.execute("SELECT id FROM participants")]
        coaches = [row[0] for row in w.execute("SELECT id FROM coaches")] + [None]
        pair = rng.choice(ids)
        kind = rng.randrange(12)
        if kind == 0:
            w.execute("UPDATE pairs SET status = ?, version = version + 1 WHERE id = ?", (rng.choice(STATUSES), pair))
        elif kind == 1:
            w.execute("UPDATE pairs SET coach_id = ?, version = version + 1 WHERE id = ?", (rng.choice(coaches), pair))
        elif kind == 2:
            overrides = json.dumps([{"rule": "same_business", "reason": f"asked {rng.random():.3f}"}])
            w.execute("UPDATE pairs SET overrides = ? WHERE id = ?", (overrides, pair))
        elif kind == 3:  # people swapped or replaced: both the old and the new people's lists change
            mentor, mentee = rng.sample(people, 2)
            w.execute("UPDATE pairs SET mentor_id = ?, mentee_id = ? WHERE id = ?", (mentor, mentee, pair))
        elif kind == 4:
            w.execute("UPDATE pairs SET paused_on = ?, pause_reason = 'leave' WHERE id = ?", (str(TODAY), pair))
        elif kind == 5:
            w.execute("UPDATE pairs SET version = version + 1, updated_at = ? WHERE id = ?", (f"t{rng.random()}", pair))
        elif kind == 6:  # a new pair, ongoing or not
            mentor, mentee = rng.sample(people, 2)
            w.execute(
                "INSERT INTO pairs (wave_id, mentor_id, mentee_id, status, created_at, updated_at) "
                "VALUES ((SELECT min(id) FROM waves), ?, ?, ?, 'x', 'x')",
                (mentor, mentee, rng.choice(STATUSES)),
            )
        elif kind == 7:
            w.execute("DELETE FROM pairs WHERE id = ?", (pair,))
        elif kind == 8:  # a person renamed logs their pairs (unchanged here)
            w.execute("UPDATE participants SET name = name || 'x' WHERE id = ?", (rng.choice(people),))
        elif kind == 9:  # the coach's name is not kept: a rename logs nothing and changes nothing kept
            w.execute("UPDATE coaches SET name = name || 'x' WHERE id = ?", (rng.choice(coaches[:-1]),))
        elif kind == 10:  # a session: logged, the pair unchanged
            w.execute("UPDATE sessions SET notes = 'again' WHERE pair_id = ?", (pair,))
        else:
            w.execute(
                "UPDATE pairs SET wave_id = (SELECT max(id) FROM waves), score = ? WHERE id = ?", (rng.random(), pair)
            )


def _other(programme) -> Store:  # noqa: ANN001
    return Store(programme.store.path, actor="other")


def _coaches(store: Store) -> None:
    with store.write() as w:
        for name in ("Coach A", "Coach B"):
            w.execute("INSERT INTO coaches (name, created_at, updated_at) VALUES (?, 'x', 'x')", (name,))
        w.execute("UPDATE pairs SET coach_id = (SELECT id FROM coaches WHERE name = pairs.coach) WHERE coach != ''")


@pytest.mark.parametrize("seed", range(6))
def test_kept_ongoing_pairs_are_the_pairs_read_afresh_after_random_writes_by_another_connection(
    programme, monkeypatch, seed
):
    rng = random.Random(seed)
    store = fill_scrambled(programme.store, seed, TODAY, pairs=60)
    _coaches(store)
    kept = ongoing_pairs(store)
    calls = _no_full_read(monkeypatch)
    with _other(programme) as other:
        for _ in range(8):
            for _ in range(rng.randint(0, 6)):
                _write(other, rng)
            previous = {person: list(rows) for person, rows in kept.by_person.items()}, dict(kept.rows)
            refreshed = ongoing_pairs(store, kept)
            assert not calls, "read every pair again"
            assert (kept.by_person, kept.rows) == previous, "the kept pairs were changed in place"
            _same(refreshed, OngoingPairs.of(rmtui.ongoing_pairs.ongoing_rows(store), refreshed.seen))
            calls.clear()
            _same(refreshed, ongoing_pairs(store))
            calls.clear()
            kept = refreshed


def test_partners_and_each_persons_pairs_on_the_screen_are_those_of_a_fresh_read(programme):
    """The pairing screen's whole read, given the one before (its pool and ongoing pairs),
    lists each person's pairs and the finder's notes as a read from nothing does."""
    from rmtui.screens.pairing import _load

    rng = random.Random(11)
    store = fill_scrambled(programme.store, 11, TODAY, pairs=60)
    _coaches(store)
    loaded = _load(programme)
    with _other(programme) as other:
        for _ in range(5):
            for _ in range(4):
                _write(other, rng)
            kept = _load(programme, loaded.pool, ongoing=loaded.ongoing)
            fresh = _load(programme)
            assert kept.ongoing.seen == fresh.ongoing.seen
            people = [row[0] for row in store.query_tuples("SELECT id FROM participants")]
            assert {p: kept.pairs_of(p) for p in people} == {p: fresh.pairs_of(p) for p in people}
            assert kept.partners == fresh.partners
            loaded = kept


def test_a_pair_log_that_is_not_the_one_read_or_many_changes_read_every_pair_again(programme, monkeypatch):
    store = fill_scrambled(programme.store, 3, TODAY, pairs=60)
    kept = ongoing_pairs(store)
    calls = _no_full_read(monkeypatch)
    with store.write() as w:  # a restore: the log rewritten, its last revision of another pair
        w.execute("DELETE FROM pair_changes")
        w.execute("INSERT INTO pair_changes (rev, pair_id) VALUES (?, ?)", (kept.seen[0], kept.seen[1] + 1))
        w.execute("UPDATE pairs SET status = 'active' WHERE status = 'proposed'")
    refreshed = ongoing_pairs(store, kept)
    assert len(calls) == 1
    _same(refreshed, ongoing_pairs(store))
    calls.clear()
    with store.write() as w:
        for _ in range(REREAD_MIN + 1):
            w.execute("INSERT INTO pair_changes (pair_id) VALUES (1)")
        w.execute("INSERT INTO pair_changes (pair_id) SELECT id FROM pairs")
    assert ongoing_pairs(store, refreshed).rows == refreshed.rows  # (one pair logged many times: kept)
    calls.clear()
    with store.write() as w:
        for n in range(1000, 1000 + REREAD_MIN):  # (pairs gone since: as many distinct ones)
            w.execute("INSERT INTO pair_changes (pair_id) VALUES (?)", (n,))
    _same(ongoing_pairs(store, refreshed), ongoing_pairs(store))
    assert len(calls) == 2


def test_an_empty_programme_and_its_first_pair(programme):
    store = programme.store
    kept = ongoing_pairs(store)
    assert kept.rows == {} and kept.by_person == {} and kept.seen == (None, None)
    fill_scrambled(store, 4, TODAY, pairs=30)
    _same(ongoing_pairs(store, kept), ongoing_pairs(store))


def test_the_pair_log_covers_every_column_kept_and_the_coach_name_is_not_kept(programme):
    """Every column of a pair (but the coach's name, which the coaches' rename trigger rewrites)
    is logged when written, also without a version bump; a column added to pairs fails here."""
    store = fill_scrambled(programme.store, 5, TODAY, pairs=20)
    columns = [row[1] for row in store.query_tuples("SELECT * FROM pragma_table_info('pairs')")]
    assert sorted(columns) == sorted([*PAIR_COLUMNS, "coach"])
    for column in PAIR_COLUMNS:
        before = store.scalar("SELECT max(rev) FROM pair_changes")
        with store.write() as w:
            w.execute(f"UPDATE pairs SET {column} = {column} WHERE id = 3")
        assert store.query_tuples("SELECT pair_id FROM pair_changes WHERE rev > ?", (before,)) == [(3,)], column


def test_the_migration_logs_every_pair_column_on_a_programme_with_pairs(programme):
    """The wider pair log trigger replaces migration 5's on a database that had pairs."""
    from rmtui.db import SCHEMA_VERSION

    store = fill_scrambled(programme.store, 6, TODAY, pairs=20)
    path = store.path
    before_migration(store, "coach_id, ended_on, close_reason", "pairs_changed")
    before = store.scalar("SELECT max(rev) FROM pair_changes")
    with store.write() as w:
        w.execute("UPDATE pairs SET version = version + 1 WHERE id = 1")
    assert store.scalar("SELECT max(rev) FROM pair_changes") == before, "not logged before the migration"
    kept = ongoing_pairs(store)
    with Store(path, actor="coordinator") as reopened:
        assert reopened.schema_version() == SCHEMA_VERSION
        with reopened.write() as w:
            w.execute("UPDATE pairs SET coach_id = NULL, version = version + 1 WHERE id = 2")
            w.execute("UPDATE pairs SET overrides = '[]' WHERE id = 4")
        logged = reopened.query_tuples("SELECT pair_id FROM pair_changes WHERE rev > ? ORDER BY rev", (before,))
        assert logged == [(2,), (4,)]
        _same(ongoing_pairs(reopened, kept), ongoing_pairs(reopened))


def test_the_screens_whole_read_and_ranking_run_with_the_collector_paused(programme, monkeypatch):
    """No full collection inside the refresh: the read and the ranking pause the collector
    (their arrays and rows hold no cycles) and start it again after, also when they fail."""
    import gc

    import rmtui.screens.pairing as screen

    fill_scrambled(programme.store, 8, TODAY, pairs=30)
    seen = []
    for module, name in ((screen, "refresh_pool"), (screen, "rank_candidates")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _real=real, **k: seen.append(gc.isenabled()) or _real(*a, **k))
    assert gc.isenabled()
    loaded = screen._load(programme)
    wave = loaded.waves[0].id
    person = next(p for p in loaded.pool.people if p.role == "mentee").id
    assert screen._ranked_paused(loaded.pool, person, loaded.config, wave, []).person.id == person
    assert seen == [False, False] and gc.isenabled()
    monkeypatch.setattr(screen, "refresh_pool", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        screen._load(programme)
    assert gc.isenabled()
