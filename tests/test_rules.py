"""Every matching rule: pass, fail, edge and misconfiguration, table by table."""

from __future__ import annotations

import datetime as dt

import pytest

from rmtui.db import Store
from rmtui.rule_settings import (
    RuleConfigError,
    default_rule_config,
    load_rule_config,
    rules_from_value,
    save_rule_config,
)
from rmtui.rules import FAIL, PASS, RULES, WARN, Facts, Person, check_pair, manager_chain
from rmtui.scoring import score

TODAY = dt.date(2026, 11, 20)


def mentor(**facts) -> Person:
    """A mentor who passes every default rule with the mentee below."""
    values = dict(
        level=3, line_of_business="Technology", team="Platform", timezone="Europe/London",
        status="active", capacity=1, hobbies=["Chess", "Jazz"], competencies=["Social media strategy", "Data analysis"],
    )
    values.update(facts)
    return Person.make(values.pop("id", 1), values.pop("name", "Mo Mentor"), values.pop("role", "mentor"), **values)


def mentee(**facts) -> Person:
    values = dict(
        level=7, line_of_business="Claims", team="Motor claims", timezone="Europe/Paris",
        status="active", hobbies=["chess"], interests=["Gardening"],
        development_goals=["Social media strategy", "Understand data analysis"],
    )
    values.update(facts)
    return Person.make(values.pop("id", 2), values.pop("name", "Dee Mentee"), values.pop("role", "mentee"), **values)


def verdict(rule: str, a: Person, b: Person, facts: Facts | None = None, **options):
    config = default_rule_config()
    for key, value in options.items():
        if key in ("hard", "enabled", "weight"):
            setattr(config[rule], key, value)
        else:
            config[rule].params[key] = value
    return RULES[rule](a, b, facts or Facts(today=TODAY), config[rule])


