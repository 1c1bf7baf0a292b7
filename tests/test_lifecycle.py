"""Issue 11 item 5: a pair's life after confirming — completed, paused, resumed — and people's status."""

from __future__ import annotations

import datetime as dt

import pytest
from lifecycle_data import build, person

from rmtui import lifecycle, timeline
from rmtui.db import ConflictError, Pair, Participant, Session
from rmtui.health import programme_health
from rmtui.lifecycle import LifecycleError
from rmtui.pairing import pair_now
from rmtui.programme import Programme
from rmtui.triage import build_queue

TODAY = dt.date(2026, 11, 20)


def sessions(programme: Programme, pair_id: int) -> list[Session]:
    return programme.store.all(Session, "pair_id = ?", (pair_id,), order="seq")


def status(programme: Programme, person_id: int) -> str:
    return programme.store.get(Participant, person_id).status


def pair(programme: Programme, pair_id: int) -> Pair:
    return programme.store.get(Pair, pair_id)


def hold_all(programme: Programme, pair_id: int, day: dt.date = TODAY) -> None:
    for session in sessions(programme, pair_id):
        timeline.mark_held(programme.store, session, day, TODAY)


def test_confirming_makes_applicants_active(programme: Programme) -> None:
    mentor = person(programme, "Ann Applicant", "mentor", "Digital", 2)
    mentee = person(programme, "Ben Applicant", "mentee", "Claims", 6)
    assert status(programme, mentor) == status(programme, mentee) == "applicant"
    build(programme, pairs=0)
    pair_now(programme, mentor, mentee, 1)
    assert status(programme, mentor) == status(programme, mentee) == "active"
    audited = programme.store.query("SELECT entity_id FROM audit WHERE entity = 'participants' AND action = 'update'")
    assert {row["entity_id"] for row in audited} == {mentor, mentee}


def test_holding_the_last_session_completes_the_pair_in_the_same_write(programme: Programme) -> None:
    first, _ = build(programme)
    plan = sessions(programme, first)
    for session in plan[:-1]:
        timeline.mark_held(programme.store, session, TODAY, TODAY)
    assert pair(programme, first).status == "active"
    timeline.mark_held(programme.store, plan[-1], TODAY - dt.timedelta(days=1), TODAY)
    done = pair(programme, first)
    assert (done.status, done.ended_on) == ("completed", "2026-11-20")  # the last day anything was held
    row = programme.store.query("SELECT actor, after FROM audit WHERE entity = 'pairs' AND action = 'complete'")
    assert len(row) == 1 and '"auto": true' in row[0]["after"]
    assert status(programme, done.mentor_id) == status(programme, done.mentee_id) == "alumni"


def test_a_cancelled_last_session_does_not_stop_completion(programme: Programme) -> None:
    first, _ = build(programme)
    plan = sessions(programme, first)
    timeline.cancel(programme.store, plan[-1])
    for session in plan[:-1]:
        timeline.mark_held(programme.store, session, TODAY, TODAY)
    assert pair(programme, first).status == "completed"


def test_completion_makes_both_alumni_unless_in_another_going_pair(programme: Programme) -> None:
    first, second = build(programme)
    p1, p2 = pair(programme, first), pair(programme, second)
    # The first pair's mentor also mentors someone in the second wave.
    extra = person(programme, "Cleo Second", "mentee", "Claims9", 6)
    with programme.store.write() as w:
        w.execute("UPDATE participants SET capacity = 2 WHERE id = ?", (p1.mentor_id,))
    build(programme, pairs=0, wave_name="Wave 2")
    other = pair_now(programme, p1.mentor_id, extra, 2)
    hold_all(programme, first)
    assert pair(programme, first).status == "completed"
    assert status(programme, p1.mentee_id) == "alumni"
    assert status(programme, p1.mentor_id) == "active"  # still mentoring in pair `other`
    assert status(programme, p2.mentor_id) == "active"  # untouched
    lifecycle.complete_pair(programme.store, other.id, pair(programme, other.id).version, TODAY, TODAY)
    assert status(programme, p1.mentor_id) == status(programme, extra) == "alumni"


def test_complete_by_key_on_a_day_cancels_what_is_left(programme: Programme) -> None:
    first, _ = build(programme)
    plan = sessions(programme, first)
    timeline.mark_held(programme.store, plan[0], TODAY, TODAY)
    day = TODAY - dt.timedelta(days=0)
    done = lifecycle.complete_pair(programme.store, first, pair(programme, first).version, day, TODAY)
    assert (done.status, done.ended_on) == ("completed", day.isoformat())
    assert [s.status for s in sessions(programme, first)] == ["held", "cancelled", "cancelled", "cancelled"]
    with pytest.raises(LifecycleError, match="Only an active or paused pair"):
        lifecycle.complete_pair(programme.store, first, pair(programme, first).version, day, TODAY)


def test_complete_refuses_a_future_day_a_day_before_the_start_and_a_stale_version(programme: Programme) -> None:
    first, _ = build(programme)
    version = pair(programme, first).version
    with pytest.raises(LifecycleError, match="after today"):
        lifecycle.complete_pair(programme.store, first, version, TODAY + dt.timedelta(days=1), TODAY)
    with pytest.raises(LifecycleError, match="cannot be completed before"):
        lifecycle.complete_pair(programme.store, first, version, TODAY - dt.timedelta(days=400), TODAY)
    with pytest.raises(ConflictError):
        lifecycle.complete_pair(programme.store, first, version - 1, TODAY, TODAY)
    assert pair(programme, first).status == "active"


