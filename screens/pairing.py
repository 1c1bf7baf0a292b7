"""Pairing: the person being matched, their ranked candidates, the live rule panel.

The person is picked by fuzzy search (`/`); their candidates are ranked by score with
those a hard rule blocks greyed (or hidden, `h`) with the reason; the rule panel is
re-checked whenever the cursor moves; both talent profiles sit side by side below, the
shared interests highlighted (summaries at 80×24, more detail on a taller terminal).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import ClassVar, TypeVar

from rich.console import Group
from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Input, Static

from rmtui.coaches import Workload, assign_coach, workloads
from rmtui.collector import collector_paused
from rmtui.db import ConflictError, Pair, Store, StoreError, Wave
from rmtui.matching import Names, Pool, Ranking, import_sparse, rank_candidates, read_names, refresh_pool
from rmtui.memory import trim
from rmtui.ongoing_pairs import PAIR_COLUMNS, OngoingPairs, ongoing_pairs, ongoing_rows
from rmtui.pairing import (
    OVERRIDABLE,
    PairCheck,
    PairingError,
    busy_mentees,
    check,
    close_pair,
    close_wording,
    confirm_pair,
    find_named,
    find_people,
    finder_people,
    glance,
    pair_now,
    propose_pair,
    roles_of,
    waves,
    withdraw_proposal,
)
from rmtui.presence import Spot
from rmtui.programme import Programme
from rmtui.rule_settings import SPECS, RuleConfig, RuleConfigError, default_rule_config, load_rule_config
from rmtui.rules import FAIL, ONGOING, PASS, Person
from rmtui.scoring import score
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.screens.navigation import EditRules, OpenCohort, OpenProfile
from rmtui.screens.pairing_dialogs import CloseReasonScreen, OverrideReasonScreen
from rmtui.text import clean, literal
from rmtui.widgets.footer import Footer
from rmtui.widgets.pick import PickOne
from rmtui.widgets.search_field import SearchField
from rmtui.widgets.virtual_table import Column, EmptySource, VirtualTable

T = TypeVar("T")

CANDIDATE_COLUMNS = [
    Column("score", "Fit", 3, justify="right"),
    Column("name", "Candidate", 12, grow=3),
    Column("level", "Lvl", 3, justify="right"),
    Column("note", "Business/why", 10, grow=3),
]
PEOPLE_COLUMNS = [
    Column("name", "Person", 14, grow=3),
    Column("role", "Role", 6),
    Column("level", "Lvl", 3, justify="right"),
    Column("note", "Business · pair", 10, grow=3),
]
MARKS = {PASS: ("✓", "green"), "warn": ("!", "yellow"), FAIL: ("✗", "bold red")}
SHARED = "bold underline"
LOADING = "Loading the programme…"  # the person's line until the first candidates are read



@dataclass
class Loaded:
    """What the screen reads in one go: the pool, the rules, the waves, the ongoing pairs.

    Partial (the first paint, :func:`_glance`): the pool holds only the person being matched
    and their first candidates by name, ``ranking`` scores those, ``ongoing`` holds the
    person's own pairs; the finder reads everyone's names when first asked; the whole programme is
    being read meanwhile (:func:`_load`).
    """

    pool: Pool
    config: RuleConfig
    config_problem: str | None
    waves: list[Wave]
    ongoing: OngoingPairs  # every ongoing pair, for "who is paired with whom"
    first: dict[int | None, int | None] = field(default_factory=dict)  # wave → the first person waiting
    _pairs: dict[int, list[Pair]] = field(default_factory=dict)
    partial: bool = False  # the pool holds only the people shown first (the whole programme is coming)
    names: Names | None = None  # everyone's names (partial: once the finder is used), for the finder
    ranking: Ranking | None = None  # partial: the first candidates by name, scored (Ranking.of set)
    _found: dict[int, Person] = field(default_factory=dict)  # partial: who the finder listed
    _known: dict[int, str] = field(default_factory=dict)  # partial: the names of the person's partners
    _busy: dict[int | None, set[int]] = field(default_factory=dict)  # partial: wave → its paired mentees

    def name(self, person_id: int) -> str:
        name = self.pool.name_of(person_id)
        if name is not None:
            return name
        found = self.names.name(person_id) if self.names is not None else self._known.get(person_id)
        return found if found is not None else "?"

    def person(self, person_id: int | None) -> Person | None:
        """Return ``person_id`` as the pool (or the finder, partial) has them; None if unknown."""
        if person_id is None:
            return None
        return self.pool.by_id.get(person_id) or self._found.get(person_id)

    def find(self, store: Store, query: str, wave_id: int | None) -> list[Person]:
        """The person finder's answer (:func:`find_people`; partial: the same from the names,
        read here the first time), in a worker."""
        if not self.partial:
            _ = self.partners
            return find_people(self.pool, query, wave_id)
        if self.names is None:
            self.names = read_names(store)
        busy = self._busy.get(wave_id)
        if busy is None:
            marks = ", ".join("?" for _ in ONGOING)
            busy = self._busy[wave_id] = busy_mentees(
                store.query_tuples(f"SELECT wave_id, mentee_id, status FROM pairs WHERE status IN ({marks})", ONGOING),
                wave_id)
        people = finder_people(store, self.names, find_named(self.names, query, wave_id, busy))
        self._found.update((p.id, p) for p in people)
        # The finder's notes ("active with <name>") of the people listed, from their ongoing pairs.
        self.partners.update(self._partners_in(ongoing_rows(store, [p.id for p in people])))
        return people

    def pairs_of(self, person_id: int) -> list[Pair]:
        """Return ``person_id``'s ongoing pairs (records made for the people asked about only)."""
        found = self._pairs.get(person_id)
        if found is None:
            found = self._pairs[person_id] = [
                Pair.from_row(dict(zip(PAIR_COLUMNS, row))) for row in self.ongoing.by_person.get(person_id, ())
            ]
        return found

    @cached_property
    def partners(self) -> dict[int, str]:
        """What the person finder notes of each paired person: "active with <name>"."""
        id_of = PAIR_COLUMNS.index("id")
        return self._partners_in(sorted(self.ongoing.rows.values(), key=lambda row: row[id_of]))

    def _partners_in(self, rows: list[tuple]) -> dict[int, str]:
        partner: dict[int, str] = {}
        mentor, mentee, state = (PAIR_COLUMNS.index(c) for c in ("mentor_id", "mentee_id", "status"))
        for row in rows:
            status = row[state].replace("_", " ")
            partner[row[mentor]] = f"{status} with {self.name(row[mentee])}"
            partner[row[mentee]] = f"{status} with {self.name(row[mentor])}"
        return partner