CASES = [
    # rule, mentor facts, mentee facts, Facts, options, outcome, words in the reason
    ("right_roles", {}, {}, {}, {}, PASS, "roles are right"),
    ("right_roles", {"role": "mentee"}, {}, {}, {}, FAIL, "Mo Mentor is a mentee, not a mentor"),
    ("right_roles", {}, {"role": "mentor"}, {}, {}, FAIL, "Dee Mentee is a mentor, not a mentee"),
    ("different_people", {}, {}, {}, {}, PASS, "Two different people"),
    ("different_people", {"id": 5}, {"id": 5}, {}, {}, FAIL, "cannot be paired with themselves"),
    ("different_line_of_business", {}, {}, {}, {}, PASS, "Technology and Claims"),
    ("different_line_of_business", {"line_of_business": "Claims"}, {}, {}, {}, FAIL, "Both in Claims"),
    ("different_line_of_business", {"line_of_business": "CLAIMS "}, {}, {}, {}, FAIL, "Both in Claims"),
    ("different_line_of_business", {"line_of_business": ""}, {}, {}, {}, PASS, "not recorded for Mo Mentor"),
    ("different_line_of_business", {"line_of_business": "Claims"}, {}, {}, {"hard": False}, WARN, "Both in Claims"),
    ("different_team", {}, {}, {}, {}, PASS, "Teams Platform and Motor claims"),
    ("different_team", {"team": "Motor Claims"}, {}, {}, {}, FAIL, "Both in team Motor claims"),
    ("different_team", {}, {"team": ""}, {}, {}, PASS, "not recorded for Dee Mentee"),
    ("outside_reporting_line", {}, {}, {}, {}, PASS, "Not in each other's reporting line"),
    ("outside_reporting_line", {}, {}, {"managers": {1: 2}}, {}, FAIL, "Dee Mentee manages Mo Mentor (directly)"),
    ("outside_reporting_line", {}, {}, {"managers": {1: 9, 9: 8, 8: 2}}, {}, FAIL, "Dee Mentee manages Mo Mentor (3 levels up)"),
    ("outside_reporting_line", {}, {}, {"managers": {2: 1}}, {}, FAIL, "Mo Mentor manages Dee Mentee (directly)"),
    ("outside_reporting_line", {}, {}, {"managers": {1: 9, 9: 1, 2: 8, 8: 2}}, {}, PASS, "Not in each other"),
    ("level_gap", {}, {}, {}, {}, PASS, "Mentor is 4 levels lower (needs 2)"),
    ("level_gap", {"level": 5}, {}, {}, {}, PASS, "2 levels lower"),
    ("level_gap", {"level": 6}, {"level": 7}, {}, {}, FAIL, "Mentor is 1 level lower; needs 2 lower"),
    ("level_gap", {"level": 8}, {"level": 7}, {}, {}, FAIL, "Mentor is 1 level higher"),
    ("level_gap", {"level": 6}, {"level": 7}, {}, {"min_gap": 1}, PASS, "needs 1"),
    ("level_gap", {"level": None}, {}, {}, {}, FAIL, "Level not recorded for Mo Mentor"),
    ("mentor_capacity", {}, {}, {}, {}, PASS, "has room (0 of 1 taken)"),
    ("mentor_capacity", {}, {}, {"mentor_load": {1: 1}}, {}, FAIL, "already mentors 1 of 1"),
    ("mentor_capacity", {"capacity": 2}, {}, {"mentor_load": {1: 1}}, {}, PASS, "1 of 2 taken"),
    ("mentor_capacity", {"capacity": 0}, {}, {}, {}, FAIL, "already mentors 0 of 0"),
    ("mentee_free", {}, {}, {"wave_id": 1}, {}, PASS, "no other pair"),
    ("mentee_free", {}, {}, {"wave_id": 1, "paired_in_wave": {2: {1}}, "wave_names": {1: "Pilot"}}, {}, FAIL,
     "Dee Mentee is already paired in Pilot"),
    ("mentee_free", {}, {}, {"wave_id": 2, "paired_in_wave": {2: {1}}}, {}, PASS, "no other pair"),
    ("never_paired_before", {}, {}, {}, {}, PASS, "Never paired before"),
    ("never_paired_before", {}, {}, {"former": {frozenset((1, 2))}}, {}, FAIL, "were paired before"),
    ("both_available", {}, {"status": "applicant"}, {}, {}, PASS, "Both are in the programme"),
    ("both_available", {"status": "withdrawn"}, {}, {}, {}, FAIL, "Mo Mentor is withdrawn"),
    ("both_available", {}, {"status": "alumni"}, {}, {}, FAIL, "Dee Mentee is alumni"),
    ("shared_interests", {}, {}, {}, {}, PASS, "Share chess"),
    ("shared_interests", {"hobbies": ["Jazz"]}, {}, {}, {}, WARN, "No shared hobbies or interests"),
    ("shared_interests", {}, {}, {}, {"min_shared": 2}, WARN, "Share chess"),
    ("shared_interests", {"hobbies": ["Chess", "gardening"]}, {}, {}, {"min_shared": 2}, PASS, "Share chess, Gardening"),
    ("shared_interests", {"hobbies": ["Jazz"]}, {}, {}, {"hard": True}, FAIL, "No shared"),
    ("goals_met", {}, {}, {}, {}, PASS, "2 of 2 goals met"),
    ("goals_met", {"competencies": ["Social media strategy"]}, {}, {}, {}, PASS, "1 of 2 goals met"),
    ("goals_met", {"competencies": ["Social media strategy"]}, {}, {}, {"min_fraction": 0.75}, WARN, "1 of 2 goals met"),
    ("goals_met", {"competencies": ["Podcasting and content creation"]}, {"development_goals": ["Build a personal brand through podcasts"]}, {}, {}, PASS, "1 of 1 goals met: Build a personal brand"),
    ("goals_met", {"competencies": ["Data analysis"]}, {"development_goals": ["Understand data analysis"]}, {}, {"min_words": 3}, WARN, "0 of 1 goals met"),
    ("goals_met", {"competencies": ["Teams and work"]}, {"development_goals": ["Understand how to work"]}, {}, {}, WARN, "0 of 1 goals met"),
    ("goals_met", {"competencies": ["Cooking"]}, {}, {}, {}, WARN, "0 of 2 goals met"),
    ("goals_met", {}, {"development_goals": []}, {}, {}, WARN, "Dee Mentee recorded no development goals"),
    ("goals_met", {"competencies": []}, {}, {}, {}, WARN, "Mo Mentor recorded no competencies"),
    ("timezone_gap", {}, {}, {}, {}, PASS, "1 h apart (up to 3 h)"),
    ("timezone_gap", {"timezone": "Asia/Tokyo"}, {}, {}, {}, WARN, "8 h apart; more than 3 h"),
    ("timezone_gap", {"timezone": "Pacific/Auckland"}, {"timezone": "Pacific/Honolulu"}, {}, {}, PASS, "1 h apart"),
    ("timezone_gap", {"timezone": "Mars/Olympus"}, {}, {}, {}, WARN, "Time zone unknown for Mo Mentor"),
    ("timezone_gap", {"timezone": "Asia/Tokyo"}, {}, {}, {"max_hours": 8}, PASS, "8 h apart"),
    ("objective_attribute", {"attributes": {"generation": "Z"}}, {"attributes": {"generation": "X"}}, {},
     {"attribute": "generation", "enabled": True}, PASS, "Different generation"),
    ("objective_attribute", {"attributes": {"generation": "x"}}, {"attributes": {"generation": "X"}}, {},
     {"attribute": "generation", "enabled": True}, WARN, "Same generation"),
    ("objective_attribute", {}, {"attributes": {"generation": "X"}}, {},
     {"attribute": "generation", "enabled": True}, WARN, "Generation not recorded for Mo Mentor"),
]


