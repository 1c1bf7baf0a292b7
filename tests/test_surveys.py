"""Issue 11 item 7: survey answers — recorded, imported from a survey tool, counted, chased."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from lifecycle_data import build, person

from rmtui import lifecycle, surveys, timeline
from rmtui.cli import cli
from rmtui.csv_import import ImportFileError
from rmtui.db import Feedback, Pair, Session
from rmtui.health import programme_health
from rmtui.pairing import pair_now
from rmtui.programme import Programme
from rmtui.report import write_report
from rmtui.surveys import Answer, SurveyError, import_feedback, parse_answer_line, record_answer
from rmtui.triage import build_queue

TODAY = dt.date(2026, 11, 20)


def email(role: str, wave: str, n: int) -> str:
    return f"{role}.{wave.lower().replace(' ', '.')}.{n}@example.com"


def answers(programme: Programme) -> list[tuple]:
    return programme.store.query_tuples(
        "SELECT pair_id, kind, respondent, rating, goal_achieved, comment, submitted_on FROM feedback ORDER BY id")


def write(tmp_path: Path, text: str, name: str = "answers.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_parse_answer_line_reads_and_explains() -> None:
    assert parse_answer_line("post mentee 4 yes Learnt a lot") == Answer("post", "mentee", 4, True, "Learnt a lot")
    assert parse_answer_line("Mid-point mentor 3 Fine so far") == Answer("mid", "mentor", 3, None, "Fine so far")
    assert parse_answer_line("pre mentor 5 - ") == Answer("pre", "mentor", 5, None, "")
    with pytest.raises(SurveyError, match="Rating 7 is outside the scale"):
        parse_answer_line("post mentee 7")
    with pytest.raises(SurveyError, match="not a survey kind"):
        parse_answer_line("later mentee 4")
    with pytest.raises(SurveyError, match="mentor or mentee"):
        parse_answer_line("post coach 4")
    with pytest.raises(SurveyError, match="at least the kind"):
        parse_answer_line("post")


def test_recording_again_replaces_the_same_persons_answer(programme: Programme) -> None:
    first, _ = build(programme)
    record_answer(programme.store, first, Answer("pre", "mentee", 2, None, "unsure"), TODAY)
    record_answer(programme.store, first, Answer("pre", "mentee", 4, None, "keen"), TODAY)
    assert answers(programme) == [(first, "pre", "mentee", 4, None, "keen", "2026-11-20")]
    assert programme.store.scalar("SELECT count(*) FROM audit WHERE entity = 'feedback'") == 2


GOOD = (
    "E-mail Address,Survey,Score,Goal achieved,Comments,Timestamp\n"
    "{mentor},Pre-programme,3,,Looking forward,2026-11-18 10:02\n"
    "{mentee},PRE,2/5,,\"Unsure, busy\",18/11/2026\n"
    "{mentee},checkpoint,4,,,\n"
    "{mentor2},pre,4,,,\n"
)


def _good(tmp_path: Path) -> Path:
    return write(tmp_path, GOOD.format(mentor=email("mentor", "Wave 1", 0), mentee=email("mentee", "Wave 1", 0),
                                       mentor2=email("mentor", "Wave 1", 1)))


def test_import_records_every_answer_from_aliased_columns(programme: Programme, tmp_path: Path) -> None:
    first, second = build(programme)
    result = import_feedback(programme.store, _good(tmp_path), TODAY)
    assert result.errors == [] and result.written
    assert answers(programme) == [
        (first, "pre", "mentor", 3, None, "Looking forward", "2026-11-18"),
        (first, "pre", "mentee", 2, None, "Unsure, busy", "2026-11-18"),
        (first, "mid", "mentee", 4, None, "", "2026-11-20"),
        (second, "pre", "mentor", 4, None, "", "2026-11-20"),
    ]
    # Importing the same export again counts nothing twice.
    import_feedback(programme.store, _good(tmp_path), TODAY)
    assert len(answers(programme)) == 4


def test_dry_run_checks_and_saves_nothing(programme: Programme, tmp_path: Path) -> None:
    build(programme)
    result = import_feedback(programme.store, _good(tmp_path), TODAY, dry_run=True)
    assert result.errors == [] and not result.written and "would be recorded" in result.summary()
    assert answers(programme) == []


def test_bad_lines_are_named_by_line_and_column_and_nothing_is_written(programme: Programme, tmp_path: Path) -> None:
    build(programme)
    path = write(tmp_path, (
        "email,kind,rating,goal,comment\n"
        f"{email('mentor', 'Wave 1', 0)},pre,4,,ok\n"
        "nobody@example.com,pre,4,,\n"
        f"{email('mentee', 'Wave 1', 0)},later,9,maybe,\n"
        f"{email('mentor', 'Wave 1', 0)},pre,5,,twice\n"
    ))
    result = import_feedback(programme.store, path, TODAY)
    shown = [str(e) for e in result.errors]
    assert shown == [
        "line 3, column “email”: Nobody in the programme has the email nobody@example.com; check it or import the person first.",
        "line 4, column “kind”: “later” is not a survey kind; write pre, mid, post or close.",
        "line 4, column “rating”: Rating 9 is outside the scale; give a whole number from 1 to 5.",
        "line 4, column “goal”: Goal achieved “maybe” is not yes or no; write yes, no, or leave it empty.",
        f"line 5, column “email”: {email('mentor', 'Wave 1', 0)} answered the pre survey already on line 2; keep one of the two lines.",
    ]
    assert not result.written and "nothing was saved" in result.summary()
    assert answers(programme) == []


def test_a_person_in_several_pairs_needs_exactly_one_going(programme: Programme, tmp_path: Path) -> None:
    first, _ = build(programme)
    pair = programme.store.get(Pair, first)
    with programme.store.write() as w:
        w.execute("UPDATE participants SET capacity = 2 WHERE id = ?", (pair.mentor_id,))
    build(programme, pairs=0, wave_name="Wave 2")
    newer = pair_now(programme, pair.mentor_id, person(programme, "New Mentee", "mentee", "Claims7", 6), 2)
    lifecycle.complete_pair(programme.store, first, programme.store.get(Pair, first).version, TODAY, TODAY)
    path = write(tmp_path, f"email,kind,rating\n{email('mentor', 'Wave 1', 0)},mid,5\n")
    import_feedback(programme.store, path, TODAY)
    assert answers(programme)[0][:3] == (newer.id, "mid", "mentor")  # the active pair
    lifecycle.complete_pair(programme.store, newer.id, programme.store.get(Pair, newer.id).version, TODAY, TODAY)
    result = import_feedback(programme.store, path, TODAY)
    assert "is in pair 1 (completed), pair 3 (completed) and none is the one active pair" in str(result.errors[0])


def test_a_file_without_an_email_column_is_refused(programme: Programme, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no email column"):
        import_feedback(programme.store, write(tmp_path, "name,kind\nA,pre\n"), TODAY)


def test_feedback_import_command(programme: Programme, db_path: Path, tmp_path: Path) -> None:
    build(programme)
    programme.close()
    runner = CliRunner()
    base = ["--db", str(db_path), "--today", "2026-11-20", "feedback", "import"]
    dry = runner.invoke(cli, [*base, str(_good(tmp_path)), "--dry-run"])
    assert dry.exit_code == 0 and "4 answer(s) would be recorded" in dry.output
    bad = runner.invoke(cli, [*base, str(write(tmp_path, "email,kind,rating\nx@example.com,pre,4\n", "bad.csv"))])
    assert bad.exit_code == 1 and "line 2, column “email”" in bad.output and "nothing was saved" in bad.output
    good = runner.invoke(cli, [*base, str(_good(tmp_path))])
    assert good.exit_code == 0 and "Recorded 4 answer(s)" in good.output


def _surveyed(programme: Programme) -> tuple[int, int, int]:
    """Wave 1: pair 1 completes (pre, mid, post due), pair 2 only pre due; Wave 2: pair 3, pre due."""
    first, second = build(programme)
    (third,) = build(programme, pairs=1, wave_name="Wave 2")
    for session in programme.store.all(Session, "pair_id = ?", (first,), order="seq"):
        timeline.mark_held(programme.store, session, TODAY, TODAY)
    store = programme.store
    for pair_id, kind, who, rating in (
        (first, "pre", "mentor", 3), (first, "pre", "mentee", 2), (first, "mid", "mentee", 4),
        (first, "post", "mentor", 4), (first, "post", "mentee", 5), (second, "pre", "mentee", 4),
        (second, "post", "mentee", 1),  # not due (the pair has not completed): not counted
    ):
        record_answer(store, pair_id, Answer(kind, who, rating, None), TODAY)
    return first, second, third


def test_pre_post_change_and_response_rate_per_wave_match_hand_counts(programme: Programme) -> None:
    _surveyed(programme)
    whole, wave1, wave2 = programme_health(programme.store, TODAY)
    # Hand count: the people who rated pre and post are pair 1's mentor (3 → 4) and mentee
    # (2 → 5): changes +1 and +3, mean +2.0. Pair 2's mentee has a post answer but it pairs
    # with their pre 4 → 1: -3. So three people: (1 + 3 - 3) / 3.
    change = wave1.metric("pre_post")
    assert change.numerator == 3 and change.value == pytest.approx(1 / 3)
    assert change.shown() == "+0.3 (3 rated both)"
    # Due in wave 1: pair 1 pre ×2, mid ×2, post ×2; pair 2 pre ×2 → 8; received 6
    # (pair 1's five and pair 2's mentee pre; pair 2's early post is not due).
    response = wave1.metric("response")
    assert (response.numerator, response.denominator) == (6, 8)
    assert (wave2.metric("response").numerator, wave2.metric("response").denominator) == (0, 2)
    assert (whole.metric("response").numerator, whole.metric("response").denominator) == (6, 10)
    assert wave2.metric("pre_post").shown() == "no data yet"


def test_report_shows_the_survey_figures(programme: Programme, tmp_path: Path) -> None:
    _surveyed(programme)
    text = write_report(programme, tmp_path / "r.md") and (tmp_path / "r.md").read_text()
    assert "| Wave 1 | Survey response rate | 75% (6 of 8) |" in text
    assert "| Wave 1 | Rating pre → post | +0.3 (3 rated both) |" in text


def test_missing_answers_appear_in_triage_after_the_grace_days(programme: Programme) -> None:
    first, second, third = _surveyed(programme)

    def survey_items(day: dt.date) -> set[tuple[int, str]]:
        return {(i.pair.id, i.flag.reason.split(" survey")[0]) for i in build_queue(programme.store, day)
                if i.flag.kind == "survey"}

    assert survey_items(TODAY + dt.timedelta(days=7)) == set()  # still within the grace days
    later = TODAY + dt.timedelta(days=10)
    # Wave 1 misses pair 1's mentor mid and pair 2's mentor pre; Wave 2 runs no surveys: not chased.
    assert survey_items(later) == {(first, "Mentor's mid-point"), (second, "Mentor's pre")}
    item = next(i for i in build_queue(programme.store, later) if i.flag.kind == "survey" and i.pair.id == second)
    assert item.flag.reason == "Mentor's pre survey answer 10 days late (due 20 Nov)"
    assert survey_items(TODAY + dt.timedelta(days=60)) == set()  # past the chasing window
    assert programme.store.get(Pair, first).status == "completed"
    assert all(i.flag.kind == "survey" for i in build_queue(programme.store, later) if i.pair.id == first)


def test_answers_due_follow_the_written_rules(programme: Programme) -> None:
    first, second, third = _surveyed(programme)
    due = {(d.pair_id, d.kind, d.respondent): d.answered for d in surveys.answers_due(programme.store, TODAY)}
    assert len(due) == 10
    assert due[(first, "post", "mentee")] and not due[(first, "mid", "mentor")]
    assert (second, "post", "mentee") not in due
    assert programme.store.scalar("SELECT count(*) FROM feedback") == len(programme.store.all(Feedback))
