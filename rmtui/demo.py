"""The demo programme: a deterministic, realistic reverse-mentoring programme to try rmtui on.

:func:`build_demo` fills an empty store with participants (junior mentors, senior mentees,
real reporting lines), a pilot wave that is mostly finished and a second wave in progress,
and pairs whose sessions show every state a coordinator triages relative to ``today``: on
track, overdue, notes late, follow-up missing, completed, paused, closed early, re-matched
and proposed. The same ``seed`` and ``today`` always give the same rows: every date and
timestamp derives from ``today`` and every choice from one ``random.Random(seed)``.

The build streams rows into one transaction so that 100,000 people take seconds, not
minutes, and never hold the whole programme in memory as dicts.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import json
import random
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pendulum

from rmtui.coaches import add_coach_in, assign_coach_in
from rmtui.db import Store, Wave, Writer
from rmtui.demo_data import (
    CLOSE_RATING_WEIGHTS,
    CLOSE_REASONS,
    COACHES,
    COMMENTS,
    CULTURE_NAMES,
    CULTURES,
    EARLY_CAREER_GOALS,
    FEATURED,
    FEATURED_NAMES,
    FOLLOW_UPS,
    HOBBIES,
    INTERESTS,
    LEADERSHIP_COMPETENCIES,
    LINES_OF_BUSINESS,
    LOB_NAMES,
    LOB_WEIGHTS,
    LOCATION_NAMES,
    LOCATION_WEIGHTS,
    LOCATIONS,
    MENTEE_DEGREES,
    MENTEE_EXPERIENCE,
    MENTEE_LEVEL_WEIGHTS,
    MENTEE_ROLE_STATEMENTS,
    MENTEE_TITLES,
    MENTOR_DEGREES,
    MENTOR_EXPERIENCE,
    MENTOR_LEVEL_WEIGHTS,
    MENTOR_ROLE_STATEMENTS,
    NOTE_OUTCOMES,
    OVERRIDE_REASONS,
    PAUSE_AGENDA,
    RATING_WEIGHTS,
    RATINGS,
    REMATCH_REASON,
    TEAMS,
    TOPICS,
    UNIVERSITIES,
    Featured,
)
from rmtui.schedule import checkpoint_seq, wave_session_days
from rmtui.surveys import Answer, record_answer_in
from rmtui.waves import insert_wave

EVERY_STATE_PEOPLE = 50  # the smallest demo guaranteed to show every state
MENTOR_SHARE = 0.45
CADENCE_DAYS = 21  # The Hartford: every three to four weeks
SESSIONS_PLANNED = 7  # The Hartford: seven sessions in a wave
SESSION_MINUTES = 60
GRACE_DAYS = 3
NOTES_DUE_DAYS = 3  # session notes are due within three days
CHECKPOINT_SEQ = checkpoint_seq(SESSIONS_PLANNED)  # the mid-point checkpoint (4 of 7)
BUILD_CACHE_KIB = 64 * 1024

Progress = Callable[[int, int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class DemoSummary:
    """How many rows of each kind the demo build wrote."""

    participants: int
    waves: int
    pairs: int
    sessions: int
    feedback: int


# -- the organisation -----------------------------------------------------------------------


# Letters NFKD does not decompose into an ASCII base letter.
_ASCII_LETTERS = str.maketrans({
    "ł": "l", "ø": "o", "ß": "ss", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d",
    "ı": "i", "ħ": "h",
})


def ascii_fold(text: str) -> str:
    """Return ``text`` lower-cased in plain ASCII letters ("Łukasz Wróbel" → "lukasz wrobel")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_ASCII_LETTERS))
    return "".join(ch for ch in decomposed if ch.isascii() and not unicodedata.combining(ch))


@functools.cache
def email_local_part(given: str, family: str) -> str:
    """Return ``firstname.lastname`` for an email, ASCII only ("Siobhán", "Ó Briain" → "siobhan.obriain")."""
    def part(text: str) -> str:
        return "".join(ch for ch in ascii_fold(text) if ch.isalnum() or ch == "-")

    return f"{part(given)}.{part(family)}"


@functools.lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def json_list(items: Iterable[str]) -> str:
    """Return ``json.dumps(items, ensure_ascii=False)`` for a list of strings, faster: the
    demo's strings come from short fixed lists, so their encodings are cached."""
    return "[" + ", ".join(map(_quoted, items)) + "]"


# -- profiles --------------------------------------------------------------------------------

_ZONES: dict[str, ZoneInfo] = {}


# -- the build -------------------------------------------------------------------------------

@dataclass
class _Pair:
    """One planned pair: who, when and how its sessions turn out."""

    id: int
    wave: int  # 1 = pilot, 2 = wave 2
    mentor: int
    mentee: int
    kind: str
    status: str
    start: int | None  # day ordinals
    dues: list[int] = field(default_factory=list)  # the master schedule's due days (ordinals)
    end: int | None = None
    last_held: int = SESSIONS_PLANNED  # closed early / paused: last session held
    pause: int | None = None
    close_reason: str | None = None
    created: int = 0
    topic: int = 0
    score: float = 0.0
    overrides: list[dict[str, Any]] = field(default_factory=list)
    checkpoint_held: int | None = None  # filled while writing sessions


