"""Programme health against the seeds' targets, for the whole programme and for each wave.

Each metric is a :class:`Metric`: a value with its numerator and denominator, the target
and whether it is met (None when there is no data yet, or the metric has no target). The
definitions (each function's docstring) are what the dashboard, the report and the tests
share; targets the seeds only describe in words are written down here with the figure chosen.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from rmtui.collector import collector_paused
from rmtui.db import Store
from rmtui.programme_settings import programme_settings
from rmtui.schedule import as_date
from rmtui.session_status import days_overdue
from rmtui.surveys import per_wave, pre_post_change, response_counts
from rmtui.text import clean

WEEKS_CHARTED = 26
COMPLETION_SHARE_OF_PLAN = 5 / 7  # The Hartford: at least five of the seven sessions
GOOD_RATING = 4  # "good" (4) or "one of the best experiences" (5) on a 1–5 scale


@dataclass(frozen=True)
class Metric:
    """One figure of programme health: value, how it was counted, target, and whether it is met."""

    key: str
    label: str
    value: float | None
    numerator: int = 0
    denominator: int = 0
    target: str = ""
    met: bool | None = None
    percent: bool = True

    def shown(self) -> str:
        """Return the value in words: "12% (3 of 25)", "4.5 a week", or "no data yet"."""
        if self.value is None:
            return "no data yet"
        if self.percent:
            return f"{self.value * 100:.0f}% ({self.numerator} of {self.denominator})"
        if self.key == "overdue":
            return f"{self.numerator}"
        if self.key == "pre_post":
            return f"{self.value:+.1f} ({self.numerator} rated both)"
        return f"{self.value:.1f} a week"


@dataclass(frozen=True)
class Health:
    """Every metric for one scope (the programme, or one wave) and the weekly sessions held."""

    scope: str
    wave_id: int | None
    metrics: list[Metric]
    held_per_week: list[int] = field(default_factory=list)

    def metric(self, key: str) -> Metric:
        return next(m for m in self.metrics if m.key == key)


def _share(key: str, label: str, numerator: int, denominator: int, target: str, at_most: float | None = None,
           at_least: float | None = None, above: float | None = None) -> Metric:
    if not denominator:
        return Metric(key, label, None, numerator, denominator, target, None)
    value = numerator / denominator
    met: bool | None = None
    if at_most is not None:
        met = value <= at_most + 1e-9
    elif at_least is not None:
        met = value >= at_least - 1e-9
    elif above is not None:
        met = value > above
    return Metric(key, label, value, numerator, denominator, target, met)


def drop_out(pairs: list[tuple], target: int = 15) -> Metric:
    """Drop-out rate: pairs closed early / pairs started (started = not a proposal). Target ≤ 15%.

    The seeds: 10–15% over a 6–12 month programme is normal; more signals poor design.
    """
    started = [p for p in pairs if p[3] != "proposed"]
    closed = sum(1 for p in started if p[3] == "closed_early")
    return drop_out_totals(closed, len(started), target)


def drop_out_totals(closed: int, started: int, target: int = 15) -> Metric:
    """Return :func:`drop_out` from its counts (pairs closed early, pairs started)."""
    return _share("drop_out", "Drop-out rate", closed, started, f"≤ {target}%", at_most=target / 100)


def completion(pairs: list[tuple], held: dict[int, int], target: int = 70) -> Metric:
    """Completion: finished mentees who held at least 5 of 7 sessions / finished mentees. Target ≥ 70%.

    A mentee is finished when they have a started pair and none still active or paused; their
    held sessions are summed over their pairs (a re-matched mentee keeps what they held). The
    bar is ⌈5/7 × sessions planned⌉ of their wave (5 for The Hartford's seven).
    """
    # Mentees still going are left out first (most pairs, mid-programme); then
    # mentee -> [most sessions planned, sessions held] over their started pairs.
    going = {p[2] for p in pairs if p[3] == "active" or p[3] == "paused"}
    mentees: dict[int, list] = {}
    for pair_id, _wave, mentee, status, _started, planned in pairs:
        if status == "proposed" or mentee in going:
            continue
        seen = mentees.get(mentee)
        if seen is None:
            seen = mentees[mentee] = [0, 0]
        if planned > seen[0]:
            seen[0] = planned
        seen[1] += held.get(pair_id, 0)
    finished = done = 0
    for planned, held_sessions in mentees.values():
        finished += 1
        done += held_sessions >= math.ceil(COMPLETION_SHARE_OF_PLAN * planned - 1e-9)
    return _share("completion", "Completion (≥ 5 of 7 held)", done, finished, f"≥ {target}%", at_least=target / 100)


def rematched_pairs(pairs: list[tuple]) -> set[int]:
    """Return the ids of started pairs whose mentee had an earlier pair closed early."""
    # Only the mentees who had a pair closed early can be re-matched: their pairs alone are
    # ordered (most mentees never had one; none at all is the common case).
    closers = {p[2] for p in pairs if p[3] == "closed_early"}
    if not closers:
        return set()
    ordered = sorted((p[4] or "", p[0], p[2], p[3]) for p in pairs if p[2] in closers and p[3] != "proposed")
    closed_before: set[int] = set()
    rematched: set[int] = set()
    for _started, pair_id, mentee, status in ordered:
        if mentee in closed_before:
            rematched.add(pair_id)
        if status == "closed_early":
            closed_before.add(mentee)
    return rematched


def rematch(pairs: list[tuple], wave_id: int | None = None, rematched: set[int] | None = None, target: int = 10) -> Metric:
    """Re-match rate: started pairs whose mentee had an earlier pair closed early / pairs started.

    For one wave, both counts are of that wave's pairs (the earlier pair may be in any wave).
    The seeds ask that re-matching be rare; rmtui reads "rare" as at most 10%. ``rematched``
    is :func:`rematched_pairs` of all pairs, when the caller has it already.
    """
    if rematched is None:
        rematched = rematched_pairs(pairs)
    started_ids = [p[0] for p in pairs if p[3] != "proposed" and (wave_id is None or p[1] == wave_id)]
    rematches = len(rematched.intersection(started_ids)) if rematched else 0
    return rematch_totals(rematches, len(started_ids), target)


def rematch_totals(rematches: int, started: int, target: int = 10) -> Metric:
    """Return :func:`rematch` from its counts (re-matched pairs, pairs started)."""
    return _share("rematch", "Re-match rate", rematches, started, f"≤ {target}%", at_most=target / 100)


def match_satisfaction(answers: list[tuple], target: int = 80) -> Metric:
    """Match satisfaction: mid-point answers (mentors and mentees) rating 4–5 / mid-point answers rated.

    ``answers`` are survey answers counted alike: (kind, respondent, rating, goal_achieved, count).
    The seeds want it "high"; rmtui reads that as at least 80%, like programme satisfaction.
    """
    rated = [a for a in answers if a[0] == "mid" and a[2] is not None]
    good = sum(a[4] for a in rated if a[2] >= GOOD_RATING)
    return match_satisfaction_totals(good, sum(a[4] for a in rated), target)


def match_satisfaction_totals(good: int, rated: int, target: int = 80) -> Metric:
    """Return :func:`match_satisfaction` from its counts (mid-point answers rated 4–5, rated)."""
    return _share("match_satisfaction", "Match satisfaction", good, rated, f"≥ {target}%", at_least=target / 100)


def goal_achievement(answers: list[tuple], target: int = 50) -> Metric:
    """Mentee goal achievement: mentees' post and close answers saying the goal was achieved / those answering.

    The seeds ask whether "most mentees achieved what they intended": more than half.
    """
    answered = [a for a in answers if a[0] in ("post", "close") and a[1] == "mentee" and a[3] is not None]
    achieved = sum(a[4] for a in answered if a[3])
    return goal_achievement_totals(achieved, sum(a[4] for a in answered), target)


def goal_achievement_totals(achieved: int, answered: int, target: int = 50) -> Metric:
    """Return :func:`goal_achievement` from its counts (answers saying achieved, answering)."""
    return _share("goal_achievement", "Mentee goals achieved", achieved, answered, f"> {target}%", above=target / 100)


def programme_satisfaction(answers: list[tuple], target: int = 80) -> Metric:
    """Programme satisfaction: mentees' post-programme ratings of 4–5 ("good" or "one of the best") / rated. Target ≥ 80%."""
    rated = [a for a in answers if a[0] == "post" and a[1] == "mentee" and a[2] is not None]
    good = sum(a[4] for a in rated if a[2] >= GOOD_RATING)
    return programme_satisfaction_totals(good, sum(a[4] for a in rated), target)


def programme_satisfaction_totals(good: int, rated: int, target: int = 80) -> Metric:
    """Return :func:`programme_satisfaction` from its counts (mentees' post ratings of 4–5, rated)."""
    return _share("programme_satisfaction", "Programme satisfaction", good, rated, f"≥ {target}%", at_least=target / 100)


def pre_post(ratings: list[tuple]) -> Metric:
    """Pre → post rating change: the mean of (post rating − pre rating) over the people who
    rated both surveys of their pair (no target; a positive figure means the programme helped).

    ``ratings`` are (pair, kind, respondent, rating) of pre and post answers.
    """
    value, people = pre_post_change(ratings)
    return Metric("pre_post", "Rating pre → post", value, people, people, "", None, percent=False)


def pre_post_totals(change: int, people: int) -> Metric:
    """Return :func:`pre_post` from its totals: the sum of (post − pre) over ``people`` who rated both."""
    value = change / people if people else None
    return Metric("pre_post", "Rating pre → post", value, people, people, "", None, percent=False)


def survey_response(received: int, owed: int) -> Metric:
    """Survey response rate: answers received / answers due by today (no target).

    What is due is :mod:`rmtui.surveys`' rule: pre at the first session, mid once the
    checkpoint session is held, post at completion, close when closed early; from the
    mentor and the mentee each (:func:`rmtui.surveys.response_counts`).
    """
    return _share("response", "Survey response rate", received, owed, "")


def sessions_per_week(weekly: list[int]) -> Metric:
    """Sessions held per week: the mean over the last four whole weeks before today (no target)."""
    recent = weekly[-4:]
    value = sum(recent) / len(recent) if recent else None
    return Metric("per_week", "Sessions held a week", value, sum(recent), len(recent), "", None, percent=False)


def overdue_count(count: int) -> Metric:
    """Overdue sessions: open sessions of active pairs past due plus the wave's grace days (no target)."""
    return Metric("overdue", "Overdue sessions", float(count), count, 0, "", None, percent=False)


def weekly_held(days: list[tuple[str, int]], today: dt.date, weeks: int = WEEKS_CHARTED) -> list[int]:
    """Return sessions held in each of the ``weeks`` seven-day spans ending yesterday, oldest first.

    ``days`` are (day, sessions held that day).
    """
    counts = [0] * weeks
    today = as_date(today)
    for day, held in days:
        back = (today - as_date(day)).days - 1
        if 0 <= back < 7 * weeks:
            counts[weeks - 1 - back // 7] += held
    return counts


# Pairs started and closed early, per wave ({columns}: surveys.per_wave's).
_STARTED = "SELECT {columns} FROM pairs"
_STARTED_COLUMNS = ("sum(status != 'proposed')", "sum(status = 'closed_early')")
# The pairs completion and the re-match rate look at (the whole pair list is not needed): every
# pair of each mentee who has a pair that ended. Only they can be finished (a started pair
# and none going) or re-matched (a pair closed early before).
_ENDED_MENTEES_PAIRS = """
SELECT p.id, p.wave_id, p.mentee_id, p.status, p.started_on, w.sessions_planned FROM pairs p JOIN waves w ON w.id = p.wave_id
WHERE p.mentee_id IN (SELECT mentee_id FROM pairs WHERE status IN ('completed', 'closed_early'))
"""
_HELD = """
SELECT pair_id, count(*) FROM sessions
WHERE status = 'held' AND pair_id IN (SELECT id FROM pairs WHERE status IN ('completed', 'closed_early'))
GROUP BY pair_id
"""
# The survey figures per wave, summed in SQL over the answers' per-pair totals (kept by
# triggers from the answers: see pair_answer_totals in db/schema.py) instead of grouping every
# answer: match satisfaction (good, rated), goals (achieved, answered), programme
# satisfaction (good, rated), pre → post (sum of post − pre, people who rated both).
_ANSWER_TOTALS = """
SELECT p.wave_id, sum(a.mid_good), sum(a.mid_rated), sum(a.goal_achieved), sum(a.goal_answered),
       sum(a.post_good), sum(a.post_rated), sum(a.pre_post_change), sum(a.pre_post_people)
FROM pair_answer_totals a JOIN pairs p ON p.id = a.pair_id
GROUP BY p.wave_id
"""
# Sessions held per wave and day, kept by triggers (held_per_day in db/schema.py).
_HELD_DAYS = """
SELECT wave_id, day, held FROM held_per_day WHERE day >= :since AND day < :today AND held != 0
"""
# Open sessions of active pairs past due, per due day (in the index's order: no sort) and
# wave ({columns}: surveys.per_wave's): the overdue rule is then worked out per day and wave.
_OPEN = """
SELECT s.due_on, {columns} FROM sessions s JOIN pairs p ON p.id = s.pair_id
WHERE s.status IN ('planned', 'scheduled', 'missed') AND s.held_on IS NULL AND s.due_on < :today AND p.status = 'active'
GROUP BY s.due_on
"""


def programme_health(store: Store, today: dt.date) -> list[Health]:
    """Return the health of the whole programme, then of each wave (oldest first).

    The targets are the programme's settings (``target_*``; the seeds' figures by default).
    """
    with collector_paused():
        return _programme_health(store, as_date(today))


def _programme_health(store: Store, today: dt.date) -> list[Health]:
    since = today - dt.timedelta(days=7 * WEEKS_CHARTED + 1)
    params = {"today": today.isoformat(), "since": since.isoformat()}
    with store.snapshot():
        rows = store.query_tuples("SELECT id, name, grace_days FROM waves ORDER BY starts_on, id")
        waves = [(row[0], clean(row[1])) for row in rows]
        grace = {row[0]: row[2] for row in rows}
        ids = sorted(grace)
        started = store.query_tuples(_STARTED.format(columns=per_wave(_STARTED_COLUMNS, ids)))[0] if ids else ()
        pairs = store.query_tuples(_ENDED_MENTEES_PAIRS)
        held = dict(store.query_tuples(_HELD))
        answers = {row[0]: row[1:] for row in store.query_tuples(_ANSWER_TOTALS)}
        held_days = store.query_tuples(_HELD_DAYS, params)
        open_days = store.query_tuples(_OPEN.format(columns=per_wave(("count(*)",), ids, "p.wave_id")), params) if ids else []
        responses = response_counts(store, today, ids)
        targets = programme_settings(store)
    overdue_by_wave: dict[int, int] = defaultdict(int)
    for due_on, *counts in open_days:
        due = dt.date.fromisoformat(due_on)
        for wave_id, count in zip(ids, counts):
            if count and days_overdue(due, grace[wave_id], today) is not None:
                overdue_by_wave[wave_id] += count
    # wave -> (pairs started, closed early)
    started_by_wave = {wave_id: (started[2 * n] or 0, started[2 * n + 1] or 0) for n, wave_id in enumerate(ids)}
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
            scoped_started = tuple(map(sum, zip((0, 0), *started_by_wave.values())))
            scoped_answers = whole
            scoped_days = [d for group in days_by_wave.values() for d in group]
            overdue = sum(overdue_by_wave.values())
            scoped_due = (sum(r for r, _ in responses.values()), sum(d for _, d in responses.values()))
        else:
            scoped_pairs = pairs_by_wave[wave_id]
            scoped_started = started_by_wave[wave_id]
            scoped_answers = answers.get(wave_id, none)
            scoped_days = days_by_wave[wave_id]
            overdue = overdue_by_wave.get(wave_id, 0)
            scoped_due = responses.get(wave_id, (0, 0))
        weekly = weekly_held(scoped_days, today)
        mid_good, mid_rated, achieved, answered, post_good, post_rated, change, people = scoped_answers
        metrics = [
            drop_out_totals(scoped_started[1], scoped_started[0], targets["target_drop_out"]),
            completion(scoped_pairs, held, targets["target_completion"]),  # (the same figure as over every pair)
            rematch_totals(len(rematched.intersection(p[0] for p in scoped_pairs)), scoped_started[0],
                           targets["target_rematch"]),
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