def test_pause_then_resume_moves_planned_sessions_by_the_pause(programme: Programme) -> None:
    first, second = build(programme)
    plan = sessions(programme, first)
    timeline.mark_held(programme.store, plan[0], TODAY, TODAY)
    timeline.reschedule(programme.store, sessions(programme, first)[1], timeline.When(dt.date(2026, 12, 4), "14:00"), "UTC")
    before = sessions(programme, first)
    untouched = [s.due_on for s in sessions(programme, second)]
    paused = lifecycle.pause_pair(programme.store, first, pair(programme, first).version, "Mentee on leave", TODAY)
    assert (paused.status, paused.paused_on, paused.pause_reason) == ("paused", "2026-11-20", "Mentee on leave")
    later = TODAY + dt.timedelta(days=10)
    resumed, days = lifecycle.resume_pair(programme.store, first, pair(programme, first).version, "Back from leave", later)
    assert days == 10 and resumed.status == "active" and pair(programme, first).paused_on is None
    after = sessions(programme, first)
    assert after[0].due_on == before[0].due_on and after[0].held_on == before[0].held_on  # held: stays
    for old, new in zip(before[1:], after[1:]):
        assert dt.date.fromisoformat(new.due_on) - dt.date.fromisoformat(old.due_on) == dt.timedelta(days=10)
    assert after[1].scheduled_at == "2026-12-14T14:00:00Z"
    assert [s.due_on for s in sessions(programme, second)] == untouched
    actions = [r["action"] for r in programme.store.query("SELECT action FROM audit WHERE entity = 'pairs' AND entity_id = ?", (first,))]
    assert "pause" in actions and "resume" in actions


def test_pause_and_resume_need_a_reason_and_the_right_state(programme: Programme) -> None:
    first, _ = build(programme)
    with pytest.raises(LifecycleError, match="why"):
        lifecycle.pause_pair(programme.store, first, pair(programme, first).version, " ", TODAY)
    with pytest.raises(LifecycleError, match="Only a paused pair"):
        lifecycle.resume_pair(programme.store, first, pair(programme, first).version, "back", TODAY)
    lifecycle.pause_pair(programme.store, first, pair(programme, first).version, "on leave", TODAY)
    with pytest.raises(LifecycleError, match="Only an active pair"):
        lifecycle.pause_pair(programme.store, first, pair(programme, first).version, "again", TODAY)


def test_completed_and_paused_pairs_leave_triage_and_completed_ones_count_in_completion(programme: Programme) -> None:
    first, second = build(programme)
    later = TODAY + dt.timedelta(days=60)  # every session of both pairs is overdue by then
    assert {item.pair.id for item in build_queue(programme.store, later)} == {first, second}
    hold_all(programme, first)
    lifecycle.pause_pair(programme.store, second, pair(programme, second).version, "on leave", TODAY)
    assert list(build_queue(programme.store, later)) == []
    whole = programme_health(programme.store, TODAY)[0].metric("completion")
    assert (whole.numerator, whole.denominator) == (1, 1)  # the paused pair's mentee is still going


def test_resolve_pair_by_number_email_or_name(programme: Programme) -> None:
    first, second = build(programme)
    assert lifecycle.resolve_pair(programme.store, str(second)).id == second
    mentee = programme.store.get(Participant, pair(programme, first).mentee_id)
    assert lifecycle.resolve_pair(programme.store, mentee.email.upper()).id == first
    assert lifecycle.resolve_pair(programme.store, mentee.name).id == first
    with pytest.raises(LifecycleError, match="There is no pair 99"):
        lifecycle.resolve_pair(programme.store, "99")
    with pytest.raises(LifecycleError, match="No pair has a person called"):
        lifecycle.resolve_pair(programme.store, "Nobody Here")


def test_pair_commands_complete_pause_and_resume(programme: Programme, db_path) -> None:
    from click.testing import CliRunner

    from rmtui.cli import cli

    first, second = build(programme)
    mentee_email = programme.store.get(Participant, pair(programme, second).mentee_id).email
    programme.close()
    runner = CliRunner()

    def run(today: str, *args: str):
        return runner.invoke(cli, ["--db", str(db_path), "--today", today, "pair", *args])

    paused = run("2026-11-20", "pause", mentee_email, "--reason", "Mentee on leave")
    assert paused.exit_code == 0 and f"Pair {second} paused." in paused.output
    resumed = run("2026-11-25", "resume", str(second), "--reason", "Back")
    assert resumed.exit_code == 0 and "moved 5 days later" in resumed.output
    done = run("2026-11-25", "complete", str(first), "--on", "yesterday")
    assert done.exit_code == 0 and f"Pair {first} completed on 2026-11-24." in done.output
    again = run("2026-11-25", "complete", str(first))
    assert again.exit_code != 0 and "Only an active or paused pair can be completed" in again.output
    missing = run("2026-11-25", "pause", "42", "--reason", "x y z")
    assert missing.exit_code != 0 and "There is no pair 42" in missing.output
    reopened = Programme.open(db_path)
    try:
        assert reopened.store.get(Pair, first).status == "completed"
        assert reopened.store.get(Pair, second).status == "active"
    finally:
        reopened.close()
