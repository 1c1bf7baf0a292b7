"""The triage queue against the queue as it was built before issue 14's last round (the old
code, kept here as it was), on scrambled seeded programmes: every item in order (flag,
pair, session, version, mark), the counts and the snoozed, for the whole build and for a
screenful's build once its other people are read; and against the status rules pair by pair.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from operator import itemgetter

import pytest
from scrambled_data import fill_scrambled

from rmtui import triage
from rmtui.collector import collector_paused
from rmtui.db import Session, Store, Wave
from rmtui.db.records import FEEDBACK_KINDS, ROLES
from rmtui.programme import Programme
from rmtui.session_status import KIND_RANK, at_risk, days_late, days_overdue, pair_flags
from rmtui.surveys import missing_answers

TODAY = dt.date(2026, 11, 20)
DAYS = [TODAY, TODAY - dt.timedelta(days=9), TODAY + dt.timedelta(days=4)]

OLD_OPEN = """
SELECT id, pair_id, seq, due_on, version FROM sessions
WHERE status IN ('planned', 'scheduled', 'missed') AND held_on IS NULL AND due_on < :today
"""

OLD_UNFINISHED = """
SELECT id, pair_id, seq, held_on, notes = '', follow_up_sent, version FROM sessions
WHERE status = 'held' AND (notes = '' OR follow_up_sent = 0) AND held_on < :today
"""

# The active pairs: their wave and the last day a session was held (the last of the pair's
# held days that pair_totals keeps sorted, not a look-up among its sessions), else the day
# they started. Their people are read apart (_PEOPLE), for the items on screen first.
OLD_PAIRS = """
SELECT p.id, p.wave_id, coalesce(nullif(substr(t.held_days, -10), ''), p.started_on)
FROM pairs p
JOIN pair_totals t ON t.pair_id = p.id
WHERE p.status = 'active'
"""


def _old_build_queue(store: Store, today: dt.date, window: tuple[int, int] | None) -> triage.TriageQueue:
    today_text = today.isoformat()
    people: dict[int, tuple[str, str, str, str, str]] = {}
    pairs_sql = OLD_PAIRS if window is not None else triage._PAIRS_AND_PEOPLE
    with store.snapshot():
        waves = triage._waves(store)
        open_rows = store.query_tuples(OLD_OPEN, {"today": today_text})
        unfinished = store.query_tuples(OLD_UNFINISHED, {"today": today_text})
        pair_rows = {row[0]: row for row in store.query_tuples(pairs_sql)}
        marks = triage._marks(store)
    grace = {wave_id: w.grace_days for wave_id, w in waves.items()}
    notes_due = {wave_id: w.notes_due_days for wave_id, w in waves.items()}
    fromiso = dt.date.fromisoformat
    counts: Counter[str] = Counter()
    snoozed = 0

    def hidden(entity: str, entity_id: int) -> bool:
        mark = marks.get((entity, entity_id))
        return mark is not None and bool(mark.snoozed_until) and mark.snoozed_until > today_text  # type: ignore[operator]

    # Ranked rows: (-kind rank, -days, pair, seq, n, kind, session, day, session version);
    # the first five are unique, so sorting never compares further.
    ranked: list[tuple] = []
    overdue_by_pair: dict[int, list[tuple[int, int, int]]] = {}  # pair -> [(days, session, version)]
    rank = KIND_RANK
    # The rules are worked out once per wave and day, not per session: thousands of sessions
    # share a few hundred due (or held) days. wave -> day text -> (day, days late or None).
    overdue_days: dict[int, dict[str, tuple[dt.date, int | None]]] = {wave_id: {} for wave_id in waves}
    late_days: dict[int, dict[str, tuple[dt.date, int | None]]] = {wave_id: {} for wave_id in waves}
    overdue_rank = -rank["overdue"]
    for sid, pair_id, seq, due_on, version in open_rows:
        pair = pair_rows.get(pair_id)
        if pair is None:
            continue  # not an active pair
        known = overdue_days[pair[1]]
        found = known.get(due_on)
        if found is None:
            due = fromiso(due_on)
            found = known[due_on] = (due, days_overdue(due, grace[pair[1]], today))
        due, late = found
        if late is None:
            continue
        pair_late = overdue_by_pair.get(pair_id)
        if pair_late is None:
            overdue_by_pair[pair_id] = [(late, sid, version)]
        else:
            pair_late.append((late, sid, version))
        if marks and hidden("session", sid):
            snoozed += 1
            continue
        ranked.append((overdue_rank, -late, pair_id, seq, len(ranked), "overdue", sid, due, version))
    notes_rank, follow_up_rank = -rank["notes_late"], -rank["follow_up"]
    for sid, pair_id, seq, held_on, no_notes, follow_up, version in unfinished:
        pair = pair_rows.get(pair_id)
        if pair is None:
            continue
        known = late_days[pair[1]]
        found = known.get(held_on)
        if found is None:
            held = fromiso(held_on)
            found = known[held_on] = (held, days_late(held, notes_due[pair[1]], today))
        held, late = found
        if late is None:
            continue
        if no_notes:
            if marks and hidden("session", sid):
                snoozed += 1
            else:
                ranked.append((notes_rank, -late, pair_id, seq, len(ranked), "notes_late", sid, held, version))
        if not follow_up:
            if marks and hidden("session", sid):
                snoozed += 1
            else:
                ranked.append((follow_up_rank, -late, pair_id, seq, len(ranked), "follow_up", sid, held, version))
    details: dict[int, tuple[int, ...]] = {}
    quiet_before = {
        wave_id: (today - dt.timedelta(days=2 * w.cadence_days)).isoformat() for wave_id, w in waves.items()
    }
    # The cheap half of at_risk first, in bulk: most pairs are neither late twice nor quiet.
    late_twice = {pair_id for pair_id, late_sessions in overdue_by_pair.items() if len(late_sessions) >= 2}
    candidates = [
        (pair_id, pair)
        for pair_id, pair in pair_rows.items()
        if (pair[2] and pair[2] < quiet_before[pair[1]]) or pair_id in late_twice
    ]
    for pair_id, pair in candidates:
        late_sessions = overdue_by_pair.get(pair_id, ())
        last = pair[2]
        _, first, version = max(late_sessions) if late_sessions else (0, None, None)
        flag = at_risk(pair_id, len(late_sessions), last, waves[pair[1]].cadence_days, today, first)
        if flag is None:
            continue
        if marks and hidden("pair", pair_id):
            snoozed += 1
            continue
        details[pair_id] = flag.detail
        ranked.append((-rank["at_risk"], -flag.days, pair_id, 0, len(ranked), "at_risk", first, None, version))
    for answer in missing_answers(store, today):
        card = pair_rows.get(answer.pair_id)
        if card is None:
            card = triage._finished_pair(store, answer.pair_id, pairs_sql)
            if card is None:
                continue
            pair_rows[answer.pair_id] = card
        if marks and hidden("pair", answer.pair_id):
            snoozed += 1
            continue
        code = 2 * FEEDBACK_KINDS.index(answer.kind) + ROLES.index(answer.respondent) + 1
        late = (today - answer.due_on).days
        ranked.append((-rank["survey"], -late, answer.pair_id, code, len(ranked), "survey", None, answer.due_on, None))
    ranked.sort()
    counts.update(map(itemgetter(5), ranked))  # (counted in C)
    wave_names = {wave_id: w.name for wave_id, w in waves.items()}
    if window is not None:
        people = triage.read_people(store, sorted({row[2] for row in ranked[max(0, window[0]) : max(0, window[1])]}))
    return triage.TriageQueue(ranked, pair_rows, wave_names, marks, details, today, snoozed, counts, people)


def _lines(queue: triage.TriageQueue) -> list[tuple]:
    """Everything a queue's items hold, in order, then its counts and snoozed items."""
    return [(item.key, item.flag, item.pair, item.session_id, item.session_version, item.mark) for item in queue] + [
        (sorted(queue.counts.items()), queue.snoozed, len(queue))
    ]


