"""Whole-cohort matching for one wave: the best assignment, shown as proposals.

Each proposal can be accepted (it becomes a proposed pair) or rejected one by one; C
confirms every remaining proposal at once (one transaction, re-checked against the rules,
sessions planned on the wave's schedule); pinned proposals are kept when the matching is run again. The total score is
shown against a greedy pass, and everyone left unmatched is listed with what blocked them.
Every run is kept under a name (rmtui.match_runs); V compares two kept runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.widgets import Header, Static

from rmtui.db import ConflictError, StoreError
from rmtui.match_runs import save_run
from rmtui.matching import CohortMatch, Proposal, load_pool, match_cohort
from rmtui.pairing import PairingError, accept_wave, pairs_in_wave, propose_pair
from rmtui.programme import Programme
from rmtui.rule_settings import RuleConfigError, load_rule_config
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.screens.navigation import OpenMatchRuns, OpenProfile
from rmtui.text import clean
from rmtui.widgets.footer import Footer
from rmtui.widgets.virtual_table import Column, VirtualTable

COLUMNS = [
    Column("state", "", 2),
    Column("mentee", "Mentee", 12, grow=2),
    Column("mentor", "Mentor", 12, grow=2),
    Column("score", "Score", 5, justify="right"),
    Column("business", "Businesses", 10, grow=2),
]
UNMATCHED_COLUMNS = [
    Column("name", "Unmatched", 14, grow=1),
    Column("role", "Role", 6),
    Column("why", "Why", 20, grow=3),
]
Accepted = tuple[list[int], list[str], bool]
"""(indexes of the proposals done, problems met, whether they were confirmed too)"""
STATE_MARKS = {"accepted": ("✓", "green"), "rejected": ("✗", "red"), "pinned": ("⚲", "bold"), "": ("·", "dim")}


class ProposalSource:
    def __init__(self, proposals: list[Proposal], states: dict[int, str], pinned: list[tuple[int, int]]) -> None:
        self.proposals = proposals
        self.states = states
        self.pinned = set(pinned)

    def __len__(self) -> int:
        return len(self.proposals)

    def cells(self, index: int) -> dict[str, Text]:
        proposal = self.proposals[index]
        state = self.states.get(index, "")
        if not state and (proposal.mentee.id, proposal.mentor.id) in self.pinned:
            state = "pinned"
        mark, style = STATE_MARKS[state]
        dim = "dim" if state == "rejected" else ""
        return {
            "state": Text(mark, style=style),
            "mentee": Text(proposal.mentee.name, style=dim),
            "mentor": Text(proposal.mentor.name, style=dim),
            "score": Text(f"{proposal.score:.0f}", style=dim),
            "business": Text(f"{proposal.mentee.line_of_business} ← {proposal.mentor.line_of_business}", style=dim),
        }


class UnmatchedSource:
    def __init__(self, result: CohortMatch) -> None:
        self.rows = result.unmatched

    def __len__(self) -> int:
        return len(self.rows)

    def cells(self, index: int) -> dict[str, Text]:
        row = self.rows[index]
        return {"name": Text(row.person.name), "role": Text(row.person.role), "why": Text(row.why)}


Saver = Callable[[Callable[[], object]], object]
"""Runs one store write from a worker, waiting out another coordinator's lock (save_with_retry)."""


Matched = tuple[CohortMatch, str | None]
"""(the matching, the name of the run it was kept as: None for a viewer, who cannot keep one)"""


def _match(programme: Programme, wave_id: int, pinned: list[tuple[int, int]], save: Saver) -> Matched:
    """Match the wave around ``pinned`` and keep the run (issue 15: every run can be compared)."""
    store = programme.store
    try:
        config = load_rule_config(store)
    except RuleConfigError as error:
        raise PairingError(f"{error} Fix the rules (r on the pairing screen) first.") from error
    pool = load_pool(store, programme.today())
    result = match_cohort(pool, wave_id, config, pinned=pinned)
    if not store.may_edit():
        return result, None
    run = save(partial(save_run, programme, wave_id, pool, config, result, pins=pinned))
    return result, run.name  # type: ignore[attr-defined]


def _accept(programme: Programme, wave_id: int, chosen: list[tuple[int, Proposal]], save: Saver) -> Accepted:
    """Propose each chosen (index, proposal) as its own pair; return (done, problems, confirmed=False)."""
    done: list[int] = []
    problems: list[str] = []
    config = load_rule_config(programme.store)
    for index, proposal in chosen:
        try:
            save(partial(propose_pair, programme, proposal.mentor.id, proposal.mentee.id, wave_id, config=config))
        except (PairingError, ConflictError, StoreError) as error:
            problems.append(f"{proposal.mentee.name}: {error}")
        else:
            done.append(index)
    return done, problems, False


