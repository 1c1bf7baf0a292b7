"""Pairing services on a real programme database: propose, confirm, override, close, re-match."""

from __future__ import annotations

import json

import pytest

from rmtui.db import ConflictError, Pair, Participant, Wave
from rmtui.matching import load_pool, rank_candidates
from rmtui.pairing import (
    PairingError,
    close_pair,
    confirm_pair,
    pair_now,
    propose_pair,
    withdraw_proposal,
)
from rmtui.programme import Programme
from rmtui.rule_settings import default_rule_config


@pytest.fixture
def people(programme):
    """A wave, two mentors (one in Claims), two mentees in Claims at level 7."""
    with programme.store.write() as w:
        wave = w.insert(Wave(name="Pilot", starts_on="2026-11-01"))
        ana = w.insert(Participant(name="Ana", role="mentor", level=2, line_of_business="IT", status="active"))
        cat = w.insert(Participant(name="Cat", role="mentor", level=2, line_of_business="Claims", status="active"))
        ben = w.insert(Participant(name="Ben", role="mentee", level=7, line_of_business="Claims", status="active"))
        dan = w.insert(Participant(name="Dan", role="mentee", level=7, line_of_business="Claims", status="active"))
    return wave.id, ana.id, cat.id, ben.id, dan.id


def test_confirming_a_proposal_makes_it_active_from_today(programme, people):
    wave, ana, _, ben, _ = people
    proposal = propose_pair(programme, ana, ben, wave)
    assert proposal.status == "proposed" and proposal.score is not None
    active = confirm_pair(programme, proposal.id, proposal.version)
    stored = programme.store.get(Pair, proposal.id)
    assert (stored.status, stored.started_on) == ("active", "2026-11-20")
    assert active.version == stored.version


def test_a_failed_hard_rule_blocks_a_proposal(programme, people):
    wave, _, cat, ben, _ = people
    with pytest.raises(PairingError, match="Both in Claims; press o to override"):
        propose_pair(programme, cat, ben, wave)
    assert programme.store.scalar("SELECT count(*) FROM pairs") == 0


def test_an_override_needs_a_written_reason(programme, people):
    wave, _, cat, ben, _ = people
    with pytest.raises(PairingError, match="written reason"):
        propose_pair(programme, cat, ben, wave, override_reason="  ok ")
    assert programme.store.scalar("SELECT count(*) FROM pairs") == 0


def test_an_override_is_stored_on_the_pair_and_in_the_audit(programme, people):
    wave, _, cat, ben, _ = people
    reason = "Different sub-divisions; they never work together"
    pair = propose_pair(programme, cat, ben, wave, override_reason=reason)
    stored = programme.store.get(Pair, pair.id)
    assert [(o["rule"], o["reason"], o["who"]) for o in stored.overrides] == [
        ("different_line_of_business", reason, "coordinator")
    ]
    audit = programme.store.query("SELECT after FROM audit WHERE entity = 'pairs' AND action = 'override'")
    assert json.loads(audit[0]["after"])["overrides"][0]["reason"] == reason
    assert confirm_pair(programme, pair.id, pair.version).status == "active"


def test_never_paired_before_cannot_be_overridden(programme, people):
    wave, ana, _, ben, _ = people
    pair = pair_now(programme, ana, ben, wave)
    close_pair(programme, pair.id, pair.version, "schedule")
    with pytest.raises(PairingError, match="were paired before; this rule cannot be overridden"):
        propose_pair(programme, ana, ben, wave, override_reason="They asked to try again after all")


def test_a_mentor_at_capacity_is_refused_at_save_time(programme, people):
    wave, ana, _, ben, dan = people
    pair_now(programme, ana, ben, wave)
    with pytest.raises(PairingError, match="Ana already mentors 1 of 1"):
        propose_pair(programme, ana, dan, wave)


