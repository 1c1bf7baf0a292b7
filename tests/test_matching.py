"""Ranking and whole-cohort matching: agree with the rules, optimal, never break a hard rule."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter

import numpy as np
import pytest

from rmtui.matching import PairFact, Pool, evaluate, load_pool, match_cohort, rank_candidates
from rmtui.rule_settings import default_rule_config
from rmtui.rules import Person, check_pair
from rmtui.scoring import score

TODAY = dt.date(2026, 11, 20)
HOBBIES = ["Chess", "running", "Jazz", "cooking", "Hiking", "photography", "gaming", "yoga"]
GOALS = ["Social media strategy", "Understand Gen Z", "Data literacy", "AI tools", "Inclusive leadership"]
SKILLS = ["social media", "TikTok strategy", "data analysis", "machine learning tools", "inclusion", "Python"]
ZONES = ["Europe/London", "America/New_York", "Asia/Tokyo", "Europe/Paris", "", "Australia/Sydney", "Nowhere/Land"]


def random_people(rng: random.Random, count: int, *, mentors: int | None = None) -> list[Person]:
    people = []
    for i in range(1, count + 1):
        role = ("mentor" if i <= mentors else "mentee") if mentors is not None else rng.choice(["mentor", "mentee"])
        people.append(
            Person.make(
                i, f"Person {i}", role,
                level=rng.choice([None, 1, 2, 3, 4, 5, 6, 7, 8]),
                line_of_business=rng.choice(["Claims", "IT", "", "Finance"]),
                team=rng.choice(["A", "B", "", "C"]),
                manager_id=rng.choice([None, *range(1, count + 1)]),
                timezone=rng.choice(ZONES),
                status=rng.choice(["active", "applicant", "active", "withdrawn"]),
                capacity=rng.choice([0, 1, 1, 2]),
                hobbies=rng.sample(HOBBIES, rng.randint(0, 3)),
                interests=rng.sample(HOBBIES, rng.randint(0, 2)),
                development_goals=rng.sample(GOALS, rng.randint(0, 3)),
                competencies=rng.sample(SKILLS, rng.randint(0, 3)),
                attributes={"generation": rng.choice(["X", "Z", "millennial"])} if rng.random() < 0.8 else {},
            )
        )
    return people


def random_pool(seed: int, count: int = 40, **kwargs) -> Pool:
    rng = random.Random(seed)
    people = random_people(rng, count, **kwargs)
    mentors = [p.id for p in people if p.role == "mentor"]
    mentees = [p.id for p in people if p.role == "mentee"]
    pairs = [
        PairFact(k, rng.choice([1, 2]), rng.choice(mentors), rng.choice(mentees),
                 rng.choice(["proposed", "active", "completed", "closed_early", "paused"]))
        for k in range(1, rng.randint(0, 8) + 1)
        if mentors and mentees
    ]
    return Pool(people, pairs, {1: "Pilot", 2: "Wave 2"}, TODAY)


def all_rules_on():
    config = default_rule_config()
    config["objective_attribute"].enabled = True
    config["objective_attribute"].params["attribute"] = "generation"
    config["different_team"].hard = False
    return config


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("make_config", [default_rule_config, all_rules_on])
def test_matrix_rules_agree_with_the_rule_functions(seed, make_config):
    pool = random_pool(seed)
    config = make_config()
    facts = pool.facts(1)
    rows, cols = np.flatnonzero(pool.is_mentee), np.flatnonzero(pool.is_mentor)
    result = evaluate(pool, rows, cols, facts, config)
    for r, row in enumerate(rows):
        for c, col in enumerate(cols):
            verdicts = check_pair(pool.people[col], pool.people[row], facts, config)
            assert result.allowed[r, c] == (not any(v.blocks for v in verdicts)), verdicts
            assert result.score[r, c] == pytest.approx(score(verdicts).total, abs=1e-9)


def test_ranking_puts_allowed_candidates_first_by_score_and_never_offers_a_former_partner():
    pool = random_pool(3, 60)
    config = default_rule_config()
    mentee = next(p for p in pool.people if p.role == "mentee")
    pool.pairs.append(PairFact(99, 1, next(p.id for p in pool.people if p.role == "mentor"), mentee.id, "closed_early"))
    ranking = rank_candidates(pool, mentee.id, config, 1)
    former = pool.pairs[-1].mentor_id
    assert former not in {c.id for c in ranking.candidates}
    assert all(c.role == "mentor" for c in ranking.candidates)
    keys = [(not a, -s) for a, s in zip(ranking.allowed, ranking.scores)]
    assert keys == sorted(keys)
    facts = pool.facts(1)
    for candidate, allowed, first in zip(ranking.candidates, ranking.allowed, ranking.first_failure):
        blocked = [v.rule for v in check_pair(candidate, mentee, facts, config) if v.blocks]
        assert allowed == (not blocked)
        assert first == (blocked[0] if blocked else None)


def test_ranking_from_a_mentor_lists_mentees():
    pool = random_pool(4, 30)
    mentor = next(p for p in pool.people if p.role == "mentor")
    ranking = rank_candidates(pool, mentor.id, default_rule_config(), 1)
    assert ranking.candidates and all(c.role == "mentee" for c in ranking.candidates)


def brute_force(allowed: np.ndarray, weight: np.ndarray, slots: list[int]) -> tuple[int, float]:
    """Return (pairs, total) of the best assignment by trying every one: most pairs, then best score."""
    best = (0, 0.0)
    options = [[None, *[c for c in range(allowed.shape[1]) if allowed[r, c]]] for r in range(allowed.shape[0])]
    for choice in itertools.product(*options):
        used = Counter(c for c in choice if c is not None)
        if any(used[c] > slots[c] for c in used):
            continue
        key = (sum(c is not None for c in choice), sum(weight[r, c] for r, c in enumerate(choice) if c is not None))
        if key[0] > best[0] or (key[0] == best[0] and key[1] > best[1] + 1e-9):
            best = key
    return best


def check_cohort(pool: Pool, config, wave_id: int = 1, pinned=()):
    result = match_cohort(pool, wave_id, config, pinned=pinned)
    facts = pool.facts(wave_id)
    load = Counter({k: v for k, v in facts.mentor_load.items()})
    mentees = Counter()
    for proposal in result.proposals:
        load[proposal.mentor.id] += 1
        mentees[proposal.mentee.id] += 1
        if not proposal.pinned:
            verdicts = check_pair(proposal.mentor, proposal.mentee, facts, config)
            assert not [v for v in verdicts if v.blocks], verdicts
    for mentor_id, taken in load.items():
        if any(p.mentor.id == mentor_id and not p.pinned for p in result.proposals):
            assert taken <= pool.by_id[mentor_id].capacity
    assert all(count == 1 for count in mentees.values())
    return result


def small_cohort(seed: int) -> Pool:
    """A wave of 3–6 mentees and 2–4 mentors where most pairs are allowed, some are not."""
    rng = random.Random(seed)
    mentors = rng.randint(2, 4)
    people = [
        Person.make(
            i, f"Mentor {i}", "mentor", level=rng.randint(1, 4), line_of_business=rng.choice(["Claims", "IT", "Risk"]),
            capacity=rng.choice([1, 1, 2]), timezone=rng.choice(ZONES), hobbies=rng.sample(HOBBIES, 2),
            competencies=rng.sample(SKILLS, 2), status="active",
        )
        for i in range(1, mentors + 1)
    ]
    people += [
        Person.make(
            i, f"Mentee {i}", "mentee", level=rng.randint(3, 8), line_of_business=rng.choice(["Claims", "IT", "Risk"]),
            manager_id=rng.choice([None, None, 1]), timezone=rng.choice(ZONES), hobbies=rng.sample(HOBBIES, 2),
            development_goals=rng.sample(GOALS, 2), status="active",
        )
        for i in range(mentors + 1, mentors + rng.randint(3, 6) + 1)
    ]
    return Pool(people, [], {1: "Wave"}, TODAY)


@pytest.mark.parametrize("seed", range(40))
def test_cohort_matching_equals_brute_force_on_small_instances(seed):
    pool = small_cohort(seed)
    config = default_rule_config()
    result = check_cohort(pool, config)
    facts = pool.facts(1)
    rows = np.flatnonzero(pool.is_mentee)
    cols = np.flatnonzero(pool.is_mentor)
    full = evaluate(pool, rows, cols, facts, config)
    pairs, total = brute_force(full.allowed, full.score, [pool.people[c].capacity for c in cols])
    assert len(result.new_pairs) == pairs
    assert result.total == pytest.approx(total, abs=1e-6)
    assert (len(result.new_pairs), result.total + 1e-6) >= (result.greedy_pairs, result.greedy_total)


@pytest.mark.parametrize("seed", range(10))
def test_cohort_matching_never_breaks_a_hard_rule_or_a_capacity(seed):
    check_cohort(random_pool(2000 + seed, 40, mentors=15), default_rule_config())


def test_pinned_pairs_are_kept_even_when_another_assignment_scores_more():
    pool = random_pool(7, 40, mentors=15)
    config = default_rule_config()
    first = check_cohort(pool, config)
    assert first.new_pairs, "the instance should allow some pairs"
    worst = min(first.new_pairs, key=lambda p: p.score)
    pinned = [(worst.mentee.id, worst.mentor.id)]
    again = check_cohort(pool, config, pinned=pinned)
    kept = [p for p in again.proposals if p.pinned]
    assert [(p.mentee.id, p.mentor.id) for p in kept] == pinned
    assert worst.mentee.id not in {p.mentee.id for p in again.new_pairs}
    taken = sum(1 for p in again.proposals if p.mentor.id == worst.mentor.id)
    assert taken <= worst.mentor.capacity - pool.facts(1).mentor_load.get(worst.mentor.id, 0)


def test_everyone_unmatched_is_listed_with_what_blocked_them():
    people = [
        Person.make(1, "Ana", "mentor", level=2, line_of_business="Claims", status="active"),
        Person.make(2, "Ben", "mentee", level=7, line_of_business="Claims", status="active"),
        Person.make(3, "Cy", "mentee", level=7, line_of_business="IT", status="active"),
        Person.make(4, "Di", "mentee", level=3, line_of_business="IT", status="active"),
    ]
    result = match_cohort(Pool(people, [], {1: "W"}, TODAY), 1, default_rule_config())
    assert [(p.mentor.name, p.mentee.name) for p in result.proposals] == [("Ana", "Cy")]
    why = {u.person.name: u.why for u in result.unmatched}
    assert why["Ben"].startswith("blocked by Different line of business (1 of 1)")
    assert why["Di"].startswith("blocked by Mentor levels below mentee (1 of 1)")


def test_mentor_capacity_repeats_columns():
    people = [Person.make(1, "Ana", "mentor", level=2, line_of_business="IT", capacity=2)] + [
        Person.make(i, f"Mentee {i}", "mentee", level=7, line_of_business="Claims") for i in range(2, 6)
    ]
    result = match_cohort(Pool(people, [], {1: "W"}, TODAY), 1, default_rule_config())
    assert len(result.proposals) == 2
    assert "all 1 allowed mentors went to others" in result.unmatched[0].why


def test_load_pool_reads_the_database(programme):
    from rmtui.db import Participant, Wave

    with programme.store.write() as w:
        boss = w.insert(Participant(name="Boss", role="mentee", level=9, line_of_business="Claims", status="active"))
        w.insert(Participant(name="Junior", role="mentor", level=2, line_of_business="IT", manager_id=boss.id,
                             hobbies=["Chess"], status="active"))
        w.insert(Wave(name="Pilot", starts_on="2026-01-01"))
    pool = load_pool(programme.store, TODAY)
    assert {p.name for p in pool.people} == {"Boss", "Junior"}
    ranking = rank_candidates(pool, boss.id, default_rule_config(), 1)
    assert ranking.allowed == [False] and ranking.first_failure == ["outside_reporting_line"]


def test_a_programme_without_goals_or_competencies_still_ranks():
    people = [Person.make(1, "Ana", "mentor", level=2, line_of_business="IT"),
              Person.make(2, "Ben", "mentee", level=7, line_of_business="Claims")]
    ranking = rank_candidates(Pool(people, [], {1: "W"}, TODAY), 2, default_rule_config(), 1)
    assert ranking.allowed == [True]