@pytest.mark.parametrize(
    ("rule", "mentor_facts", "mentee_facts", "facts", "options", "outcome", "reason"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_rule(rule, mentor_facts, mentee_facts, facts, options, outcome, reason):
    result = verdict(rule, mentor(**mentor_facts), mentee(**mentee_facts), Facts(today=TODAY, **facts), **options)
    assert result.outcome == outcome
    assert reason in result.reason
    assert result.rule == rule


def test_every_rule_has_cases():
    assert {case[0] for case in CASES} == set(RULES)


def test_mentor_must_be_two_levels_below_mentee_by_default():
    assert verdict("level_gap", mentor(level=5), mentee(level=7)).outcome == PASS
    assert verdict("level_gap", mentor(level=6), mentee(level=7)).outcome == FAIL


def test_user_text_in_reasons_is_cleaned_of_escape_sequences():
    result = verdict("different_line_of_business", mentor(line_of_business="Cl\x1b[31maims"), mentee())
    assert "\x1b" not in result.reason and result.outcome == FAIL


# -- reporting lines -------------------------------------------------------------------


def test_manager_chain_stops_at_a_cycle():
    assert manager_chain(1, {1: 2, 2: 3, 3: 1}) == [2, 3]


def test_manager_chain_of_a_self_manager_is_empty():
    assert manager_chain(1, {1: 1}) == []


def test_reporting_line_found_through_a_cycle_further_up():
    facts = Facts(today=TODAY, managers={1: 9, 9: 8, 8: 9, 2: 7})
    assert verdict("outside_reporting_line", mentor(), mentee(), facts).outcome == PASS
    facts = Facts(today=TODAY, managers={1: 9, 9: 2, 2: 9})
    assert "2 levels up" in verdict("outside_reporting_line", mentor(), mentee(), facts).reason


# -- checking a pair and scoring it -----------------------------------------------------


def test_check_pair_runs_only_switched_on_rules():
    config = default_rule_config()
    assert "objective_attribute" not in {v.rule for v in check_pair(mentor(), mentee(), Facts(today=TODAY), config)}
    config["timezone_gap"].enabled = False
    assert "timezone_gap" not in {v.rule for v in check_pair(mentor(), mentee(), Facts(today=TODAY), config)}


def test_score_weighs_soft_fits_into_0_to_100():
    verdicts = check_pair(mentor(), mentee(), Facts(today=TODAY), default_rule_config())
    result = score(verdicts)
    assert result.total == pytest.approx(100.0)
    assert [p.rule for p in result.parts] == ["shared_interests", "goals_met", "timezone_gap"]
    far = check_pair(mentor(timezone="Asia/Tokyo", hobbies=[]), mentee(), Facts(today=TODAY), default_rule_config())
    assert score(far).total == pytest.approx(100 * 4 / 9)  # only goals (weight 4 of 3 + 4 + 2)


def test_a_hard_rule_made_soft_scores_instead_of_blocking():
    config = default_rule_config()
    config["different_team"].hard = False
    verdicts = check_pair(mentor(team="Motor claims"), mentee(), Facts(today=TODAY), config)
    team = next(v for v in verdicts if v.rule == "different_team")
    assert team.outcome == WARN and not team.blocks
    assert score(verdicts).total == pytest.approx(100 * 9 / 10)


# -- configuration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"no_such_rule": {}}, "Unknown rule 'no_such_rule'"),
        ({"level_gap": {"min_gap": -1}}, "between 0 and 20"),
        ({"level_gap": {"min_gap": 1.5}}, "whole number"),
        ({"level_gap": {"min_gap": "two"}}, "must be a number"),
        ({"level_gap": {"hard": "yes"}}, "true or false"),
        ({"level_gap": {"colour": 1}}, "option 'colour' is unknown"),
        ({"shared_interests": {"weight": 500}}, "from 0 to 100"),
        ({"right_roles": {"enabled": False}}, "always on and hard"),
        ({"objective_attribute": {"enabled": True}}, "names no attribute"),
        ({"goals_met": "on"}, "must be a mapping of options"),
        (["level_gap"], "must be a mapping"),
    ],
)
def test_bad_configuration_is_refused_with_a_clear_message(value, message):
    with pytest.raises(RuleConfigError, match=message):
        rules_from_value(value)


def test_configuration_round_trips_through_the_shared_settings(programme):
    config = default_rule_config()
    config["level_gap"].params["min_gap"] = 3
    config["objective_attribute"].enabled = True
    config["objective_attribute"].params["attribute"] = "generation"
    save_rule_config(programme.store, config)
    other = Store(programme.store.path, actor="someone-else")
    try:
        loaded = load_rule_config(other)
    finally:
        other.close()
    assert loaded.param("level_gap", "min_gap") == 3
    assert loaded.active("objective_attribute") and loaded.param("objective_attribute", "attribute") == "generation"
    assert programme.store.scalar("SELECT count(*) FROM audit WHERE entity = 'settings'") == 1


def test_a_bad_stored_configuration_is_reported_on_load(programme):
    with programme.store.write() as writer:
        writer.set_setting("rules", {"level_gap": {"min_gap": 99}})
    with pytest.raises(RuleConfigError, match="Rule 'level_gap' option 'min_gap'"):
        load_rule_config(programme.store)
