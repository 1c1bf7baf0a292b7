"""Issue 11 item 8: hobbies and interests split on commas too — import, form and stored values."""

from __future__ import annotations

import json
from pathlib import Path

from rmtui.app import RmtuiApp
from rmtui.csv_import import import_file
from rmtui.db import SCHEMA_VERSION, Participant, Store
from rmtui.db.schema import MIGRATIONS
from rmtui.db.sqlite import sqlite3
from rmtui.intake import check_profile, split_tags
from rmtui.programme import Programme
from rmtui.screens.intake import IntakeScreen


def test_split_tags_splits_commas_only_for_hobbies_and_interests() -> None:
    assert split_tags("chess, painting;golf\nchess", "hobbies") == ["chess", "painting", "golf"]
    assert split_tags(["a, b", "c"], "interests") == ["a", "b", "c"]
    # A goal is a sentence and may hold a comma.
    assert split_tags("Lead a team, then a department", "development_goals") == ["Lead a team, then a department"]
    assert split_tags("chess, painting") == ["chess, painting"]


def test_the_form_and_the_import_share_the_rule(programme: Programme, tmp_path: Path) -> None:
    checked = check_profile({"name": "Ann", "role": "mentor", "hobbies": "chess, painting", "interests": ["AI, ethics"]})
    assert checked.values["hobbies"] == ["chess", "painting"] and checked.values["interests"] == ["AI", "ethics"]
    path = tmp_path / "people.csv"
    path.write_text(
        'name,email,role,hobbies,interests,development goals\n'
        'Ann Lee,ann@example.com,mentor,"chess, painting; golf","AI, ethics","Grow, then lead"\n',
        encoding="utf-8",
    )
    import_file(programme.store, path)
    ann = programme.store.all(Participant)[0]
    assert ann.hobbies == ["chess", "painting", "golf"]
    assert ann.interests == ["AI", "ethics"]
    assert ann.development_goals == ["Grow, then lead"]


async def test_typing_a_comma_in_the_hobbies_field_makes_two_tags(programme: Programme) -> None:
    app = RmtuiApp(programme, start="intake")
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        screen.query_one("#f-hobbies").focus()
        for key in "chess, painting":
            await pilot.press("space" if key == " " else "comma" if key == "," else key)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one("#f-hobbies").tags == ["chess", "painting"]
        screen.query_one("#f-development_goals").focus()
        for key in "grow, lead":
            await pilot.press("space" if key == " " else "comma" if key == "," else key)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one("#f-development_goals").tags == ["grow, lead"]


def test_the_migration_splits_stored_values(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    mine = next(i for i, m in enumerate(MIGRATIONS) if "CREATE TABLE coaches" in m)
    for script in MIGRATIONS[:mine]:
        conn.executescript(script)
    conn.execute(f"PRAGMA user_version = {mine}")
    rows = [
        ('["chess, painting", "golf"]', '["AI,ethics", "ethics"]', '["Grow, then lead"]'),
        ('["solo"]', "[]", "[]"),
        ('[" a ,, b", "b"]', '["x"]', "[]"),
    ]
    for n, (hobbies, interests, goals) in enumerate(rows):
        conn.execute(
            "INSERT INTO participants (name, role, hobbies, interests, development_goals, created_at, updated_at) "
            "VALUES (?, 'mentor', ?, ?, ?, 'x', 'x')",
            (f"P{n}", hobbies, interests, goals),
        )
    conn.commit()
    conn.close()
    with Store(path, actor="tester") as store:
        assert store.schema_version() == SCHEMA_VERSION
        people = store.all(Participant)
    assert [p.hobbies for p in people] == [["chess", "painting", "golf"], ["solo"], ["a", "b"]]
    assert [p.interests for p in people] == [["AI", "ethics"], [], ["x"]]
    assert people[0].development_goals == ["Grow, then lead"]
    assert [p.version for p in people] == [3, 1, 2]  # one more per list that changed
    # What the migration stores is what split_tags makes of the old value.
    assert people[0].hobbies == split_tags(json.loads(rows[0][0]), "hobbies")
