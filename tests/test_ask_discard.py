"""Typed data is never dropped by a key unasked: "Discard your changes to <name>? (y/n)".

A clean form leaves (or clears) without a question; a form with something typed asks, ``n``
(or escape) keeps editing with the text in place, ``y`` drops it.
"""

from __future__ import annotations

from conftest import settled
from textual.widgets import Input, Static, TextArea

from rmtui.app import RmtuiApp
from rmtui.db import Participant
from rmtui.programme import Programme
from rmtui.programme_settings import programme_settings, save_settings, setting_versions
from rmtui.rule_settings import default_rule_config
from rmtui.screens.intake import IntakeScreen
from rmtui.screens.rule_editor import RuleEditorScreen
from rmtui.screens.wave_dialogs import WaveFormScreen
from rmtui.widgets.ask import Confirm, EditText


async def _type(pilot, text: str) -> None:
    await pilot.press(*[c if c != " " else "space" for c in text])


def _question(app: RmtuiApp) -> str:
    assert isinstance(app.screen, Confirm), f"expected the discard question, got {type(app.screen).__name__}"
    return str(app.screen.query_one("#question", Static).render())


async def test_ctrl_n_on_a_typed_intake_form_asks_and_a_clean_one_does_not(programme: Programme) -> None:
    app = RmtuiApp(programme, start="intake")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        form = app.screen
        assert isinstance(form, IntakeScreen)
        await pilot.press("ctrl+n")  # nothing typed: cleared at once, no question
        await settled(pilot)
        assert app.screen is form
        form.query_one("#f-name", Input).focus()
        await _type(pilot, "Zed Quinn")
        await pilot.press("ctrl+n")
        await settled(pilot)
        assert _question(app) == "Discard your changes to Zed Quinn? (y/n)"
        await pilot.press("n")  # keep editing
        await settled(pilot)
        assert app.screen is form and form.query_one("#f-name", Input).value == "Zed Quinn"
        await pilot.press("ctrl+n")
        await settled(pilot)
        await pilot.press("y")
        await settled(pilot)
        assert app.screen is form and form.query_one("#f-name", Input).value == ""
        await pilot.press("ctrl+n")  # cleared again: clean, so no question
        await settled(pilot)
        assert app.screen is form


async def test_leaving_an_edited_profile_asks_and_an_untouched_one_leaves(programme: Programme) -> None:
    with programme.store.write() as writer:
        writer.insert(Participant(name="Ann Lee", role="mentor", level=3, status="active"))
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("e")
        await settled(pilot)
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press("escape")  # untouched: back to the roster without a question
        await settled(pilot)
        assert type(app.screen).__name__ == "RosterScreen"
        await pilot.press("e")
        await settled(pilot)
        form = app.screen
        assert isinstance(form, IntakeScreen)
        await pilot.press("end")
        await _type(pilot, "-Smith")
        await pilot.press("escape")
        await settled(pilot)
        assert _question(app) == "Discard your changes to Ann Lee? (y/n)"
        await pilot.press("escape")  # no: the typing stays
        await settled(pilot)
        assert app.screen is form and form.query_one("#f-name", Input).value == "Ann Lee-Smith"
        await pilot.press("escape")
        await settled(pilot)
        await pilot.press("y")
        await settled(pilot)
        assert type(app.screen).__name__ == "RosterScreen"
        assert programme.store.get(Participant, 1).name == "Ann Lee"  # nothing saved


