"""Settings are saved through a version check: a stale edit is refused and says who moved it on."""

from __future__ import annotations

import pytest

from rmtui.app import RmtuiApp
from rmtui.db import ConflictError, Store, read_setting, read_settings
from rmtui.programme import Programme
from rmtui.rule_settings import default_rule_config, load_rule_config, save_rule_config, stored_rule_config
from rmtui.screens.rule_editor import RuleEditorScreen


def test_a_setting_saved_with_a_stale_version_is_refused(programme: Programme) -> None:
    store = programme.store
    assert read_setting(store, "rules") == (None, 0)
    with store.write() as writer:
        assert writer.set_setting("name", "Wave A", expected_version=0) == 1
    other = Store(store.path, actor="bea", now=lambda: "2026-11-20T09:30:00Z")
    try:
        value, version = read_setting(store, "name")
        assert (value, version) == ("Wave A", 1)
        with other.write() as writer:
            assert writer.set_setting("name", "Theirs", expected_version=version) == 2
        with pytest.raises(ConflictError) as caught, store.write() as writer:
            writer.set_setting("name", "Mine", expected_version=version)
    finally:
        other.close()
    error = caught.value
    assert error.table == "settings" and error.changed_by == "bea" and error.changed_at == "2026-11-20T09:30:00Z"
    assert "the name setting was changed by bea" in str(error)
    assert error.current == {"key": "name", "value": "Theirs", "version": 2}
    assert read_settings(store)["name"] == "Theirs"


def test_a_setting_that_appeared_meanwhile_is_a_conflict(programme: Programme) -> None:
    store = programme.store
    other = Store(store.path, actor="bea")
    try:
        with other.write() as writer:
            writer.set_setting("rules", default_rule_config().to_value())
    finally:
        other.close()
    with pytest.raises(ConflictError, match="changed by bea"):
        save_rule_config(store, default_rule_config(), expected_version=0)
    # Without a version (first-time writes, scripts) the last writer still wins.
    assert save_rule_config(store, default_rule_config()) == 2


def test_rules_saved_with_their_version(programme: Programme) -> None:
    config, version = stored_rule_config(programme.store)
    assert config is not None and version == 0
    config["level_gap"].params["min_gap"] = 3
    assert save_rule_config(programme.store, config, version) == 1
    assert stored_rule_config(programme.store)[1] == 1
    assert load_rule_config(programme.store).param("level_gap", "min_gap") == 3


async def test_rule_editor_conflict_keeps_the_edits_and_names_who(programme: Programme) -> None:
    save_rule_config(programme.store, default_rule_config())
    app = RmtuiApp(programme, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = RuleEditorScreen(default_rule_config())
        await app.push_screen(screen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.version == 1
        assert "Open" not in [key.description for key in screen.query("FooterKey")]  # Enter opens nothing here
        # Another coordinator saves the rules while this one edits them.
        other = Store(programme.store.path, actor="bea")
        try:
            theirs = default_rule_config()
            theirs["level_gap"].params["min_gap"] = 4
            save_rule_config(other, theirs)
        finally:
            other.close()
        await pilot.press("down", "down", "down", "down", "down", "right_parenthesis")
        mine = screen.config.param("level_gap", "min_gap")
        assert mine == 3
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen  # still editing
        message = str(screen.query_one("#message").render())
        assert "bea saved the rules" in message and "Your edits are still here" in message
        assert screen.config.param("level_gap", "min_gap") == 3
        assert load_rule_config(programme.store).param("level_gap", "min_gap") == 4
        # Pressing s again, knowingly, saves these edits over theirs.
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is not screen
        assert load_rule_config(programme.store).param("level_gap", "min_gap") == 3
