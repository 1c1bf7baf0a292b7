"""The one keymap (rmtui.keymap): one verb per key, every action real, every screen bound from it,
keys.toml overrides checked with one clear line, README's table generated from it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.screen import Screen

import rmtui.screens
import rmtui.widgets
from rmtui import keymap
from rmtui.app import RmtuiApp
from rmtui.keymap import KEYS, KeymapError, apply_overrides, keys_for, load_user_keymap, markdown_table
from rmtui.screens import AREAS

ROOT = Path(__file__).resolve().parent.parent


def _screen_classes() -> dict[str, type]:
    """Every Screen class defined in rmtui.screens and rmtui.widgets, by class name."""
    found: dict[str, type] = {}
    for package in (rmtui.screens, rmtui.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, Screen) and cls.__module__ == module.__name__:
                    found[name] = cls
    return found


SCREENS = _screen_classes()


def _bindings(cls: type) -> list[Binding]:
    return [b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]


def test_the_keymap_names_only_real_screens_and_every_screen_with_keys_is_in_it() -> None:
    named = {key.screen for key in KEYS} - {"app"}
    assert named <= set(SCREENS)
    with_keys = {name for name, cls in SCREENS.items() if _bindings(cls)}
    assert with_keys == named


@pytest.mark.parametrize("name", sorted({key.screen for key in KEYS} - {"app"}))
def test_every_screens_bindings_come_from_the_keymap(name: str) -> None:
    cls = SCREENS[name]
    bound = [(b.key, b.action, b.description, b.id, b.show) for b in _bindings(cls)]
    assert bound == [(k.key, k.action, k.label, k.id, k.show) for k in keys_for(name)]


@pytest.mark.parametrize("key", [key for key in KEYS], ids=lambda key: key.id)
def test_every_action_exists_on_its_screen(key: keymap.Key) -> None:
    owner: type = RmtuiApp if key.screen == "app" or key.action.startswith("app.") else SCREENS[key.screen]
    assert callable(getattr(owner, f"action_{key.method}", None)), f"{key.id}: no action_{key.method}"


def test_no_key_means_two_verbs_anywhere() -> None:
    """Walk every screen class's bound keys: a key is one verb across the whole app."""
    verb_of = {key.id: key.verb for key in KEYS}
    seen: dict[str, tuple[str, str]] = {}
    for name, cls in SCREENS.items():
        for binding in _bindings(cls):
            verb = verb_of[binding.id]
            for part in set(keymap.split_keys(binding.key)) - keymap.MOVES:
                if part in seen:
                    assert seen[part][0] == verb, f"{part!r}: {seen[part][1]} means {seen[part][0]!r}, {name} {verb!r}"
                seen.setdefault(part, (verb, name))
    assert keymap.clashes() is None
    # Area numbers are global: no screen key takes them, nor q or ?.
    globals_ = {area.key for area in AREAS if area.key} | {"q", "question_mark"}
    assert not globals_ & {part for key in KEYS if key.screen != "app" and key.group != "Dialog"
                           for part in keymap.split_keys(key.key)} - {"question_mark"}


def test_no_forbidden_ctrl_keys() -> None:
    assert not {part for key in KEYS for part in keymap.split_keys(key.key)} & keymap.FORBIDDEN_KEYS


def test_edit_actions_of_each_screen_are_the_keymaps_edits() -> None:
    """Viewers lose exactly the keys the keymap marks as edits (EDIT_ACTIONS hides them)."""
    for name, cls in SCREENS.items():
        edits = getattr(cls, "EDIT_ACTIONS", None)
        if not edits:  # coordinators: the admin check is the screen's own
            continue
        assert keymap.edit_actions(name) <= set(edits), name


def test_overrides_from_keys_toml_apply(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_text('[keys]\n"pairing.match" = "j"\n"timeline.export" = "ctrl+e"\n', encoding="utf-8")
    keys = {key.id: key.key for key in load_user_keymap(path)}
    assert keys["pairing.match"] == "j" and keys["timeline.export"] == "ctrl+e"
    assert keys["pairing.propose"] == "p"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[keys]\n"pairing.mach" = "m"\n', "unknown action 'pairing.mach'"),
        ('[keys]\n"pairing.match" = "ctrl+h"\n', "ctrl+h is Backspace/Enter/Tab"),
        ('[keys]\n"pairing.match" = "p"\n', "pairing.match = 'p' clashes with"),
        ('[keys]\n"pairing.match" = 3\n', "must be a string"),
        ('[keys\n', "is not valid TOML"),
        ('"pairing.match" = "m"\n', "put overrides under [keys]"),
    ],
)
def test_a_bad_keys_toml_is_one_clear_line_naming_the_entry(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KeymapError) as caught:
        load_user_keymap(path)
    message = str(caught.value)
    assert says in message and str(path) in message and "\n" not in message


def test_a_key_clash_with_another_verb_is_refused() -> None:
    with pytest.raises(KeymapError, match="roster.sort = 'x' clashes"):
        apply_overrides({"roster.sort": "x"})


def test_rmtui_refuses_to_start_with_a_bad_keys_toml(tmp_path: Path) -> None:
    """The config folder comes from XDG_CONFIG_HOME (the conftest isolates it): a real process."""
    config = tmp_path / "config"
    (config / "rmtui").mkdir(parents=True)
    (config / "rmtui" / "keys.toml").write_text('[keys]\n"pairing.match" = "ctrl+j"\n', encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(config), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONSAFEPATH": "1"}
    result = subprocess.run([sys.executable, "-m", "rmtui", "--db", str(tmp_path / "p.db")], env=env,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"rmtui: {config / 'rmtui' / 'keys.toml'}: pairing.match = 'ctrl+j': ctrl+j is Backspace/Enter/Tab in many "
        "terminals"
    ]


async def test_an_override_rebinds_the_key_in_the_app(programme, tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_text('[keys]\n"dashboard.wave" = "W"\n', encoding="utf-8")
    app = RmtuiApp(programme, start="dashboard", keymap=load_user_keymap(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = {binding.binding.id: key for key, binding in app.screen.active_bindings.items()}
        assert keys.get("dashboard.wave") == "W"
        assert "w" not in app.screen.active_bindings


def test_the_readme_key_table_is_the_keymaps() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- keys:start -->\n") + len("<!-- keys:start -->\n")
    end = readme.index("<!-- keys:end -->")
    assert readme[start:end] == markdown_table(), "run: python -m rmtui.keymap --readme"