async def test_the_text_editor_asks_before_dropping_typed_lines(programme: Programme) -> None:
    app = RmtuiApp(programme, start="dashboard")
    answers: list[str | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.push_screen(EditText("Session 2 notes — pair 5", "Old notes", name="the notes of session 2"), answers.append)
        await settled(pilot)
        await pilot.press("escape")  # unchanged: closes without a question
        await settled(pilot)
        assert answers == [None]
        app.push_screen(EditText("Session 2 notes — pair 5", "Old notes", name="the notes of session 2"), answers.append)
        await settled(pilot)
        await _type(pilot, " and more")
        await pilot.press("escape")
        await settled(pilot)
        assert _question(app) == "Discard your changes to the notes of session 2? (y/n)"
        await pilot.press("n")
        await settled(pilot)
        assert isinstance(app.screen, EditText)
        assert app.screen.query_one(TextArea).text == "Old notes and more"
        await pilot.press("escape", "y")
        await settled(pilot)
        assert answers == [None, None] and not isinstance(app.screen, (EditText, Confirm))


async def test_the_wave_form_asks_before_dropping_what_was_typed(programme: Programme) -> None:
    app = RmtuiApp(programme, start="dashboard")
    answers: list[dict[str, str] | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.push_screen(WaveFormScreen("New wave", {}, check=lambda values: None), answers.append)
        await settled(pilot)
        await pilot.press("escape")
        await settled(pilot)
        assert answers == [None]
        app.push_screen(WaveFormScreen("New wave", {}, check=lambda values: None), answers.append)
        await settled(pilot)
        await _type(pilot, "Spring")
        await pilot.press("escape")
        await settled(pilot)
        assert _question(app) == "Discard your changes to the new wave? (y/n)"
        await pilot.press("n")
        await settled(pilot)
        assert app.screen.query_one("#wave-name", Input).value == "Spring"
        await pilot.press("escape", "y")
        await settled(pilot)
        assert answers == [None, None] and not isinstance(app.screen, (WaveFormScreen, Confirm))


async def test_the_rule_editor_asks_before_dropping_changed_rules(programme: Programme) -> None:
    app = RmtuiApp(programme, start="dashboard")
    answers: list[object] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.push_screen(RuleEditorScreen(default_rule_config()), answers.append)
        await settled(pilot)
        await pilot.press("escape")  # nothing changed: leaves
        await settled(pilot)
        assert answers == [None]
        app.push_screen(RuleEditorScreen(default_rule_config()), answers.append)
        await settled(pilot)
        await pilot.press("down", "down", "space")  # a rule that may be off: different line of business
        await pilot.press("escape")
        await settled(pilot)
        assert _question(app) == "Discard your changes to the matching rules? (y/n)"
        await pilot.press("n")
        await settled(pilot)
        assert isinstance(app.screen, RuleEditorScreen) and app.screen.changed
        await pilot.press("escape", "y")
        await settled(pilot)
        assert answers == [None, None] and not isinstance(app.screen, RuleEditorScreen)


async def test_programme_settings_ask_before_undoing_typed_values(programme: Programme) -> None:
    save_settings(programme.store, {"programme_name": "Ours"}, setting_versions(programme.store))
    app = RmtuiApp(programme, start="settings")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("escape")  # leaves the field
        await pilot.press("escape")  # nothing typed: no question
        await settled(pilot)
        assert not isinstance(app.screen, Confirm)
        app.screen.query_one("#set-programme_name", Input).focus()
        await pilot.press("end")
        await _type(pilot, " too")
        await pilot.press("escape", "escape")
        await settled(pilot)
        assert _question(app) == "Discard your changes to the programme settings? (y/n)"
        await pilot.press("y")
        await settled(pilot)
        assert app.screen.query_one("#set-programme_name", Input).value == "Ours"
        assert programme_settings(programme.store)["programme_name"] == "Ours"


async def test_intake_starts_in_the_name_yet_number_keys_switch_while_the_form_is_clean(programme: Programme) -> None:
    """2 then 1 lands on the roster with the Name field empty; typing a name still works at once."""
    with programme.store.write() as writer:
        writer.insert(Participant(name="Ann Lee", role="mentor", level=3, status="active"))
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("2")
        form = await settled(pilot)
        assert isinstance(form, IntakeScreen)
        name = form.query_one("#f-name", Input)
        assert app.focused is name  # the cursor is where a person expects to type
        await pilot.press("1")
        await settled(pilot)
        assert app.current_mode == "roster"
        assert name.value == ""
        await pilot.press("2")
        await settled(pilot)
        assert app.focused is name
        await _type(pilot, "Zed 2nd")  # once something is typed, digits are text
        assert name.value == "Zed 2nd" and app.current_mode == "intake"


async def test_one_line_questions_and_reasons_ask_before_dropping_what_was_typed(programme: Programme) -> None:
    """A day offered and left as it was closes at once; a line typed, a withdrawal reason, ask first."""
    from rmtui.screens.intake_dialogs import WithdrawScreen
    from rmtui.widgets.ask import AskLine

    app = RmtuiApp(programme, start="dashboard")
    answers: list[str | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.push_screen(AskLine("Move session 3 to…", "+1w"), answers.append)
        await settled(pilot)
        await pilot.press("escape")  # the offered answer, untouched: no question
        await settled(pilot)
        assert answers == [None] and not isinstance(app.screen, (AskLine, Confirm))
        app.push_screen(AskLine("Move session 3 to…", "+1w"), answers.append)
        await settled(pilot)
        await _type(pilot, " fri")
        await pilot.press("escape")
        await settled(pilot)
        assert _question(app) == "Discard your changes to this answer? (y/n)"
        await pilot.press("y")
        await settled(pilot)
        assert answers == [None, None] and not isinstance(app.screen, (AskLine, Confirm))
        app.push_screen(WithdrawScreen("Ann Lee"), answers.append)
        await settled(pilot)
        app.screen.query_one("#reason", Input).focus()
        await _type(pilot, "moved abroad")
        await pilot.press("escape")
        await settled(pilot)
        assert _question(app) == "Discard your changes to the withdrawal reason? (y/n)"
        await pilot.press("n")
        await settled(pilot)
        assert isinstance(app.screen, WithdrawScreen) and app.screen.query_one("#reason", Input).value == "moved abroad"


async def test_the_coaches_add_dialog_names_what_escape_would_drop(programme: Programme) -> None:
    from rmtui.screens.coaches import CoachesScreen
    from rmtui.widgets.ask import AskLine

    app = RmtuiApp(programme, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.action_show_coaches()
        await settled(pilot)
        assert isinstance(app.screen, CoachesScreen)
        await pilot.press("a")
        await settled(pilot)
        assert isinstance(app.screen, AskLine)
        await _type(pilot, "Bo Li")
        await pilot.press("escape")
        await settled(pilot)
        assert _question(app) == "Discard your changes to the new coach? (y/n)"
        await pilot.press("y")
        await settled(pilot)
        assert isinstance(app.screen, CoachesScreen)
