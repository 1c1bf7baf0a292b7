"""The warning shown at start when the programme's files are not safe to share."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rmtui.screens.base import bindings
from rmtui.shared_setup import Finding


def findings_text(findings: list[Finding]) -> Text:
    """Return the problems and their one-line fixes, literally."""
    text = Text()
    for finding in findings:
        text.append("✗ ", style="bold red")
        text.append(f"{finding.subject}: {finding.detail}\n")
        if finding.fix:
            text.append("  fix: ", style="bold")
            text.append(f"{finding.fix}\n")
    return text


class HealthWarningScreen(ModalScreen[None]):
    """Cannot be missed: it covers the screen until the coordinator acknowledges it."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("HealthWarningScreen")  # type: ignore[assignment]

    DEFAULT_CSS = """
    HealthWarningScreen { align: center middle; }
    HealthWarningScreen > VerticalScroll {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    HealthWarningScreen #health-title { text-style: bold; color: $error; }
    """

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__()
        self.findings = findings

    def compose(self):
        count = len(self.findings)
        with VerticalScroll():
            yield Static(
                f"This programme's database is not safe to share ({count} problem{'s' if count != 1 else ''})",
                id="health-title",
            )
            yield Static(Text("Enter continues anyway · rmtui check shows the full report", style="dim"))
            yield Static(findings_text(self.findings))