def _rules(programme: Programme) -> tuple[RuleConfig, str | None]:
    try:
        return load_rule_config(programme.store), None
    except RuleConfigError as error:
        return default_rule_config(), str(error)


# Up to this many people the whole programme is read and ranked in about the time the first
# paint's narrow read takes: it is read at once (no list by name flashing before the ranking).
SMALL_PROGRAMME = 5_000


def _glance(programme: Programme, wave_id: int | None = None, person_id: int | None = None,
            small: int = SMALL_PROGRAMME) -> Loaded:
    """Read what the screen paints first, narrowly (:func:`rmtui.pairing.glance`): the rules,
    the waves, the person being matched (``person_id``, else the first waiting in the wave),
    their ongoing pairs and their first candidates by name, scored.
    A programme of at most ``small`` people is read whole at once (:func:`_load`)."""
    store = programme.store
    with store.snapshot():
        if store.query_tuples("SELECT count(*) FROM participants")[0][0] <= small:
            everyone = True
        else:
            everyone = False
            config, problem = _rules(programme)
            wave_list = waves(store)
            wave_ids = [w.id for w in wave_list]
            wave = wave_id if wave_id in wave_ids else (wave_ids[0] if wave_ids else None)
            seen = glance(store, programme.today(), config, wave, person_id)
            person = seen.ranking.person.id if seen.ranking is not None else None
            rows = ongoing_rows(store, [person]) if person is not None else []
            mentor, mentee = PAIR_COLUMNS.index("mentor_id"), PAIR_COLUMNS.index("mentee_id")
            partners = sorted({i for row in rows for i in (row[mentor], row[mentee])} - {person})
            known = dict(store.query_tuples(
                f"SELECT id, name FROM participants WHERE id IN ({', '.join('?' for _ in partners)})", tuple(partners)))
    if everyone:
        return _load(programme, None, wave_id, person_id)
    loaded = Loaded(seen.pool, config, problem, wave_list, OngoingPairs.of(rows), partial=True, ranking=seen.ranking,
                    _known={i: clean(name) for i, name in known.items()})
    loaded.first[wave] = person
    return loaded


def _load(programme: Programme, previous: Pool | None = None, wave_id: int | None = None,
          person_id: int | None = None, names: Names | None = None, ongoing: OngoingPairs | None = None) -> Loaded:
    """Read what the screen shows in one go (off the UI thread); the people of ``previous``
    (the pool shown now) are kept when none of them changed (:func:`refresh_pool`), the
    pairs of ``ongoing`` when they did not (:func:`ongoing_pairs`); the folded names of
    ``names`` (the first paint's) are kept when they are still everyone's.

    The work the screen needs next is done here too, off the UI thread: the first person
    waiting in the wave shown (when ``person_id`` is gone) and the facts of that wave.

    The cyclic collector is paused meanwhile (:func:`collector_paused`; what is made here
    holds no cycles): a refresh after a pair changed made 200 young and 20 middle passes at
    100k people, and one refresh in a few then met a full pass of 100-200 ms on the way to
    the screen. Paused, it is one young pass afterwards; the full pass waits for a pause (GcPacer).
    """
    with collector_paused():
        loaded = _read_whole(programme, previous, wave_id, person_id, names, ongoing)
    trim()  # what the read made and freed (its texts: more than the pool at 100k) goes back
    return loaded


def _read_whole(programme: Programme, previous: Pool | None, wave_id: int | None, person_id: int | None,
                names: Names | None, ongoing: OngoingPairs | None) -> Loaded:
    store = programme.store
    import_sparse()
    config, problem = _rules(programme)
    with store.snapshot():  # (the people and their pairs as of one moment)
        pool = refresh_pool(store, programme.today(), previous)
        pairs = ongoing_pairs(store, ongoing)
    if names is not None:
        pool.adopt_names(names)
    loaded = Loaded(pool, config, problem, waves(store), pairs)
    wave_ids = [w.id for w in loaded.waves]
    wave = wave_id if wave_id in wave_ids else (wave_ids[0] if wave_ids else None)
    if person_id not in pool.by_id:
        waiting = find_people(pool, "", wave, limit=1)
        loaded.first[wave] = waiting[0].id if waiting else None
    pool.facts(wave)
  # what the read made and freed (its texts: more than the pool at 100k) goes back
    return loaded


def _ranked_paused(pool: Pool, person_id: int, config: RuleConfig, wave_id: int | None, excluding: list[int]) -> Ranking:
    """:func:`rank_candidates`, the collector paused (as :func:`_load`: its arrays hold no cycles)."""
    with collector_paused():
        return rank_candidates(pool, person_id, config, wave_id, excluding=excluding)


