"""The full talent profile of one participant (read-only view)."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Header, Static

from rmtui.db import Participant
from rmtui.people import PairSummary, get_participant, pair_role, pairs_of, participant_name
from rmtui.presence import Spot
from rmtui.programme import Programme
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.screens.navigation import EditPerson
from rmtui.text import clean
from rmtui.widgets.footer import Footer


def _section(title: str, rows: list[tuple[str, str | Text]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", min_width=14, no_wrap=True)
    table.add_column(ratio=1)
    for label, value in rows:
        table.add_row(label, value if isinstance(value, Text) else Text(clean(value, multiline=True) or "—"))
    table.title = f" {title} "
    table.title_justify = "left"
    table.title_style = "bold reverse"
    return table


def _bullets(items: list[str]) -> Text:
    if not items:
        return Text("—")
    return Text("\n".join(f"• {clean(item)}" for item in items))


def profile_sections(person: Participant, manager: str | None, pairs: list[PairSummary]) -> list[Table]:
    """Return the talent profile laid out in sections (literal text, never markup)."""
    programme = _section(
        "Programme",
        [
            ("Role", person.role),
            ("Status", person.status),
            ("Level", "" if person.level is None else str(person.level)),
            ("Capacity", str(person.capacity) if person.role == "mentor" else "—"),
            ("Disclosure", "consent: yes, may be shown on shared views" if person.consent_share
             else "consent: no, confidential"),
            ("Objective data", f"{len(person.attributes)} sensitive attribute(s) recorded" if person.attributes else "none"),
        ],
    )
    work = _section(
        "Work",
        [
            ("Email", person.email or ""),
            ("Job title", person.job_title),
            ("Line of business", person.line_of_business),
            ("Department", person.department),
            ("Team", person.team),
            ("Manager", manager or ""),
            ("Location", " · ".join(x for x in (person.location, person.timezone) if x)),
            ("Joined", person.joined_on or ""),
        ],
    )
    growth = _section(
        "Talent profile",
        [
            ("Current role", _bullets(person.current_role)),
            ("Goals", _bullets(person.development_goals)),
            ("Competencies", _bullets(person.competencies)),
            ("Experience", person.past_experience),
            ("Education", person.education),
        ],
    )
    background = _section(
        "Background",
        [
            ("Birthplace", person.birthplace),
            ("Hobbies", ", ".join(clean(h) for h in person.hobbies)),
            ("Interests", ", ".join(clean(i) for i in person.interests)),
        ],
    )
    # "Pair 14 (mentor of Cécile Martin, wave Spring), active": the number g on the timeline takes.
    pair_rows: list[tuple[str, str | Text]] = [
        (f"Pair {summary.pair.id}", f"{pair_role(summary, person.id or 0)} · {summary.pair.status.replace('_', ' ')}")
        for summary in pairs
    ] or [("Pairs", "not paired yet")]
    return [programme, work, growth, background, _section("Pairs", pair_rows)]


def _load(programme: Programme, participant_id: int) -> tuple[Participant | None, str | None, list[PairSummary]]:
    """One participant, their manager's name and their pairs (in a worker)."""
    store = programme.store
    person = get_participant(store, participant_id)
    if person is None:
        return None, None, []
    return person, participant_name(store, person.manager_id), pairs_of(store, participant_id)


class ProfileScreen(ProgrammeScreen):
    """One participant's talent profile; escape goes back to where it was opened."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("ProfileScreen")  # type: ignore[assignment]

    def __init__(self, participant_id: int) -> None:
        super().__init__()
        self.participant_id = participant_id
        self.person_name: str | None = None

    def compose(self):
        yield Header()
        with VerticalScroll(id="profile"):
            yield Static("Loading…", id="profile-title")
            yield Static(id="presence-notice")
            yield Static(id="profile-body")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def refresh_data(self) -> None:
        """Reload the profile (after an edit here or another coordinator's)."""
        self.load()

    def presence_spot(self) -> Spot:
        if self.person_name is None:
            return Spot(self.presence_area())
        return Spot(self.presence_area(), "participant", self.participant_id, self.person_name)

    def action_edit(self) -> None:
        """Edit this participant in the intake form."""
        self.post_message(EditPerson(self.participant_id))

    def load(self) -> None:
        self.run_work(
            _load, self.programme, self.participant_id, what="load this profile", done=self.show, group="load"
        )

    def show(self, loaded: tuple[Participant | None, str | None, list[PairSummary]]) -> None:
        person, manager, pairs = loaded
        title = self.query_one("#profile-title", Static)
        if person is None:
            title.update(Text("This person is no longer in the programme."))
            return
        heading = Text(clean(person.name), style="bold")
        heading.append(f"  {clean(person.job_title)}" if person.job_title else "")
        title.update(heading)
        self.sub_title = clean(person.name)
        self.person_name = clean(person.name)
        self.show_presence(self.host.others)
        sections: list[Table | Text] = []
        for section in profile_sections(person, manager, pairs):
            sections += [Text(""), section]
        self.query_one("#profile-body", Static).update(Group(*sections))
