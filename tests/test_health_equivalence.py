"""The dashboard's figures against the way they were worked out before issue 14's last round
(the old code and queries, kept here as they were), on scrambled seeded programmes (waves
with different grace days, pairs in every status, mentees re-matched, survey answers for
some people only) and on the demo: every metric of every scope, the weekly chart, and the
response rate's counts per wave."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from scrambled_data import fill_scrambled

from rmtui import health
from rmtui.collector import collector_paused
from rmtui.db import Store
from rmtui.health import (
    Health,
    completion,
    drop_out,
    goal_achievement_totals,
    match_satisfaction_totals,
    overdue_count,
    pre_post_totals,
    programme_satisfaction_totals,
    rematch,
    rematched_pairs,
    sessions_per_week,
    survey_response,
    weekly_held,
)
from rmtui.programme import Programme
from rmtui.programme_settings import programme_settings
from rmtui.session_status import days_overdue
from rmtui.surveys import _DUE, _RECEIVED, _window, response_counts
from rmtui.text import clean

TODAY = dt.date(2026, 11, 20)
DAYS = [TODAY, TODAY - dt.timedelta(days=9), TODAY + dt.timedelta(days=30)]
WEEKS_CHARTED = health.WEEKS_CHARTED

OLD_RESPONSE_COUNTS = _DUE + (
    f"SELECT wave_id, 2 * count(*), sum(received - (received >> 1)) FROM (SELECT due.wave_id, {_RECEIVED} AS received "
    "FROM due LEFT JOIN pair_answer_totals a ON a.pair_id = due.pair_id) GROUP BY wave_id"
)


def _old_response_counts(store: Store, today: dt.date) -> dict[int, tuple[int, int]]:
    return {row[0]: (int(row[2] or 0), int(row[1])) for row in store.query_tuples(OLD_RESPONSE_COUNTS, _window(today))}


OLD_PAIRS = "SELECT p.id, p.wave_id, p.mentee_id, p.status, p.started_on, w.sessions_planned FROM pairs p JOIN waves w ON w.id = p.wave_id"
OLD_HELD = """
SELECT pair_id, count(*) FROM sessions
WHERE status = 'held' AND pair_id IN (SELECT id FROM pairs WHERE status IN ('completed', 'closed_early'))
GROUP BY pair_id
"""
# The survey figures per wave, summed in SQL over the answers' per-pair totals (kept by
# triggers from the answers: see pair_answer_totals in db/schema.py) instead of grouping every
# answer: match satisfaction (good, rated), goals (achieved, answered), programme
# satisfaction (good, rated), pre → post (sum of post − pre, people who rated both).
OLD_ANSWER_TOTALS = """
SELECT p.wave_id, sum(a.mid_good), sum(a.mid_rated), sum(a.goal_achieved), sum(a.goal_answered),
       sum(a.post_good), sum(a.post_rated), sum(a.pre_post_change), sum(a.pre_post_people)