def _in_thread(read: Callable[..., T], *args: object) -> Future[T]:
    """Start ``read(*args)`` in a thread of its own now; its outcome comes in the Future."""
    outcome: Future[T] = Future()

    def run() -> None:
        try:
            outcome.set_result(read(*args))
        except BaseException as error:  # handed to whoever waits for the outcome
            outcome.set_exception(error)

    threading.Thread(target=run, name="pairing-first-read", daemon=True).start()
    return outcome


def _let_go(going: list) -> None:
    """Drop the last references in ``going`` (the pool is freed then: no cycle waits for the
    collector) and give the memory back to the system."""
    going.clear()
    trim()


class CandidateSource:
    """Rows of the candidate table; a blocked row's reason is worked out when it is painted."""

    def __init__(self, screen: PairingScreen, ranking: Ranking, hide_blocked: bool) -> None:
        self.screen = screen
        self.ranking = ranking
        self.rows = [i for i in range(len(ranking)) if ranking.allowed[i] or not hide_blocked]
        self._notes: dict[int, Text] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def candidate(self, index: int) -> Person:
        return self.ranking.candidates[self.rows[index]]

    def index_of(self, person_id: int) -> int | None:
        """Return the row of candidate ``person_id``, None if not shown."""
        k = self.ranking.index(person_id)
        if k is None:
            return None
        if len(self.rows) == len(self.ranking):
            return k
        return next((row for row, at in enumerate(self.rows) if at == k), None)

    def cells(self, index: int) -> dict[str, Text]:
        k = self.rows[index]
        person = self.ranking.candidates[k]
        allowed = self.ranking.allowed[k]
        style = "" if allowed else "dim"
        note = self._notes.get(k)
        if note is None:
            if allowed:
                note = Text(clean(person.line_of_business) or "—", style=style)
            else:  # the ✗ is in the Fit column: the reason gets the whole cell
                rule = self.ranking.first_failure[k]
                note = Text(SPECS[rule].short if rule else "blocked", style="dim")
            if self.screen.proposed_with(person.id):
                note = Text("◆ proposed · ", style="bold").append_text(note)
            self._notes[k] = note
        return {
            # A blocked candidate shows ✗, not a fit that ranks below lower ones (the panel has its score).
            "score": Text(f"{self.ranking.scores[k]:.0f}" if allowed else "✗", style=style),
            "name": Text(person.name, style=style),
            "level": Text("" if person.level is None else str(person.level), style=style),
            "note": note,
        }


class PeopleSource:
    """Rows of the person finder."""

    def __init__(self, people: list[Person], partner: dict[int, str]) -> None:
        self.people = people
        self.partner = partner

    def __len__(self) -> int:
        return len(self.people)

    def cells(self, index: int) -> dict[str, Text]:
        person = self.people[index]
        note = clean(person.line_of_business) or "—"
        if person.id in self.partner:
            note += f" · {self.partner[person.id]}"
        return {
            "name": Text(person.name),
            "role": Text(person.role),
            "level": Text("" if person.level is None else str(person.level)),
            "note": Text(note),
        }


