"""Match runs you can compare (issue 15, item 3): kept, listed, compared, accepted re-checked."""

from __future__ import annotations

import json

import pytest
from match_run_data import small_cohort

from rmtui.db import Pair
from rmtui.match_runs import MatchRunError, accept_run, compare, list_runs, load_run, match_and_keep, newest_other
from rmtui.pairing import pair_now


@pytest.fixture
def cohort(programme):
    return small_cohort(programme)


def test_each_matching_is_kept_with_its_rules_pins_and_result(programme, cohort):
    wave, p = cohort
    result, run = match_and_keep(programme, wave)
    assert run.name == "run 1 · 09:00" and run.actor == programme.store.actor
    assert run.matched == len(result.proposals) == 3
    assert {pair.key for pair in run.pairs} == {(p["Ben"], p["Ana"]), (p["Dan"], p["Eve"]), (p["Fay"], p["Ian"])}
    assert run.total == pytest.approx(sum(x.score for x in result.proposals), abs=0.05)
    assert "different_line_of_business" in run.rules and run.pins == []
    fay = next(pair for pair in run.pairs if pair.mentee == "Fay")
    assert "Shared hobbies or interests" in fay.notes  # the soft rule Fay's pair missed
    assert run.mentees == {p["Ben"]: "Claims", p["Dan"]: "Claims", p["Fay"]: "Finance"}
    audit = programme.store.query("SELECT action, label, after FROM audit WHERE entity = 'match_runs'")
    assert [(a["action"], a["label"]) for a in audit] == [("keep run", "match run run 1 · 09:00")]
    assert json.loads(audit[0]["after"])["pairs"] == 3


def test_runs_are_named_uniquely_per_wave_and_listed_newest_first(programme, cohort):
    wave, p = cohort
    match_and_keep(programme, wave)
    _, second = match_and_keep(programme, wave, pins=[(p["Ben"], p["Eve"])], name="Ben with Eve")
    assert second.pins == [(p["Ben"], p["Eve"])]
    assert [r.name for r in list_runs(programme.store, wave)] == ["Ben with Eve", "run 1 · 09:00"]
    with pytest.raises(MatchRunError, match="already has a run named “ben with eve”"):
        match_and_keep(programme, wave, name="ben with eve")
    with pytest.raises(MatchRunError, match="too long: 61 characters, at most 60"):
        match_and_keep(programme, wave, name="é" * 61)
    assert load_run(programme.store, wave, "BEN WITH EVE").id == second.id
    assert load_run(programme.store, wave, str(second.id)).name == "Ben with Eve"
    with pytest.raises(MatchRunError, match="no run “nope”; its runs: Ben with Eve, run 1 · 09:00"):
        load_run(programme.store, wave, "nope")
    assert match_and_keep(programme, wave)[1].name == "run 3 · 09:00"


def test_comparing_two_runs_shows_totals_differing_pairs_binding_rule_and_department_shares(programme, cohort):
    wave, p = cohort
    _, first = match_and_keep(programme, wave)
    # Ben pinned to Eve and Ana withdrawn: the second run matches differently and leaves someone out.
    with programme.store.write() as w:
        w.update("participants", p["Ana"], 1, {"status": "withdrawn"})
    _, second = match_and_keep(programme, wave, pins=[(p["Ben"], p["Eve"])])
    assert newest_other(programme.store, wave, first).id == second.id
    comparison = compare(first, second)
    # Run 2: Ben stays with Eve (pinned); Dan and Fay are left with Ian's one place (Dan takes it).
    assert {x.key for x in second.pairs} == {(p["Ben"], p["Eve"]), (p["Dan"], p["Ian"])}
    assert {x.key for x in comparison.only_a} == {(p["Ben"], p["Ana"]), (p["Dan"], p["Eve"]), (p["Fay"], p["Ian"])}
    assert {x.key for x in comparison.only_b} == {(p["Ben"], p["Eve"]), (p["Dan"], p["Ian"])}
    assert comparison.both == []
    assert (first.matched, second.matched) == (3, 2)
    assert second.unmatched_mentees == 1
    shares = {s.department: (s.a, s.b) for s in comparison.departments}
    assert shares == {"Claims": ((2, 2), (2, 2)), "Finance": ((1, 1), (0, 1))}
    # No hard rule blocks a candidate pair here, so the soft rule costing most points binds.
    binding = first.binding
    assert binding is not None and not binding.hard and binding.rule == "goals_met"  # nobody has goals: it costs every pair
    text = "\n".join(comparison.lines())
    assert "Only in run 1 · 09:00: 3" in text and "Finance" in text and "1/1 (100%)" in text and "0/1 (0%)" in text