def test_confirming_a_proposal_another_coordinator_withdrew_is_refused(programme, people, db_path, clock):
    wave, ana, _, ben, _ = people
    proposal = propose_pair(programme, ana, ben, wave)
    other = Programme.open(db_path, clock, actor="someone-else")
    try:
        withdraw_proposal(other, proposal.id, proposal.version)
        with pytest.raises(PairingError, match="removed by another coordinator"):
            confirm_pair(programme, proposal.id, proposal.version)
    finally:
        other.close()


def test_a_stale_version_is_a_conflict(programme, people):
    wave, ana, _, ben, _ = people
    pair = pair_now(programme, ana, ben, wave)
    close_pair(programme, pair.id, pair.version, "left_company")
    with pytest.raises(ConflictError):
        close_pair(programme, pair.id, pair.version, "schedule")


def test_closing_early_is_no_blame_and_frees_both_for_someone_new(programme, people):
    wave, ana, _, ben, _ = people
    pair = pair_now(programme, ana, ben, wave)
    planned = programme.store.query_tuples("SELECT seq, due_on FROM sessions WHERE pair_id = ? ORDER BY seq", (pair.id,))
    assert planned[0] == (1, "2026-11-20") and len(planned) == 7  # confirming set the master schedule
    with pytest.raises(PairingError, match="Say in a few words"):
        close_pair(programme, pair.id, pair.version, "other")
    closed = close_pair(programme, pair.id, pair.version, "mismatch", "both agreed")
    stored = programme.store.get(Pair, pair.id)
    assert (stored.status, stored.ended_on, stored.close_reason) == ("closed_early", "2026-11-20", "mismatch: both agreed")
    assert closed.version == stored.version
    statuses = programme.store.query_tuples("SELECT DISTINCT status FROM sessions WHERE pair_id = ?", (pair.id,))
    assert statuses == [("cancelled",)]
    ranking = rank_candidates(load_pool(programme.store, programme.today()), ben, default_rule_config(), wave)
    assert ana not in {c.id for c in ranking.candidates}


def test_only_a_proposal_can_be_withdrawn(programme, people):
    wave, ana, _, ben, _ = people
    pair = pair_now(programme, ana, ben, wave)
    with pytest.raises(PairingError, match="close an active pair early"):
        withdraw_proposal(programme, pair.id, pair.version)


def test_confirming_a_pair_someone_else_changed_names_them(programme, people, db_path, clock):
    wave, ana, _, ben, _ = people
    proposal = propose_pair(programme, ana, ben, wave)
    other = Programme.open(db_path, clock, actor="someone-else")
    try:
        confirm_pair(other, proposal.id, proposal.version)
    finally:
        other.close()
    with pytest.raises(ConflictError, match="changed by someone-else"):
        confirm_pair(programme, proposal.id, proposal.version)


def test_a_rule_broken_since_the_proposal_stops_the_confirmation(programme, people):
    wave, ana, _, ben, dan = people
    first = propose_pair(programme, ana, ben, wave)
    with programme.store.write() as w:
        row = programme.store.get(Participant, ana)
        w.update("participants", ana, row.version, {"line_of_business": "Claims"})
    with pytest.raises(PairingError, match="Both in Claims"):
        confirm_pair(programme, first.id, first.version)
    assert programme.store.get(Pair, first.id).status == "proposed"


def test_withdrawing_a_proposal_someone_else_changed_names_them(programme, people, db_path, clock):
    wave, ana, _, ben, _ = people
    proposal = propose_pair(programme, ana, ben, wave)
    other = Programme.open(db_path, clock, actor="someone-else")
    try:
        with other.store.write() as writer:
            writer.update("pairs", proposal.id, proposal.version, {"score": 1.0})
    finally:
        other.close()
    with pytest.raises(ConflictError, match="changed by someone-else"):
        withdraw_proposal(programme, proposal.id, proposal.version)
    assert programme.store.get(Pair, proposal.id) is not None
