"""The pairing pool at 100k: read as columns, facts kept once, lines as arrays — all agree
with the straightforward computation (the row read, facts counted from every pair, the
reporting line walked person by person), and nothing is left stale after a change."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from rmtui.db import Pair, Participant, Wave
from rmtui.matching import PairFact, Pool, evaluate, load_pool, load_pool_by_rows, rank_candidates, refresh_pool
from rmtui.pairing import check, find_people
from rmtui.rule_settings import default_rule_config
from rmtui.rules import ONGOING, Facts, Person, check_pair

TODAY = dt.date(2026, 11, 20)
HOBBIES = ["Chess", "chess ", "Jazz", "Café", "cafe", "Hiking", "yoga", "", "Photo\u200bgraphy"]
GOALS = ["Social media strategy", "Understand Gen Z", "Data literacy", "AI tools"]
SKILLS = ["social media", "TikTok strategy", "data analysis", "machine learning tools"]
ZONES = ["Europe/London", "America/New_York", "", "Nowhere/Land", "Asia/Tokyo"]


def _fill(programme, rng: random.Random, count: int) -> None:
    """``count`` random people with a random management forest, waves and pairs, plus rows a
    column read must not get wrong: lists holding numbers, nulls, nested lists or bad JSON."""
    with programme.store.write() as w:
        ids = []
        for i in range(count):
            person = w.insert(Participant(
                name=rng.choice(["Ana", "José Núñez", "bob smith", "Zoë"]) + f" {i}",
                role=rng.choice(["mentor", "mentee"]),
                level=rng.choice([None, 1, 2, 3, 5, 7, 9]),
                line_of_business=rng.choice(["Claims", "claims", "IT", "", " Finance "]),
                team=rng.choice(["A", "B", "", "Équipe"]),
                manager_id=rng.choice([None, *ids[-20:]]) if ids else None,
                timezone=rng.choice(ZONES),
                status=rng.choice(["active", "applicant", "withdrawn", "alumni"]),
                capacity=rng.choice([0, 1, 1, 2]),
                hobbies=rng.sample(HOBBIES, rng.randint(0, 4)),
                interests=rng.sample(HOBBIES, rng.randint(0, 3)),
                development_goals=rng.sample(GOALS, rng.randint(0, 3)),
                competencies=rng.sample(SKILLS, rng.randint(0, 3)),
                attributes={"generation": rng.choice(["X", "Z"])} if rng.random() < 0.5 else {},
            ))
            ids.append(person.id)
        odd = rng.sample(ids, 6)
        w.execute("UPDATE participants SET hobbies = ? WHERE id = ?", (json.dumps(["Chess", 3, None, ["x"], 2.5]), odd[0]))
        w.execute("UPDATE participants SET interests = 'not json' WHERE id = ?", (odd[1],))
        w.execute("UPDATE participants SET competencies = '{\"a\": 1}' WHERE id = ?", (odd[2],))
        w.execute("UPDATE participants SET development_goals = '[\"Data literacy\", NaN]' WHERE id = ?", (odd[3],))
        w.execute("UPDATE participants SET interests = '[true, false, \"Jazz\"]' WHERE id = ?", (odd[4],))
        w.execute("UPDATE participants SET attributes = 'broken' WHERE id = ?", (odd[5],))
        waves = [w.insert(Wave(name=f"Wave {k}", starts_on="2026-01-01")).id for k in range(2)]
        for _ in range(count // 2):
            mentor, mentee = rng.sample(ids, 2)
            w.insert(Pair(wave_id=rng.choice(waves), mentor_id=mentor, mentee_id=mentee,
                          status=rng.choice(["proposed", "active", "paused", "completed", "closed_early"])))


def _same_people(a: Pool, b: Pool) -> None:
    assert len(a.people) == len(b.people)
    assert [p.id for p in a.people] == [p.id for p in b.people]
    for x, y in zip(a.people, b.people):
        assert x == y
    for name in ("ids", "is_mentor", "is_mentee", "available", "business", "teams", "capacity", "goal_counts",
                 "competency_counts"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in ("levels", "offsets"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert a.folded_names == b.folded_names
    assert a.managers == b.managers
    assert np.array_equal(a.objective_codes("generation"), b.objective_codes("generation"))
    both = (a.interest_matrix @ a.interest_matrix.T).toarray()
    assert np.array_equal(both, (b.interest_matrix @ b.interest_matrix.T).toarray())


@pytest.mark.parametrize("seed", range(3))
def test_the_column_read_makes_the_same_pool_as_the_row_read(programme, seed):
    _fill(programme, random.Random(seed), 80)
    fast = load_pool(programme.store, TODAY)
    slow = load_pool_by_rows(programme.store, TODAY)
    assert fast._columns is not None, "the fast path must be the one tested"
    _same_people(fast, slow)
    config = default_rule_config()
    config["objective_attribute"].enabled = True
    config["objective_attribute"].params["attribute"] = "generation"
    for person in [p for p in slow.people][::7]:
        a, b = rank_candidates(fast, person.id, config, 1), rank_candidates(slow, person.id, config, 1)
        assert [c.id for c in a.candidates] == [c.id for c in b.candidates]
        assert a.scores == b.scores and a.allowed == b.allowed and a.first_failure == b.first_failure
    rows, cols = np.flatnonzero(fast.is_mentee), np.flatnonzero(fast.is_mentor)
    x, y = evaluate(fast, rows, cols, fast.facts(1), config), evaluate(slow, rows, cols, slow.facts(1), config)
    assert np.array_equal(x.allowed, y.allowed) and np.allclose(x.score, y.score)
    assert [p.id for p in find_people(fast, "", 1, limit=30)] == [p.id for p in find_people(slow, "", 1, limit=30)]


@pytest.mark.parametrize("seed", range(2))
def test_a_name_read_alone_is_the_name_its_person_has(programme, seed):
    """Pool.name_of (the finder's notes name every paired person) gives the name the Person
    would, cleaned, on the column read and the row read; None for someone not in the pool."""
    _fill(programme, random.Random(seed), 60)
    with programme.store.write() as w:
        w.execute("UPDATE participants SET name = ' Zoë\u200b Brontë\x07 ' WHERE id = 2")
        w.execute("UPDATE participants SET name = '[red]Ana[/red]\tLee' WHERE id = 5")
    fast = load_pool(programme.store, TODAY)
    assert fast._columns is not None, "the column read must be one of those tested"
    for pool in (fast, load_pool_by_rows(programme.store, TODAY)):
        named = {i: pool.name_of(i) for i in pool.position}
        assert named == {p.id: p.name for p in pool.people}
        assert pool.name_of(10**9) is None


def test_a_value_the_columns_cannot_carry_is_read_row_by_row(programme):
    _fill(programme, random.Random(9), 20)
    with programme.store.write() as w:
        w.execute("UPDATE participants SET name = 'Ana\x1fBen' WHERE id = 3")
        w.execute("UPDATE participants SET level = 2.5 WHERE id = 4")
    fast = load_pool(programme.store, TODAY)
    assert fast._columns is None
    _same_people(fast, load_pool_by_rows(programme.store, TODAY))


def _facts_by_hand(pool: Pool, wave_id, excluding) -> Facts:
    """The facts as the rules define them, counted from every pair (the pre-cache code)."""
    load: Counter[int] = Counter()
    paired: dict[int, set[int]] = defaultdict(set)
    former: set[frozenset[int]] = set()
    for pair in pool.pairs:
        if pair.id in set(excluding):
            continue
        if pair.status in ONGOING:
            load[pair.mentor_id] += 1
            paired[pair.mentee_id].add(pair.wave_id)
        if pair.status != "proposed":
            former.add(frozenset((pair.mentor_id, pair.mentee_id)))
    return Facts(managers=pool.managers, mentor_load=dict(load), paired_in_wave=dict(paired), former=former,
                 wave_id=wave_id, today=pool.today, wave_names=pool.wave_names)


def _random_pool(rng: random.Random, count: int, pair_count: int, cycles: bool = False) -> Pool:
    people = []
    for i in range(1, count + 1):
        manager = rng.choice([None, *range(1, i)]) if i > 1 else None
        if cycles and rng.random() < 0.1:
            manager = rng.randint(1, count)  # may point down the tree (a cycle) or at themselves
        people.append(Person.make(i, f"P{i}", rng.choice(["mentor", "mentee"]), level=rng.choice([None, 1, 3, 6, 9]),
                                  line_of_business=rng.choice(["A", "B", ""]), manager_id=manager,
                                  status=rng.choice(["active", "applicant", "withdrawn"]), capacity=rng.choice([0, 1, 2]),
                                  hobbies=rng.sample(HOBBIES, 2)))
    pairs = [PairFact(k, rng.choice([1, 2]), rng.randint(1, count), rng.randint(1, count),
                      rng.choice(["proposed", "active", "paused", "completed", "closed_early"]))
             for k in range(1, pair_count + 1)]
    # the same two people several times, so taking one pair off must keep the others' facts
    pairs += [PairFact(pair_count + k, p.wave_id, p.mentor_id, p.mentee_id, rng.choice(["active", "completed"]))
              for k, p in enumerate(pairs[:5], start=1)]
    return Pool(people, pairs, {1: "W1", 2: "W2"}, TODAY)


@pytest.mark.parametrize("seed", range(25))
def test_kept_facts_equal_facts_counted_from_every_pair(seed):
    rng = random.Random(seed)
    pool = _random_pool(rng, 30, 40)
    for _ in range(12):
        wave = rng.choice([None, 1, 2])
        excluding = rng.sample([p.id for p in pool.pairs], rng.randint(0, 6)) + [999]
        kept, fresh = pool.facts(wave, excluding=excluding), _facts_by_hand(pool, wave, excluding)
        assert kept.mentor_load == fresh.mentor_load
        assert kept.paired_in_wave == fresh.paired_in_wave
        assert kept.former == fresh.former
        assert kept.wave_id == wave
        positions = np.arange(len(pool.people))
        assert pool.mentor_loads(kept).tolist() == [fresh.mentor_load.get(p.id, 0) for p in pool.people]
        assert pool.busy(kept).tolist() == [bool(fresh.busy_waves(p.id)) for p in pool.people]
        for person in pool.people:
            expected = {next(iter(t - {person.id})) for t in fresh.former if person.id in t and len(t) == 2}
            assert pool.former_of(kept, person.id) == expected
        assert len(positions) == len(pool.people)


@pytest.mark.parametrize("seed", range(10))
def test_loads_and_busy_in_any_order_of_ids_with_pairs_of_people_not_in_the_pool(seed):
    """The mentors' loads and the busy mentees, set for everyone at once, are the facts person
    by person: people in ascending id order (found by bisection) or not (looked up), pairs
    naming people the pool does not hold (below, between and above its ids)."""
    rng = random.Random(seed)
    base = _random_pool(rng, 30, 40)
    people = [p for p in base.people if p.id != 15]
    if seed % 2:
        rng.shuffle(people)
    stray = [PairFact(900 + k, rng.choice([1, 2]), rng.choice([0, 15, 31, 5]), rng.choice([0, 15, 33, 6]),
                      rng.choice(["active", "paused", "proposed"])) for k in range(8)]
    pool = Pool(people, [*base.pairs, *stray], {1: "W1", 2: "W2"}, TODAY)
    for wave in (None, 1, 2):
        facts = pool.facts(wave)
        assert pool.mentor_loads(facts).tolist() == [facts.mentor_load.get(p.id, 0) for p in pool.people]
        assert pool.busy(facts).tolist() == [bool(facts.busy_waves(p.id)) for p in pool.people]


@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize("cycles", [False, True])
def test_the_reporting_line_as_arrays_equals_the_walk_person_by_person(seed, cycles):
    rng = random.Random(seed)
    pool = _random_pool(rng, 60, 0, cycles=cycles)
    everyone = np.arange(len(pool.people))
    for person in pool.people:
        line = pool.line_of(person.id)
        expected = [p.id in line and p.id != person.id for p in pool.people]
        assert pool.in_line(person.id, everyone).tolist() == expected


@pytest.mark.parametrize("seed", range(8))
def test_rankings_with_own_proposals_left_out_equal_the_rules_one_pair_at_a_time(seed):
    rng = random.Random(seed)
    pool = _random_pool(rng, 40, 30)
    config = default_rule_config()
    for person in pool.people[:12]:
        own = [p.id for p in pool.pairs if person.id in (p.mentor_id, p.mentee_id) and p.status == "proposed"]
        ranking = rank_candidates(pool, person.id, config, 1, excluding=own)
        fresh = _facts_by_hand(pool, 1, own)
        for candidate, allowed, first in zip(ranking.candidates, ranking.allowed, ranking.first_failure):
            mentor, mentee = (candidate, person) if person.role == "mentee" else (person, candidate)
            blocked = [v.rule for v in check_pair(mentor, mentee, fresh, config) if v.blocks]
            assert allowed == (not blocked) and first == (blocked[0] if blocked else None)


def test_a_new_pair_takes_the_mentors_room_at_once():
    people = [Person.make(1, "Ana", "mentor", level=2, line_of_business="IT", capacity=1, status="active"),
              Person.make(2, "Ben", "mentee", level=7, line_of_business="Claims", status="active"),
              Person.make(3, "Cy", "mentee", level=7, line_of_business="Claims", status="active")]
    pool = Pool(people, [], {1: "W"}, TODAY)
    config = default_rule_config()
    assert not check(pool, 1, 3, config, 1).blocking
    pool.add_pair(PairFact(1, 1, 1, 2, "active"))
    assert [v.rule for v in check(pool, 1, 3, config, 1).blocking] == ["mentor_capacity"]
    assert rank_candidates(pool, 3, config, 1).first_failure == ["mentor_capacity"]
    pool.pairs.append(PairFact(2, 1, 1, 3, "closed_early"))  # appended in place: noticed too
    assert 1 not in {c.id for c in rank_candidates(pool, 3, config, 1).candidates}
    pool.set_pairs([])
    assert rank_candidates(pool, 3, config, 1).allowed == [True]


def test_a_manager_change_is_in_the_next_pool_read(programme):
    with programme.store.write() as w:
        boss = w.insert(Participant(name="Boss", role="mentee", level=9, line_of_business="Claims", status="active"))
        mid = w.insert(Participant(name="Mid", role="mentee", level=8, line_of_business="Claims", status="active"))
        junior = w.insert(Participant(name="Junior", role="mentor", level=2, line_of_business="IT", status="active"))
        w.insert(Wave(name="Pilot", starts_on="2026-01-01"))
    config = default_rule_config()
    pool = load_pool(programme.store, TODAY)
    assert rank_candidates(pool, boss.id, config, 1).allowed == [True]
    with programme.store.write() as w:
        w.execute("UPDATE participants SET manager_id = ? WHERE id = ?", (boss.id, mid.id))
        w.execute("UPDATE participants SET manager_id = ? WHERE id = ?", (mid.id, junior.id))
    pool = load_pool(programme.store, TODAY)
    ranking = rank_candidates(pool, boss.id, config, 1)
    assert ranking.allowed == [False] and ranking.first_failure == ["outside_reporting_line"]
    assert "2 levels up" in next(v.reason for v in check(pool, junior.id, boss.id, config, 1).verdicts
                                 if v.rule == "outside_reporting_line")


# -- kept up to date: another coordinator's change reaches the open pairing screen ---------

WRITER = Path(__file__).with_name("writer_process.py")


def _other_coordinator_sets(db_path: Path, table: str, row_id: int, column: str, value: object) -> None:
    """A real second process (another coordinator) changes one column of one row."""
    child = subprocess.run([sys.executable, str(WRITER), "set", str(db_path), "rosa", table, str(row_id), column,
                            str(value)], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr


def _small_programme(programme):
    with programme.store.write() as w:
        mentee = w.insert(Participant(name="Mia Mentee", role="mentee", level=7, line_of_business="Claims",
                                      status="active", hobbies=["Chess"]))
        ana = w.insert(Participant(name="Ana Mentor", role="mentor", level=2, line_of_business="IT", capacity=1,
                                   status="active", hobbies=["Chess"]))
        other = w.insert(Participant(name="Ned Mentee", role="mentee", level=7, line_of_business="Risk",
                                     status="active"))
        wave = w.insert(Wave(name="Pilot", starts_on="2026-12-01"))
        pair = w.insert(Pair(wave_id=wave.id, mentor_id=ana.id, mentee_id=other.id, status="closed_early"))
    return mentee, ana, pair


def test_refresh_keeps_the_people_when_only_pairs_changed_and_reads_them_after_a_person_changed(programme):
    mentee, ana, pair = _small_programme(programme)
    config = default_rule_config()
    first = load_pool(programme.store, TODAY)
    assert not check(first, ana.id, mentee.id, config, 1).blocking
    with programme.store.write() as w:
        w.update("pairs", pair.id, pair.version, {"status": "active"})
    kept = refresh_pool(programme.store, TODAY, first)
    assert kept.people is first.people, "only a pair changed: the people are reused"
    assert [v.rule for v in check(kept, ana.id, mentee.id, config, 1).blocking] == ["mentor_capacity"]
    assert not check(first, ana.id, mentee.id, config, 1).blocking, "the pool shown before is left as it was"
    version = programme.store.scalar("SELECT version FROM participants WHERE id = ?", (ana.id,))
    with programme.store.write() as w:
        w.update("participants", ana.id, version, {"manager_id": mentee.id})
    fresh = refresh_pool(programme.store, TODAY, kept)
    assert fresh.people is not kept.people
    assert {v.rule for v in check(fresh, ana.id, mentee.id, config, 1).blocking} == {
        "mentor_capacity", "outside_reporting_line"}


async def test_the_open_rule_panel_follows_another_coordinators_changes(programme, db_path):
    from conftest import settled

    from rmtui.app import RmtuiApp
    from rmtui.screens.pairing import PairingScreen

    mentee, ana, pair = _small_programme(programme)
    app = RmtuiApp(programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, PairingScreen)
        assert screen.person_id == mentee.id and screen.current is not None
        assert screen.current.mentor.id == ana.id and not screen.current.blocking

        async def panel_blocks(rules: set[str]) -> None:
            for _ in range(400):  # the watcher polls every ~200 ms; a reload then runs in a worker
                await settled(pilot, rounds=1)
                current = screen.current
                if current is not None and current.mentor.id == ana.id and {v.rule for v in current.blocking} == rules:
                    return
                await asyncio.sleep(0.02)
            raise AssertionError(f"the rule panel never showed {rules}: {screen.current}")

        _other_coordinator_sets(db_path, "pairs", pair.id, "status", "active")  # Ana's one place is taken
        await panel_blocks({"mentor_capacity"})
        assert "already mentors 1 of 1" in str(screen._rule_panel(screen.current).renderables)
        _other_coordinator_sets(db_path, "participants", ana.id, "manager_id", mentee.id)  # Mia now manages Ana
        await panel_blocks({"mentor_capacity", "outside_reporting_line"})


def test_names_fold_as_the_search_folds_them():
    from rmtui.matching import _fold_name
    from rmtui.text import fold

    rng = random.Random(5)
    names = ["José Núñez", "Adébáyọ̀ Adeyemi", "Øystein", "ǅemal", "ﬁsh", "Straße", "İstanbul", "e\u0301\u0302", ""]
    names += ["".join(chr(rng.randint(32, 0x2FFFF)) for _ in range(12)) for _ in range(3000)]
    assert [_fold_name(n) for n in names] == [fold(n) for n in names]
