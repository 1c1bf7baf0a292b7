"""The dashboard's pair and session figures against a straightforward reference, on scrambled
seeded programmes (waves with different grace days, pairs in every status, mentees with
several pairs, some closed early, survey answers for some people only), on the demo and
with a wave that has nothing yet: drop-out, completion and re-match from the definitions
over every pair, the overdue sessions by the status rule session by session, and the
response rate from every answer due (:func:`rmtui.surveys.answers_due`)."""

from __future__ import annotations

import datetime as dt

import pytest
from scrambled_data import fill_scrambled

from rmtui import health
from rmtui.db import Session, Store, Wave
from rmtui.programme import Programme
from rmtui.programme_settings import programme_settings
from rmtui.session_status import days_overdue, is_open
from rmtui.surveys import answers_due, response_counts

TODAY = dt.date(2026, 11, 20)
DAYS = [TODAY, TODAY - dt.timedelta(days=9), TODAY + dt.timedelta(days=30)]
KEYS = ("drop_out", "completion", "rematch", "response", "overdue")


def _expected(store: Store, today: dt.date) -> dict[int | None, list[health.Metric]]:
    """Each scope's figures of :data:`KEYS` worked out from every pair and session."""
    targets = programme_settings(store)
    waves = {wave.id: wave for wave in store.all(Wave)}
    pairs = store.query_tuples(
        "SELECT p.id, p.wave_id, p.mentee_id, p.status, p.started_on, w.sessions_planned "
        "FROM pairs p JOIN waves w ON w.id = p.wave_id"
    )
    active = {p[0]: p[1] for p in pairs if p[3] == "active"}
    held = {p[0]: 0 for p in pairs}
    overdue = dict.fromkeys([None, *waves], 0)
    for session in store.all(Session):
        held[session.pair_id] += session.status == "held"
        wave_id = active.get(session.pair_id)
        if wave_id is not None and is_open(session) and session.due_on < today.isoformat():
            late = days_overdue(dt.date.fromisoformat(session.due_on), waves[wave_id].grace_days, today)
            overdue[wave_id] += late is not None
            overdue[None] += late is not None
    due = answers_due(store, today)
    expected = {}
    for wave_id in [None, *waves]:
        scoped = [p for p in pairs if wave_id is None or p[1] == wave_id]
        answers = [d for d in due if wave_id is None or d.wave_id == wave_id]
        expected[wave_id] = [
            health.drop_out(scoped, targets["target_drop_out"]),
            health.completion(scoped, {k: v for k, v in held.items() if v}, targets["target_completion"]),
            health.rematch(pairs, wave_id, None, targets["target_rematch"]),
            health.survey_response(sum(d.answered for d in answers), len(answers)),
            health.overdue_count(overdue[wave_id]),
        ]
    return expected


def _figures(store: Store, today: dt.date) -> dict[int | None, list[health.Metric]]:
    return {scope.wave_id: [scope.metric(key) for key in KEYS] for scope in health.programme_health(store, today)}


def _response_counts(store: Store, today: dt.date) -> dict[int, tuple[int, int]]:
    counts: dict[int, tuple[int, int]] = {}
    for d in answers_due(store, today):
        received, owed = counts.get(d.wave_id, (0, 0))
        counts[d.wave_id] = (received + d.answered, owed + 1)
    return counts


@pytest.mark.parametrize("seed", range(8))
def test_the_dashboard_figures_are_the_definitions_on_scrambled_programmes(programme: Programme, seed: int) -> None:
    store = fill_scrambled(programme.store, seed, TODAY)
    for today in DAYS:
        assert _figures(store, today) == _expected(store, today), today
        assert response_counts(store, today) == _response_counts(store, today)
    whole = _expected(store, TODAY)[None]
    assert all(metric.denominator for metric in whole[:4]) and whole[4].numerator, "each figure counts something"


@pytest.mark.parametrize("today", ["2026-11-20", "2026-09-15", "2027-01-10"])
def test_the_dashboard_figures_are_the_definitions_on_the_demo(demo_programme: Programme, today: str) -> None:
    store = demo_programme.store
    day = dt.date.fromisoformat(today)
    assert _figures(store, day) == _expected(store, day)
    assert response_counts(store, day) == _response_counts(store, day)


def test_a_wave_without_pairs_or_answers_has_no_figures(programme: Programme) -> None:
    store = fill_scrambled(programme.store, 3, TODAY)
    with store.write() as w:
        w.execute("INSERT INTO waves (name, starts_on) VALUES ('Empty', '2027-01-04')")
    figures = _figures(store, TODAY)
    assert figures == _expected(store, TODAY)
    assert [metric.value for metric in figures[max(w for w in figures if w is not None)]] == [
        None,
        None,
        None,
        None,
        0.0,
    ]
    assert response_counts(store, TODAY) == _response_counts(store, TODAY)
