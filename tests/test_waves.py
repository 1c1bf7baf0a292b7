"""Waves, the wave's master schedule, whole-wave confirm and programme settings, on a real database."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from rmtui.clock import FixedClock
from rmtui.db import ConflictError, Pair, Participant, Session, Wave
from rmtui.health import programme_health
from rmtui.leaderboard import Leaderboards
from rmtui.pairing import PairingError, accept_wave, close_pair, confirm_pair, pair_now, propose_pair
from rmtui.programme import Programme
from rmtui.programme_settings import (
    SettingError,
    find_timezones,
    is_set_up,
    parse_value,
    programme_settings,
    save_settings,
    setting_versions,
)
from rmtui.schedule import wave_session_days
from rmtui.session_status import behind, pair_flags
from rmtui.waves import (
    WaveError,
    add_wave,
    close_wave,
    edit_wave,
    parse_day,
    resolve_wave,
    wave_summaries,
)

TODAY = dt.date(2026, 11, 20)


def days(*texts: str) -> list[dt.date]:
    return [dt.date.fromisoformat(t) for t in texts]


@pytest.fixture
def people(programme):
    """Two mentors and two mentees from different businesses, a level apart enough to pair."""
    with programme.store.write() as w:
        ana = w.insert(Participant(name="Ana", role="mentor", level=2, line_of_business="IT", status="active"))
        eve = w.insert(Participant(name="Eve", role="mentor", level=2, line_of_business="Legal", status="active"))
        ben = w.insert(Participant(name="Ben", role="mentee", level=7, line_of_business="Claims", status="active"))
        dan = w.insert(Participant(name="Dan", role="mentee", level=7, line_of_business="Finance", status="active"))
    return ana.id, eve.id, ben.id, dan.id


def on_day(programme: Programme, day: str) -> Programme:
    """The same database seen on another day (a second coordinator's session)."""
    return Programme(store=programme.store, clock=FixedClock.on(day))


# -- creating, naming, editing and closing waves ------------------------------------------


def test_a_new_wave_takes_the_programmes_defaults(programme):
    save_settings(programme.store, {"wave_sessions": "6", "wave_cadence_days": "28"}, setting_versions(programme.store))
    wave = add_wave(programme, "Spring 2027", "2026-12-01", session_minutes=45)
    assert (wave.sessions_planned, wave.cadence_days, wave.session_minutes, wave.grace_days) == (6, 28, 45, 3)
    audit = programme.store.query("SELECT action FROM audit WHERE entity = 'waves' AND entity_id = ?", (wave.id,))
    assert [row["action"] for row in audit] == ["create"]


def test_a_wave_name_is_used_once_whatever_its_case(programme):
    add_wave(programme, "Spring 2027", "2026-12-01")
    with pytest.raises(WaveError, match="already a wave named 'spring 2027'"):
        add_wave(programme, "spring 2027", "2026-12-08")
    assert programme.store.scalar("SELECT count(*) FROM waves") == 1


def test_a_wave_is_found_by_name_or_id_and_an_unknown_one_lists_the_names(programme):
    spring = add_wave(programme, "Spring 2027", "2026-12-01")
    add_wave(programme, "Autumn", "2027-09-01")
    assert resolve_wave(programme.store, "spring 2027").id == spring.id
    assert resolve_wave(programme.store, str(spring.id)).id == spring.id
    assert resolve_wave(programme.store, spring.id).name == "Spring 2027"
    with pytest.raises(WaveError, match=r"no wave 'Winter'; the waves are: Spring 2027 \(#1\), Autumn \(#2\)"):
        resolve_wave(programme.store, "Winter")


def test_in_a_dialog_the_start_of_one_waves_name_finds_it_and_an_ambiguous_start_does_not(programme):
    spring = add_wave(programme, "Spring 2027", "2026-12-01")
    add_wave(programme, "Spring 2028", "2027-12-01")
    add_wave(programme, "Autumn", "2027-09-01")
    assert resolve_wave(programme.store, "aut", by_start=True).name == "Autumn"
    assert resolve_wave(programme.store, "spring 2027", by_start=True).id == spring.id
    with pytest.raises(WaveError, match="no wave 'Spring'"):
        resolve_wave(programme.store, "Spring", by_start=True)  # two waves start so: not guessed
    with pytest.raises(WaveError, match="no wave 'aut'"):
        resolve_wave(programme.store, "aut")  # the command line keeps to whole names


def test_an_unknown_wave_in_an_empty_programme_says_how_to_add_one(programme):
    with pytest.raises(WaveError, match="rmtui wave add NAME --starts DATE"):
        resolve_wave(programme.store, "Spring")


def test_wave_days_accept_the_dialogs_words():
    assert parse_day("today", TODAY) == TODAY
    assert parse_day("+1w", TODAY) == dt.date(2026, 11, 27)
    assert parse_day("2026-12-04", TODAY) == dt.date(2026, 12, 4)
    with pytest.raises(ValueError, match="not a day"):
        parse_day("someday", TODAY)
    with pytest.raises(ValueError, match="starts on a day"):
        parse_day("2026-12-04 14:00", TODAY)


@pytest.mark.parametrize(("option", "value"), [("sessions_planned", 0), ("cadence_days", 400), ("session_minutes", 2)])
def test_a_wave_with_an_impossible_rhythm_is_refused(programme, option, value):
    with pytest.raises(WaveError, match="must be a whole number"):
        add_wave(programme, "Spring", "2026-12-01", **{option: value})


def test_a_wave_can_be_edited_before_it_starts_and_its_pairs_move_with_it(programme, people):
    ana, _, ben, _ = people
    wave = add_wave(programme, "Spring", "2026-12-01")
    pair = pair_now(programme, ana, ben, wave.id)
    wave = programme.store.get(Wave, wave.id)
    edited = edit_wave(programme, wave.id, wave.version, starts_on="2026-12-08", cadence_days=14)
    assert (edited.starts_on, edited.cadence_days) == ("2026-12-08", 14)
    dues = [s.due_on for s in programme.store.all(Session, "pair_id = ?", (pair.id,), order="seq")]
    assert dues[:3] == ["2026-12-08", "2026-12-22", "2027-01-05"]
    assert programme.store.get(Pair, pair.id).started_on == "2026-12-08"


def test_once_a_wave_has_started_only_its_name_changes(programme):
    wave = add_wave(programme, "Pilot", "2026-11-01")
    with pytest.raises(WaveError, match="only its name can change"):
        edit_wave(programme, wave.id, wave.version, cadence_days=14)
    renamed = edit_wave(programme, wave.id, wave.version, name="Pilot wave")
    assert renamed.name == "Pilot wave" and renamed.cadence_days == 21


def test_an_edit_over_someone_elses_is_a_conflict(programme):
    wave = add_wave(programme, "Spring", "2026-12-01")
    edit_wave(programme, wave.id, wave.version, name="Spring 27")
    with pytest.raises(ConflictError):
        edit_wave(programme, wave.id, wave.version, name="Spring 2027")
    assert programme.store.get(Wave, wave.id).name == "Spring 27"


def test_a_closed_wave_takes_no_new_pairs(programme, people):
    ana, _, ben, _ = people
    wave = add_wave(programme, "Spring", "2026-12-01")
    closed = close_wave(programme, wave.id, wave.version)
    assert closed.closed_on == "2026-11-20"
    with pytest.raises(PairingError, match="was closed on 2026-11-20"):
        propose_pair(programme, ana, ben, wave.id)
    with pytest.raises(WaveError, match="already closed"):
        close_wave(programme, wave.id, closed.version)


def test_a_wave_with_open_proposals_cannot_close(programme, people):
    ana, _, ben, _ = people
    wave = add_wave(programme, "Spring", "2026-12-01")
    propose_pair(programme, ana, ben, wave.id)
    with pytest.raises(WaveError, match="still has 1 proposal"):
        close_wave(programme, wave.id, wave.version)


def test_wave_summaries_count_pairs_and_sessions_held(programme, people):
    ana, eve, ben, dan = people
    wave = add_wave(programme, "Pilot", "2026-11-01")
    pair = pair_now(programme, ana, ben, wave.id)
    propose_pair(programme, eve, dan, wave.id)
    with programme.store.write() as w:
        w.execute("UPDATE sessions SET status = 'held', held_on = due_on WHERE pair_id = ? AND seq = 1", (pair.id,))
    (row,) = wave_summaries(programme.store, TODAY)
    assert (row.state, row.proposed, row.active, row.completed, row.held) == ("running", 1, 1, 0, 1)
    assert row.ends_on == dt.date(2027, 3, 7)  # 2026-11-01 + 6 × 21 days


# -- the master schedule comes from the wave ---------------------------------------------


def test_pairs_confirmed_before_the_start_meet_on_the_waves_days():
    wave = Wave(name="Spring", starts_on="2026-12-01", cadence_days=21, sessions_planned=4)
    assert wave_session_days(wave, "2026-11-20") == days("2026-12-01", "2026-12-22", "2027-01-12", "2027-02-02")


def test_a_pair_confirmed_after_the_start_meets_today_then_joins_the_waves_rhythm():
    wave = Wave(name="Spring", starts_on="2026-11-01", cadence_days=21, sessions_planned=4)
    # Wave days: 1 Nov, 22 Nov, 13 Dec, 3 Jan, 24 Jan. Confirmed 20 Nov: 22 Nov is too soon after.
    assert wave_session_days(wave, "2026-11-20") == days("2026-11-20", "2026-12-13", "2027-01-03", "2027-01-24")
    assert wave_session_days(wave, "2026-11-05") == days("2026-11-05", "2026-11-22", "2026-12-13", "2027-01-03")


def test_pairs_confirmed_on_different_days_of_one_wave_share_its_dates(programme, people):
    ana, eve, ben, dan = people
    wave = add_wave(programme, "Spring", "2026-12-01")
    first = pair_now(programme, ana, ben, wave.id)
    second = pair_now(on_day(programme, "2026-11-27"), eve, dan, wave.id)

    def dues(pair: Pair) -> list[str]:
        return [s.due_on for s in programme.store.all(Session, "pair_id = ?", (pair.id,), order="seq")]

    assert dues(first) == dues(second)
    assert dues(first)[:2] == ["2026-12-01", "2026-12-22"] and len(dues(first)) == 7
    assert first.started_on == second.started_on == "2026-12-01"


def test_late_pairs_share_the_waves_later_dates(programme, people):
    ana, eve, ben, dan = people
    wave = add_wave(programme, "Pilot", "2026-11-01")
    early = pair_now(on_day(programme, "2026-11-02"), ana, ben, wave.id)
    late = pair_now(programme, eve, dan, wave.id)  # 20 Nov

    def dues(pair: Pair) -> list[str]:
        return [s.due_on for s in programme.store.all(Session, "pair_id = ?", (pair.id,), order="seq")]

    assert dues(early)[0] == "2026-11-02" and dues(late)[0] == "2026-11-20"
    assert set(dues(early)[2:]) >= set(dues(late)[1:5])  # from 13 Dec on, the same days


# -- not behind before the first session is due plus grace --------------------------------


def test_a_pair_is_not_behind_before_its_first_session_is_due_plus_grace(programme, people):
    ana, _, ben, _ = people
    wave = add_wave(programme, "Pilot", "2026-11-01")  # grace 3 days
    pair = pair_now(programme, ana, ben, wave.id)  # first session due today, 20 Nov
    sessions = programme.store.all(Session, "pair_id = ?", (pair.id,), order="seq")
    stored_wave = programme.store.get(Wave, wave.id)
    for day, is_behind in (("2026-11-20", False), ("2026-11-23", False), ("2026-11-24", True)):
        today = dt.date.fromisoformat(day)
        assert (behind(pair.id, sessions, today, stored_wave.grace_days) is not None) == is_behind, day
        kinds = {f.kind for f in pair_flags(pair.id, pair.started_on, sessions, stored_wave, today)}
        assert ("behind" in kinds) == is_behind, day
        (row,) = Leaderboards().build(programme.store, today).rows
        assert (row.state == "behind") == is_behind, day
        assert row.due == (1 if is_behind else 0)


# -- accepting a whole wave at once -------------------------------------------------------


def test_a_whole_wave_is_accepted_in_one_audited_transaction(programme, people):
    ana, eve, ben, dan = people
    wave = add_wave(programme, "Spring", "2026-12-01")
    existing = propose_pair(programme, eve, dan, wave.id)
    pairs = accept_wave(programme, wave.id, [(ana, ben), (eve, dan)])
    assert [p.status for p in pairs] == ["active", "active"]
    assert pairs[1].id == existing.id  # the waiting proposal is confirmed, not duplicated
    assert programme.store.scalar("SELECT count(*) FROM pairs") == 2
    assert programme.store.scalar("SELECT count(DISTINCT due_on) FROM sessions") == 7
    entry = programme.store.query("SELECT after FROM audit WHERE action = 'accept wave'")
    assert json.loads(entry[0]["after"]) == {"pairs": [p.id for p in pairs]}


def test_one_pair_breaking_a_rule_saves_none_of_the_wave(programme, people):
    ana, _, ben, dan = people
    wave = add_wave(programme, "Spring", "2026-12-01")
    # Ana has room for one mentee: the second pair fails the capacity rule, re-checked in the batch.
    with pytest.raises(PairingError, match="Ana with Dan: .*Nothing was saved"):
        accept_wave(programme, wave.id, [(ana, ben), (ana, dan)])
    assert programme.store.scalar("SELECT count(*) FROM pairs") == 0
    assert programme.store.scalar("SELECT count(*) FROM sessions") == 0


def test_confirming_a_stale_proposal_is_still_a_conflict(programme, people):
    ana, _, ben, _ = people
    wave = add_wave(programme, "Spring", "2026-12-01")
    proposal = propose_pair(programme, ana, ben, wave.id)
    confirm_pair(programme, proposal.id, proposal.version)
    with pytest.raises((ConflictError, PairingError)):
        confirm_pair(programme, proposal.id, proposal.version)


# -- programme settings ---------------------------------------------------------------------


def test_london_finds_europe_london_first():
    assert find_timezones("london")[0] == "Europe/London"
    assert find_timezones("new york")[0] == "America/New_York"
    assert find_timezones("Europe/Paris")[0] == "Europe/Paris"


def test_an_unknown_setting_names_the_valid_keys():
    with pytest.raises(SettingError, match="Unknown setting 'colour'; the settings are: programme_name, timezone, "):
        parse_value("colour", "red")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("timezone", "london", "did you mean Europe/London"),
        ("wave_sessions", "0", "from 1 to 52"),
        ("wave_cadence_days", "three", "whole number"),
        ("target_completion", "120", "from 0 to 100"),
        ("programme_name", "   ", "cannot be empty"),
    ],
)
def test_a_bad_setting_value_is_refused_in_one_sentence(key, value, message):
    with pytest.raises(SettingError, match=message):
        parse_value(key, value)


