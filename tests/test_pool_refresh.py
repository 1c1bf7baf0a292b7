"""The pairing pool refreshed by the people who changed (rmtui.pool_refresh) is the pool read
afresh: every column edited, people added and removed, managers, roles and statuses changed,
on a scrambled programme, round after round; and what it cannot do exactly is read whole."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from conftest import before_migration
from test_pairing_pool import GOALS, HOBBIES, SKILLS, TODAY, ZONES, _fill

import rmtui.matching
from rmtui.db import Pair, Participant, Store
from rmtui.matching import Pool, evaluate, load_pool, rank_candidates, refresh_pool
from rmtui.pairing import check, find_people
from rmtui.rule_settings import default_rule_config


def _config():
    config = default_rule_config()
    config["objective_attribute"].enabled = True
    config["objective_attribute"].params["attribute"] = "generation"
    return config


def _warm(pool: Pool) -> None:
    """Work out everything a pool keeps over everyone (what a refresh patches)."""
    for name in (
        "ids",
        "is_mentor",
        "is_mentee",
        "available",
        "levels",
        "business",
        "teams",
        "capacity",
        "offsets",
        "interest_matrix",
        "goal_matrix",
        "competency_matrix",
        "shared_keywords",
        "goal_counts",
        "competency_counts",
        "_parents",
        "reports",
        "folded_names",
    ):
        getattr(pool, name)
    pool.objective_codes("generation")
    for person_id in list(pool.position)[::9]:
        pool.line_of(person_id)


def _grouping(codes: np.ndarray) -> list[int]:
    """Codes renumbered by first appearance (0, unrecorded, stays 0): two code arrays group
    people alike exactly when these are equal (a patched pool numbers a new value its own way)."""
    table = {0: 0}
    return [table.setdefault(code, len(table)) for code in codes.tolist()]


def _same_people(kept: Pool, fresh: Pool) -> None:
    assert [p.id for p in kept.people] == [p.id for p in fresh.people]
    assert list(kept.people) == list(fresh.people)
    for name in ("ids", "is_mentor", "is_mentee", "available", "capacity", "goal_counts", "competency_counts"):
        assert np.array_equal(getattr(kept, name), getattr(fresh, name)), name
    for name in ("levels", "offsets"):
        assert np.array_equal(getattr(kept, name), getattr(fresh, name), equal_nan=True), name
    for name in ("business", "teams"):
        assert _grouping(getattr(kept, name)) == _grouping(getattr(fresh, name)), name
    assert _grouping(kept.objective_codes("generation")) == _grouping(fresh.objective_codes("generation"))
    assert kept.folded_names == fresh.folded_names
    assert kept.managers == fresh.managers
    assert (
        (kept.interest_matrix @ kept.interest_matrix.T) != (fresh.interest_matrix @ fresh.interest_matrix.T)
    ).nnz == 0


def _same_pool(kept: Pool, fresh: Pool) -> None:
    """Every fact, ranking, rule check, finder answer and reporting line agree."""
    _same_people(kept, fresh)
    config = _config()
    for wave in (None, 1, 2):
        a, b = kept.facts(wave), fresh.facts(wave)
        assert (a.mentor_load, a.paired_in_wave, a.former) == (b.mentor_load, b.paired_in_wave, b.former)
        assert [p.id for p in find_people(kept, "", wave, limit=50)] == [
            p.id for p in find_people(fresh, "", wave, limit=50)
        ]
    for name in ("goal_matrix", "competency_matrix"):  # the goals a competency covers, person by person
        (x, _), (y, _) = getattr(kept, name), getattr(fresh, name)
        assert (x @ x.T != y @ y.T).nnz == 0, name
    assert np.array_equal(_words(kept), _words(fresh))
    everyone = np.arange(len(fresh.people))
    for person in fresh.people:
        a, b = rank_candidates(kept, person.id, config, 1), rank_candidates(fresh, person.id, config, 1)
        assert a.ids == b.ids and a.scores == b.scores and a.allowed == b.allowed
        assert a.first_failure == b.first_failure
        assert kept.in_line(person.id, everyone).tolist() == fresh.in_line(person.id, everyone).tolist()
        assert kept.line_of(person.id) == fresh.line_of(person.id)
    rows, cols = np.flatnonzero(fresh.is_mentee), np.flatnonzero(fresh.is_mentor)
    x, y = evaluate(kept, rows, cols, kept.facts(1), config), evaluate(fresh, rows, cols, fresh.facts(1), config)
    assert np.array_equal(x.allowed, y.allowed) and np.array_equal(x.score, y.score)
    mentor, mentee = int(fresh.ids[cols[0]]), int(fresh.ids[rows[0]])
    assert check(kept, mentor, mentee, config, 1).verdicts == check(fresh, mentor, mentee, config, 1).verdicts


def _words(pool: Pool) -> np.ndarray:
    """How many keywords each person's goals share with each person's competencies."""
    return pool.goal_matrix[0].toarray() @ pool.shared_keywords @ pool.competency_matrix[0].toarray().T


STATUSES = ["proposed", "active", "paused", "completed", "closed_early"]
_EDITS = {
    "name": lambda rng: rng.choice(["Ana", "José Núñez", "bob smith", "Zoë", " Ünal\u200b ", "new name"]),
    "role": lambda rng: rng.choice(["mentor", "mentee"]),
    "level": lambda rng: rng.choice([None, 1, 4, 9, 12]),
    "line_of_business": lambda rng: rng.choice(["Claims", "claims", "IT", "", " Finance ", "Brand new line"]),
    "team": lambda rng: rng.choice(["A", "b", "", "Équipe", "equipe", "Team never seen"]),
    "timezone": lambda rng: rng.choice([*ZONES, "Australia/Sydney"]),
    "status": lambda rng: rng.choice(["active", "applicant", "withdrawn", "alumni"]),
    "capacity": lambda rng: rng.choice([0, 1, 2, 5]),
    "hobbies": lambda rng: json.dumps(rng.sample([*HOBBIES, "Kayak", "KAYAK"], rng.randint(0, 4))),
    "interests": lambda rng: rng.choice([json.dumps(rng.sample(HOBBIES, 2)), "not json", '[3, null, "Jazz"]', "[]"]),
    "development_goals": lambda rng: json.dumps(rng.sample([*GOALS, "Learn quantum widgets"], rng.randint(0, 3))),
    "competencies": lambda rng: json.dumps(rng.sample([*SKILLS, "quantum widgets"], rng.randint(0, 3))),
    "attributes": lambda rng: rng.choice(
        ['{"generation": "X"}', '{"generation": "Y"}', "{}", "", "broken", '{"generation": 3}']
    ),
}


def _edit_round(store: Store, rng: random.Random) -> None:
    """Another coordinator's few changes in one transaction: column edits, a manager moved,
    someone added (at the end, or in a gap another left), someone removed."""
    ids = [row[0] for row in store.query_tuples("SELECT id FROM participants ORDER BY id")]
    with store.write() as w:
        for _ in range(rng.randint(0, 4)):
            column = rng.choice(list(_EDITS))
            w.execute(f"UPDATE participants SET {column} = ? WHERE id = ?", (_EDITS[column](rng), rng.choice(ids)))
        if rng.random() < 0.5:  # a reporting line changes (perhaps into a cycle)
            w.execute(
                "UPDATE participants SET manager_id = ? WHERE id = ?", (rng.choice([None, *ids]), rng.choice(ids))
            )
        if rng.random() < 0.4:  # someone leaves: their pairs go, their reports lose their manager
            gone = rng.choice(ids)
            w.execute("DELETE FROM pairs WHERE mentor_id = ? OR mentee_id = ?", (gone, gone))
            w.execute("DELETE FROM participants WHERE id = ?", (gone,))
        if rng.random() < 0.4:
            w.insert(
                Participant(
                    name=f"Newcomer {rng.randint(1, 99)}",
                    role=rng.choice(["mentor", "mentee"]),
                    status="active",
                    team="A",
                    hobbies=["Chess"],
                    manager_id=rng.choice(ids),
                )
            )
        pairs = [row[0] for row in w.execute("SELECT id FROM pairs").fetchall()]
        if pairs and rng.random() < 0.4:  # a pair confirmed, closed, ...
            w.execute("UPDATE pairs SET status = ? WHERE id = ?", (rng.choice(STATUSES), rng.choice(pairs)))
        if rng.random() < 0.3:
            mentor, mentee = rng.sample(ids, 2)
            w.insert(Pair(wave_id=1, mentor_id=mentor, mentee_id=mentee, status=rng.choice(STATUSES)))
        gaps = sorted(set(range(1, max(ids))) - set(ids))
        if gaps and rng.random() < 0.3:  # an id below the highest: in the middle of the pool
            w.execute(
                "INSERT INTO participants (id, name, role, status, created_at, updated_at) "
                "VALUES (?, 'Back again', 'mentee', 'active', '2026-11-01', '2026-11-01')",
                (rng.choice(gaps),),
            )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("warm", [True, False])
def test_a_refreshed_pool_is_the_pool_read_afresh(programme, monkeypatch, seed, warm):
    rng = random.Random(seed)
    _fill(programme, rng, 70)
    store = programme.store
    pool = load_pool(store, TODAY)
    read_whole = load_pool
    for _ in range(6):
        if warm:
            _warm(pool)
        _edit_round(store, rng)
        with monkeypatch.context() as patched:
            patched.setattr(rmtui.matching, "load_pool", lambda *_: pytest.fail("read whole, not by the changes"))
            refreshed = refresh_pool(store, TODAY, pool)
        fresh = read_whole(store, TODAY)
        assert refreshed.stamp == fresh.stamp
        _same_pool(refreshed, fresh)
        pool = refreshed


def test_the_shown_pool_is_left_as_it_was(programme):
    _fill(programme, random.Random(3), 40)
    store = programme.store
    pool = load_pool(store, TODAY)
    _warm(pool)
    before = load_pool(store, TODAY)
    with store.write() as w:
        w.execute("UPDATE participants SET team = 'Z', hobbies = '[\"Kayak\"]', name = 'Q' WHERE id = 2")
    refreshed = refresh_pool(store, TODAY, pool)
    assert refreshed.people is not pool.people and refreshed.by_id[2].team == "Z"
    _same_pool(pool, before)


def test_many_changes_or_a_log_that_is_not_the_one_read_read_the_whole_pool(programme, monkeypatch):
    import rmtui.pool_refresh

    _fill(programme, random.Random(4), 60)
    store = programme.store
    pool = load_pool(store, TODAY)
    calls = []
    monkeypatch.setattr(rmtui.matching, "load_pool", lambda *a: calls.append(a) or load_pool(*a))
    monkeypatch.setattr(rmtui.pool_refresh, "REREAD_MIN", 5)
    with store.write() as w:  # an import: more than REREAD_MIN people
        w.execute("UPDATE participants SET team = team || 'x' WHERE id <= 10")
    pool = refresh_pool(store, TODAY, pool)
    assert len(calls) == 1
    _same_pool(pool, load_pool(store, TODAY))
    with store.write() as w:  # a restore: the log entry last read is another one
        w.execute("UPDATE participants SET team = 'y' WHERE id = 3")
        w.execute("DELETE FROM participant_changes")
        w.execute("INSERT INTO participant_changes (rev, participant_id) VALUES (?, 99999)", (pool.stamp[4] + 1,))
        w.execute("INSERT INTO participant_changes (rev, participant_id) VALUES (?, 99999)", (pool.stamp[4] + 5,))
    pool = refresh_pool(store, TODAY, pool)
    assert len(calls) == 2 and pool.by_id[3].team == "y"


@pytest.mark.parametrize("change", ["level = 2.5", "capacity = 1.5", "name = 'Ana' || char(31) || 'Ben'"])
def test_a_value_the_columns_cannot_carry_reads_the_whole_pool_row_by_row(programme, monkeypatch, change):
    _fill(programme, random.Random(5), 30)
    store = programme.store
    pool = load_pool(store, TODAY)
    calls = []
    monkeypatch.setattr(rmtui.matching, "load_pool", lambda *a: calls.append(a) or load_pool(*a))
    with store.write() as w:
        w.execute(f"UPDATE participants SET {change} WHERE id = 4")
    pool = refresh_pool(store, TODAY, pool)
    assert len(calls) == 1 and pool.columns is None
    _same_people(pool, load_pool(store, TODAY))


def test_every_column_the_pool_reads_is_logged_after_the_migration_on_a_programme_with_people(programme):
    """The wider change log trigger replaces the roster's on a database that had people."""
    from rmtui.db import SCHEMA_VERSION

    _fill(programme, random.Random(6), 20)
    store, path = programme.store, programme.store.path
    before_migration(store, "manager_id, timezone, status, capacity", "participant_changes_changed")
    with store.write() as w:
        w.execute("UPDATE participants SET team = 'not logged before' WHERE id = 1")
    before = store.query_tuples("SELECT max(rev) FROM participant_changes")[0][0]
    assert store.query_tuples("SELECT count(*) FROM participant_changes WHERE rev > ?", (before,)) == [(0,)]
    with Store(path, actor="coordinator") as reopened:
        assert reopened.schema_version() == SCHEMA_VERSION
        columns = ("team", "manager_id", "timezone", "capacity", "development_goals", "competencies", "attributes")
        for person_id, column in enumerate(columns, start=2):
            with reopened.write() as w:
                w.execute(f"UPDATE participants SET {column} = {column} || '' WHERE id = ?", (person_id,))
        with reopened.write() as w:  # a manager removed: each report's manager is cleared and logged
            reports = [r[0] for r in w.execute("SELECT id FROM participants WHERE manager_id = 1").fetchall()]
            w.execute("DELETE FROM pairs WHERE mentor_id = 1 OR mentee_id = 1")
            w.execute("DELETE FROM participants WHERE id = 1")
        logged = [
            r[0]
            for r in reopened.query_tuples(
                "SELECT participant_id FROM participant_changes WHERE rev > ? ORDER BY rev", (before,)
            )
        ]
    assert logged[: len(columns)] == list(range(2, 2 + len(columns)))
    assert sorted(logged[len(columns) :]) == sorted([1, *reports])


