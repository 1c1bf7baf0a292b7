"""A list column (hobbies, interests, goals...) holding text that is not a JSON list, as
another tool or a hand-written SQL update leaves it ("Chess, Running"): one reading of it
everywhere (rmtui.db.records.json_list). Such a profile made the profile screen fail with
"something unexpected went wrong" (the soak's other coordinator wrote one); the pairing pool
read it as nothing and the roster index as one item."""

from __future__ import annotations

import io

import pytest
from conftest import settled
from rich.console import Console
from textual.widgets import Static

from rmtui.app import RmtuiApp
from rmtui.db import Participant
from rmtui.db.records import json_list
from rmtui.matching import load_pool, load_pool_by_rows
from rmtui.programme import Programme
from rmtui.screens.profile import ProfileScreen
from rmtui.search import RosterIndex


@pytest.mark.parametrize(("stored", "items"), [
    (None, []),
    ("", []),
    ("[]", []),
    ("null", []),
    ('["Chess", "Running"]', ["Chess", "Running"]),
    ('["Chess", 3]', ["Chess", "3"]),
    ("Chess, Running", ["Chess, Running"]),  # not JSON: kept as written, one item
    ('["Chess", ', ['["Chess", ']),
    ('"Chess"', ["Chess"]),
    ("3", ["3"]),
    ('{"a": 1}', ['{"a": 1}']),
    (3, ["3"]),  # a number SQLite kept as one
])
def test_a_list_column_reads_one_way(stored: object, items: list[str]) -> None:
    assert json_list(stored) == items


async def test_a_profile_with_a_list_column_that_is_not_json_opens_and_keeps_the_text(demo_programme: Programme) -> None:
    store = demo_programme.store
    with store.write() as w:
        w.execute("UPDATE participants SET hobbies = 'Chess, Running', interests = 'Jazz'")
    person = store.all(Participant, order="id")[0]
    assert (person.hobbies, person.interests) == (["Chess, Running"], ["Jazz"])
    assert person.to_row()["hobbies"] == '["Chess, Running"]'  # saved back: the text kept, as JSON
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(100, 40)) as pilot:
        await settled(pilot)
        await pilot.press("down", "enter")
        profile = await settled(pilot)
        assert isinstance(profile, ProfileScreen)
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(profile.query_one("#profile-body", Static).content)
        body = console.export_text()
        assert "Chess, Running" in body and "Jazz" in body
        assert not [n for n in app._notifications if n.severity == "error"]
    # The pairing pool (both of its reads) and the roster index read the same items.
    pool, by_rows = load_pool(store, demo_programme.today()), load_pool_by_rows(store, demo_programme.today())
    assert pool.people[0].interests == by_rows.people[0].interests
    assert sorted(pool.people[0].interests.values()) == ["Chess, Running", "Jazz"]
    index = RosterIndex.from_store(store)
    assert index.search("jazz").total == len(index) == store.scalar("SELECT count(*) FROM participants")
