"""The matching rules of a reverse-mentoring programme, one pure function per rule.

Each rule looks at a would-be mentor and mentee (and the programme facts it needs: the
manager chain, who is already paired, who was paired before) and returns a
:class:`Verdict`: pass, warn or fail, whether the rule is hard, a reason that names the
facts, and a fit between 0 and 1 that the score weighs. A hard rule that is not met fails
(the pair is blocked); a soft rule that is not met warns (the pair scores lower).

Each rule is one :class:`Rule` object in this file: its setting spec (label, hard or soft,
weight, thresholds), its check for one pair, and its matrix form, which ``matching.py``
computes for whole matrices of people at once; a test keeps the two forms in agreement.
:data:`RULE_BOOK` lists them in the order the rule panel shows them; the registries
(:data:`RULES` here, ``RULE_SPECS``/``SPECS`` in ``rule_settings.py``) are built from it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from rmtui.text import clean, fold

if TYPE_CHECKING:
    from rmtui.matching import Pool
    from rmtui.rule_settings import RuleConfig, RuleSetting

PASS, WARN, FAIL = "pass", "warn", "fail"
ONGOING = ("proposed", "active", "paused")  # pair statuses that hold a mentor's place


@dataclass(frozen=True, slots=True)
class Person:
    """The facts of one participant that the rules read (folded for comparison)."""

    id: int
    name: str
    role: str
    level: int | None = None
    line_of_business: str = ""
    team: str = ""
    manager_id: int | None = None
    timezone: str = ""
    status: str = "active"
    capacity: int = 1
    interests: Mapping[str, str] = field(default_factory=dict)  # folded → as typed
    goals: Mapping[str, str] = field(default_factory=dict)  # folded → as typed
    competencies: Mapping[str, str] = field(default_factory=dict)  # folded → as typed
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def make(
        cls,
        id: int,
        name: str,
        role: str,
        *,
        hobbies: Iterable[str] = (),
        interests: Iterable[str] = (),
        development_goals: Iterable[str] = (),
        competencies: Iterable[str] = (),
        **facts: Any,
    ) -> Person:
        """Return a Person from talent-profile values as stored (lists of text)."""
        for key in ("line_of_business", "team", "timezone"):
            if key in facts:
                facts[key] = clean(facts[key] or "")
        return cls(
            id=id,
            name=clean(name),
            role=role,
            interests=_distinct_folded([*hobbies, *interests]),
            goals=_distinct_folded(development_goals),
            competencies=_distinct_folded(competencies),
            **facts,
        )


def _distinct_folded(items: Iterable[str]) -> dict[str, str]:
    distinct: dict[str, str] = {}
    for item in items:
        text = clean(str(item))
        key = fold(text)
        if key and key not in distinct:
            distinct[key] = text
    return distinct


@dataclass
class Facts:
    """What the rules need to know beyond the two people: the programme as it stands."""

    managers: dict[int, int | None] = field(default_factory=dict)  # id → manager id
    mentor_load: dict[int, int] = field(default_factory=dict)  # mentor id → ongoing pairs
    paired_in_wave: dict[int, set[int]] = field(default_factory=dict)  # mentee id → waves with an ongoing pair
    former: set[frozenset[int]] = field(default_factory=set)  # {a, b} of every pair there has been
    wave_id: int | None = None
    today: dt.date = field(default_factory=dt.date.today)
    wave_names: dict[int, str] = field(default_factory=dict)

    def busy_waves(self, mentee_id: int) -> set[int]:
        """Return the waves (of this wave, or any when pairing across waves) where ``mentee_id``
        already has an ongoing pair: a mentee has one mentor per wave."""
        waves = self.paired_in_wave.get(mentee_id, set())
        return waves if self.wave_id is None else waves & {self.wave_id}


@dataclass(frozen=True, slots=True)
class Verdict:
    """One rule's judgement of one pair."""

    rule: str
    label: str
    outcome: str  # pass | warn | fail
    hard: bool
    reason: str
    fit: float  # 0..1, what the score weighs for a soft rule
    weight: float = 0.0

    @property
    def blocks(self) -> bool:
        """Return whether this verdict stops the pair (a hard rule that failed)."""
        return self.outcome == FAIL