FROM pair_answer_totals a JOIN pairs p ON p.id = a.pair_id
GROUP BY p.wave_id
"""
# Sessions held per wave and day, kept by triggers (held_per_day in db/schema.py).
OLD_HELD_DAYS = """
SELECT wave_id, day, held FROM held_per_day WHERE day >= :since AND day < :today AND held != 0
"""
OLD_OPEN = """
SELECT p.wave_id, s.due_on, w.grace_days, count(*) FROM sessions s JOIN pairs p ON p.id = s.pair_id JOIN waves w ON w.id = p.wave_id
WHERE s.status IN ('planned', 'scheduled', 'missed') AND s.held_on IS NULL AND s.due_on < :today AND p.status = 'active'
GROUP BY 1, 2, 3
"""


def _old_programme_health(store: Store, today: dt.date) -> list[Health]:
    since = today - dt.timedelta(days=7 * WEEKS_CHARTED + 1)
    params = {"today": today.isoformat(), "since": since.isoformat()}
    with store.snapshot():
        waves = [
            (row[0], clean(row[1])) for row in store.query_tuples("SELECT id, name FROM waves ORDER BY starts_on, id")
        ]
        pairs = store.query_tuples(OLD_PAIRS)
        held = dict(store.query_tuples(OLD_HELD))
        answers = {row[0]: row[1:] for row in store.query_tuples(OLD_ANSWER_TOTALS)}
        held_days = store.query_tuples(OLD_HELD_DAYS, params)
        open_days = store.query_tuples(OLD_OPEN, params)
        responses = _old_response_counts(store, today)
        targets = programme_settings(store)
    overdue_by_wave: dict[int, int] = defaultdict(int)
    for wave_id, due_on, grace, count in open_days:
        if days_overdue(dt.date.fromisoformat(due_on), grace, today) is not None:
            overdue_by_wave[wave_id] += count
    pairs_by_wave: dict[int, list[tuple]] = defaultdict(list)
    for p in pairs:
        pairs_by_wave[p[1]].append(p)
    none = (0,) * 8
    whole = tuple(sum(column) for column in zip(none, *answers.values()))
    days_by_wave: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for wave_id, day, count in held_days:
        days_by_wave[wave_id].append((day, count))
    rematched = rematched_pairs(pairs)
    scopes: list[tuple[str, int | None]] = [("Whole programme", None), *((name, wave_id) for wave_id, name in waves)]
    result = []
    for scope, wave_id in scopes:
        if wave_id is None:
            scoped_pairs = list(pairs)
            scoped_answers = whole
            scoped_days = [d for group in days_by_wave.values() for d in group]
            overdue = sum(overdue_by_wave.values())
            scoped_due = (sum(r for r, _ in responses.values()), sum(d for _, d in responses.values()))
        else:
            scoped_pairs = pairs_by_wave[wave_id]
            scoped_answers = answers.get(wave_id, none)
            scoped_days = days_by_wave[wave_id]
            overdue = overdue_by_wave.get(wave_id, 0)
            scoped_due = responses.get(wave_id, (0, 0))
        weekly = weekly_held(scoped_days, today)
        mid_good, mid_rated, achieved, answered, post_good, post_rated, change, people = scoped_answers
        metrics = [
            drop_out(scoped_pairs, targets["target_drop_out"]),
            completion(scoped_pairs, held, targets["target_completion"]),
            rematch(
                scoped_pairs, wave_id, rematched, targets["target_rematch"]
            ),  # (a wave's own pairs: the same count)
            match_satisfaction_totals(mid_good, mid_rated, targets["target_match_satisfaction"]),
            goal_achievement_totals(achieved, answered, targets["target_goals"]),
            programme_satisfaction_totals(post_good, post_rated, targets["target_programme_satisfaction"]),
            pre_post_totals(change, people),
            survey_response(*scoped_due),
            sessions_per_week(weekly),
            overdue_count(overdue),
        ]
        result.append(Health(scope, wave_id, metrics, weekly))
    return result


def _old(store: Store, today: dt.date) -> list[health.Health]:
    with collector_paused():
        return _old_programme_health(store, today)


@pytest.mark.parametrize("seed", range(8))
def test_the_dashboard_is_the_old_dashboard_on_scrambled_programmes(programme: Programme, seed: int) -> None:
    store = programme.store
    fill_scrambled(store, seed, TODAY)
    for today in DAYS:
        expected = _old(store, today)
        assert health.programme_health(store, today) == expected, today
        assert response_counts(store, today) == _old_response_counts(store, today)
    figures = {m.key: m.denominator for m in expected[0].metrics}
    assert figures["drop_out"] and figures["completion"] and figures["response"], "the programme has figures"


@pytest.mark.parametrize("today", ["2026-11-20", "2026-09-15", "2027-01-10"])
def test_the_dashboard_is_the_old_dashboard_on_the_demo(demo_programme: Programme, today: str) -> None:
    store = demo_programme.store
    day = dt.date.fromisoformat(today)
    assert health.programme_health(store, day) == _old(store, day)
    assert response_counts(store, day) == _old_response_counts(store, day)


def test_a_wave_without_pairs_or_answers_has_no_figures(programme: Programme) -> None:
    store = programme.store
    fill_scrambled(store, 3, TODAY)
    with store.write() as w:
        w.execute("INSERT INTO waves (name, starts_on) VALUES ('Empty', '2027-01-04')")
    assert health.programme_health(store, TODAY) == _old(store, TODAY)
    assert response_counts(store, TODAY) == _old_response_counts(store, TODAY)
