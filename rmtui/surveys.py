"""Survey answers on a pair: recording, importing a survey tool's export, and what is due.

An answer is one person's reply to one survey of their pair: ``kind`` pre, mid
(checkpoint), post or close; ``respondent`` mentor or mentee; a rating 1–5, whether the
goal was achieved (yes / no / not asked) and a comment. A pair holds at most one answer per
kind and respondent: recording it again replaces it (audited), so importing the same
export twice counts nothing twice.

**When an answer is due** (what the response rate and the triage read):

* ``pre``  — on the due day of the pair's first session (the survey goes out before it);
* ``mid``  — on the day the mid-point checkpoint session was held (the session the plan
  marks as the checkpoint; the first, if several are marked), once it is held; a pair
  whose plan marks no checkpoint owes no mid-point answer;
* ``post`` — on the day a completed pair ended;
* ``close`` — on the day a pair closed early ended.

Both the mentor and the mentee owe each answer due. An answer due and not received is
**missing** from :data:`SURVEY_GRACE_DAYS` days after its due day (people need time to
reply); the triage shows it until :data:`SURVEY_CHASE_DAYS` after the due day (past that,
chasing is pointless and the queue would fill with old waves), and only in a wave that has
at least one answer recorded (a wave whose surveys are not run through rmtui is not flooded
with reminders). The response rate counts
every answer due by today, without those windows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from rmtui.csv_import import (
    ImportFileError,
    RowError,
    decode,
    describe_errors,
    header_key,
    sniff_delimiter,
    unneutralise,
)
from rmtui.db import Feedback, Store, Writer
from rmtui.db.records import FEEDBACK_KINDS, ROLES
from rmtui.schedule import as_date
from rmtui.text import clean

SURVEY_GRACE_DAYS = 7
SURVEY_CHASE_DAYS = 42
MAX_COMMENT = 2000

KIND_LABEL = {"pre": "Pre-programme", "mid": "Mid-point", "post": "Post-programme", "close": "Closing"}
KIND_WORDS = {
    "pre": "pre", "before": "pre", "start": "pre", "prepro": "pre", "preprogramme": "pre", "preprogram": "pre",
    "mid": "mid", "midpoint": "mid", "checkpoint": "mid", "middle": "mid",
    "post": "post", "end": "post", "final": "post", "postprogramme": "post", "postprogram": "post", "after": "post",
    "close": "close", "closing": "close", "closed": "close", "exit": "close",
}
YES = {"yes", "y", "true", "1", "achieved", "oui", "ja", "si"}
NO = {"no", "n", "false", "0", "notachieved", "non", "nein"}


class SurveyError(ValueError):
    """An answer that cannot be recorded; the message says what is wrong and how to fix it."""


# -- one answer ------------------------------------------------------------------------


def parse_kind(raw: Any) -> str:
    """Return pre / mid / post / close for ``raw`` ("Mid-point", "checkpoint", "POST"…)."""
    key = header_key(str(raw or ""))
    if key in KIND_WORDS:
        return KIND_WORDS[key]
    raise SurveyError(f"“{clean(str(raw or ''))}” is not a survey kind; write pre, mid, post or close.")


def parse_respondent(raw: Any) -> str:
    """Return mentor or mentee."""
    text = clean(str(raw or "")).strip().lower()
    if text in ROLES:
        return text
    raise SurveyError(f"“{clean(str(raw or ''))}” is not a respondent; write mentor or mentee.")


def parse_rating(raw: Any) -> int | None:
    """Return a rating 1–5 (None when left empty); "4/5" and "4.0" are read as 4."""
    text = clean(str(raw if raw is not None else "")).strip()
    if not text or text == "-":
        return None
    text = re.sub(r"\s*/\s*5$", "", text)
    try:
        number = float(text)
    except ValueError:
        raise SurveyError(f"Rating “{text}” is not a number; give a whole number from 1 to 5.") from None
    if number != int(number) or not 1 <= number <= 5:
        raise SurveyError(f"Rating {text} is outside the scale; give a whole number from 1 to 5.")
    return int(number)


def parse_goal(raw: Any) -> bool | None:
    """Return whether the goal was achieved: yes / no, or None when not answered."""
    text = header_key(str(raw if raw is not None else ""))
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise SurveyError(f"Goal achieved “{clean(str(raw))}” is not yes or no; write yes, no, or leave it empty.")


def parse_comment(raw: Any) -> str:
    text = clean(str(raw or ""), multiline=True).strip()
    if len(text) > MAX_COMMENT:
        raise SurveyError(f"The comment is {len(text)} characters long; keep it to {MAX_COMMENT}.")
    return text


@dataclass(frozen=True)
class Answer:
    """One checked answer, ready to record."""

    kind: str
    respondent: str
    rating: int | None
    goal_achieved: bool | None
    comment: str = ""


ANSWER_HINT = (
    "kind (pre, mid, post, close) · who (mentor, mentee) · rating 1–5 · goal yes/no/- · comment. "
    "E.g.  post mentee 4 yes Learnt a lot"
)


def parse_answer_line(text: str) -> Answer:
    """Return the answer typed on one line: ``KIND WHO RATING [GOAL] [COMMENT…]``.

    Raises SurveyError naming the part that is wrong, e.g. "Rating 7 is outside the scale…".
    """
    parts = clean(text or "").split(None, 4)
    if len(parts) < 3:
        raise SurveyError("Give at least the kind, who answered and the rating, e.g.  post mentee 4 yes Learnt a lot")
    kind, respondent, rating = parse_kind(parts[0]), parse_respondent(parts[1]), parse_rating(parts[2])
    goal: bool | None = None
    rest = parts[3:]
    if rest:
        try:
            goal = None if rest[0] == "-" else parse_goal(rest[0])
            rest = rest[1:]
        except SurveyError:
            goal = None  # no goal given: the comment starts here
    comment = parse_comment(" ".join(rest))
    return check_answer(kind, respondent, rating, goal, comment)


def check_answer(kind: str, respondent: str, rating: int | None, goal: bool | None, comment: str = "") -> Answer:
    """Return the answer if it says something; a rating or a goal is needed."""
    if kind not in FEEDBACK_KINDS:
        raise SurveyError(f"“{kind}” is not a survey kind; write pre, mid, post or close.")
    if respondent not in ROLES:
        raise SurveyError(f"“{respondent}” is not a respondent; write mentor or mentee.")
    if rating is None and goal is None and not comment:
        raise SurveyError("The answer is empty; give at least a rating from 1 to 5.")
    return Answer(kind, respondent, rating, goal, comment)


def record_answer_in(writer: Writer, pair_id: int, answer: Answer, day: dt.date, *, audit: bool = True) -> Feedback:
    """Record ``answer`` on pair ``pair_id`` (replacing the same person's earlier answer to that survey).

    ``audit`` False leaves the record of it to the caller (the demo's one build row).
    """
    if writer.execute("SELECT status FROM pairs WHERE id = ?", (pair_id,)).fetchone() is None:
        raise SurveyError(f"There is no pair {pair_id}.")
    submitted_on = as_date(day).isoformat()
    values: dict[str, object] = {
        "rating": answer.rating,
        "goal_achieved": None if answer.goal_achieved is None else int(answer.goal_achieved),
        "comment": answer.comment,
        "submitted_on": submitted_on,
    }
    old = writer.execute(
        "SELECT id, rating, goal_achieved, comment, submitted_on FROM feedback WHERE pair_id = ? AND kind = ? AND respondent = ?",
        (pair_id, answer.kind, answer.respondent),
    ).fetchone()
    if old is None:
        return writer.insert(Feedback(pair_id=pair_id, kind=answer.kind, respondent=answer.respondent,
                                      submitted_on=submitted_on, rating=answer.rating,
                                      goal_achieved=answer.goal_achieved, comment=answer.comment), audit=audit)
    before = dict(zip(("rating", "goal_achieved", "comment", "submitted_on"), old[1:]))
    writer.execute(
        "UPDATE feedback SET rating = ?, goal_achieved = ?, comment = ?, submitted_on = ? WHERE id = ?",
        (*values.values(), old[0]),
    )
    if audit:
        writer.audit("feedback", old[0], "update", before, values)
    return Feedback(pair_id=pair_id, kind=answer.kind, respondent=answer.respondent, id=old[0],
                    submitted_on=submitted_on, rating=answer.rating, goal_achieved=answer.goal_achieved,
                    comment=answer.comment)


def record_answer(store: Store, pair_id: int, answer: Answer, day: dt.date) -> Feedback:
    """Record one answer in its own transaction (audited) and return it."""
    with store.write() as writer:
        return record_answer_in(writer, pair_id, answer, day)


def answers_of(store: Store, pair_id: int) -> list[Feedback]:
    """Return the answers recorded on a pair, by kind then respondent."""
    order = "CASE kind WHEN 'pre' THEN 0 WHEN 'mid' THEN 1 WHEN 'post' THEN 2 ELSE 3 END, respondent"
    return store.all(Feedback, "pair_id = ?", (pair_id,), order=order)


# -- what is due -----------------------------------------------------------------------


class DueAnswer(NamedTuple):
    """One answer a person owes: pair, wave, survey, who, the day it was due, and whether it came."""

    pair_id: int
    wave_id: int
    kind: str
    respondent: str
    due_on: dt.date
    answered: bool


# What is due, as one set-based query (the rules of the module's docstring) over a window
# of due days [:since, :until]; every part reads an index or one pass, never a query per pair.
_DUE = """
WITH due(pair_id, wave_id, kind, day) AS (
    SELECT s.pair_id, p.wave_id, 'pre', s.due_on FROM sessions s JOIN pairs p ON p.id = s.pair_id
    WHERE s.seq = 1 AND p.status <> 'proposed' AND s.due_on BETWEEN :since AND :until
  UNION ALL
    SELECT s.pair_id, p.wave_id, 'mid', s.held_on FROM sessions s JOIN pairs p ON p.id = s.pair_id
    WHERE s.checkpoint = 1 AND s.status = 'held' AND p.status <> 'proposed' AND s.held_on BETWEEN :since AND :until
      AND NOT EXISTS (SELECT 1 FROM sessions c WHERE c.pair_id = s.pair_id AND c.checkpoint = 1 AND c.seq < s.seq)
  UNION ALL
    SELECT id, wave_id, CASE status WHEN 'completed' THEN 'post' ELSE 'close' END, ended_on FROM pairs
    WHERE status IN ('completed', 'closed_early') AND ended_on BETWEEN :since AND :until
)
"""
_ANSWERED = "EXISTS (SELECT 1 FROM feedback f WHERE f.pair_id = due.pair_id AND f.kind = due.kind AND f.respondent = '{}')"
_DUE_ROWS = _DUE + (
    f"SELECT pair_id, wave_id, kind, day, {_ANSWERED.format('mentor')} AS mentor, {_ANSWERED.format('mentee')} AS mentee "
    "FROM due"
)
# (What is missing is filtered in Python: "SELECT * FROM (due rows) WHERE NOT (mentor AND
# mentee)" had SQLite copy both EXISTS probes into the filter, doubling them.)
# Whether both people answered a survey due, from the bits pair_answer_totals keeps of each
# pair's answers (see db/schema.py): 0-3, bit 1 the mentor's answer, bit 2 the mentee's. One
# look-up of the pair's row by its id, in place of two probes of the answers per answer due.
_RECEIVED = ("((coalesce(a.answered, 0) >> CASE due.kind WHEN 'pre' THEN 0 WHEN 'mid' THEN 2 WHEN 'post' THEN 4 ELSE 6 END) & 3)")
# The answers still owed, for the triage: the due rows both answered never leave SQLite (most
# of them: the pre survey is answered by nine people in ten).
_OWED_ROWS = _DUE + (
    f"SELECT due.pair_id, due.wave_id, due.kind, due.day, {_RECEIVED} AS got "
    "FROM due LEFT JOIN pair_answer_totals a ON a.pair_id = due.pair_id WHERE got != 3"
)
# The response rate's counts per wave ({columns}: per_wave's), surveys due and answers
# received (the bits set) of each wave.
_RESPONSE_COUNTS = _DUE + (
    f"SELECT {{columns}} FROM (SELECT due.wave_id, {_RECEIVED} AS received "
    "FROM due LEFT JOIN pair_answer_totals a ON a.pair_id = due.pair_id)"
)
_SURVEYED = "SELECT 1 FROM pairs p WHERE p.wave_id = ? AND EXISTS (SELECT 1 FROM feedback f WHERE f.pair_id = p.id) LIMIT 1"


def _window(until: dt.date, since: dt.date | None = None) -> dict[str, str]:
    return {"since": since.isoformat() if since else "0000-01-01", "until": as_date(until).isoformat()}


def _due_answers(rows: list[tuple]) -> list[DueAnswer]:
    due = []
    for pair_id, wave_id, kind, day, mentor, mentee in rows:
        when = dt.date.fromisoformat(day)
        due.append(DueAnswer(pair_id, wave_id, kind, "mentor", when, bool(mentor)))
        due.append(DueAnswer(pair_id, wave_id, kind, "mentee", when, bool(mentee)))
    return due


def answers_due(store: Store, today: dt.date) -> list[DueAnswer]:
    """Return every answer due by ``today`` (see the module's rules) and whether it was received."""
    return _due_answers(store.query_tuples(_DUE_ROWS, _window(today)))


def per_wave(aggregates: Sequence[str], wave_ids: Sequence[int], column: str = "wave_id") -> str:
    """Return the select list of each of ``aggregates`` (SQL aggregates such as ``count(*)``)
    for each wave in turn, each over its wave's rows only (``FILTER``): one pass sums a
    programme's few waves apart, where ``GROUP BY wave_id`` sorted every row first (a
    temporary B-tree: a third of the response rate's query, issue 14). The ids are the
    waves table's integers."""
    return ", ".join(f"{aggregate} FILTER (WHERE {column} = {int(wave_id)})" for wave_id in wave_ids for aggregate in aggregates)


def response_counts(store: Store, today: dt.date, wave_ids: Sequence[int] | None = None) -> dict[int, tuple[int, int]]:
    """Return, per wave with answers due, (answers received, answers due) by ``today``: the
    response rate's counts. ``wave_ids`` are every wave's id, when the caller has them."""
    if wave_ids is None:
        wave_ids = [row[0] for row in store.query_tuples("SELECT id FROM waves")]
    if not wave_ids:
        return {}
    columns = per_wave(("count(*)", "sum(received - (received >> 1))"), wave_ids)
    row = store.query_tuples(_RESPONSE_COUNTS.format(columns=columns), _window(today))[0]
    due, received = row[0::2], row[1::2]
    return {wave_id: (int(received[n] or 0), 2 * due[n]) for n, wave_id in enumerate(wave_ids) if due[n]}


def missing_answers(store: Store, today: dt.date) -> list[DueAnswer]:
    """Return the answers to chase today: missing from SURVEY_GRACE_DAYS until SURVEY_CHASE_DAYS
    after due, in waves that run their surveys through rmtui (at least one answer recorded)."""
    today = as_date(today)
    if store.scalar("SELECT 1 FROM feedback LIMIT 1") is None:
        return []  # no survey runs through rmtui: nothing to chase
    since = today - dt.timedelta(days=SURVEY_CHASE_DAYS)
    until = today - dt.timedelta(days=SURVEY_GRACE_DAYS + 1)
    missing = []
    for pair_id, wave_id, kind, day, answered in store.query_tuples(_OWED_ROWS, _window(until, since)):
        when = dt.date.fromisoformat(day)
        if not answered & 1:
            missing.append(DueAnswer(pair_id, wave_id, kind, "mentor", when, False))
        if not answered & 2:
            missing.append(DueAnswer(pair_id, wave_id, kind, "mentee", when, False))
    surveyed = {wave for wave in {d.wave_id for d in missing} if store.query_tuples(_SURVEYED, (wave,))}
    return [d for d in missing if d.wave_id in surveyed]


# -- figures ---------------------------------------------------------------------------


def pre_post_change(ratings: list[tuple[int, str, str, int | None]]) -> tuple[float | None, int]:
    """Return the mean change of rating from pre to post, and over how many people.

    ``ratings`` are (pair, kind, respondent, rating). Only people who rated both their pre
    and their post survey count (the same person's change, not two different crowds).
    """
    pre: dict[tuple[int, str], int] = {}
    post: dict[tuple[int, str], int] = {}
    for pair_id, kind, respondent, rating in ratings:
        if rating is None:
            continue
        if kind == "pre":
            pre[(pair_id, respondent)] = rating
        elif kind == "post":
            post[(pair_id, respondent)] = rating
    both = [post[k] - pre[k] for k in post if k in pre]
    if not both:
        return None, 0
    return sum(both) / len(both), len(both)


# -- importing a survey tool's export ------------------------------------------------------

FIELDS = ("email", "kind", "rating", "goal", "comment", "submitted")
REQUIRED = ("email", "kind")
FEEDBACK_ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("e-mail", "email address", "e-mail address", "mail", "work email", "business email",
              "respondent email", "respondent", "your email"),
    "kind": ("survey", "survey kind", "survey type", "type", "stage", "questionnaire", "form"),
    "rating": ("score", "satisfaction", "overall rating", "rating 1-5", "stars"),
    "goal": ("goal achieved", "goal_achieved", "achieved", "goal met", "goals achieved", "did you achieve your goal"),
    "comment": ("comments", "feedback", "remarks", "notes", "free text", "anything else"),
    "submitted": ("submitted on", "submitted at", "date", "timestamp", "completed at", "response date", "submitted_on"),
}


def _feedback_headers() -> dict[str, str]:
    table = {header_key(name): name for name in FIELDS}
    for name, aliases in FEEDBACK_ALIASES.items():
        for alias in aliases:
            table[header_key(alias)] = name
    return table


FEEDBACK_FIELD_BY_HEADER = _feedback_headers()


@dataclass
class FeedbackRow:
    line: int
    cells: dict[str, str]
    pair_id: int | None = None
    answer: Answer | None = None
    day: dt.date | None = None
    errors: list[RowError] = field(default_factory=list)


@dataclass
class FeedbackImport:
    """A checked survey export: its rows and what importing them does."""

    path: Path
    headers: list[str]
    ignored: list[str]
    rows: list[FeedbackRow]
    written: bool = False
    dry_run: bool = False

    @property
    def errors(self) -> list[RowError]:
        return [e for row in self.rows for e in row.errors]

    def summary(self) -> str:
        good = sum(1 for r in self.rows if not r.errors)
        if self.errors:
            return f"{len(self.errors)} problem(s) in {self.path.name}; nothing was saved. Fix the lines below and import again."
        if self.dry_run:
            return f"{good} answer(s) would be recorded from {self.path.name} (dry run: nothing was saved)."
        return f"Recorded {good} answer(s) from {self.path.name}."

    def describe_errors(self) -> list[str]:
        return describe_errors(self.errors)


def _parse_day(raw: str, today: dt.date) -> dt.date:
    text = clean(raw).strip()
    if not text:
        return today
    head = re.split(r"[ T]", text, maxsplit=1)[0]
    for form in ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y"):
        try:
            day = dt.datetime.strptime(head, form).date()
            break
        except ValueError:
            continue
    else:
        raise SurveyError(f"“{text}” is not a date; write it as 2026-11-20.")
    if day > today:
        raise SurveyError(f"{day.isoformat()} is after today; an answer cannot come from the future.")
    return day


def _person_pair(store: Store, email: str) -> tuple[int, str]:
    """Return (pair, respondent) of the person with ``email``: their one started pair, else the going one."""
    person = store.query_tuples("SELECT id, name FROM participants WHERE email = ? COLLATE NOCASE", (email,))
    if not person:
        raise SurveyError(f"Nobody in the programme has the email {email}; check it or import the person first.")
    person_id, name = person[0]
    pairs = store.query_tuples(
        "SELECT id, status, mentor_id FROM pairs WHERE (mentor_id = ? OR mentee_id = ?) AND status <> 'proposed' ORDER BY id",
        (person_id, person_id),
    )
    if not pairs:
        raise SurveyError(f"{clean(name)} ({email}) is in no started pair, so the answer has no pair to go on.")
    if len(pairs) > 1:
        going = [p for p in pairs if p[1] in ("active", "paused")]
        if len(going) != 1:
            listed = ", ".join(f"pair {p[0]} ({p[1].replace('_', ' ')})" for p in pairs)
            raise SurveyError(
                f"{clean(name)} ({email}) is in {listed} and none is the one active pair; record this answer "
                "on the right pair from its timeline (key s)."
            )
        pairs = going
    pair_id, _status, mentor_id = pairs[0]
    return pair_id, "mentor" if mentor_id == person_id else "mentee"


def read_feedback(store: Store, path: Path, today: dt.date) -> FeedbackImport:
    """Read and check a survey export; ImportFileError when the file as a whole is unusable."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"{path} cannot be read: {error.strerror or error}.") from error
    text, _encoding = decode(data)
    if not text.strip():
        raise ImportFileError(f"{path} is empty.")
    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        headers = next(reader)
    except csv.Error as error:
        raise ImportFileError(f"{path} is not a CSV file: {error}.") from error
    columns: dict[int, str] = {}
    ignored: list[str] = []
    label: dict[str, str] = {}
    for index, header in enumerate(headers):
        name = FEEDBACK_FIELD_BY_HEADER.get(header_key(header))
        if name is None or name in label:
            ignored.append(clean(header))
            continue
        columns[index] = name
        label[name] = clean(header)
    for required in REQUIRED:
        if required not in label:
            raise ImportFileError(
                f"{path.name} has no {required} column; name one “{required}” (the columns are: "
                f"{', '.join(clean(h) for h in headers)})."
            )
    rows: list[FeedbackRow] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                values = {name: unneutralise(cells[i]) if i < len(cells) else "" for i, name in columns.items()}
                rows.append(FeedbackRow(line, values))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(f"{path}, line {line}: the CSV is malformed ({error}).") from error
    seen: dict[tuple[int, str, str], int] = {}
    for row in rows:
        _check_row(store, row, label, today, seen)
    return FeedbackImport(path, [clean(h) for h in headers], ignored, rows)


def _check_row(store: Store, row: FeedbackRow, label: dict[str, str], today: dt.date,
               seen: dict[tuple[int, str, str], int]) -> None:
    def step(name: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(row.cells.get(name, ""))
        except SurveyError as error:
            row.errors.append(RowError(row.line, label.get(name, name), str(error)))
            return None

    email = clean(row.cells.get("email", "")).strip()
    found = None
    if not email:
        row.errors.append(RowError(row.line, label["email"], "The email is empty; every answer needs the person's email."))
    else:
        found = step("email", lambda _cell: _person_pair(store, email))
    kind = step("kind", parse_kind)
    rating = step("rating", parse_rating)
    goal = step("goal", parse_goal)
    comment = step("comment", parse_comment)
    day = step("submitted", lambda cell: _parse_day(cell, today))
    if row.errors or found is None:
        return
    pair_id, respondent = found
    try:
        row.answer = check_answer(kind, respondent, rating, goal, comment or "")
    except SurveyError as error:
        row.errors.append(RowError(row.line, label.get("rating", "rating"), str(error)))
        return
    key = (pair_id, kind, respondent)
    if key in seen:
        row.errors.append(RowError(row.line, label["email"],
                                   f"{email} answered the {kind} survey already on line {seen[key]}; keep one of the two lines."))
        return
    seen[key] = row.line
    row.pair_id, row.day = pair_id, day


def import_feedback(store: Store, path: Path, today: dt.date, *, dry_run: bool = False) -> FeedbackImport:
    """Import a survey export: all answers in one transaction, or none if any line is wrong."""
    plan = read_feedback(store, path, today)
    plan.dry_run = dry_run
    if plan.errors or dry_run or not plan.rows:
        return plan
    with store.write() as writer:
        for row in plan.rows:
            assert row.pair_id is not None and row.answer is not None and row.day is not None
            record_answer_in(writer, row.pair_id, row.answer, row.day)
        writer.audit("feedback", None, "import", None, {"file": path.name, "answers": len(plan.rows)})
    plan.written = True
    return plan

