"""Navigation messages: a screen asks the App to show another screen; the App decides how.

No screen imports another screen (an import-linter contract says so): a screen posts one of
these, it bubbles to :class:`rmtui.app.RmtuiApp`, and the App builds and pushes the screen.
Dialogs a screen owns (``screens/*_dialogs.py``, ``rmtui.widgets.ask``) are not screens in
this sense and stay imported by their screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from rmtui.rule_settings import RuleConfig


@dataclass
class Navigate(Message):
    """Switch to the area ``area`` (roster, audit, ...); ``query`` is typed into its search."""

    area: str
    query: str | None = None


@dataclass
class OpenProfile(Message):
    """Show one participant's profile."""

    person_id: int


@dataclass
class EditPerson(Message):
    """Open the intake form on a participant (None: a new one)."""

    person_id: int | None = None


@dataclass
class OpenPair(Message):
    """Show one pair's timeline, optionally with one session under the cursor."""

    pair_id: int
    session_id: int | None = None


@dataclass
class OpenImport(Message):
    """Open the CSV import preview."""

    path: str | None = None


@dataclass
class OpenCohort(Message):
    """Match a whole wave."""

    wave_id: int
    wave_name: str


@dataclass
class OpenMatchRuns(Message):
    """Compare the kept matching runs of a wave (and accept one)."""

    wave_id: int
    wave_name: str


@dataclass
class EditRules(Message):
    """Open the rule editor on ``config``."""

    config: RuleConfig


@dataclass
class RevertChange(Message):
    """Take back one audited change (``audit.change_id``): the App asks first if it is big, then tells."""

    change_id: int