def _old(store: Store, today: dt.date) -> list[tuple]:
    with collector_paused():
        return _lines(_old_build_queue(store, today, None))


def _windowed(store: Store, today: dt.date, window: tuple[int, int]) -> triage.TriageQueue:
    queue = triage.build_queue(store, today, window)
    queue.add_people(triage.read_people(store, queue.unread_pairs()))
    assert queue.complete
    return queue


@pytest.mark.parametrize("seed", range(8))
def test_the_queue_is_the_old_queue_on_scrambled_programmes(programme: Programme, seed: int) -> None:
    store = programme.store
    fill_scrambled(store, seed, TODAY)
    for today in DAYS:
        expected = _old(store, today)
        assert len(expected) > 20, "the programme has a queue"
        assert _lines(triage.build_queue(store, today)) == expected, today
        items = len(expected) - 1
        for window in [(0, 3), (5, 30), (0, items + 5), (items + 1, items + 9)]:
            assert _lines(_windowed(store, today, window)) == expected, (today, window)
        assert triage.build_queue(store, today).keys() == [line[0] for line in expected[:-1]]


@pytest.mark.parametrize("seed", range(8, 12))
def test_the_queue_holds_what_the_status_rules_flag_pair_by_pair(programme: Programme, seed: int) -> None:
    """A straightforward reference: each active pair's flags from its sessions (the timeline's
    rules), the survey answers missing, less what is snoozed; severest first."""
    store = programme.store
    fill_scrambled(store, seed, TODAY)
    waves = {wave.id: wave for wave in store.all(Wave)}
    marks = triage._marks(store)

    def snoozed(entity: str, entity_id: int) -> bool:
        mark = marks.get((entity, entity_id))
        return bool(mark and mark.snoozed_until and mark.snoozed_until > TODAY.isoformat())

    expected, hidden = [], 0
    for pair_id, wave_id, started_on in store.query_tuples(
        "SELECT id, wave_id, started_on FROM pairs WHERE status = 'active'"
    ):
        sessions = store.all(Session, "pair_id = ?", (pair_id,))
        flags = pair_flags(pair_id, started_on, sessions, waves[wave_id], TODAY)
        overdue = [(flag.days, flag.session_id) for flag in flags if flag.kind == "overdue"]
        for flag in flags:
            if flag.kind == "behind":
                continue
            if flag.kind == "at_risk":  # (the queue's at-risk line acts on the oldest overdue session)
                flag = flag._replace(session_id=max(overdue)[1] if overdue else None)
            on_pair = flag.kind == "at_risk"
            if snoozed("pair" if on_pair else "session", pair_id if on_pair else flag.session_id):
                hidden += 1
            else:
                expected.append(
                    (-KIND_RANK[flag.kind], -flag.days, pair_id, flag.seq or 0, flag.kind, flag.session_id, flag.reason)
                )
    for answer in missing_answers(store, TODAY):
        if snoozed("pair", answer.pair_id):
            hidden += 1
        else:
            code = 2 * FEEDBACK_KINDS.index(answer.kind) + ROLES.index(answer.respondent) + 1
            expected.append(
                (
                    -KIND_RANK["survey"],
                    -(TODAY - answer.due_on).days,
                    answer.pair_id,
                    code,
                    "survey",
                    None,
                    f"No {answer.kind}",
                )
            )
    queue = triage.build_queue(store, TODAY)
    got = [
        (
            -KIND_RANK[i.flag.kind],
            -i.flag.days,
            i.pair.id,
            2 * i.flag.detail[0] + i.flag.detail[1] + 1 if i.flag.kind == "survey" else i.flag.seq or 0,
            i.flag.kind,
            i.flag.session_id,
            i.flag.reason,
        )
        for i in queue
    ]
    assert [line[:6] for line in got] == [line[:6] for line in sorted(expected)]
    assert [line[6] for line in got if line[4] != "survey"] == [
        line[6] for line in sorted(expected) if line[4] != "survey"
    ]
    assert queue.snoozed == hidden
    assert dict(queue.counts) == dict(Counter(line[4] for line in expected))
