"""The demo programme: deterministic, realistic, and showing every state a coordinator triages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pendulum
import pytest

from rmtui.db import Feedback, Pair, Participant, Session, Store, Wave
from rmtui.demo import EVERY_STATE_PEOPLE, DemoSummary, ascii_fold, build_demo, email_local_part, json_list
from rmtui.schedule import wave_session_days

TODAY = pendulum.date(2026, 3, 2)
DOMAIN_TABLES = ("participants", "waves", "pairs", "sessions", "feedback")


def open_store(path: Path, now: str = "2026-03-02T09:00:00Z") -> Store:
    return Store(path, actor="tester", now=lambda: now)


def build(path: Path, **options) -> tuple[Store, DemoSummary]:
    store = open_store(path, options.pop("now", "2026-03-02T09:00:00Z"))
    options.setdefault("today", TODAY)
    return store, build_demo(store, **options)


def table(store: Store, name: str) -> list[tuple]:
    return store.query_tuples(f"SELECT * FROM {name} ORDER BY rowid")


def states(store: Store, today: pendulum.Date = TODAY) -> dict[str, int]:
    """Count each session and pair state as the triage would see it on ``today``."""
    day = today.isoformat()
    count = lambda sql: store.scalar(sql, {"today": day})  # noqa: E731
    return {
        "overdue": count(
            "SELECT count(*) FROM sessions s JOIN pairs p ON p.id = s.pair_id "
            "JOIN waves w ON w.id = p.wave_id WHERE p.status = 'active' AND s.held_on IS NULL "
            "AND s.status IN ('planned', 'scheduled') AND date(s.due_on, '+' || w.grace_days || ' days') < :today"
        ),
        "notes_late": count(
            "SELECT count(*) FROM sessions WHERE status = 'held' AND notes_posted_on IS NULL "
            "AND date(held_on, '+3 days') < :today"
        ),
        "follow_up_missing": count(
            "SELECT count(*) FROM sessions WHERE status = 'held' AND notes_posted_on IS NOT NULL "
            "AND follow_up_sent = 0 AND date(held_on, '+3 days') < :today"
        ),
        "on_track": count(
            "SELECT count(*) FROM pairs p WHERE p.status = 'active' AND NOT EXISTS ("
            " SELECT 1 FROM sessions s WHERE s.pair_id = p.id AND date(s.due_on, '+3 days') < :today"
            " AND (s.status <> 'held' OR s.notes_posted_on IS NULL"
            "      OR s.notes_posted_on > date(s.held_on, '+3 days') OR s.follow_up_sent = 0))"
            " AND EXISTS (SELECT 1 FROM sessions s WHERE s.pair_id = p.id AND s.status = 'held')"
        ),
        "upcoming_scheduled": count(
            "SELECT count(*) FROM sessions WHERE status = 'scheduled' AND scheduled_at > :today"
        ),
        "completed": count("SELECT count(*) FROM pairs WHERE status = 'completed'"),
        "closed_early": count("SELECT count(*) FROM pairs WHERE status = 'closed_early'"),
        "paused": count("SELECT count(*) FROM pairs WHERE status = 'paused'"),
        "proposed": count("SELECT count(*) FROM pairs WHERE status = 'proposed'"),
        "rematched_mentees": count(
            "SELECT count(*) FROM pairs a JOIN pairs b ON a.mentee_id = b.mentee_id "
            "AND a.mentor_id <> b.mentor_id WHERE a.status = 'closed_early' "
            "AND b.status = 'active' AND b.started_on >= a.ended_on"
        ),
        "cancelled": count("SELECT count(*) FROM sessions WHERE status = 'cancelled'"),
        "missed": count("SELECT count(*) FROM sessions WHERE status = 'missed'"),
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store, _ = build(tmp_path_factory.mktemp("demo") / "demo.db")
    yield store
    store.close()


def test_same_seed_and_today_build_identical_programmes_whatever_the_wall_clock(tmp_path: Path) -> None:
    first, _ = build(tmp_path / "a.db", now="2026-03-02T09:00:00Z")
    second, _ = build(tmp_path / "b.db", now="2031-07-19T23:59:59Z")
    for name in DOMAIN_TABLES:
        assert table(first, name) == table(second, name), name


def test_same_store_clock_makes_settings_and_audit_identical_too(tmp_path: Path) -> None:
    first, _ = build(tmp_path / "a.db")
    second, _ = build(tmp_path / "b.db")
    for name in ("settings", "audit"):
        assert table(first, name) == table(second, name), name


def test_another_seed_builds_another_programme(tmp_path: Path) -> None:
    first, _ = build(tmp_path / "a.db", seed=7)
    second, _ = build(tmp_path / "b.db", seed=8)
    assert table(first, "participants") != table(second, "participants")
    assert table(first, "sessions") != table(second, "sessions")


def test_default_demo_is_about_sixty_people_in_both_roles_and_two_waves(demo: Store) -> None:
    roles = dict(demo.query_tuples("SELECT role, count(*) FROM participants GROUP BY role"))
    assert sum(roles.values()) == 60
    assert 0.4 <= roles["mentor"] / 60 <= 0.5
    waves = demo.all(Wave)
    assert [w.name for w in waves] == ["Wave 1 (pilot)", "Wave 2"]
    assert all((w.cadence_days, w.sessions_planned, w.session_minutes, w.grace_days, w.notes_due_days)
               == (21, 7, 60, 3, 3) for w in waves)


def test_summary_counts_the_rows_written(tmp_path: Path) -> None:
    store, summary = build(tmp_path / "demo.db")
    assert summary == DemoSummary(
        participants=store.scalar("SELECT count(*) FROM participants"),
        waves=store.scalar("SELECT count(*) FROM waves"),
        pairs=store.scalar("SELECT count(*) FROM pairs"),
        sessions=store.scalar("SELECT count(*) FROM sessions"),
        feedback=store.scalar("SELECT count(*) FROM feedback"),
    )


def test_waves_are_a_finished_pilot_and_a_wave_ten_weeks_in(demo: Store) -> None:
    pilot, second = demo.all(Wave)
    pilot_days = (TODAY - pendulum.parse(pilot.starts_on).date()).days
    second_days = (TODAY - pendulum.parse(second.starts_on).date()).days
    assert 200 <= pilot_days <= 220
    assert 70 <= second_days <= 76
    statuses = dict(demo.query_tuples("SELECT status, count(*) FROM pairs WHERE wave_id = 1 GROUP BY status"))
    assert statuses["completed"] > sum(v for k, v in statuses.items() if k != "completed")


def test_every_session_state_occurs_relative_to_today(demo: Store) -> None:
    found = states(demo)
    assert all(found.values()), found


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_state_occurs_even_in_the_smallest_demo(tmp_path: Path, seed: int) -> None:
    store, _ = build(tmp_path / "demo.db", people=EVERY_STATE_PEOPLE, seed=seed)
    found = states(store)
    assert all(found.values()), found


@pytest.mark.parametrize("day", ["2026-11-20", "2027-09-14", "2028-02-29", "2026-03-31"])
def test_states_follow_today(tmp_path: Path, day: str) -> None:
    today = pendulum.parse(day).date()
    store, _ = build(tmp_path / "demo.db", today=today)
    found = states(store, today)
    assert all(found.values()), found
    assert store.scalar("SELECT max(held_on) FROM sessions") < day
    assert store.scalar("SELECT min(due_on) FROM sessions WHERE status IN ('planned', 'scheduled')") is not None


def test_sessions_follow_the_master_schedule(demo: Store) -> None:
    pairs = {p.id: p for p in demo.all(Pair)}
    waves = {w.id: w for w in demo.all(Wave)}
    for session in demo.all(Session):
        pair = pairs[session.pair_id]
        # The plan confirm_pair makes: the wave's days (a pair confirmed late joins their rhythm).
        plan = wave_session_days(waves[pair.wave_id], pair.started_on)
        assert session.due_on == plan[session.seq - 1].isoformat()
        assert session.checkpoint == (session.seq == 4)
        if session.seq == 1:
            assert session.agenda == "Getting started"
        if session.status == "held":
            assert session.held_on and session.held_on < TODAY.isoformat()
        else:
            assert session.held_on is None and session.notes == ""
        if session.notes_posted_on:
            assert session.held_on <= session.notes_posted_on < TODAY.isoformat()
        if session.scheduled_at:
            assert pendulum.parse(session.scheduled_at).timezone_name == "UTC"
            assert session.scheduled_at.endswith("Z")
    assert {s for (s,) in demo.query_tuples("SELECT DISTINCT seq FROM sessions")} == set(range(1, 8))
    assert demo.scalar("SELECT count(*) FROM sessions s JOIN pairs p ON p.id = s.pair_id WHERE p.status = 'proposed'") == 0


def test_no_date_lies_after_today(demo: Store) -> None:
    day = TODAY.isoformat()
    for column, name in (
        ("created_at", "participants"), ("updated_at", "participants"), ("joined_on", "participants"),
        ("created_at", "pairs"), ("updated_at", "pairs"), ("started_on", "pairs"), ("ended_on", "pairs"),
        ("held_on", "sessions"), ("notes_posted_on", "sessions"), ("updated_at", "sessions"),
        ("submitted_on", "feedback"),
    ):
        assert demo.scalar(f"SELECT max({column}) FROM {name}") < day, (name, column)
    assert demo.scalar("SELECT count(*) FROM participants WHERE updated_at < created_at") == 0
    assert demo.scalar("SELECT count(*) FROM pairs WHERE updated_at < created_at") == 0


def test_closed_pairs_end_without_blame(demo: Store) -> None:
    closed = demo.all(Pair, "status = 'closed_early'")
    assert any(p.close_reason == "schedule: mentee moved role" for p in closed)
    for pair in closed:
        assert pair.ended_on and pair.close_reason
        assert ":" in pair.close_reason  # a category, then what happened: nobody is blamed
    assert demo.scalar("SELECT count(*) FROM pairs WHERE status <> 'closed_early' AND close_reason IS NOT NULL") == 0


def test_emails_are_unique_and_plain_ascii(demo: Store) -> None:
    emails = [e for (e,) in demo.query_tuples("SELECT email FROM participants")]
    assert len(set(e.lower() for e in emails)) == len(emails)
    assert all(e.isascii() and e.endswith("@example.com") and e == e.lower() for e in emails)


def test_emails_stay_unique_when_names_repeat(tmp_path: Path) -> None:
    store, _ = build(tmp_path / "demo.db", people=2000)
    assert store.scalar("SELECT count(DISTINCT lower(email)) FROM participants") == 2000
    assert store.scalar("SELECT count(*) FROM participants WHERE email GLOB '*[0-9]@example.com'") > 0


def test_email_addresses_fold_international_names() -> None:
    assert email_local_part("Łukasz", "Wróbel") == "lukasz.wrobel"
    assert email_local_part("Siobhán", "Ó Briain") == "siobhan.obriain"
    assert email_local_part("Søren", "Kierkegaard-Hansen") == "soren.kierkegaard-hansen"
    assert email_local_part("Adébáyọ̀", "Ògúnlẹ́yẹ") == "adebayo.ogunleye"
    assert ascii_fold("Þórunn Ægidius") == "thorunn aegidius"


def test_json_columns_are_what_json_dumps_writes() -> None:
    items = ["Sourdough baking", "Zoë's \"quotes\"", "Kraków"]
    assert json_list(items) == json.dumps(items, ensure_ascii=False)


def test_john_smith_and_jose_nunez_appear_exactly_once(demo: Store) -> None:
    names = [n for (n,) in demo.query_tuples("SELECT name FROM participants")]
    assert names.count("John Smith") == 1
    assert names.count("José Núñez") == 1
    assert sum(1 for n in names if not n.isascii()) >= 10  # international, unicode names


def test_featured_names_stay_unique_at_scale(tmp_path: Path) -> None:
    store, _ = build(tmp_path / "demo.db", people=2000)
    for name in ("John Smith", "José Núñez", "Zoë Brontë", "Nguyễn Thị Lan"):
        assert store.scalar("SELECT count(*) FROM participants WHERE name = ?", (name,)) == 1


def test_mentors_are_junior_and_mentees_senior(demo: Store) -> None:
    levels = dict(demo.query_tuples("SELECT role, group_concat(DISTINCT level) FROM participants GROUP BY role"))
    assert {int(v) for v in levels["mentor"].split(",")} <= {1, 2, 3, 4}
    assert {int(v) for v in levels["mentee"].split(",")} <= {6, 7, 8, 9, 10}


def test_pairs_put_a_junior_mentor_from_elsewhere_with_a_senior_mentee(tmp_path: Path) -> None:
    store, _ = build(tmp_path / "demo.db", people=2000)
    people = {p.id: p for p in store.all(Participant)}

    def chain(person: int) -> set[int]:
        bosses, boss = set(), people[person].manager_id
        while boss is not None:
            bosses.add(boss)
            boss = people[boss].manager_id
        return bosses

    pairs = store.all(Pair)
    same_lob = 0
    for pair in pairs:
        mentor, mentee = people[pair.mentor_id], people[pair.mentee_id]
        assert (mentor.role, mentee.role) == ("mentor", "mentee")
        assert mentor.level < mentee.level
        assert mentee.id not in chain(mentor.id)
        if mentor.line_of_business == mentee.line_of_business:
            same_lob += 1
            assert mentor.department != mentee.department
            assert pair.overrides and pair.overrides[0]["rule"] == "different_line_of_business"
    assert same_lob <= len(pairs) * 0.05
    assert store.scalar(
        "SELECT count(*) FROM pairs a JOIN pairs b ON a.id < b.id "
        "AND a.mentor_id = b.mentor_id AND a.mentee_id = b.mentee_id"
    ) == 0  # never re-pair the same two people


def test_reporting_lines_are_real(demo: Store) -> None:
    people = {p.id: p for p in demo.all(Participant)}
    managed = [p for p in people.values() if p.manager_id is not None]
    assert any(p.role == "mentor" and people[p.manager_id].role == "mentee" for p in managed)
    for person in managed:
        manager = people[person.manager_id]
        assert manager.level > person.level
        assert manager.line_of_business == person.line_of_business


def test_profiles_are_filled_in_like_a_talent_profile(demo: Store) -> None:
    people = demo.all(Participant)
    for person in people:
        assert person.job_title and person.department and person.team and person.location
        assert person.timezone and person.joined_on and person.education and person.birthplace
        assert 3 <= len(person.current_role) <= 5
        assert 2 <= len(person.hobbies) <= 4 and 2 <= len(person.interests) <= 4
        assert person.development_goals and person.competencies
    assert len({p.line_of_business for p in people}) >= 5
    assert 0 < sum(p.consent_share for p in people) < len(people)
    assert any(p.attributes.get("generation") == "Gen Z" for p in people)
    statuses = {p.status for p in people}
    assert statuses == {"applicant", "active", "withdrawn", "alumni"}
    assert [p.status for p in people].count("active") > len(people) / 3
    assert {p.capacity for p in people} == {1, 2}


def test_mentees_with_active_pairs_are_active(demo: Store) -> None:
    assert demo.scalar(
        "SELECT count(*) FROM pairs p JOIN participants m ON m.id IN (p.mentor_id, p.mentee_id) "
        "WHERE p.status IN ('active', 'paused') AND m.status <> 'active'"
    ) == 0
    assert demo.scalar(
        "SELECT count(*) FROM pairs p JOIN participants m ON m.id IN (p.mentor_id, p.mentee_id) "
        "WHERE p.status = 'proposed' AND m.status <> 'applicant'"
    ) == 0


def test_feedback_follows_the_programme_and_is_mostly_positive(demo: Store) -> None:
    feedback = demo.all(Feedback)
    assert {f.kind for f in feedback} == {"pre", "mid", "post", "close"}
    assert all(1 <= f.rating <= 5 for f in feedback)
    assert sum(f.rating >= 4 for f in feedback if f.kind != "close") / len(feedback) > 0.6
    assert demo.scalar(
        "SELECT count(*) FROM feedback f JOIN pairs p ON p.id = f.pair_id "
        "WHERE f.kind = 'post' AND p.status <> 'completed'"
    ) == 0
    assert demo.scalar(
        "SELECT count(*) FROM feedback WHERE kind = 'post' AND respondent = 'mentee' AND goal_achieved = 1"
    ) > 0


def test_settings_and_one_audit_row_record_the_build(demo: Store) -> None:
    settings = dict(demo.query_tuples("SELECT key, value FROM settings"))
    assert json.loads(settings["programme_name"]) == "Reverse Mentoring 2026"
    assert json.loads(settings["timezone"]) == "Europe/London"
    demo_rows = demo.query("SELECT * FROM audit WHERE entity = 'programme'")
    assert len(demo_rows) == 1
    assert json.loads(demo_rows[0]["after"]) == {"people": 60, "seed": 7}
    assert demo.scalar("SELECT count(*) FROM audit") == 5  # two settings, two waves (insert_wave) and the build


def test_progress_is_reported_up_to_its_total(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    build(tmp_path / "demo.db", people=2000, progress=lambda done, total: calls.append((done, total)))
    assert len(calls) > 2
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert calls[-1][0] == calls[-1][1] > 2000


def test_a_store_that_holds_a_programme_is_refused_and_left_alone(tmp_path: Path) -> None:
    store, _ = build(tmp_path / "demo.db")
    before = {name: table(store, name) for name in (*DOMAIN_TABLES, "audit", "settings")}
    with pytest.raises(ValueError, match="already holds a programme"):
        build_demo(store, today=TODAY)
    assert {name: table(store, name) for name in before} == before


@pytest.mark.parametrize("people", [1, 2, 5, 12, 30])
def test_tiny_demos_build_what_their_people_allow(tmp_path: Path, people: int) -> None:
    store, summary = build(tmp_path / "demo.db", people=people)
    assert summary.participants == people
    assert store.scalar(
        "SELECT count(*) FROM pairs p JOIN participants a ON a.id = p.mentor_id "
        "JOIN participants b ON b.id = p.mentee_id WHERE a.level >= b.level"
    ) == 0


def test_a_demo_without_people_is_refused_in_one_sentence(tmp_path: Path) -> None:
    store = open_store(tmp_path / "demo.db")
    with pytest.raises(ValueError, match="at least one person"):
        build_demo(store, people=0, today=TODAY)
    assert store.scalar("SELECT count(*) FROM participants") == 0


def test_demo_module_imports_no_textual() -> None:
    code = "import sys, rmtui.demo; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1]).returncode == 0


def test_a_demo_interrupted_as_it_is_marked_is_rebuilt_next_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from rmtui.cli import cli
    from rmtui.db.store import Writer

    path = tmp_path / "demo.db"
    args = ["--today", "2026-03-02", "demo", "--db", str(path), "--no-open", "--people", "20"]
    set_setting = Writer.set_setting

    def interrupted(self, key, value, expected_version=None):  # type: ignore[no-untyped-def]
        if key == "demo":
            raise KeyboardInterrupt
        return set_setting(self, key, value, expected_version)

    monkeypatch.setattr(Writer, "set_setting", interrupted)
    assert CliRunner().invoke(cli, args).exit_code != 0
    with Store(path) as store:
        assert store.scalar("SELECT count(*) FROM participants") == 0  # the build went with the mark
    monkeypatch.setattr(Writer, "set_setting", set_setting)
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    with Store(path) as store:
        assert store.scalar("SELECT count(*) FROM participants") == 20
        assert store.scalar("SELECT value FROM settings WHERE key = 'demo'") == "true"