class PairingScreen(ProgrammeScreen):
    """Match one person: ranked candidates, live rules, side-by-side profiles."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("PairingScreen")  # type: ignore[assignment]

    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset({"propose", "confirm", "override", "close_pair", "withdraw", "coach"})

    # Keys go to the candidates from the start: Textual would focus the first focusable
    # widget (the finder's field) as the screen shows, and then the field's first Changed
    # opened the finder over the candidates, now and then (a race older than issue 14).
    AUTO_FOCUS = "#candidates"

    DEFAULT_CSS = """
    PairingScreen #find { height: 1; border: none; padding: 0 1; background: $boost; }
    PairingScreen #find:focus { background: $surface-lighten-1; }
    PairingScreen #person { height: auto; max-height: 2; padding: 0 1; background: $panel; }
    PairingScreen #main { height: 1fr; }
    PairingScreen #tables { width: 1fr; min-width: 34; }
    PairingScreen #people { display: none; }
    PairingScreen #panel { width: 42; border-left: tall $panel; padding: 0 1; }
    PairingScreen #profiles { height: 6; border-top: solid $panel; }
    PairingScreen.tall #profiles { height: 14; }
    PairingScreen.wide #panel { width: 60; }
    PairingScreen .profile { width: 1fr; padding: 0 1; }
    PairingScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.loaded: Loaded | None = None
        self.person_id: int | None = None
        self.wave_id: int | None = None
        self.ranking: Ranking | None = None
        self.source: CandidateSource | None = None
        self.found: list[Person] = []
        self.hide_blocked = False
        self.current: PairCheck | None = None
        self.override_draft = ""
        self._checks: dict[int, PairCheck] = {}
        self._loading = False  # a read of the whole programme is under way
        self._finding = False  # the finder is open (asked for with /, not yet closed)
        self._early_moves = 0  # ↓ less ↑ pressed before the first candidates were shown
        self._asked = 0  # glances and rankings asked for: only the newest is shown
        self._load_pending = False  # the whole read waits for the first paint
        self._reload = False  # ... and what it reads may be older than a change seen since
        self._checked_at: tuple[CandidateSource | None, int] | None = None  # the source and row the panel shows
        self._back_to: int | None = None  # ... and the candidate the cursor was on, for the cursor when back
        # The first paint's read starts with the screen, not once Textual has styled, composed
        # and mounted it (0.1-0.15 s at 100k; more on a busy machine): on_mount's worker waits for it.
        self._first_read: Future[Loaded] | None = _in_thread(_glance, self.programme)

    def compose(self):
        yield Header()
        yield SearchField(placeholder="/ Find the person to match: type a name", id="find")
        yield Static(LOADING, id="person")
        with Horizontal(id="main"):
            with Vertical(id="tables"):
                yield VirtualTable(CANDIDATE_COLUMNS, id="candidates")
                yield VirtualTable(PEOPLE_COLUMNS, id="people")
            with VerticalScroll(id="panel"):
                yield Static(id="rules")
        with Horizontal(id="profiles"):
            yield Static(id="left", classes="profile")
            yield Static(id="right", classes="profile")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#candidates", VirtualTable).focus()
        self.release_when_left()
        # The first paint comes from a narrow read (the names, the person, their first
        # candidates by name, scored); the whole programme is read after it, then ranked
        # (not meanwhile: both would share the one interpreter and the first paint come later).
        self.glance(then_load=True)

    def on_resize(self) -> None:
        self.set_class(self.size.height >= 32, "tall")
        self.set_class(self.size.width >= 110, "wide")
        self._show_check()

    def refresh_data(self) -> None:
        self.load()

    # -- leaving for another area, and coming back ---------------------------------------

    def release(self) -> None:
        """Drop the programme read for this screen (at 100,000 people the pool, its arrays and
        the ranking are a quarter of a gigabyte the rest of the app never uses) and give the
        memory back to the system. Kept: whom and in which wave the coordinator matches, and
        the candidate under the cursor; shown again as on a first visit (:meth:`on_screen_resume`).
        A read or ranking still under way is dropped when it ends (:meth:`_newest`, :meth:`_loaded`);
        none is started meanwhile (:meth:`load`)."""
        self._back_to = self._other(self.current).id if self.current is not None else self._back_to
        # Freed after the frame that shows the other area, not before it (30 ms at 100k).
        going = [self.loaded, self.ranking, self.source, self.current, self.found, dict(self._checks)]
        self.loaded = self.ranking = self.source = self.current = None
        self.found = []
        self._checks.clear()
        self._checked_at = None
        self._load_pending = self._reload = False
        for table in self.query(VirtualTable):
            table.set_source(EmptySource(), cursor=0)
        self.query_one("#person", Static).update(LOADING)
        for panel in ("#rules", "#left", "#right"):
            self.query_one(panel, Static).update("")
        self.app.call_after_refresh(_let_go, going)

    def on_screen_resume(self) -> None:
        """Shown again after :meth:`release`: read as on a first visit (the first candidates by
        name, then the whole programme), for the same person and wave."""
        if self.released:
            self.released = False
            self.seen_generation = self.host.data_generation  # (what is read now is the newest)
            self._reload = self._loading  # a read from before leaving may be older than that
            self.glance(then_load=True)

    # -- loading -----------------------------------------------------------------------

    def load(self) -> None:
        if self.released:  # (a save landing after the screen was left): read when shown again
            return
        if self._loading:  # one read of the whole programme at a time; again once it is in
            self._reload = True
            return
        self._loading, self._reload = True, False
        whole = self.loaded if self.loaded is not None and not self.loaded.partial else None
        names = self.loaded.names if self.loaded is not None else None
        self.run_work(_load, self.programme, whole and whole.pool, self.wave_id, self.person_id, names,
                      whole and whole.ongoing,
                      what="read the programme", done=self._loaded,
                      failed=partial(self._failed, "load"), after=self._load_ended, group="load")

    def _load_ended(self) -> None:
        self._loading = False
        if self._reload and self.is_attached:
            self.load()

    def glance(self, then_load: bool = False) -> None:
        """Read (narrowly) and show the person's first candidates by name until the pool is in;
        ``then_load``: then read the whole programme (:meth:`load`), whatever the glance gave."""
        self._asked += 1
        first, self._first_read = self._first_read, None  # (read for no wave and person yet chosen)
        read = partial(_glance, self.programme, self.wave_id, self.person_id) if first is None else first.result
        self.run_work(read, what="read the programme",
                      done=partial(self._newest, self._asked, self._glanced), failed=partial(self._failed, "glance"),
                      group="glance", exclusive=False, after=self._after_glance if then_load else None)

    def _newest(self, asked: int, then: Callable[[T], None], result: T) -> None:
        """Hand ``result`` to ``then`` unless a newer glance or ranking was asked for since.

        (Not Textual's exclusive workers: a thread runs to its end either way, and waiting
        for a cancelled one raises WorkerCancelled in whoever waits for every worker.) Nor when
        the screen was left meanwhile (:meth:`release`): nothing read for it is kept then."""
        if asked == self._asked and not self.released:
            then(result)

    def _after_glance(self) -> None:
        if not self.is_attached or (self.loaded is not None and not self.loaded.partial):
            return
        if self.source is None:  # nothing to paint first (the glance failed, or nobody to match)
            self.load()
        else:  # once the rule panel of the first row is painted (see candidate_moved)
            self._load_pending = True

    def _load_when_painted(self) -> None:
        """Read the whole programme once the first candidates and their rule panel are on the
        terminal: the read's thread would otherwise share the interpreter with that paint."""
        if self._load_pending:
            self._load_pending = False
            self.call_after_refresh(self.load)

    def _glanced(self, loaded: Loaded) -> None:
        if not loaded.partial:  # a small programme: read whole at once
            self._loaded(loaded)
            return
        if self.loaded is not None and not self.loaded.partial:
            return  # the whole programme came in first
        first = self.loaded is None
        self.loaded = loaded
        self._checks.clear()
        if first and loaded.config_problem:
            self.notify(f"{loaded.config_problem} Using the default rules until it is fixed (e).", severity="error", timeout=12)
        wave_ids = [w.id for w in loaded.waves]
        if self.wave_id not in wave_ids:
            self.wave_id = wave_ids[0] if wave_ids else None
        if loaded.ranking is None:
            if self.person_id is None:
                self._show_nobody()
            return
        self.person_id = loaded.ranking.person.id
        self._ranked(loaded.ranking)
        if self._finding or self.query_one("#find", Input).value:  # asked for while the programme was read
            self._search()

    def rank(self, loaded: Loaded, person_id: int, wave_id: int | None, excluding: list[int]) -> None:
        self._asked += 1
        self.run_work(_ranked_paused, loaded.pool, person_id, loaded.config, wave_id, excluding,
                      what="rank the candidates", done=partial(self._newest, self._asked, self._ranked),
                      failed=partial(self._failed, "rank"), group="rank", exclusive=False)

    def find(self, loaded: Loaded, query: str, wave_id: int | None) -> None:
        self.run_work(loaded.find, self.programme.store, query, wave_id, what="find the person",
                      done=partial(self._found, query), failed=partial(self._failed, "find"), group="find")

    def _found(self, query: str, people: list[Person]) -> None:
        if query == self.query_one("#find", Input).value:
            self._show_found(people)

    def write(self, description: str, action: Callable[..., object], *args: object, **kwargs: object) -> None:
        """Run ``action(programme, *args, **kwargs)`` (one store write) and say ``description`` once it landed."""
        programme = self.programme
        self.run_save(lambda: action(programme, *args, **kwargs), saving="the pairing",
                      done=lambda _: self._written(description), failed=partial(self._failed, "write"), group="write")

    def _written(self, description: str) -> None:
        self.notify(description, timeout=6)
        self.after_save()

    def _failed(self, group: str, error: BaseException) -> bool:
        """Say what went wrong in words; True when said (anything unexpected goes the usual way)."""
        if isinstance(error, ConflictError):
            self.notify(f"{error} Press the key again to reapply.", severity="warning", timeout=10)
            self.load()
            return True
        if isinstance(error, (PairingError, StoreError, ValueError)):
            self.notify(str(error), severity="error", timeout=10, markup=False)
            if group == "write":
                self.load()
            return True
        return False

    def _loaded(self, loaded: Loaded) -> None:
        if self.released:  # left while it was read: not kept (read again when shown again)
            return
        glanced = self.loaded is not None and self.loaded.partial
        self.loaded = loaded
        self._checks.clear()
        if loaded.config_problem and not glanced:
            self.notify(f"{loaded.config_problem} Using the default rules until it is fixed (e).", severity="error", timeout=12)
        wave_ids = [w.id for w in loaded.waves]
        if self.wave_id not in wave_ids:
            self.wave_id = wave_ids[0] if wave_ids else None
        if self.person_id not in loaded.pool.by_id:
            if self.wave_id in loaded.first:
                self.person_id = loaded.first[self.wave_id]
            else:
                waiting = find_people(loaded.pool, "", self.wave_id, limit=1)
                self.person_id = waiting[0].id if waiting else None
        if self.person_id is None:
            self._show_nobody()
            return
        self._rank()
        if self._finding or self.query_one("#find", Input).value:  # typed while it was read, or glanced at
            self._search()

    def _show_nobody(self) -> None:
        self.query_one("#person", Static).update(
            Text("No participants yet: add people in intake (2) or run  rmtui demo.")
        )

    def presence_spot(self) -> Spot:
        """Matching one person: the others see whom (not an edit of that person)."""
        if self.ranking is None:
            return Spot(self.presence_area())
        person = self.ranking.person
        return Spot(self.presence_area(), "participant", person.id, " ".join(str(person.name).split()))

    def _rank(self) -> None:
        if self.loaded is None or self.person_id is None:
            return
        self._checks.clear()
        if self.loaded.partial:  # the pool is not in yet: the first candidates by name, again
            self.glance()
            return
        self.rank(self.loaded, self.person_id, self.wave_id, self._own_proposal_ids())

    def _ranked(self, ranking: Ranking) -> None:
        if ranking.person.id != self.person_id:
            return
        previous = self.ranking
        self.ranking = ranking
        keep = None
        if previous is not None and previous.person.id == ranking.person.id and self.current is not None:
            # From the first candidates by name to the ranking: the cursor stays on the
            # candidate the coordinator moved to, else goes to the best.
            moved = previous.complete or self.query_one("#candidates", VirtualTable).cursor > 0
            keep = self.current if moved else None
        self.source = CandidateSource(self, ranking, self.hide_blocked)
        cursor = 0
        proposals = self._own_proposals()
        target = self._other(keep).id if keep is not None else self._back_to
        if ranking.complete:
            self._back_to = None
        if target is None and proposals:
            target = next(i for i in (proposals[0].mentor_id, proposals[0].mentee_id) if i != self.person_id)
        found = self.source.index_of(target) if target is not None else None
        if found is not None:  # (by id: the 50,000 candidates are not each made a Person)
            cursor = found
        elif previous is None and self._early_moves:
            cursor = max(0, min(self._early_moves, len(self.source) - 1))
        self._early_moves = 0
        table = self.query_one("#candidates", VirtualTable)
        table.set_source(self.source, cursor=cursor)
        # The rule panel of the row under the cursor in the same frame as the rows (its
        # CursorMoved, handled after that frame, then finds it shown).
        self._check_row(table.cursor)
        self._show_person()

    # -- what the screen shows ---------------------------------------------------------

    def _wave_name(self) -> str:
        if self.loaded is None or self.wave_id is None:
            return "no wave yet"
        return self.loaded.pool.wave_names.get(self.wave_id, f"wave {self.wave_id}")

    def _own_pairs(self) -> list[Pair]:
        if self.loaded is None or self.person_id is None:
            return []
        return self.loaded.pairs_of(self.person_id)

    def _own_proposals(self) -> list[Pair]:
        return [p for p in self._own_pairs() if p.status == "proposed" and p.wave_id == self.wave_id]

    def _own_proposal_ids(self) -> list[int]:
        return [p.id for p in self._own_proposals() if p.id is not None]

    def proposed_with(self, other_id: int) -> Pair | None:
        """Return the proposal of the person being matched with ``other_id`` in this wave."""
        return next((p for p in self._own_proposals() if other_id in (p.mentor_id, p.mentee_id)), None)

    def _show_person(self) -> None:
        if self.loaded is None:
            return
        person = self.loaded.person(self.person_id)
        if person is None:
            return
        line = Text()
        line.append(person.name, style="bold")
        line.append(f"  {person.role}")
        if person.level is not None:
            line.append(f" · L{person.level}")
        if person.line_of_business:
            line.append(f" · {person.line_of_business}")
        line.append(f" · {self._wave_name()}: ", style="")
        pairs = [p for p in self._own_pairs() if p.wave_id == self.wave_id]
        if pairs:
            name = self.loaded.name
            others = [p.mentee_id if p.mentor_id == person.id else p.mentor_id for p in pairs]
            line.append("; ".join(f"{p.status} with {name(other)}" for p, other in zip(pairs, others)))
        else:
            line.append("not paired", style="italic")
        if self.ranking is not None and not self.ranking.complete:
            line.append(f" · ranking {self.ranking.of:,} candidates…; the first by name meanwhile", style="dim")
        elif self.ranking is not None:
            allowed = sum(self.ranking.allowed)
            line.append(f" · {allowed} of {len(self.ranking)} candidates allowed", style="dim")
            if self.hide_blocked:
                line.append(" (blocked hidden)", style="dim")
        self.query_one("#person", Static).update(line)

    def check_with(self, candidate: Person) -> PairCheck | None:
        """Return the rule check of the person being matched with ``candidate`` (cached)."""
        if self.loaded is None or self.person_id is None:
            return None
        found = self._checks.get(candidate.id)
        if found is None:
            pool = self.loaded.pool
            if self.person_id not in pool.by_id or candidate.id not in pool.by_id:
                return None  # a person picked while the programme is read: their candidates are coming
            mentor, mentee = roles_of(pool.by_id[self.person_id], candidate)
            excluding = self._own_proposal_ids()
            found = check(pool, mentor.id, mentee.id, self.loaded.config, self.wave_id, excluding=excluding)
            self._checks[candidate.id] = found
        return found

    @on(VirtualTable.CursorMoved, "#candidates")
    def candidate_moved(self, event: VirtualTable.CursorMoved) -> None:
        if (self.source, event.index) != self._checked_at:  # (not already shown by _ranked)
            self._check_row(event.index)
        self._load_when_painted()

    def _check_row(self, index: int) -> None:
        """Check the candidate on row ``index`` and show the rule panel and the profiles."""
        if self.source is None or not len(self.source):
            self.current = None
        else:
            self.current = self.check_with(self.source.candidate(index))
        self._checked_at = (self.source, index) if self.is_mounted else None  # (else not shown yet)
        self._show_check()

    def _show_check(self) -> None:
        if not self.is_mounted:
            return
        rules, left, right = self.query_one("#rules", Static), self.query_one("#left", Static), self.query_one("#right", Static)
        person = self.loaded.person(self.person_id) if self.loaded is not None else None
        if person is None or self.loaded is None:
            return
        result = self.current
        if self.person_id not in self.loaded.pool.by_id:  # picked while the programme is read
            rules.update(Text("Reading the candidates…"))
            left.update(Text(f"{person.name} · reading the profile…"))
            right.update("")
            return
        if result is None:
            rules.update(Text("No candidates to check." if self.ranking is not None else "Reading the candidates…"))
            left.update(self._profile(person, set()))
            right.update("")
            return
        rules.update(self._rule_panel(result))
        shared = {k for k in result.mentee.interests if k in result.mentor.interests}
        other = result.mentor if result.mentee.id == person.id else result.mentee
        left.update(self._profile(person, shared))
        right.update(self._profile(other, shared))

    def _rule_panel(self, result: PairCheck) -> Group:
        breakdown = score(result.verdicts)
        proposal = self.proposed_with(self._other(result).id)
        overridden = {o["rule"]: o["reason"] for o in proposal.overrides} if proposal is not None else {}
        blocking = [v for v in result.blocking if v.rule not in overridden]
        head = Text()
        head.append(f"{result.mentor.name} → {result.mentee.name}\n", style="bold")
        if blocking:
            head.append(f"Blocked by {len(blocking)} rule{'s' if len(blocking) > 1 else ''}", style="bold red")
        elif overridden:
            head.append("Allowed by override", style="bold yellow")
        else:
            head.append("Allowed", style="bold green")
        head.append(f" · score {breakdown.total:.0f} of 100")
        if proposal is not None:
            head.append(" · proposed", style="bold")
        lines = [head]
        order = {FAIL: 0, "warn": 1, PASS: 2}
        points = {part.rule: part.points for part in breakdown.parts}
        weights = sum(part.weight for part in breakdown.parts)
        most = {part.rule: 100 * part.weight / weights for part in breakdown.parts} if weights else {}
        # Problems first, then what earned the score, then the hard rules that hold.
        for verdict in sorted(result.verdicts, key=lambda v: (order[v.outcome], v.hard)):
            mark, style = MARKS[verdict.outcome]
            line = Text(no_wrap=verdict.outcome == PASS, overflow="ellipsis")
            if verdict.blocks and verdict.rule in overridden:
                line.append("⚑ ", style="bold yellow")
                line.append(f"{verdict.reason}; overridden: ", style="yellow")
                line.append(overridden[verdict.rule], style="italic")
                lines.append(line)
                continue
            line.append(f"{mark} ", style=style)
            if not verdict.hard and verdict.rule in points:
                # "! +11 of 22": a warning that still earns part of its points (a time zone
                # unknown earns half) says so; a met rule's reason already says how well it is met.
                earned, best = points[verdict.rule], most[verdict.rule]
                partial = verdict.outcome != PASS and round(earned) < round(best)
                line.append(f"+{earned:.0f} of {best:.0f} " if partial else f"+{earned:.0f} ", style="bold")
            line.append(verdict.reason, style="" if verdict.outcome == PASS else style)
            lines.append(line)
        return Group(*lines)

    def _profile(self, person: Person, shared: set[str]) -> Text:
        text = Text(no_wrap=False, overflow="ellipsis")
        text.append(person.name, style="bold")
        text.append(f" · {person.role}")
        if person.level is not None:
            text.append(f" L{person.level}")
        text.append("\n")
        text.append(" · ".join(x for x in (person.line_of_business, person.team, person.timezone) if x) or "—")
        text.append("\n")
        text.append("Likes: ", style="dim")
        interests = list(person.interests.items())
        for position, (key, label) in enumerate(interests):
            if position:
                text.append(", ")
            text.append(label, style=SHARED if key in shared else "")
        if not interests:
            text.append("—")
        text.append("\n")
        if self.has_class("tall"):
            text.append("Goals: ", style="dim")
            text.append("; ".join(person.goals.values()) or "—")
            text.append("\nOffers: ", style="dim")
            text.append("; ".join(person.competencies.values()) or "—")
            text.append("\n")
        return text

    # -- finding the person ------------------------------------------------------------

    def action_find(self) -> None:
        self.query_one("#find", Input).focus()
        self._finding = True
        self._search()

    def _search(self) -> None:
        if self.loaded is not None:
            self.find(self.loaded, self.query_one("#find", Input).value, self.wave_id)

    @on(Input.Changed, "#find")
    def find_changed(self) -> None:
        if self.query_one("#find", Input).has_focus:
            self._search()

    def _show_found(self, people: list[Person]) -> None:
        self.found = people
        table = self.query_one("#people", VirtualTable)
        partners = self.loaded.partners if self.loaded is not None else {}
        table.set_source(PeopleSource(people, partners), cursor=0)
        table.display = True
        self.query_one("#candidates", VirtualTable).display = False
        self.query_one("#status", Static).update(Text(f"{len(people)} found · Enter picks · ↓ to browse"))

    @on(Input.Submitted, "#find")
    def find_submitted(self) -> None:
        if self.found:
            self._pick(self.found[self.query_one("#people", VirtualTable).cursor])

    @on(VirtualTable.Selected, "#people")
    def person_selected(self, event: VirtualTable.Selected) -> None:
        if event.index < len(self.found):
            self._pick(self.found[event.index])

    def _pick(self, person: Person) -> None:
        self.person_id = person.id
        self.current = self._back_to = None
        self._checked_at = None
        self.ranking = None
        find = self.query_one("#find", Input)
        with find.prevent(Input.Changed):
            find.value = ""
        self._close_finder()
        self._show_person()
        self._rank()

    def _close_finder(self) -> None:
        self._finding = False
        self.query_one("#people", VirtualTable).display = False
        candidates = self.query_one("#candidates", VirtualTable)
        candidates.display = True
        candidates.focus()
        self.query_one("#status", Static).update("")

    def action_leave_find(self) -> None:
        self._close_finder()

    def on_key(self, event) -> None:
        if event.key == "down" and self.query_one("#find", Input).has_focus:
            self.query_one("#people", VirtualTable).focus()
            event.stop()
        elif event.key in ("down", "up") and self.source is None and self.query_one("#candidates", VirtualTable).has_focus:
            # Moved before the first candidates are on the screen: the cursor goes there once they are.
            self._early_moves += 1 if event.key == "down" else -1
            event.prevent_default()
            event.stop()

    @on(VirtualTable.Selected, "#candidates")
    def open_candidate(self, event: VirtualTable.Selected) -> None:
        if self.source is not None and event.index < len(self.source):
            self.post_message(OpenProfile(self.source.candidate(event.index).id))

    # -- actions -----------------------------------------------------------------------

    def _ready(self) -> PairCheck | None:
        if self.loaded is None or self.current is None:
            self.notify("Pick a person and a candidate first.", severity="warning")
            return None
        if self.wave_id is None:
            self.notify("There is no wave to pair into yet; add one on the waves screen (ctrl+p Waves, a) or with rmtui wave add.", severity="warning")
            return None
        return self.current

    def _held_elsewhere(self, result: PairCheck) -> bool:
        """Say so and return True when the mentee's proposal in this wave is with someone else."""
        held = [p for p in self._own_proposals() if p.mentee_id == result.mentee.id and p.mentor_id != result.mentor.id]
        if held and self.loaded is not None:
            name = self.loaded.name(held[0].mentor_id)
            name = name if name != "?" else "another mentor"
            self.notify(
                f"{result.mentee.name} already has a proposal with {name} in {self._wave_name()}; "
                "withdraw it first (d on that row).",
                severity="warning",
                timeout=8,
            )
            return True
        return False

    def action_propose(self) -> None:
        result = self._ready()
        if result is None or self._held_elsewhere(result):
            return
        if self.proposed_with(self._other(result).id):
            self.notify("This pair is already proposed; press c to confirm it.", severity="warning")
            return
        self.write(
            f"Proposed {result.mentor.name} to mentor {result.mentee.name}.",
            propose_pair, result.mentor.id, result.mentee.id, self.wave_id, config=self._config(),
        )

    def action_confirm(self) -> None:
        result = self._ready()
        if result is None or self._held_elsewhere(result):
            return
        message = f"{result.mentor.name} now mentors {result.mentee.name}, from today."
        proposal = self.proposed_with(self._other(result).id)
        if proposal is not None:
            self.write(message, confirm_pair, proposal.id, proposal.version, config=self._config())
        else:
            self.write(message, pair_now, result.mentor.id, result.mentee.id, self.wave_id, config=self._config())

    def action_override(self) -> None:
        result = self._ready()
        if result is None or self._held_elsewhere(result):
            return
        failing = [v for v in result.blocking if v.rule in OVERRIDABLE]
        if not result.blocking:
            self.notify("No rule blocks this pair; nothing to override.", severity="information")
            return
        if len(failing) < len(result.blocking):
            fixed = next(v for v in result.blocking if v.rule not in OVERRIDABLE)
            self.notify(f"{fixed.reason}: this rule cannot be overridden.", severity="error")
            return

        def done(reason: str | None) -> None:
            if reason is None:
                return
            self.override_draft = reason
            self.write(
                f"Proposed {result.mentor.name} with {result.mentee.name}, overriding {len(failing)} rule(s).",
                propose_pair, result.mentor.id, result.mentee.id, self.wave_id,
                override_reason=reason, config=self._config(),
            )

        who = f"{result.mentor.name} → {result.mentee.name}"
        self.app.push_screen(OverrideReasonScreen(who, [v.reason for v in failing], self.override_draft), done)

    def action_withdraw(self) -> None:
        result = self._ready()
        if result is None:
            return
        proposal = self.proposed_with(self._other(result).id)
        if proposal is None:
            self.notify("There is no proposal with this candidate to withdraw.", severity="warning")
            return
        self.write("Proposal withdrawn.", withdraw_proposal, proposal.id, proposal.version)

    def action_coach(self) -> None:
        """Pick the coach of the pair of the person being matched (their proposal in this wave first)."""
        pairs = [p for p in self._own_pairs() if p.status in ("proposed", "active", "paused")]
        pairs.sort(key=lambda p: (p.status != "proposed" or p.wave_id != self.wave_id, p.status != "active", p.id))
        if not pairs or self.loaded is None:
            self.notify("The person being matched has no pair yet; propose or confirm one first.", severity="warning")
            return
        self.run_work(workloads, self.programme.store, what="read the coaches", done=partial(self._pick_coach, pairs[0]),
                      group="coaches")

    def _pick_coach(self, pair: Pair, loads: list[Workload]) -> None:
        if not loads:
            self.notify("The programme has no coaches yet; add them with  rmtui coach add NAME.", severity="warning", timeout=8)
            return
        assert self.loaded is not None
        who = f"{self.loaded.name(pair.mentor_id)} → {self.loaded.name(pair.mentee_id)}"
        choices = [(f"{clean(w.coach.name)} — {w.shown()}", w.coach.id) for w in loads] + [("No coach", 0)]
        current = next((n for n, w in enumerate(loads) if w.coach.id == pair.coach_id), None)

        def picked(coach_id: int | None) -> None:
            if coach_id is None:
                return
            chosen = next((literal(w.coach.name) for w in loads if w.coach.id == coach_id), "no coach")
            self.write(f"Coach of {literal(who)}: {chosen}.",
                       lambda programme, *args: assign_coach(programme.store, *args), pair.id, coach_id or None, pair.version)

        self.app.push_screen(
            PickOne(f"Coach of {who} (pair {pair.id})", choices, "Workload: each coach's pairs going (active, paused, proposed).",
                    current),
            picked,
        )

    def action_close_pair(self) -> None:
        pairs = [p for p in self._own_pairs() if p.status in ("active", "paused")]
        if not pairs or self.loaded is None:
            self.notify("The person being matched has no active pair to close.", severity="warning")
            return
        pair = pairs[0]
        who = f"{self.loaded.name(pair.mentor_id)} → {self.loaded.name(pair.mentee_id)}"

        def done(answer: tuple[str, str] | None) -> None:
            if answer is None:
                return
            code, note = answer
            self.write(
                f"Pair closed: {close_wording(code, note)}. New candidates are shown; never a former partner.",
                close_pair, pair.id, pair.version, code, note,
            )

        self.app.push_screen(CloseReasonScreen(who), done)

    def action_toggle_blocked(self) -> None:
        self.hide_blocked = not self.hide_blocked
        if self.ranking is not None:
            self._ranked(self.ranking)

    def action_next_wave(self) -> None:
        if self.loaded is None or not self.loaded.waves:
            self.notify("There are no waves yet.", severity="warning")
            return
        ids = [w.id for w in self.loaded.waves]
        self.wave_id = ids[(ids.index(self.wave_id) + 1) % len(ids)] if self.wave_id in ids else ids[0]
        self.notify(f"Pairing into {self._wave_name()}.", timeout=3)
        self._rank()

    def action_match_wave(self) -> None:
        if self.wave_id is None:
            self.notify("There is no wave to match yet.", severity="warning")
            return
        self.post_message(OpenCohort(self.wave_id, self._wave_name()))

    def _config(self) -> RuleConfig:
        """The matching rules read with the programme (the defaults before it is read)."""
        return self.loaded.config if self.loaded is not None else default_rule_config()

    def action_edit_rules(self) -> None:
        config = self._config()
        self.post_message(EditRules(config))

    def _other(self, result: PairCheck) -> Person:
        return result.mentor if result.mentee.id == self.person_id else result.mentee