@pytest.mark.parametrize("column", list(_EDITS))
def test_every_column_edited_in_place_refreshes_as_read_afresh(programme, column):
    """Nobody added or removed: the arrays over everyone are patched, not worked out again."""
    rng = random.Random(column)
    _fill(programme, rng, 50)
    store = programme.store
    pool = load_pool(store, TODAY)
    for _ in range(4):
        _warm(pool)
        with store.write() as w:
            for person_id in rng.sample(list(pool.position), 5):
                w.execute(f"UPDATE participants SET {column} = ? WHERE id = ?", (_EDITS[column](rng), person_id))
        refreshed = refresh_pool(store, TODAY, pool)
        assert refreshed.people is not pool.people
        _same_pool(refreshed, load_pool(store, TODAY))
        pool = refreshed


def test_the_pairs_are_kept_when_a_person_changed_and_read_again_when_a_pair_did(programme):
    """Renaming a paired person logs their pairs (the leaderboard shows names): the pairs are
    the same, so they and their counts are kept; a pair's status changed: that pair is read
    again and the counts patched, as counted afresh."""
    _fill(programme, random.Random(8), 40)
    store = programme.store
    pool = load_pool(store, TODAY)
    pool.facts(1)
    paired = next(pair for pair in pool.pairs if pair.status == "active")
    with store.write() as w:
        w.execute("UPDATE participants SET name = 'Renamed' WHERE id = ?", (paired.mentor_id,))
    refreshed = refresh_pool(store, TODAY, pool)
    assert store.query_tuples("SELECT count(*) FROM pair_changes WHERE pair_id = ?", (paired.id,))[0][0] > 0
    assert refreshed.pairs == pool.pairs and vars(refreshed)["_pair_totals"] is vars(pool)["_pair_totals"]
    _same_pool(refreshed, load_pool(store, TODAY))
    for also in ("UPDATE participants SET team = 'Q' WHERE id = 3", None):  # with a person's edit, and alone
        with store.write() as w:
            w.execute("UPDATE pairs SET status = ? WHERE id = ?", (rng_status(refreshed, paired.id), paired.id))
            if also:
                w.execute(also)
        again = refresh_pool(store, TODAY, refreshed)
        fresh = load_pool(store, TODAY)
        assert again.pairs == fresh.pairs
        _same_counts(again, fresh)
        _same_pool(again, fresh)
        refreshed = again


