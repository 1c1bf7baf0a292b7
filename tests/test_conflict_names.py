"""Every "someone else changed this" names who did it (Writer.conflict), wherever it is raised."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from session_data import build_sessions_programme

from rmtui.clock import FixedClock
from rmtui.db import ConflictError, Participant
from rmtui.intake import update_participant
from rmtui.programme import Programme
from rmtui.triage import build_queue, toggle_review_flag


def test_a_triage_mark_made_meanwhile_names_its_maker(programme: Programme, db_path: Path, clock: FixedClock) -> None:
    build_sessions_programme(programme.store)
    mine = build_queue(programme.store, dt.date(2026, 11, 20)).items[0]
    other = Programme.open(db_path, clock, actor="alice")
    try:
        toggle_review_flag(other.store, build_queue(other.store, dt.date(2026, 11, 20)).items[0])
    finally:
        other.close()
    with pytest.raises(ConflictError, match="changed by alice"):
        toggle_review_flag(programme.store, mine)


def test_saving_no_change_over_someone_elses_edit_names_them(programme: Programme, db_path: Path, clock: FixedClock) -> None:
    with programme.store.write() as writer:
        ann = writer.insert(Participant(name="Ann Lee", role="mentor"))
    other = Programme.open(db_path, clock, actor="alice")
    try:
        update_participant(other.store, ann.id, ann.version, {"team": "Payments"})
    finally:
        other.close()
    with pytest.raises(ConflictError, match="changed by alice"):
        update_participant(programme.store, ann.id, ann.version, {})