def _accept_all(programme: Programme, wave_id: int, chosen: list[tuple[int, Proposal]], save: Saver) -> Accepted:
    """Propose and confirm every chosen proposal in one transaction; return (done, problems, confirmed=True)."""
    matches = [(proposal.mentor.id, proposal.mentee.id) for _, proposal in chosen]
    try:
        save(lambda: accept_wave(programme, wave_id, matches))
    except (PairingError, ConflictError, StoreError) as error:
        return [], [str(error)], True
    return [index for index, _ in chosen], [], True


class CohortScreen(ProgrammeScreen):
    """Proposals for a whole wave; accept or reject each, or all at once."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("CohortScreen")  # type: ignore[assignment]

    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset({"accept", "accept_all"})

    DEFAULT_CSS = """
    CohortScreen #summary { height: auto; padding: 0 1; background: $panel; }
    CohortScreen #proposals { height: 2fr; }
    CohortScreen #unmatched { height: 1fr; border-top: solid $panel; }
    """

    def __init__(self, wave_id: int, wave_name: str) -> None:
        super().__init__()
        self.wave_id = wave_id
        self.wave_name = wave_name
        self.result: CohortMatch | None = None
        self.states: dict[int, str] = {}
        self.pinned: list[tuple[int, int]] = []
        self.run_name: str | None = None

    def compose(self):
        yield Header()
        yield Static(f"Matching everyone in {self.wave_name}…", id="summary")
        yield VirtualTable(COLUMNS, id="proposals")
        yield VirtualTable(UNMATCHED_COLUMNS, id="unmatched")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.wave_name  # the header already says "Match a wave"
        self.query_one("#proposals", VirtualTable).focus()
        self.run_matching(list(self.pinned))

    def run_matching(self, pinned: list[tuple[int, int]]) -> None:
        self.run_work(_match, self.programme, self.wave_id, pinned, self._waiting("the matching run"),
                      what="match the wave", done=self.show, failed=self._matching_failed, group="match")

    def _matching_failed(self, error: BaseException) -> bool:
        """A rule or pairing problem is said in the summary line; anything else the usual way."""
        said = isinstance(error, (PairingError, StoreError))
        self.query_one("#summary", Static).update(Text(f"Matching could not finish: {error}" if said else
                                                       "Matching could not finish (see the notice)."))
        return said

    def accept(self, chosen: list[tuple[int, Proposal]]) -> None:
        """Propose each chosen (index, proposal) as its own pair (each waits out another's lock)."""
        self.run_work(_accept, self.programme, self.wave_id, chosen, self._waiting("the accepted pairs"),
                      what="propose the pairs", done=self._accepted, group="accept", exclusive=False)

    def accept_all(self, chosen: list[tuple[int, Proposal]]) -> None:
        """Accept the whole wave at once: propose and confirm every chosen proposal in one transaction."""
        self.run_work(_accept_all, self.programme, self.wave_id, chosen, self._waiting("the wave's pairs"),
                      what="confirm the wave's pairs", done=self._accepted, group="accept-all")

    def _waiting(self, what: str) -> Callable[[Callable[[], object]], object]:
        """How a worker saves: through save_with_retry, with the store read here on the UI thread."""
        return partial(self.save_with_retry, what=what, store=self.programme.store)

    def _accepted(self, outcome: tuple[list[int], list[str], bool]) -> None:
        done, problems, confirmed = outcome
        for index in done:
            self.states[index] = "accepted"
        self._refresh_rows()
        if confirmed:
            self.query_one("#summary", Static).update(Text(
                f"{len(done)} pair(s) confirmed in {self.wave_name}." if done
                else f"Nothing was confirmed: {problems[0] if problems else 'no proposals left'}"
            ))
        said = []
        if done and confirmed:
            said.append(f"{len(done)} pair(s) confirmed in {clean(self.wave_name)}; their sessions follow the wave's schedule.")
        elif done:
            said.append(f"{len(done)} pair(s) proposed in {clean(self.wave_name)}; confirm them on the pairing screen.")
        said += problems[:3]  # one notice: a newer one replaces the one shown
        if said:
            self.notify("\n".join(said), severity="error" if problems else "information", timeout=10 if problems else None,
                        markup=False)

    def refresh_data(self) -> None:
        """Someone's commit (an undo, another coordinator's confirm): mark which proposals are pairs now."""
        if self.result is not None:
            self.run_work(pairs_in_wave, self.programme.store, self.wave_id, what="read the wave's pairs",
                          done=self._pairs_read, group="pairs")

    def _pairs_read(self, standing: set[tuple[int, int]]) -> None:
        if self.result is None:
            return
        changed = 0
        for index, proposal in enumerate(self.result.proposals):
            is_pair = (proposal.mentor.id, proposal.mentee.id) in standing
            state = self.states.get(index, "")
            if state == "accepted" and not is_pair:
                del self.states[index]  # taken back (an undo) or withdrawn: a proposal again
                changed += 1
            elif state != "accepted" and is_pair:
                self.states[index] = "accepted"  # accepted meanwhile (a redo, another coordinator)
                changed += 1
        if changed:
            accepted = sum(1 for state in self.states.values() if state == "accepted")
            self.query_one("#summary", Static).update(Text(
                f"Changed since: {accepted} of these {len(self.result.proposals)} proposals are pairs in "
                f"{self.wave_name} now; c or C accepts the others."
            ))
            self._refresh_rows()

    def show(self, matched: Matched) -> None:
        result, self.run_name = matched
        self.result = result
        self.states = {}
        summary = Text()
        if self.run_name:
            summary.append(f"{self.run_name}: ", style="bold")
        new = len(result.new_pairs)
        summary.append(f"{new} new pair(s)", style="bold")
        if len(result.proposals) > new:
            summary.append(f" + {len(result.proposals) - new} pinned")
        summary.append(f" · their scores add up to {result.total:.0f}")
        # Against the simple way: each person in turn takes their best free candidate.
        summary.append(f" (one at a time, best first: {result.greedy_total:.0f} over {result.greedy_pairs} pairs)",
                       style="dim")
        summary.append(f" · {len(result.unmatched)} unmatched")
        if self.run_name:
            summary.append(" · V compares runs", style="dim")
        self.query_one("#summary", Static).update(summary)
        self.query_one("#unmatched", VirtualTable).set_source(UnmatchedSource(result), cursor=0)
        self._refresh_rows(cursor=0)

    def _refresh_rows(self, cursor: int | None = None) -> None:
        if self.result is not None:
            source = ProposalSource(self.result.proposals, self.states, self.pinned)
            self.query_one("#proposals", VirtualTable).set_source(source, cursor=cursor)

    def _cursor(self) -> int | None:
        if self.result is None or not self.result.proposals:
            return None
        return self.query_one("#proposals", VirtualTable).cursor

    def action_accept(self) -> None:
        index = self._cursor()
        if index is not None and self.result is not None and self.states.get(index) not in ("accepted", "rejected"):
            self.accept([(index, self.result.proposals[index])])

    def action_accept_all(self) -> None:
        """A: confirm every proposal not rejected or accepted already, in one transaction."""
        if self.result is None:
            return
        todo = [(i, p) for i, p in enumerate(self.result.proposals) if self.states.get(i) not in ("accepted", "rejected")]
        if todo:
            self.query_one("#summary", Static).update(f"Confirming {len(todo)} pair(s) in {self.wave_name}…")
            self.accept_all(todo)

    def action_reject(self) -> None:
        index = self._cursor()
        if index is not None and self.states.get(index) != "accepted":
            self.states[index] = "rejected"
            self._refresh_rows()

    def action_pin(self) -> None:
        """Pin or unpin the proposal under the cursor: pinned pairs survive a re-match (m)."""
        index = self._cursor()
        if index is None or self.result is None or self.states.get(index):
            return
        proposal = self.result.proposals[index]
        key = (proposal.mentee.id, proposal.mentor.id)
        if key in self.pinned:
            self.pinned.remove(key)
        else:
            self.pinned.append(key)
        self._refresh_rows()

    def action_rerun(self) -> None:
        """Match the wave again, keeping the pinned proposals as they are."""
        self.query_one("#summary", Static).update(f"Matching {self.wave_name} again…")
        self.run_matching(list(self.pinned))

    def action_compare_runs(self) -> None:
        """V: compare this wave's kept runs side by side, and accept one as a whole."""
        self.post_message(OpenMatchRuns(self.wave_id, self.wave_name))

    @on(VirtualTable.Selected, "#proposals")
    def open_mentee(self, event: VirtualTable.Selected) -> None:
        """Enter on a proposal opens its mentee's profile."""
        if self.result is not None and event.index < len(self.result.proposals):
            self._open_profile(self.result.proposals[event.index].mentee.id)

    @on(VirtualTable.Selected, "#unmatched")
    def open_unmatched(self, event: VirtualTable.Selected) -> None:
        """Enter on someone left unmatched opens their profile."""
        if self.result is not None and event.index < len(self.result.unmatched):
            self._open_profile(self.result.unmatched[event.index].person.id)

    def _open_profile(self, participant_id: int) -> None:
        self.post_message(OpenProfile(participant_id))

    def action_switch_table(self) -> None:
        proposals = self.query_one("#proposals", VirtualTable)
        (self.query_one("#unmatched", VirtualTable) if proposals.has_focus else proposals).focus()

    def action_back(self) -> None:
        self.dismiss(None)
