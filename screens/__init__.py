"""rmtui's screens, one file each, and the registry of areas the app can switch between.

An area is a top-level screen reached by a number key, the command palette and
``rmtui SCREEN``. Register only screens that exist: add one ``Area`` to ``AREAS``.
The registry names screens by import path, so the command line can list them without
loading Textual.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Area:
    """A top-level screen: its command-line name, number key ("" for none), title, purpose and class."""

    name: str
    key: str
    title: str
    help: str
    screen: str  # "module:Class"

    def load(self) -> Any:
        """Return the screen class (imported on first use)."""
        module, _, cls = self.screen.partition(":")
        return getattr(importlib.import_module(module), cls)


AREAS: tuple[Area, ...] = (
    Area("roster", "1", "Roster", "Search and browse every participant", "rmtui.screens.roster:RosterScreen"),
    Area("intake", "2", "Intake", "Add a participant's talent profile; import or export CSV", "rmtui.screens.intake:IntakeScreen"),
    Area("pairing", "3", "Pairing", "Match a person: ranked candidates, live rule checks, whole-wave matching", "rmtui.screens.pairing:PairingScreen"),
    Area("timeline", "4", "Timeline", "One pair's sessions: mark held, reschedule, agenda and notes", "rmtui.screens.timeline:TimelineScreen"),
    Area("leaderboard", "5", "Leaderboard", "Whose sessions are up to date, who is behind, who posts notes: pairs, departments, sessions", "rmtui.screens.leaderboard:LeaderboardScreen"),
    Area("triage", "6", "Triage", "Everything that needs a coordinator today, most severe first", "rmtui.screens.triage:TriageScreen"),
    Area("dashboard", "7", "Dashboard", "Programme health against the targets: drop-out, completion, satisfaction, sessions a week", "rmtui.screens.dashboard:DashboardScreen"),
    Area("audit", "8", "Audit", "Who changed what and when, before → after, by person, pair, coordinator or day", "rmtui.screens.audit:AuditScreen"),
    Area("coordinators", "9", "Coordinators", "Who may use this programme and their roles; admins manage them", "rmtui.screens.coordinators:CoordinatorsScreen"),
    # No number key left: reached by the palette and `rmtui waves` / `rmtui settings`.
    Area("waves", "", "Waves", "Every wave with its pairs and sessions; add, edit before it starts, close", "rmtui.screens.waves:WavesScreen"),
    Area("settings", "", "Programme settings", "Name, time zone, defaults for new waves, health targets; the setup of a new programme", "rmtui.screens.programme:ProgrammeSettingsScreen"),
)