class _DemoBuilder:
    """Plans and writes one demo programme; one instance per build."""

    def __init__(self, people: int, seed: int, today: dt.date, progress: Progress | None) -> None:
        self.rng = random.Random(seed)
        self.n = people
        self.today = today.toordinal()
        self.progress = progress
        self._iso: dict[int, str] = {}
        self._cumulative: dict[tuple[int, ...], list[int]] = {}
        pilot = pendulum.Date(today.year, today.month, today.day).subtract(months=7)
        self.wave_start = {1: self._monday(pilot.toordinal()), 2: self._monday(self.today - 70)}
        self.waves = {
            number: Wave(
                name=name, starts_on=self.iso(self.wave_start[number]), cadence_days=CADENCE_DAYS,
                sessions_planned=SESSIONS_PLANNED, session_minutes=SESSION_MINUTES, grace_days=GRACE_DAYS,
                notes_due_days=NOTES_DUE_DAYS,
            )
            for number, name in ((1, "Wave 1 (pilot)"), (2, "Wave 2"))
        }
        # per-participant columns (index = id - 1)
        self.role: list[str] = []
        self.level: list[int] = []
        self.lob: list[str] = []
        self.dept: list[str] = []
        self.team: list[str] = []
        self.location: list[str] = []
        self.hobbies: list[tuple[int, ...]] = []
        self.interests: list[tuple[int, ...]] = []
        self.topics: list[tuple[int, ...]] = []
        self.manager: list[int | None] = []
        self.featured: dict[int, Featured] = {}
        self.status: list[str] = []
        self.capacity: list[int] = []
        self.created: list[int] = []
        self.updated: list[int] = []
        self.given: list[str] = []
        self.pairs: list[_Pair] = []
        self.done = 0
        self.total = 1

    # -- chance ----------------------------------------------------------------------
    # random.Random's choice/randint/sample are several times slower than random() itself,
    # which matters at 100,000 people; these draw from the same seeded generator.

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        """Return a whole number from ``low`` to ``high`` inclusive."""
        return low + int(self.rng.random() * (high - low + 1))

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        """Return ``k`` different items of ``items`` (k much smaller than len(items))."""
        chosen: list[int] = []
        while len(chosen) < k:
            index = int(self.rng.random() * len(items))
            if index not in chosen:
                chosen.append(index)
        return [items[index] for index in chosen]

    def weighted(self, items: Sequence[T], weights: tuple[int, ...]) -> T:
        cumulative = self._cumulative.get(weights)
        if cumulative is None:
            cumulative = self._cumulative[weights] = list(itertools.accumulate(weights))
        return items[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]

    # -- dates -----------------------------------------------------------------------

    @staticmethod
    def _monday(ordinal: int) -> int:
        return ordinal - (ordinal - 1) % 7

    def iso(self, ordinal: int) -> str:
        text = self._iso.get(ordinal)
        if text is None:
            text = self._iso[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        return text

    def instant(self, ordinal: int) -> str:
        """Return a working-hours UTC instant on day ``ordinal`` (never after today)."""
        ordinal = min(ordinal, self.today - 1)
        hour, minute = divmod(int(self.rng.random() * 600), 60)
        return f"{self.iso(ordinal)}T{8 + hour:02d}:{minute:02d}:00Z"

    def stamps(self, created: int, updated: int) -> dict[str, str]:
        """Return created_at and updated_at instants, the update never before the creation."""
        created_at = self.instant(created)
        if min(updated, self.today - 1) <= min(created, self.today - 1):
            return {"created_at": created_at, "updated_at": created_at}
        return {"created_at": created_at, "updated_at": self.instant(updated)}

    def _weekday(self, ordinal: int) -> int:
        """Move a weekend day to the nearest weekday (Saturday back, Sunday forward)."""
        weekday = (ordinal - 1) % 7
        if weekday == 5:
            return ordinal - 1
        if weekday == 6:
            return ordinal + 1
        return ordinal

    def due(self, pair: _Pair, seq: int) -> int:
        """Return the due day (ordinal) of session ``seq``: the master schedule's rule."""
        return pair.dues[seq - 1]

    # -- progress --------------------------------------------------------------------

    def advance(self, rows: int) -> None:
        self.done = min(self.total, self.done + rows)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def counted(self, rows: Iterable[Mapping[str, Any]], every: int = 5000) -> Iterator[Mapping[str, Any]]:
        pending = 0
        for row in rows:
            yield row
            pending += 1
            if pending == every:
                self.advance(pending)
                pending = 0
        if pending:
            self.advance(pending)

    # -- people ----------------------------------------------------------------------

    def plan_people(self) -> None:
        """Draw every participant's role, grade, organisation, location and interests."""
        rng, n = self.rng, self.n
        mentors = round(n * MENTOR_SHARE)
        roles = ["mentor"] * mentors + ["mentee"] * (n - mentors)
        rng.shuffle(roles)
        self.role = roles
        early = list(range(min(n, 30)))
        rng.shuffle(early)
        for person in FEATURED:
            index = next((i for i in early if roles[i] == person.role and i not in self.featured), None)
            if index is not None:
                self.featured[index] = person
        topics = range(len(TOPICS))
        hobbies, interests = range(len(HOBBIES)), range(len(INTERESTS))
        sample, between = self.sample, self.between
        for i in range(n):
            lob = self.weighted(LOB_NAMES, LOB_WEIGHTS)
            dept = self.pick(LINES_OF_BUSINESS[lob][1])
            featured = self.featured.get(i)
            if roles[i] == "mentor":
                level = self.weighted(*MENTOR_LEVEL_WEIGHTS)
            else:
                level = self.weighted(*MENTEE_LEVEL_WEIGHTS)
            if featured is not None:
                location = featured.location
                if featured.name == "John Smith":
                    lob, dept, level = "Claims", "Property Claims", 7
            else:
                location = self.weighted(LOCATION_NAMES, LOCATION_WEIGHTS)
            self.lob.append(lob)
            self.dept.append(dept)
            self.team.append(self.pick(TEAMS[dept]))
            self.level.append(level)
            self.location.append(location)
            self.hobbies.append(tuple(sample(hobbies, between(2, 4))))
            self.interests.append(tuple(sample(interests, between(2, 4))))
            self.topics.append(tuple(sample(topics, between(3, 4))))
        self.status = ["active"] * n
        self.capacity = [1] * n
        self.created = [0] * n
        self.updated = [0] * n
        self.plan_reporting_lines()

    def plan_reporting_lines(self) -> None:
        """Give mentees managers above them in their line of business, and many mentors a
        manager among the mentees of their department (so reporting-line rules bite)."""
        rng = self.rng
        by_lob: dict[tuple[str, int], list[int]] = {}
        by_dept: dict[tuple[str, int], list[int]] = {}
        for i in range(self.n):
            if self.role[i] == "mentee":
                by_lob.setdefault((self.lob[i], self.level[i]), []).append(i)
                by_dept.setdefault((self.dept[i], self.level[i]), []).append(i)
        manager: list[int | None] = [None] * self.n
        for i in range(self.n):
            if self.role[i] == "mentee":
                above = range(self.level[i] + 1, 11)
                near = [by_dept.get((self.dept[i], lv)) for lv in above] if rng.random() < 0.7 else []
                groups = [g for g in near if g] or [g for lv in above if (g := by_lob.get((self.lob[i], lv)))]
                if groups:
                    group = groups[0] if len(groups) == 1 or rng.random() < 0.7 else groups[1]
                    manager[i] = self.pick(group)
            elif rng.random() < 0.55:
                seniors = by_dept.get((self.dept[i], 6)) or by_dept.get((self.dept[i], 7))
                if seniors:
                    manager[i] = self.pick(seniors)
        self.manager = manager

    def in_reporting_line(self, a: int, b: int) -> bool:
        """True when ``a`` manages ``b`` (at any distance) or the other way round."""
        for low, high in ((a, b), (b, a)):
            seen, boss = 0, self.manager[low]
            while boss is not None and seen < 20:
                if boss == high:
                    return True
                boss, seen = self.manager[boss], seen + 1
        return False

    # -- pairing ---------------------------------------------------------------------

    def match_score(self, mentor: int, mentee: int) -> float:
        shared = len(set(self.hobbies[mentor]) & set(self.hobbies[mentee]))
        shared += len(set(self.interests[mentor]) & set(self.interests[mentee]))
        offered = len(set(self.topics[mentor]) & set(self.topics[mentee]))
        return min(0.99, 0.45 + 0.07 * shared + 0.09 * offered + self.rng.random() * 0.08)

    def pick_mentor(self, pool: list[int], mentee: int, *, same_lob: bool = False) -> int | None:
        """Take the best of a few random mentors from another line of business (or, for an
        overridden pair, from the mentee's line of business but another department)."""
        rng = self.rng

        def fits(mentor: int) -> bool:
            if same_lob:
                return (
                    self.lob[mentor] == self.lob[mentee]
                    and self.dept[mentor] != self.dept[mentee]
                    and not self.in_reporting_line(mentor, mentee)
                )
            return self.lob[mentor] != self.lob[mentee]

        best, best_score = -1, -1.0
        for attempt in range(60 if same_lob else 6):
            if not pool or (best >= 0 and attempt >= 4):
                break
            index = int(rng.random() * len(pool))
            if fits(pool[index]):
                score = self.match_score(pool[index], mentee)
                if score > best_score:
                    best, best_score = index, score
        if best < 0:
            best = next((k for k, m in enumerate(pool) if fits(m)), -1)
            if best < 0:
                return None
        mentor = pool[best]
        pool[best] = pool[-1]
        pool.pop()
        return mentor

    def plan_pairs(self) -> None:
        """Match mentors to mentees and decide how each pair's programme has gone so far."""
        rng = self.rng
        mentors = [i for i in range(self.n) if self.role[i] == "mentor"]
        mentees = [i for i in range(self.n) if self.role[i] == "mentee"]
        rng.shuffle(mentors)
        rng.shuffle(mentees)
        reserve_mentors = max(3, round(len(mentors) * 0.18))
        reserve_mentees = max(3, round(len(mentees) * 0.12))
        # Every state a coordinator triages, present even in the smallest demo.
        required = [
            (1, "completed"), (1, "completed"), (1, "completed_missed"),
            (1, "closed_early_moved_role"), (1, "late_finisher"),
            (2, "on_track_two_mentees"), (2, "on_track"), (2, "on_track_override"),
            (2, "overdue"), (2, "overdue"), (2, "notes_late"), (2, "missing_followup"),
            (2, "bumpy"), (2, "paused"), (2, "rematch"), (0, "proposed"), (0, "proposed"),
        ]
        pilot_kinds = ("completed", "completed_missed", "late_finisher", "closed_early")
        pilot_weights = (76, 8, 5, 11)
        wave2_kinds = ("on_track", "overdue", "notes_late", "missing_followup", "bumpy", "paused", "closed_early", "rematch")
        wave2_weights = (52, 15, 10, 6, 6, 3, 5, 3)
        plans = iter(required)
        spare_capacity_given = False
        while True:
            plan = next(plans, None)
            if plan is None:
                if len(mentors) <= reserve_mentors + 1 or len(mentees) <= reserve_mentees:
                    break
                draw = rng.random()
                if draw < 0.04:
                    plan = (0, "proposed")
                elif draw < 0.26:
                    plan = (1, self.weighted(pilot_kinds, pilot_weights))
                else:
                    plan = (2, self.weighted(wave2_kinds, wave2_weights))
                    if plan[1] == "on_track" and rng.random() < 0.03:
                        plan = (2, "on_track_override")
            wave, kind = plan
            if not mentees:
                break
            mentee = mentees.pop()
            mentor = self.pick_mentor(mentors, mentee, same_lob=kind == "on_track_override")
            if mentor is None and kind == "on_track_override":
                kind = "on_track"
                mentor = self.pick_mentor(mentors, mentee)
            if mentor is None:
                mentees.append(mentee)
                break
            self.add_pair(wave, kind, mentor, mentee)
            if kind == "on_track_two_mentees":
                self.capacity[mentor] = 2
                second = self.take_mentee(mentees, mentor)
                if second is not None:
                    self.add_pair(2, "on_track", mentor, second)
            elif kind == "rematch":
                again = self.pick_mentor(mentors, mentee)
                if again is not None:
                    self.add_pair(2, "rematched", again, mentee, after=self.pairs[-1])
            elif wave == 2 and not spare_capacity_given and kind == "bumpy":
                self.capacity[mentor] = 2  # a mentor with room for one more mentee
                spare_capacity_given = True
            elif wave == 2 and rng.random() < 0.015:
                self.capacity[mentor] = 2
        self.plan_unpaired(mentors, "mentor")
        self.plan_unpaired(mentees, "mentee")

    def take_mentee(self, mentees: list[int], mentor: int) -> int | None:
        for k in range(len(mentees) - 1, -1, -1):
            if self.lob[mentees[k]] != self.lob[mentor]:
                return mentees.pop(k)
        return None

    def add_pair(self, wave: int, kind: str, mentor: int, mentee: int, after: _Pair | None = None) -> None:
        """Plan one pair's dates and outcome, and the statuses it gives its two people."""
        rng = self.rng
        today = self.today
        pair = _Pair(
            id=len(self.pairs) + 1, wave=wave or 2, mentor=mentor, mentee=mentee, kind=kind,
            status="active", start=None,
        )
        shared_topics = [t for t in self.topics[mentee] if t in self.topics[mentor]]
        pair.topic = shared_topics[0] if shared_topics else self.topics[mentee][0]
        pair.score = round(self.match_score(mentor, mentee), 2)
        pair.created = self.wave_start[pair.wave] - self.between(7, 20)
        if kind == "proposed":
            pair.status = "proposed"
            pair.created = today - self.between(1, 10)
            pair.score = round(max(pair.score, 0.6), 2)
            self.people_status(pair, "applicant", "applicant", pair.created - self.between(5, 40))
            self.pairs.append(pair)
            return
        if after is not None:
            assert after.end is not None
            confirmed = self._weekday(after.end + self.between(7, 10))
            pair.created = after.end + self.between(2, 5)
        else:
            confirmed = self.wave_start[pair.wave] + self.pick((0, 0, 0, 1, 2, 3))  # some a few days late
        # The plan a coordinator's confirmation makes: the same function as confirm_pair's.
        pair.dues = [day.toordinal() for day in wave_session_days(self.waves[pair.wave], dt.date.fromordinal(confirmed))]
        pair.start = pair.dues[0]
        intake = pair.created - self.between(14, 50)
        if kind in ("completed", "completed_missed"):
            pair.status = "completed"
            pair.end = self.due(pair, SESSIONS_PLANNED) + self.between(2, 9)
            done = "alumni" if rng.random() < 0.7 else "active"
            self.people_status(pair, done, done, intake, pair.end + self.between(1, 14))
        elif kind in ("closed_early", "closed_early_moved_role", "rematch"):
            pair.status = "closed_early"
            if kind == "rematch":
                pair.last_held = 2
                reason, leaver = REMATCH_REASON, None
            else:
                last_past = max(s for s in range(1, SESSIONS_PLANNED + 1) if self.due(pair, s) + 7 < today)
                pair.last_held = self.between(1, max(1, min(last_past, SESSIONS_PLANNED - 1)))
                if kind == "closed_early_moved_role":
                    reason, leaver = CLOSE_REASONS[0]
                else:
                    reason, leaver = self.pick(CLOSE_REASONS)
            pair.end = min(self.due(pair, pair.last_held) + self.between(3, 9), today - 1)
            pair.close_reason = reason
            self.people_status(
                pair,
                "withdrawn" if leaver == "mentor" else "active",
                "withdrawn" if leaver == "mentee" else "active",
                intake,
                pair.end + 1,
            )
        elif kind == "paused":
            pair.status = "paused"
            pair.last_held = self.between(2, 3)
            pair.pause = self.due(pair, pair.last_held) + self.between(4, 10)
            self.people_status(pair, "active", "active", intake, pair.pause)
        else:
            self.people_status(pair, "active", "active", intake)
        if kind == "on_track_override":
            pair.overrides = [{
                "rule": "different_line_of_business",
                "reason": self.pick(OVERRIDE_REASONS),
                "who": "coordinator",
                "when": self.instant(pair.created),
            }]
        self.pairs.append(pair)

    def people_status(self, pair: _Pair, mentor: str, mentee: str, created: int, changed: int | None = None) -> None:
        for person, status in ((pair.mentor, mentor), (pair.mentee, mentee)):
            if self.created[person] == 0 or created < self.created[person]:
                self.created[person] = created
            self.status[person] = status  # a later pair (a re-match, a second mentee) decides
            last = min(changed if changed is not None else created, self.today - 1)
            self.updated[person] = max(self.updated[person], last, self.created[person])

    def plan_unpaired(self, people: list[int], role: str) -> None:
        """People not in a pair: recent applicants, people waiting for a match, withdrawals."""
        rng = self.rng
        for person in people:
            draw = rng.random()
            if draw < 0.45:
                status, created = "applicant", self.today - self.between(2, 45)
            elif draw < (0.88 if role == "mentee" else 0.85):
                status, created = "active", self.wave_start[2] - self.between(7, 50)
            else:
                status, created = "withdrawn", self.wave_start[2] - self.between(10, 60)
            self.status[person] = status
            self.created[person] = created
            later = created if status == "applicant" else created + self.between(5, 40)
            self.updated[person] = min(later, self.today - 1)

    # -- rows ------------------------------------------------------------------------

    def participant_rows(self) -> Iterator[dict[str, Any]]:
        """Yield every participant as a row, drawing names and profile text as it goes."""
        rng = self.rng
        used_emails: dict[str, int] = {}
        dumps = json.dumps
        no_attributes = dumps({})
        for i in range(self.n):
            featured = self.featured.get(i)
            location = self.location[i]
            if featured is not None:
                given, family, name = featured.given, featured.family, featured.name
                culture = CULTURES[featured.culture]
            else:
                local = LOCATIONS[location][2]
                key = self.pick(local) if rng.random() < 0.6 else self.pick(CULTURE_NAMES)
                culture = CULTURES[key]
                while True:
                    given, family = self.pick(culture.given), self.pick(culture.family)
                    name = f"{family} {given}" if culture.family_first else f"{given} {family}"
                    if name not in FEATURED_NAMES:
                        break
            self.given.append(given.split()[-1] if culture.family_first else given)
            base = email_local_part(given.split()[-1] if culture.family_first else given, family)
            count = used_emails.get(base, 0) + 1
            used_emails[base] = count
            # names hold no digits, so "john.smith2" can never be another person's base
            email = f"{base}@example.com" if count == 1 else f"{base}{count}@example.com"
            role, level, lob, dept = self.role[i], self.level[i], self.lob[i], self.dept[i]
            created = self.created[i]
            fill = {
                "dept": dept, "team": self.team[i], "lob": lob, "location": location,
                "n": self.between(3, 12), "budget": f"£{self.between(2, 90)}",
                "years": self.between(12, 30),
            }
            topics = self.topics[i]
            if role == "mentor":
                title = self.pick(LINES_OF_BUSINESS[lob][2])
                title = {1: f"Graduate {title}", 4: f"Senior {title}"}.get(level, title)
                joined = created - int(rng.triangular(30, 1800, 200))
                statements = self.sample(MENTOR_ROLE_STATEMENTS, self.between(3, 5))
                goals = self.sample(EARLY_CAREER_GOALS, self.between(2, 3))
                competencies = [TOPICS[t][1] for t in topics]
                experience = self.pick(MENTOR_EXPERIENCE)
                education = f"{self.pick(MENTOR_DEGREES)}, {self.pick(UNIVERSITIES)}"
                generation = "Gen Z" if rng.random() < 0.8 else "Millennial"
            else:
                if level == 10:
                    title = LINES_OF_BUSINESS[lob][3]
                else:
                    title = MENTEE_TITLES[level].format(dept=dept, lob=lob)
                if featured is not None and featured.name == "John Smith":
                    title = "Director of Claims"
                joined = created - self.between(6 * 365, 30 * 365)
                statements = self.sample(MENTEE_ROLE_STATEMENTS, self.between(3, 5))
                goals = [TOPICS[t][0] for t in topics]
                competencies = self.sample(LEADERSHIP_COMPETENCIES, self.between(3, 4))
                experience = self.pick(MENTEE_EXPERIENCE)
                education = f"{self.pick(MENTEE_DEGREES)}, {self.pick(UNIVERSITIES)}"
                generation = self.weighted(("Gen X", "Baby Boomer", "Millennial"), (60, 22, 18))
            attributes = f'{{"generation": "{generation}"}}' if rng.random() < 0.6 else no_attributes
            manager = self.manager[i]
            yield {
                "id": i + 1,
                "name": name,
                "email": email,
                "role": role,
                "job_title": title,
                "level": level,
                "line_of_business": lob,
                "department": dept,
                "team": self.team[i],
                "manager_id": None if manager is None else manager + 1,
                "location": location,
                "timezone": LOCATIONS[location][0],
                "joined_on": self.iso(joined),
                "current_role": dumps([s.format(**fill) for s in statements], ensure_ascii=False),
                "development_goals": json_list(goals),
                "competencies": json_list(competencies),
                "past_experience": experience.format(**fill),
                "education": education,
                "birthplace": self.pick(culture.birthplaces),
                "hobbies": json_list([HOBBIES[h] for h in self.hobbies[i]]),
                "interests": json_list([INTERESTS[h] for h in self.interests[i]]),
                "capacity": self.capacity[i],
                "consent_share": 1 if rng.random() < 0.85 else 0,
                "attributes": attributes,
                "status": self.status[i],
                **self.stamps(created, self.updated[i]),
            }

    def pair_rows(self) -> Iterator[dict[str, Any]]:
        for pair in self.pairs:
            changed = pair.end or pair.pause or pair.start or pair.created
            yield {
                "id": pair.id,
                "wave_id": pair.wave,
                "mentor_id": pair.mentor + 1,
                "mentee_id": pair.mentee + 1,
                "status": pair.status,
                "started_on": None if pair.start is None else self.iso(pair.start),
                "ended_on": None if pair.end is None else self.iso(pair.end),
                "close_reason": pair.close_reason,
                "score": pair.score,
                "overrides": json.dumps(pair.overrides, ensure_ascii=False),
                **self.stamps(pair.created, max(changed - self.between(0, 3), pair.created)),
            }

    def session_rows(self) -> Iterator[dict[str, Any]]:
        for pair in self.pairs:
            if pair.start is not None:
                yield from self.sessions_of(pair)

    def sessions_of(self, pair: _Pair) -> list[dict[str, Any]]:
        """Return the seven sessions of ``pair`` as they stand today."""
        rng, today = self.rng, self.today
        kind = pair.kind
        assert pair.start is not None, "only a started pair has sessions"
        started = pair.start
        dues = [self.due(pair, s) for s in range(1, SESSIONS_PLANNED + 1)]
        past = [s for s, d in enumerate(dues, 1) if d + GRACE_DAYS < today]
        skipped: set[int] = set()  # past sessions not held: the overdue ones
        missed: dict[int, str] = {}
        if kind == "overdue" and past:
            skipped.add(past[-1])
            if len(past) > 2 and rng.random() < 0.3:
                skipped.add(past[-2])
        elif kind == "late_finisher":
            skipped.add(SESSIONS_PLANNED)
        elif kind in ("bumpy", "completed_missed"):
            choices = [s for s in past[:-1] if s not in (1, CHECKPOINT_SEQ)]
            if choices:
                missed[self.pick(choices)] = self.pick(("missed", "cancelled"))
        stopped = pair.status in ("closed_early", "paused")
        rows: list[dict[str, Any]] = []
        held_on: dict[int, int] = {}
        posted_on: dict[int, int] = {}
        next_scheduled = False
        topic = TOPICS[pair.topic]
        for seq, due in enumerate(dues, 1):
            status, held, posted, scheduled_at = "planned", None, None, None
            if stopped and seq > pair.last_held:
                status = "cancelled" if pair.status == "closed_early" or due < today else "planned"
            elif seq in missed:
                status = missed[seq]
            elif seq in skipped:
                if rng.random() < 0.3:
                    status, scheduled_at = "scheduled", self.scheduled_at(pair, due)
            elif due < today and not skipped.intersection(range(1, seq)):
                held = min(self._weekday(due + self.pick((-1, 0, 0, 0, 1, 2))), today - 1)
                held = max(held, pair.start or held)
                if pair.end is not None:
                    held = min(held, pair.end)
                if held >= today - 1 and due + GRACE_DAYS >= today and rng.random() < 0.5:
                    held = None  # it is this week: not recorded yet, and not overdue
                    status, scheduled_at = "scheduled", self.scheduled_at(pair, due)
                else:
                    status = "held"
                    delay = self.pick((0, 0, 1, 1, 1, 2, 3))
                    if pair.wave == 1 and rng.random() < 0.08:
                        delay = self.between(4, 6)  # the pilot's notes were sometimes late
                    if held + delay <= today - 1:
                        posted = held + delay
            elif not skipped and not next_scheduled and pair.status == "active":
                next_scheduled = True
                if rng.random() < 0.8:
                    status, scheduled_at = "scheduled", self.scheduled_at(pair, due)
            if held is not None:
                held_on[seq] = held
                if posted is not None:
                    posted_on[seq] = posted
            if seq == 1:
                agenda = "Getting started"
            elif seq == CHECKPOINT_SEQ:
                agenda = "Mid-point checkpoint"
            elif seq == SESSIONS_PLANNED:
                agenda = "Wrap-up: what we learned and what comes next"
            elif status in ("held", "scheduled", "missed", "cancelled") or seq <= 3:
                agenda = topic[2][seq % 2]
            else:
                agenda = ""
            if status == "cancelled" and pair.status == "paused":
                agenda = PAUSE_AGENDA
            rows.append({
                "pair_id": pair.id,
                "seq": seq,
                "due_on": self.iso(due),
                "scheduled_at": scheduled_at,
                "held_on": None if held is None else self.iso(held),
                "status": status,
                "checkpoint": 1 if seq == CHECKPOINT_SEQ else 0,
                "agenda": agenda,
                "notes": "",
                "notes_posted_on": None,
                "follow_up_sent": 0,
                "updated_at": "",
            })
        # The pair's problem is its latest session whose notes were due before today.
        late_enough = [s for s in held_on if held_on[s] + NOTES_DUE_DAYS < today]
        no_follow_up: set[int] = set()
        if kind == "notes_late" and late_enough:
            posted_on.pop(late_enough[-1], None)
        elif kind == "missing_followup" and late_enough:
            seq = late_enough[-1]
            posted_on.setdefault(seq, held_on[seq] + self.between(0, NOTES_DUE_DAYS))
            no_follow_up.add(seq)
        mentee_name = self.given[pair.mentee]
        for row in rows:
            seq = row["seq"]
            if seq in posted_on:
                row["notes"] = (
                    f"{row['agenda']}. {self.pick(NOTE_OUTCOMES)} "
                    f"{mentee_name} will {self.pick(FOLLOW_UPS)}."
                )
                row["notes_posted_on"] = self.iso(posted_on[seq])
                row["follow_up_sent"] = 0 if seq in no_follow_up else 1
                last = posted_on[seq]
            else:
                row["notes_posted_on"] = None
                row["follow_up_sent"] = 0
                last = held_on.get(seq, pair.pause or pair.end or started - self.between(3, 7))
            row["updated_at"] = self.instant(last)
        pair.checkpoint_held = held_on.get(CHECKPOINT_SEQ)
        return rows

    def scheduled_at(self, pair: _Pair, day: int) -> str:
        """Return the agreed instant (UTC) of a session, in the mentee's working hours."""
        name = LOCATIONS[self.location[pair.mentee]][0]
        zone = _ZONES.get(name) or _ZONES.setdefault(name, ZoneInfo(name))
        local = dt.date.fromordinal(day)
        start = dt.datetime(
            local.year, local.month, local.day, self.between(9, 16),
            self.pick((0, 30)), tzinfo=zone,
        )
        return start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def feedback_rows(self) -> Iterator[dict[str, Any]]:
        """Yield the surveys each pair has reached: pre, mid-point, post and close."""
        rng, today = self.rng, self.today
        for pair in self.pairs:
            if pair.start is None:
                continue
            moments: list[tuple[str, int, tuple[int, ...]]] = [
                ("pre", pair.start - self.between(1, 6), RATING_WEIGHTS),
            ]
            if pair.checkpoint_held is not None and pair.checkpoint_held + 1 < today:
                moments.append(("mid", pair.checkpoint_held + self.between(1, 6), RATING_WEIGHTS))
            if pair.status == "completed" and pair.end is not None:
                moments.append(("post", pair.end + self.between(0, 10), RATING_WEIGHTS))
            if pair.status == "closed_early" and pair.end is not None:
                moments.append(("close", pair.end + self.between(0, 5), CLOSE_RATING_WEIGHTS))
            for kind, day, weights in moments:
                for respondent in ("mentor", "mentee"):
                    if rng.random() < 0.1:
                        continue  # not everyone answers every survey
                    goal: int | None = None
                    if respondent == "mentee" and kind == "post":
                        goal = 1 if rng.random() < 0.78 else 0
                    elif respondent == "mentee" and kind == "close":
                        goal = 1 if rng.random() < 0.25 else 0
                    yield {
                        "pair_id": pair.id,
                        "kind": kind,
                        "respondent": respondent,
                        "rating": self.weighted(RATINGS, weights),
                        "goal_achieved": goal,
                        "comment": self.pick(COMMENTS[kind]),
                        "submitted_on": self.iso(min(day, today - 1)),
                    }

    # -- writing ---------------------------------------------------------------------

    def write(self, w: Writer, seed: int) -> DemoSummary:
        started = sum(1 for p in self.pairs if p.start is not None)
        self.total = self.n + len(self.pairs) + started * SESSIONS_PLANNED
        self.advance(0)
        # Managers may have higher ids than their reports: check references at commit.
        w.execute("PRAGMA defer_foreign_keys = ON")
        w.set_setting("programme_name", f"Reverse Mentoring {dt.date.fromordinal(self.today).year}")
        w.set_setting("timezone", "Europe/London")
        participants = w.insert_many("participants", self.counted(self.participant_rows()))
        stored = [insert_wave(w, wave) for wave in self.waves.values()]  # the one writer of waves
        assert [wave.id for wave in stored] == list(self.waves), "the demo's waves are numbered 1 and 2"
        waves = len(stored)
        pairs = w.insert_many("pairs", self.counted(self.pair_rows()))
        sessions = w.insert_many("sessions", self.counted(self.session_rows()))
        feedback = build_coaches_and_answers(self, w)
        w.audit("programme", None, "demo", None, {"people": self.n, "seed": seed})
        return DemoSummary(participants, waves, pairs, sessions, feedback)


def coach_email(name: str) -> str:
    """Return a demo coach's email ("Priya Raman (HR)" → "priya.raman@hr.example")."""
    given, family = name.split(" (")[0].split(" ", 1)
    return f"{email_local_part(given, family)}@hr.example"


def build_coaches_and_answers(builder: _DemoBuilder, w: Writer) -> int:
    """Add the demo's coaches, give each pair its coach and record the survey answers, all
    through the coordinator's services (:mod:`rmtui.coaches`, :mod:`rmtui.surveys`), inside
    the build's transaction; return how many answers. (Issue 11: the demo is never the only
    writer of a table.) The build's one audit row covers them, as it covers the pairs.
    """
    ids = [add_coach_in(w, name, coach_email(name), audit=False).id for name in COACHES]
    for pair in builder.pairs:
        assign_coach_in(w, pair.id, ids[pair.id % len(ids)], audit=False)
    answers = 0
    for row in builder.feedback_rows():
        goal = row["goal_achieved"]
        answer = Answer(row["kind"], row["respondent"], row["rating"], None if goal is None else bool(goal), row["comment"])
        record_answer_in(w, row["pair_id"], answer, dt.date.fromisoformat(row["submitted_on"]), audit=False)
        answers += 1
    return answers


def _existing_programme(execute: Callable[[str], Any]) -> tuple[int, int]:
    row = execute("SELECT (SELECT count(*) FROM participants), (SELECT count(*) FROM waves)")
    return int(row[0]), int(row[1])


def build_demo(
    store: Store,
    *,
    people: int = 60,
    seed: int = 7,
    today: dt.date,
    progress: Progress | None = None,
    mark_demo: bool = False,
) -> DemoSummary:
    """Build the demo programme into the empty ``store`` in one transaction; return the counts.

    ``today`` anchors every date, so the same ``seed`` and ``today`` give the same rows.
    From ``EVERY_STATE_PEOPLE`` people up every session and pair state is present; smaller
    demos show what their people allow. ``progress(done, total)`` is called as rows are
    written (``total`` is known once the pairs are planned). ``mark_demo`` also sets the
    ``demo`` setting in the same transaction (``rmtui demo`` rebuilds only files so marked,
    so a build is never committed without it). Raises ValueError if the store already
    holds a programme or ``people`` is below 1.
    """
    if people < 1:
        raise ValueError(f"A demo programme needs at least one person (got {people}).")

    def refuse_if_not_empty(counts: tuple[int, int]) -> None:
        if any(counts):
            raise ValueError(
                f"{store.path} already holds a programme ({counts[0]} participants, {counts[1]} "
                "waves); build the demo into a new, empty database."
            )

    refuse_if_not_empty(_existing_programme(lambda sql: store.query_tuples(sql)[0]))
    builder = _DemoBuilder(people, seed, today, progress)
    builder.plan_people()
    builder.plan_pairs()
    with store.write() as w:
        refuse_if_not_empty(_existing_programme(lambda sql: w.execute(sql).fetchone()))
        # A bigger page cache while the indexes take 100,000s of rows, then the store's own.
        cache_size = int(w.execute("PRAGMA cache_size").fetchone()[0])
        w.execute(f"PRAGMA cache_size = {-BUILD_CACHE_KIB}")
        try:
            summary = builder.write(w, seed)
        finally:
            w.execute(f"PRAGMA cache_size = {cache_size}")
        if mark_demo:
            w.set_setting("demo", True)
    if progress is not None:
        progress(builder.total, builder.total)
    return summary
