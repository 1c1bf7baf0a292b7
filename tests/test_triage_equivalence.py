"""The triage queue against a straightforward reference on scrambled seeded programmes (waves
with different grace, notes and cadence days; sessions on the overdue and notes-late
boundaries, several on one day; every pair status; survey answers for some people only;
marks snoozed until past, today and later days): each active pair's flags from its own
sessions by the status rules (as the timeline shows them), the survey answers missing, less
what is snoozed, severest first. Every item in order (flag, pair, session, its version,
mark), the counts and the snoozed, for the whole build and for a screenful's build once the
other people are read."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from scrambled_data import fill_scrambled

from rmtui import triage
from rmtui.db import Session, Store, Wave
from rmtui.db.records import FEEDBACK_KINDS, ROLES
from rmtui.programme import Programme
from rmtui.session_status import KIND_RANK, Flag, pair_flags
from rmtui.surveys import missing_answers

TODAY = dt.date(2026, 11, 20)
DAYS = [TODAY, TODAY - dt.timedelta(days=9), TODAY + dt.timedelta(days=4)]

_CARDS = """
SELECT p.id, p.wave_id, w.name, mentor.name, mentee.name, mentor.department, mentee.department, p.coach
FROM pairs p JOIN waves w ON w.id = p.wave_id
JOIN participants mentor ON mentor.id = p.mentor_id JOIN participants mentee ON mentee.id = p.mentee_id
"""


def _lines(queue: triage.TriageQueue) -> list[tuple]:
    """Everything a queue's items hold, in order, then its counts and snoozed items."""
    lines = [(item.key, item.flag, item.pair, item.session_id, item.session_version, item.mark) for item in queue]
    return [*lines, (sorted(queue.counts.items()), queue.snoozed, len(queue))]


def _expected(store: Store, today: dt.date) -> list[tuple]:
    """The queue worked out pair by pair from each pair's sessions, as :func:`_lines` gives it."""
    waves = {wave.id: wave for wave in store.all(Wave)}
    marks = triage._marks(store)
    cards = {row[0]: triage.PairInfo(*row) for row in store.query_tuples(_CARDS)}

    def snoozed(subject: tuple[str, int]) -> bool:
        mark = marks.get(subject)
        return bool(mark and mark.snoozed_until and mark.snoozed_until > today.isoformat())

    ranked, hidden = [], 0

    def add(flag: Flag, session: Session | None, order: int) -> None:
        nonlocal hidden
        on_pair = flag.kind in ("at_risk", "survey")
        subject = ("pair", flag.pair_id) if on_pair else ("session", flag.session_id)
        if snoozed(subject):
            hidden += 1
            return
        line = (
            (flag.kind, flag.session_id, flag.pair_id),
            flag,
            cards[flag.pair_id],
            flag.session_id,
            session.version if session else None,
            marks.get(subject),
        )
        ranked.append(((-KIND_RANK[flag.kind], -flag.days, flag.pair_id, order), line))

    for pair_id, wave_id, started_on in store.query_tuples(
        "SELECT id, wave_id, started_on FROM pairs WHERE status = 'active'"
    ):
        sessions = {s.id: s for s in store.all(Session, "pair_id = ?", (pair_id,))}
        flags = pair_flags(pair_id, started_on, list(sessions.values()), waves[wave_id], today)
        overdue = [(flag.days, flag.session_id) for flag in flags if flag.kind == "overdue"]
        for flag in flags:
            if flag.kind == "at_risk":  # (the queue's at-risk line acts on the oldest overdue session)
                flag = flag._replace(session_id=max(overdue)[1] if overdue else None)
            if flag.kind != "behind":
                add(flag, sessions.get(flag.session_id), flag.seq or 0)
    for answer in missing_answers(store, today):
        who = (FEEDBACK_KINDS.index(answer.kind), ROLES.index(answer.respondent))
        flag = Flag("survey", answer.pair_id, None, (today - answer.due_on).days, None, answer.due_on, today, who)
        add(flag, None, 2 * who[0] + who[1] + 1)
    lines = [line for _, line in sorted(ranked, key=lambda entry: entry[0])]
    return [*lines, (sorted(Counter(line[1].kind for line in lines).items()), hidden, len(lines))]


def _windowed(store: Store, today: dt.date, window: tuple[int, int]) -> triage.TriageQueue:
    queue = triage.build_queue(store, today, window)
    queue.add_people(triage.read_people(store, queue.unread_pairs()))
    assert queue.complete
    return queue


@pytest.mark.parametrize("seed", range(10))
def test_the_queue_is_the_status_rules_pair_by_pair_on_scrambled_programmes(programme: Programme, seed: int) -> None:
    store = fill_scrambled(programme.store, seed, TODAY)
    for today in DAYS:
        expected = _expected(store, today)
        kinds = dict(expected[-1][0])
        assert len(kinds) == 5 and expected[-1][1], "every kind of item, and snoozed ones"
        assert _lines(triage.build_queue(store, today)) == expected, today
        items = len(expected) - 1
        for window in [(0, 3), (5, 30), (0, items + 5), (items + 1, items + 9)]:
            assert _lines(_windowed(store, today, window)) == expected, (today, window)
        assert triage.build_queue(store, today).keys() == [line[0] for line in expected[:-1]]