def test_settings_are_versioned_so_a_concurrent_edit_is_a_conflict(programme):
    store = programme.store
    mine = setting_versions(store)
    theirs = setting_versions(store)
    save_settings(store, {"timezone": "Europe/Paris"}, theirs)
    with pytest.raises(ConflictError, match="timezone setting was changed by"):
        save_settings(store, {"timezone": "Europe/London", "programme_name": "Mine"}, mine)
    assert programme_settings(store)["timezone"] == "Europe/Paris"
    assert programme_settings(store)["programme_name"] == "Reverse mentoring"  # nothing of mine was saved


def test_an_empty_programme_is_not_set_up_until_named_or_filled(programme, people):
    assert is_set_up(programme.store)  # it has people


def test_a_programme_with_nothing_needs_its_setup(programme):
    assert not is_set_up(programme.store)
    save_settings(programme.store, {"programme_name": "Reverse Mentoring 2027"}, setting_versions(programme.store))
    assert is_set_up(programme.store)
    assert programme.name == "Reverse Mentoring 2027"


def test_the_dashboard_judges_against_the_programmes_own_targets(programme, people):
    ana, eve, ben, dan = people
    wave = add_wave(programme, "Pilot", "2026-11-01")
    kept = pair_now(programme, ana, ben, wave.id)
    dropped = pair_now(programme, eve, dan, wave.id)
    close_pair(programme, dropped.id, dropped.version, "schedule")
    assert kept.status == "active"
    metric = programme_health(programme.store, TODAY)[0].metric("drop_out")
    assert (metric.target, metric.met) == ("≤ 15%", False)  # 1 of 2 closed early
    save_settings(programme.store, {"target_drop_out": "50"}, setting_versions(programme.store))
    metric = programme_health(programme.store, TODAY)[0].metric("drop_out")
    assert (metric.target, metric.met) == ("≤ 50%", True)


def test_the_closed_on_migration_applies_to_a_programme_with_waves(tmp_path):
    """A database from before the migration, with a wave, gains waves.closed_on (empty)."""
    from rmtui.db import SCHEMA_VERSION, Store
    from rmtui.db.schema import MIGRATIONS
    from rmtui.db.sqlite import sqlite3
    from rmtui.db.store import _split_statements

    path = tmp_path / "old.db"
    before = next(n for n, script in enumerate(MIGRATIONS) if "ADD COLUMN closed_on" in script)
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:before]:
        for statement in _split_statements(script):
            conn.execute(statement)
    conn.execute("INSERT INTO waves (name, starts_on) VALUES ('Pilot', '2026-01-05')")
    conn.execute(f"PRAGMA user_version = {before}")
    conn.commit()
    conn.close()
    with Store(path, actor="coordinator") as store:
        assert store.schema_version() == SCHEMA_VERSION
        (wave,) = store.all(Wave)
        assert (wave.name, wave.closed_on) == ("Pilot", None)