def _same_counts(kept: Pool, fresh: Pool) -> None:
    """What the pools count of their pairs is the same (no key counted 0 left behind)."""
    assert [dict(c) for c in kept._pair_totals[:3]] == [dict(c) for c in fresh._pair_totals[:3]]
    assert kept._pair_totals[3] == fresh._pair_totals[3] == len(fresh.pairs)
    for a, b in zip(kept._went_ahead, fresh._went_ahead):
        assert a.tolist() == b.tolist()


@pytest.mark.parametrize("seed", range(4))
def test_pairs_proposed_withdrawn_and_changed_by_another_connection_are_patched_as_counted_afresh(programme, seed):
    """Pairs added, deleted, their status, people and wave changed: the pairs logged are read
    again and put in their places, the counts patched (the proposals-only case keeps the
    pairs that went ahead); equal to a pool read afresh, round after round."""
    rng = random.Random(seed)
    _fill(programme, rng, 40)
    store = programme.store
    pool = load_pool(store, TODAY)
    pool.facts(1), pool._went_ahead  # (counted: what a refresh patches)
    with Store(store.path, actor="other") as other:
        for _ in range(6):
            with other.write() as w:
                people = [row[0] for row in w.execute("SELECT id FROM participants")]
                for _ in range(rng.randint(1, 4)):
                    pairs = [row[0] for row in w.execute("SELECT id FROM pairs")]
                    kind = rng.randrange(4)
                    if kind == 0 or not pairs:
                        mentor, mentee = rng.sample(people, 2)
                        w.execute(
                            "INSERT INTO pairs (wave_id, mentor_id, mentee_id, status, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?, 'x', 'x')",
                            (rng.choice([1, 2]), mentor, mentee, rng.choice(["proposed", "proposed", *STATUSES])),
                        )
                    elif kind == 1:
                        w.execute("DELETE FROM pairs WHERE id = ?", (rng.choice(pairs),))
                    elif kind == 2:
                        w.execute("UPDATE pairs SET status = ? WHERE id = ?", (rng.choice(STATUSES), rng.choice(pairs)))
                    else:
                        mentor, mentee = rng.sample(people, 2)
                        w.execute(
                            "UPDATE pairs SET mentor_id = ?, mentee_id = ?, wave_id = ? WHERE id = ?",
                            (mentor, mentee, rng.choice([1, 2]), rng.choice(pairs)),
                        )
            refreshed = refresh_pool(store, TODAY, pool)
            fresh = load_pool(store, TODAY)
            assert refreshed.pairs == fresh.pairs
            assert "_pair_totals" in vars(refreshed), "counted again instead of patched"
            _same_counts(refreshed, fresh)
            _same_pool(refreshed, fresh)
            pool = refreshed


def rng_status(pool: Pool, pair_id: int) -> str:
    """Another status than the pair's in ``pool``."""
    return next(s for s in STATUSES if s != next(p.status for p in pool.pairs if p.id == pair_id))