def _verdict(setting: RuleSetting, met: bool, reason: str, fit: float | None = None) -> Verdict:
    outcome = PASS if met else (FAIL if setting.hard else WARN)
    return Verdict(
        setting.id,
        setting.label,
        outcome,
        setting.hard,
        reason,
        (1.0 if met else 0.0) if fit is None else fit,
        setting.weight,
    )


RuleFunction = Callable[[Person, Person, Facts, "RuleSetting"], Verdict]


@dataclass(frozen=True)
class Threshold:
    """One number a rule is tuned by, with its allowed range."""

    name: str
    label: str
    default: float
    low: float
    high: float
    integer: bool = True
    step: float = 1


@dataclass(frozen=True)
class RuleSpec:
    """What a rule is and how it starts out in a new programme."""

    id: str
    label: str
    hard: bool
    weight: float
    enabled: bool = True
    short: str = ""  # a few words for narrow places: why a candidate is blocked
    fixed: bool = False  # always on and hard: a pair that breaks it is not a pair at all
    thresholds: tuple[Threshold, ...] = ()
    text: tuple[str, ...] = ()  # names of free-text options (the objective attribute), required when on
    text_example: str = ""  # what such an option usually names, for the message when it is empty


# (met, fit) of one rule for mentee positions rows × mentor positions cols; fit None means
# 1 when met, else 0. Either may be a row or a column that broadcasts to the full shape.
Params = dict[str, Any]
Ix = np.ndarray  # pool positions
Pair = tuple[np.ndarray, "np.ndarray | None"]
MatrixFunction = Callable[[Params, "Pool", Ix, Ix, "Facts"], Pair]