def test_the_binding_rule_is_the_hard_rule_blocking_most_candidate_pairs(programme, cohort):
    wave, p = cohort
    with programme.store.write() as w:  # Eve moves to Claims: she may not mentor Ben or Dan
        w.update("participants", p["Eve"], 1, {"line_of_business": "Claims"})
    _, run = match_and_keep(programme, wave)
    binding = run.binding
    assert binding is not None and binding.hard
    assert binding.describe() == "Different line of business: blocks 2 of 9 candidate pairs"


def test_accepting_a_kept_run_rechecks_each_pair_and_drops_those_no_longer_valid(programme, cohort):
    wave, p = cohort
    _, run = match_and_keep(programme, wave)
    # Since the run: Dan withdrew, and Fay was paired with Ana by another coordinator.
    with programme.store.write() as w:
        w.update("participants", p["Dan"], 1, {"status": "withdrawn"})
    pair_now(programme, p["Ana"], p["Fay"], wave)
    outcome = accept_run(programme, run)
    assert [(x.mentor_id, x.mentee_id) for x in outcome.accepted] == []
    reasons = {pair.mentee: why for pair, why in outcome.dropped}
    assert set(reasons) == {"Ben", "Dan", "Fay"}
    assert "Ana" in reasons["Ben"] and "1 of 1" in reasons["Ben"]  # Ana has no room left
    assert "withdrawn" in reasons["Dan"]
    assert "already has" in reasons["Fay"] or "already paired" in reasons["Fay"]
    assert programme.store.scalar("SELECT count(*) FROM pairs") == 1  # only the other coordinator's


def test_accepting_a_kept_run_confirms_the_pairs_still_valid_with_their_sessions(programme, cohort):
    wave, p = cohort
    _, run = match_and_keep(programme, wave)
    with programme.store.write() as w:
        w.update("participants", p["Dan"], 1, {"status": "withdrawn"})
    outcome = accept_run(programme, run)
    assert {(x.mentee_id, x.mentor_id) for x in outcome.accepted} == {(p["Ben"], p["Ana"]), (p["Fay"], p["Ian"])}
    assert [(pair.mentee, "withdrawn" in why) for pair, why in outcome.dropped] == [("Dan", True)]
    pairs = programme.store.all(Pair)
    assert {x.status for x in pairs} == {"active"} and len(pairs) == 2
    assert programme.store.scalar("SELECT count(*) FROM sessions") > 0
    audit = programme.store.query("SELECT after FROM audit WHERE entity = 'match_runs' AND action = 'accept run'")
    assert len(json.loads(audit[0]["after"])["pairs"]) == 2
    # Accepting it again drops every pair: each is already paired now.
    again = accept_run(programme, run)
    assert again.accepted == []
    assert {pair.mentee: "already paired" in why for pair, why in again.dropped} == {"Ben": True, "Dan": False, "Fay": True}


def test_a_run_of_a_closed_wave_cannot_be_accepted(programme, cohort):
    wave, _ = cohort
    _, run = match_and_keep(programme, wave)
    with programme.store.write() as w:
        w.update("waves", wave, 1, {"closed_on": "2026-11-20"})
    with pytest.raises(MatchRunError, match="closed"):
        accept_run(programme, run)
    assert programme.store.scalar("SELECT count(*) FROM pairs") == 0


def test_undo_passes_over_a_kept_run_and_takes_back_an_accepted_run_as_one_change(programme, cohort):
    from rmtui.undo import last_undoable, undo

    wave, p = cohort
    with programme.store.write() as w:  # the coordinator's edit before matching
        w.update("participants", p["Ian"], 1, {"department": "Platform"})
    match_and_keep(programme, wave)  # keeping a run is a record to compare, not a change to take back
    assert "Ian" in last_undoable(programme.store).summary
    _, run = match_and_keep(programme, wave, name="to accept")
    outcome = accept_run(programme, run)
    assert len(outcome.accepted) == 3
    change = last_undoable(programme.store)
    assert change.summary == "accepted 3 pairs of match run to accept"
    undo(programme.store)
    assert programme.store.scalar("SELECT count(*) FROM pairs") == 0
    assert "Ian" in last_undoable(programme.store).summary
