"""Import participants from a CSV file: a preview with every problem first, then the import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.widgets import Header, Input, ProgressBar, Static
from textual.worker import get_current_worker

from rmtui.csv_import import ImportFileError, ImportPlan, ImportRow, ImportSummary, import_file, plan_import
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.text import clean, clean_path
from rmtui.widgets.footer import Footer
from rmtui.widgets.virtual_table import Column, VirtualTable

COLUMNS = [
    Column("line", "Line", 5, justify="right"),
    Column("action", "Outcome", 9),  # "added" before the import (what will be) and after it (what was)
    Column("name", "Name", 14, grow=2),
    Column("problem", "Problem", 0, grow=5),
]

ACTION_LABELS = {"new": "added", "update": "updated", "unchanged": "unchanged"}


def _duplicates_text(row: ImportRow) -> str:
    return "; ".join(f"#{d.participant_id} {clean(d.name)} ({d.reason})" for d in row.duplicates)


class PreviewSource:
    """The rows of a checked file, rejected ones first, built only when painted."""

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        # Rejected rows first, then the ones that may already be in the programme.
        self.rows = sorted(plan.rows, key=lambda row: (not row.errors, not (row.action == "new" and row.duplicates), row.line))

    def __len__(self) -> int:
        return len(self.rows)

    def cells(self, index: int) -> dict[str, Text]:
        row = self.rows[index]
        problem = Text(" ".join(error.message for error in row.errors), style="bold" if row.errors else "")
        if row.errors and row.errors[0].column:
            problem = Text(f"{row.errors[0].column}: ") + problem
        elif not row.errors and row.action == "new" and row.duplicates:
            problem = Text(f"may already be {_duplicates_text(row)}")
        return {
            "line": Text(str(row.line)),
            "action": Text("rejected", style="bold") if row.errors else Text(ACTION_LABELS.get(row.action, row.action)),
            "name": Text(clean(str(row.values.get("name") or (row.cells[0] if row.cells else "")))),
            "problem": problem,
        }


class ImportScreen(ProgrammeScreen):
    """Type a file's path, see what importing it would do, then import (valid rows or all)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("ImportScreen")  # type: ignore[assignment]

    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset({"import_all", "import_valid"})

    DEFAULT_CSS = """
    ImportScreen #path { border: tall $border-blurred; }
    ImportScreen #path:focus { border: tall $border; }
    ImportScreen #summary { height: auto; padding: 0 1; }
    ImportScreen #progress { padding: 0 1; display: none; }
    ImportScreen #detail { height: auto; max-height: 5; padding: 0 1; border-top: solid $primary; }
    """

    def __init__(self, path: str | None = None) -> None:
        super().__init__()
        self.plan: ImportPlan | None = None
        self.source: PreviewSource | None = None
        self.importing = False
        self.imported = False  # the previewed rows are in the programme now ("was added")
        self.initial = path or ""
        self.add_duplicates = False
        """Set by a second ctrl+s after the warning that some rows may already be here."""

    def compose(self):
        yield Header()
        yield Input(self.initial, placeholder="Path of the CSV file, then Enter to preview it", id="path")
        yield Static(
            "Columns are matched by name (Full name, E-mail, Grade, Business unit…). "
            "Nothing is saved until you import.",
            id="summary",
        )
        yield ProgressBar(id="progress", show_eta=False)
        yield VirtualTable(COLUMNS, id="preview", selectable=False)
        yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()
        if clean_path(self.initial):
            self.preview(clean_path(self.initial))

    @on(VirtualTable.CursorMoved, "#preview")
    def show_row(self, event: VirtualTable.CursorMoved) -> None:
        self._show_detail(event.index)

    def _show_detail(self, index: int) -> None:
        """Spell out every problem of the highlighted row under the table."""
        detail = self.query_one("#detail", Static)
        if self.source is None or not self.source.rows or index >= len(self.source):
            detail.update("")
            return
        row = self.source.rows[index]
        text = Text(f"Line {row.line}: ", style="bold")
        if not row.errors:
            tense = "was" if self.imported else "will be"
            text.append(f"{tense} {ACTION_LABELS.get(row.action, row.action)}.")
            if row.action == "new" and row.duplicates:
                text.append(f"\nMay already be in the programme: {_duplicates_text(row)}.")
        for error in row.errors:
            text.append(f"\n{error.column}: " if error.column else "\n")
            text.append(error.message)
        detail.update(text)

    @on(Input.Submitted, "#path")
    def path_given(self, event: Input.Submitted) -> None:
        path = clean_path(event.value)
        if path:
            self.query_one("#summary", Static).update("Reading the file…")
            self.preview(path)

    def preview(self, path: str) -> None:
        """Read and check the file in a worker, the bar showing how far (a 100,000-row file takes seconds)."""
        progress = None
        if not self.importing:
            bar = self.query_one("#progress", ProgressBar)
            bar.update(total=None, progress=0)
            bar.display = True
            progress = self._progress_to(bar)
        self.run_work(
            plan_import, self.programme.store, Path(path).expanduser(), None, progress,
            what="read the file", done=self._previewed, failed=self._failed, group="preview",
        )

    def _progress_to(self, bar: ProgressBar) -> Callable[[int, int], None]:
        """Return a progress(done, total) for a worker that moves ``bar`` (on the UI thread)."""
        call_from_thread = self.app.call_from_thread

        def progress(done: int, total: int) -> None:  # called in the worker
            if not get_current_worker().is_cancelled:
                call_from_thread(bar.update, total=total, progress=done)

        return progress

    def _previewed(self, plan: ImportPlan) -> None:
        if not self.importing:
            self.query_one("#progress").display = False
        self.plan = plan
        self.imported = False
        self.add_duplicates = False
        self.source = PreviewSource(plan)
        self.query_one("#preview", VirtualTable).set_source(self.source, cursor=0)
        self.query_one("#summary", Static).update(self._plan_text(plan))

    def run_import(self, plan: ImportPlan, skip_invalid: bool, add_duplicates: bool = False) -> None:
        progress = self._progress_to(self.query_one("#progress", ProgressBar))
        store = self.programme.store
        app = self.app

        def run() -> ImportSummary:
            summary = import_file(
                store, plan.path, skip_invalid=skip_invalid, plan=plan, progress=progress, add_duplicates=add_duplicates
            )[1]
            try:
                app.call_from_thread(self._finished_out_of_sight, plan.path.name, summary)
            except RuntimeError:  # the app closed meanwhile: the import is saved all the same
                pass
            return summary

        self.run_save(run, saving="the import", done=self._imported, failed=self._failed, group="run")

    def _finished_out_of_sight(self, name: str, summary: ImportSummary) -> None:
        """The coordinator left this screen while the import ran (it goes on, one transaction):
        once it is saved, tell them on whatever screen they are now."""
        if self.app.screen is not self:
            self.app.notify(f"The import of {name} finished: {summary}.", timeout=10, markup=False)

    def _imported(self, result: ImportSummary) -> None:
        self.importing = False
        self.query_one("#progress").display = False
        text = Text(f"Imported: {result}.")
        if result.rejects_path:
            text.append(f" Rejected rows are in {result.rejects_path}.")
        text.append(' Next: a wave (ctrl+p "New wave"), then 3 Pairing and m to match it.')
        self.query_one("#summary", Static).update(text)
        self.plan = None
        self.imported = True
        self._show_detail(self.query_one("#preview", VirtualTable).cursor)

    def _failed(self, error: BaseException) -> bool:
        """Say in the summary that nothing was imported; the error itself is shown as everywhere."""
        running = self.importing
        self.importing = False
        self.query_one("#progress").display = False
        if isinstance(error, ImportFileError):
            said = str(error)
        else:
            said = "The import did not finish and nothing was saved." if running else "The file was not read."
        self.query_one("#summary", Static).update(Text(said))
        return False

    def _plan_text(self, plan: ImportPlan) -> Text:
        separator = {",": "commas", ";": "semicolons", "\t": "tabs"}[plan.delimiter]
        text = Text(f"{plan.path.name}: {len(plan.rows):,} rows ({plan.encoding}, {separator}). ")
        text.append(
            f"{plan.count('new'):,} to add, {plan.count('update'):,} to update, "
            f"{plan.count('unchanged'):,} unchanged, {len(plan.rejected):,} rejected.",
            style="bold",
        )
        if plan.ignored:
            text.append(f" Ignored columns: {', '.join(plan.ignored)}.")
        duplicates = len(plan.likely_duplicates)
        if duplicates:
            text.append(
                f" {duplicates:,} of those to add may already be in the programme (listed first): "
                "check them before importing.",
                style="bold",
            )
        if plan.rejected:
            text.append(" ctrl+t imports the valid rows and writes the rejects beside the file.")
        return text

    def _start(self, skip_invalid: bool) -> None:
        if self.importing:
            return
        if self.plan is None:
            self.notify("Preview a file first: type its path and press Enter.")
            return
        if self.plan.rejected and not skip_invalid:
            self.notify(
                f"{len(self.plan.rejected):,} rows have errors, so nothing would be imported; "
                "fix them, or ctrl+t to import only the valid rows.",
                severity="warning",
            )
            return
        duplicates = len(self.plan.likely_duplicates)
        if duplicates and not self.add_duplicates:
            self.add_duplicates = True
            self.notify(
                f"{duplicates:,} of the people to add may already be in the programme (listed first); "
                "press the key again to add them anyway.",
                severity="warning",
                timeout=10,
            )
            return
        self.importing = True
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#summary", Static).update("Importing… (one transaction: every row is saved at the end, or none if it fails)")
        self.run_import(self.plan, skip_invalid, self.add_duplicates)

    def action_import_all(self) -> None:
        self._start(False)

    def action_import_valid(self) -> None:
        self._start(True)