@dataclass(frozen=True)
class Rule:
    """One matching rule: its setting spec, its check of one pair, and its matrix form."""

    spec: RuleSpec
    check: RuleFunction
    matrix: MatrixFunction

    @property
    def id(self) -> str:
        return self.spec.id

    def __call__(self, mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
        """Return this rule's verdict on ``mentor`` with ``mentee`` (the scalar form)."""
        return self.check(mentor, mentee, facts, setting)


# -- the rules ------------------------------------------------------------------------


def right_roles(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """The mentor must be registered as a mentor and the mentee as a mentee."""
    problems = []
    if mentor.role != "mentor":
        problems.append(f"{mentor.name} is a {mentor.role}, not a mentor")
    if mentee.role != "mentee":
        problems.append(f"{mentee.name} is a {mentee.role}, not a mentee")
    if problems:
        return _verdict(setting, False, "; ".join(problems))
    return _verdict(setting, True, "Mentor and mentee roles are right")


def _right_roles_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    return pool.is_mentee[rows][:, None] & pool.is_mentor[cols][None, :], None


RIGHT_ROLES = Rule(
    RuleSpec("right_roles", "Right roles", short="wrong roles", hard=True, weight=1, fixed=True),
    right_roles,
    _right_roles_matrix,
)


def different_people(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """Nobody can be paired with themselves."""
    if mentor.id == mentee.id:
        return _verdict(setting, False, f"{mentor.name} cannot be paired with themselves")
    return _verdict(setting, True, "Two different people")


def _different_people_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    return pool.ids[rows][:, None] != pool.ids[cols][None, :], None


DIFFERENT_PEOPLE = Rule(
    RuleSpec("different_people", "Two different people", short="same person", hard=True, weight=1, fixed=True),
    different_people,
    _different_people_matrix,
)


def different_line_of_business(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """Mentors come from a different line of business or function (The Hartford)."""
    a, b = fold(mentor.line_of_business), fold(mentee.line_of_business)
    if not a or not b:
        return _verdict(setting, True, "Line of business not recorded for " + _missing(mentor, mentee, a, b))
    if a == b:
        return _verdict(setting, False, f"Both in {mentee.line_of_business}")
    return _verdict(setting, True, f"{mentor.line_of_business} and {mentee.line_of_business}")


def _outer_ne(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return rows × cols: the codes differ, or one of them is unrecorded (code 0)."""
    return (a[:, None] == 0) | (b[None, :] == 0) | (a[:, None] != b[None, :])


def _different_line_of_business_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    return _outer_ne(pool.business[rows], pool.business[cols]), None


DIFFERENT_LINE_OF_BUSINESS = Rule(
    RuleSpec("different_line_of_business", "Different line of business", short="same business", hard=True, weight=1),
    different_line_of_business,
    _different_line_of_business_matrix,
)


def different_team(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """People from the same team cannot speak freely outside the management line."""
    a, b = fold(mentor.team), fold(mentee.team)
    if not a or not b:
        return _verdict(setting, True, "Team not recorded for " + _missing(mentor, mentee, a, b))
    if a == b:
        return _verdict(setting, False, f"Both in team {mentee.team}")
    return _verdict(setting, True, f"Teams {mentor.team} and {mentee.team}")


def _different_team_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    return _outer_ne(pool.teams[rows], pool.teams[cols]), None


DIFFERENT_TEAM = Rule(
    RuleSpec("different_team", "Different team", short="same team", hard=True, weight=1),
    different_team,
    _different_team_matrix,
)


def _missing(mentor: Person, mentee: Person, a: str, b: str) -> str:
    return " and ".join(p.name for p, v in ((mentor, a), (mentee, b)) if not v)


def manager_chain(person_id: int, managers: Mapping[int, int | None]) -> list[int]:
    """Return ``person_id``'s managers, nearest first, stopping at a cycle or the top."""
    chain: list[int] = []
    seen = {person_id}
    current = managers.get(person_id)
    while current is not None and current not in seen:
        chain.append(current)
        seen.add(current)
        current = managers.get(current)
    return chain


def outside_reporting_line(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """Neither may manage the other, directly or at any depth up the chain."""
    for junior, senior in ((mentor, mentee), (mentee, mentor)):
        chain = manager_chain(junior.id, facts.managers)
        if senior.id in chain:
            depth = chain.index(senior.id) + 1
            how = "directly" if depth == 1 else f"{depth} levels up"
            return _verdict(setting, False, f"{senior.name} manages {junior.name} ({how})")
    return _verdict(setting, True, "Not in each other's reporting line")


def _outside_reporting_line_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    met = np.ones((len(rows), len(cols)), dtype=bool)
    row_ids, col_ids = pool.ids[rows], pool.ids[cols]
    if len(rows) == 1 or len(cols) == 1:
        # One person against many (ranking): their place in the walk of the management
        # tree answers "above or below" for every other at once (Pool.in_line).
        single_rows = len(rows) == 1
        person = int(row_ids[0] if single_rows else col_ids[0])
        hit = pool.in_line(person, np.asarray(cols if single_rows else rows, dtype=np.int64))
        if single_rows:
            met[0, hit] = False
        else:
            met[hit, 0] = False
        return met, None
    row_at = {int(i): k for k, i in enumerate(row_ids)}
    col_at = {int(i): k for k, i in enumerate(col_ids)}
    for r, person in enumerate(row_ids):
        for boss in pool.chain(int(person)):
            c = col_at.get(boss)
            if c is not None:
                met[r, c] = False
    for c, person in enumerate(col_ids):
        for boss in pool.chain(int(person)):
            row = row_at.get(boss)
            if row is not None:
                met[row, c] = False
    return met, None


OUTSIDE_REPORTING_LINE = Rule(
    RuleSpec(
        "outside_reporting_line", "Outside each other's reporting line", short="manager line", hard=True, weight=1
    ),
    outside_reporting_line,
    _outside_reporting_line_matrix,
)


def level_gap(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """The mentor sits at least N levels below the mentee in the hierarchy."""
    need = int(setting.params["min_gap"])
    if mentor.level is None or mentee.level is None:
        who = " and ".join(p.name for p in (mentor, mentee) if p.level is None)
        return _verdict(setting, False, f"Level not recorded for {who}; the programme needs {need} below")
    gap = mentee.level - mentor.level
    # Short enough for the rule panel at 80 columns; the two levels are on the profiles below it.
    levels = "level" if abs(gap) == 1 else "levels"
    where = f"Mentor is {gap} {levels} lower" if gap >= 0 else f"Mentor is {-gap} {levels} higher"
    if gap >= need:
        return _verdict(setting, True, f"{where} (needs {need})")
    return _verdict(setting, False, f"{where}; needs {need} lower")


def _level_gap_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    gap = pool.levels[rows][:, None] - pool.levels[cols][None, :]
    with np.errstate(invalid="ignore"):
        return gap >= int(params["min_gap"]), None


LEVEL_GAP = Rule(
    RuleSpec(
        "level_gap",
        "Mentor levels below mentee",
        short="level gap",
        hard=True,
        weight=1,
        thresholds=(Threshold("min_gap", "levels below", 2, 0, 20),),
    ),
    level_gap,
    _level_gap_matrix,
)


def mentor_capacity(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """The mentor has room for one more mentee."""
    taken = facts.mentor_load.get(mentor.id, 0)
    if taken >= mentor.capacity:
        return _verdict(setting, False, f"{mentor.name} already mentors {taken} of {mentor.capacity}")
    return _verdict(setting, True, f"{mentor.name} has room ({taken} of {mentor.capacity} taken)")


def _mentor_capacity_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    return (pool.mentor_loads(facts)[cols] < pool.capacity[cols])[None, :], None


MENTOR_CAPACITY = Rule(
    RuleSpec("mentor_capacity", "Mentor has room", short="mentor full", hard=True, weight=1),
    mentor_capacity,
    _mentor_capacity_matrix,
)


def mentee_free(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """A mentee has one mentor per wave."""
    busy = facts.busy_waves(mentee.id)
    if busy:
        names = ", ".join(sorted(facts.wave_names.get(w, f"wave {w}") for w in busy))
        return _verdict(setting, False, f"{mentee.name} is already paired in {names}")
    return _verdict(setting, True, f"{mentee.name} has no other pair in this wave")


def _mentee_free_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    return ~pool.busy(facts)[rows][:, None], None


MENTEE_FREE = Rule(
    RuleSpec("mentee_free", "Mentee not already paired in the wave", short="paired now", hard=True, weight=1),
    mentee_free,
    _mentee_free_matrix,
)


def never_paired_before(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """A pair that ended is never re-made: re-matching looks for someone new."""
    if frozenset((mentor.id, mentee.id)) in facts.former:
        return _verdict(setting, False, f"{mentor.name} and {mentee.name} were paired before")
    return _verdict(setting, True, "Never paired before")


def _never_paired_before_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    met = np.ones((len(rows), len(cols)), dtype=bool)
    if not facts.former:
        return met, None
    if len(rows) == 1 or len(cols) == 1:
        single_rows = len(rows) == 1
        person = int(pool.ids[rows[0] if single_rows else cols[0]])
        partners = pool.former_of(facts, person)
        if partners:
            others = pool.ids[cols if single_rows else rows]
            hit = np.isin(others, np.fromiter(partners, dtype=np.int64, count=len(partners)))
            if single_rows:
                met[0, hit] = False
            else:
                met[hit, 0] = False
        return met, None
    row_at = {int(pool.ids[p]): k for k, p in enumerate(rows)}
    col_at = {int(pool.ids[p]): k for k, p in enumerate(cols)}
    for pair in facts.former:
        if len(pair) != 2:
            continue
        a, b = tuple(pair)
        for x, y in ((a, b), (b, a)):
            r, c = row_at.get(x), col_at.get(y)
            if r is not None and c is not None:
                met[r, c] = False
    return met, None


NEVER_PAIRED_BEFORE = Rule(
    RuleSpec("never_paired_before", "Never paired before", short="paired before", hard=True, weight=1),
    never_paired_before,
    _never_paired_before_matrix,
)


AVAILABLE = ("applicant", "active")


def both_available(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """Both people are still in the programme (applicant or active, not withdrawn or alumni)."""
    gone = [f"{p.name} is {p.status}" for p in (mentor, mentee) if p.status not in AVAILABLE]
    if gone:
        return _verdict(setting, False, "; ".join(gone))
    return _verdict(setting, True, "Both are in the programme")


def _both_available_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    return pool.available[rows][:, None] & pool.available[cols][None, :], None


BOTH_AVAILABLE = Rule(
    RuleSpec("both_available", "Both still in the programme", short="not available", hard=True, weight=1),
    both_available,
    _both_available_matrix,
)


def shared_interests(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """Hobbies and interests that intersect (The Hartford looked for them)."""
    need = int(setting.params["min_shared"])
    common = [mentee.interests[k] for k in mentee.interests if k in mentor.interests]
    fit = min(1.0, len(common) / need)
    if not common:
        return _verdict(setting, False, "No shared hobbies or interests", fit)
    listed = ", ".join(common[:3]) + (f" +{len(common) - 3}" if len(common) > 3 else "")
    return _verdict(setting, len(common) >= need, f"Share {listed}", fit)


# Words that say nothing about what a goal is about ("understand how to use …").


def _shared_interests_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    need = int(params["min_shared"])
    matrix = pool.interest_matrix
    common = (matrix[rows] @ matrix[cols].T).toarray()
    return common >= need, np.minimum(1.0, common / need)


SHARED_INTERESTS = Rule(
    RuleSpec(
        "shared_interests",
        "Shared hobbies or interests",
        short="no shared interests",
        hard=False,
        weight=3,
        thresholds=(Threshold("min_shared", "shared needed", 1, 1, 10),),
    ),
    shared_interests,
    _shared_interests_matrix,
)


STOPWORDS = frozenset(
    "a an the and or of to in on at for with from into by about how what my our their your more less "
    "better well get make use using understand improve build learn grow work everyday new through without "
    "across end see hear take want".split()
)
KEY_LENGTH = 6  # words compared by their first six letters: "podcasts" meets "podcasting"


@lru_cache(maxsize=65536)
def keywords(text: str) -> frozenset[str]:
    """Return the words a (folded) goal or competency is about, cut to their first six letters.

    Cutting the ending is a cheap, predictable fuzziness: "inclusively" meets "inclusion",
    "accessible" meets "accessibility", "customers" meets "customer journeys".
    """
    words = re.split(r"[^0-9a-z]+", text)
    return frozenset(w[:KEY_LENGTH] for w in words if len(w) >= 3 and w not in STOPWORDS)


def goal_met_by(goal: str, competency: str, min_words: int) -> bool:
    """Return whether ``competency`` shares at least ``min_words`` keywords with ``goal``."""
    return len(keywords(goal) & keywords(competency)) >= min_words


def goals_met(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """The mentee's development goals are met by the mentor's competencies (fuzzy keywords)."""
    min_words = int(setting.params["min_words"])
    need = float(setting.params["min_fraction"])
    if not mentee.goals:
        return _verdict(setting, False, f"{mentee.name} recorded no development goals", 0.0)
    if not mentor.competencies:
        return _verdict(setting, False, f"{mentor.name} recorded no competencies", 0.0)
    met = [g for g in mentee.goals if any(goal_met_by(g, c, min_words) for c in mentor.competencies)]
    fit = len(met) / len(mentee.goals)
    reason = f"{len(met)} of {len(mentee.goals)} goals met" + (f": {', '.join(mentee.goals[g] for g in met[:2])}" if met else "")
    return _verdict(setting, fit >= need, reason, fit)


def _goals_met_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    goals, _ = pool.goal_matrix
    competencies, _ = pool.competency_matrix
    wanted = goals[rows]
    asked = np.unique(wanted.indices)  # only the goals these mentees have matter
    from scipy import sparse  # here: importing scipy cost the pairing screen's first paint a quarter second

    close = sparse.csr_matrix((pool.shared_keywords[asked] >= int(params["min_words"])).astype(np.float64))
    can_meet = ((competencies[cols] @ close.T).toarray() > 0).astype(np.float64)  # mentor × asked goal
    met_count = np.asarray(wanted[:, asked] @ can_meet.T)
    counts = pool.goal_counts[rows][:, None]
    has_both = (counts > 0) & (pool.competency_counts[cols] > 0)[None, :]
    fit = np.where(has_both, met_count / np.where(counts > 0, counts, 1), 0.0)
    return has_both & (fit >= float(params["min_fraction"])), fit


GOALS_MET = Rule(
    RuleSpec(
        "goals_met",
        "Mentee goals met by mentor competencies",
        short="goals not met",
        hard=False,
        weight=4,
        thresholds=(
            Threshold("min_words", "shared words", 1, 1, 5),
            Threshold("min_fraction", "share of goals", 0.5, 0, 1, integer=False, step=0.25),
        ),
    ),
    goals_met,
    _goals_met_matrix,
)


@lru_cache(maxsize=1024)
def utc_offset_hours(timezone: str, day: dt.date) -> float | None:
    """Return ``timezone``'s offset from UTC in hours at noon on ``day`` (None if unknown)."""
    if not timezone:
        return None
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    offset = dt.datetime.combine(day, dt.time(12), zone).utcoffset()
    return None if offset is None else offset.total_seconds() / 3600


def hours_apart(a: float, b: float) -> float:
    """Return the hours between two UTC offsets, the short way round the clock."""
    gap = abs(a - b)
    return min(gap, 24 - gap)


def timezone_gap(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """Sessions are easier to book when the two are at most H hours apart."""
    most = float(setting.params["max_hours"])
    a, b = utc_offset_hours(mentor.timezone, facts.today), utc_offset_hours(mentee.timezone, facts.today)
    if a is None or b is None:
        who = " and ".join(p.name for p, o in ((mentor, a), (mentee, b)) if o is None)
        return _verdict(setting, False, f"Time zone unknown for {who}", 0.5)
    gap = hours_apart(a, b)
    if gap <= most:
        return _verdict(setting, True, f"{gap:g} h apart (up to {most:g} h)")
    return _verdict(setting, False, f"{gap:g} h apart; more than {most:g} h")


def _timezone_gap_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    a, b = pool.offsets[rows][:, None], pool.offsets[cols][None, :]
    gap = np.abs(a - b)
    gap = np.minimum(gap, 24 - gap)
    known = ~np.isnan(gap)
    with np.errstate(invalid="ignore"):
        met = known & (gap <= float(params["max_hours"]))
    return met, np.where(known, met.astype(np.float64), 0.5)


TIMEZONE_GAP = Rule(
    RuleSpec(
        "timezone_gap",
        "Time zones close",
        short="time zones apart",
        hard=False,
        weight=2,
        thresholds=(Threshold("max_hours", "hours apart", 3, 0, 12),),
    ),
    timezone_gap,
    _timezone_gap_matrix,
)


def objective_value(person: Person, attribute: str) -> str:
    """Return ``person``'s folded value of the objective ``attribute`` ("" when absent)."""
    value = person.attributes.get(attribute)
    return "" if value is None else fold(clean(str(value)))


def objective_attribute(mentor: Person, mentee: Person, facts: Facts, setting: RuleSetting) -> Verdict:
    """Pair across the programme's objective attribute; the values stay confidential."""
    attribute = str(setting.params["attribute"])
    a, b = objective_value(mentor, attribute), objective_value(mentee, attribute)
    if not a or not b:
        return _verdict(setting, False, f"{attribute.capitalize()} not recorded for {_missing(mentor, mentee, a, b)}")
    if a == b:
        return _verdict(setting, False, f"Same {attribute}")
    return _verdict(setting, True, f"Different {attribute}")


def _objective_attribute_matrix(params: Params, pool: Pool, rows: Ix, cols: Ix, facts: Facts) -> Pair:
    codes = pool.objective_codes(str(params["attribute"]))
    a, b = codes[rows][:, None], codes[cols][None, :]
    return (a != 0) & (b != 0) & (a != b), None


OBJECTIVE_ATTRIBUTE = Rule(
    RuleSpec(
        "objective_attribute",
        "Differ on the programme's objective",
        short="same objective group",
        hard=False,
        weight=2,
        enabled=False,
        text=("attribute",),
        text_example="generation or gender",
    ),
    objective_attribute,
    _objective_attribute_matrix,
)


RULE_BOOK: tuple[Rule, ...] = (
    RIGHT_ROLES,
    DIFFERENT_PEOPLE,
    DIFFERENT_LINE_OF_BUSINESS,
    DIFFERENT_TEAM,
    OUTSIDE_REPORTING_LINE,
    LEVEL_GAP,
    MENTOR_CAPACITY,
    MENTEE_FREE,
    NEVER_PAIRED_BEFORE,
    BOTH_AVAILABLE,
    SHARED_INTERESTS,
    GOALS_MET,
    TIMEZONE_GAP,
    OBJECTIVE_ATTRIBUTE,
)

RULES: dict[str, Rule] = {rule.id: rule for rule in RULE_BOOK}


def check_pair(mentor: Person, mentee: Person, facts: Facts, config: RuleConfig) -> list[Verdict]:
    """Return the verdict of every switched-on rule for ``mentor`` with ``mentee``."""
    return [
        RULES[rule_id].check(mentor, mentee, facts, setting)
        for rule_id, setting in config.rules.items()
        if setting.enabled
    ]


def blocking(verdicts: Iterable[Verdict]) -> list[Verdict]:
    """Return the verdicts that stop the pair (hard rules that failed)."""
    return [v for v in verdicts if v.blocks]
