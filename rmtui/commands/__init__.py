"""Sub-commands of the rmtui command line, one module per area (registered in rmtui/cli.py).

Each command gets the group's :class:`rmtui.context.Context` as its ``obj``; no command imports
rmtui.cli.

What several commands share lives here (imports only click and rmtui.text at load time, so
rmtui/cli.py and every area module can use it without an import cycle).
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import click

from rmtui.text import clean, clean_path


class LazyGroup(click.Group):
    """A command group whose sub-commands are imported only when one is run or asked for help.

    Each lazy sub-command is registered with :meth:`add_lazy`: its name, the module and
    attribute that define it, and the first paragraph of its help, so that ``--help`` lists
    it with the same line as the command itself would give without importing its module
    (and the heavy libraries behind it: icalendar, scipy...). A lazy entry wins over a
    command of the same name added with ``add_command`` (as registering it later did).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, tuple[str, str, str]] = {}
        """name → (module, attribute, first paragraph of its help)."""
        self._loaded: set[str] = set()

    def add_lazy(self, name: str, module: str, attribute: str, summary: str) -> None:
        self.lazy[name] = (module, attribute, summary)
        self._loaded.discard(name)

    def load(self, name: str) -> click.Command:
        """Import and return the lazy sub-command ``name``."""
        module, attribute, _summary = self.lazy[name]
        command = getattr(importlib.import_module(module), attribute)
        self.commands[name] = command
        self._loaded.add(name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self._loaded:
            return self.load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List every sub-command with its one-line help, importing none of the lazy ones."""
        commands = []
        for name in self.list_commands(ctx):
            if name in self.lazy and name not in self._loaded:
                command: click.Command | None = click.Command(name, help=self.lazy[name][2])
            else:
                command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])


class CleanPath(click.Path):
    """A file path argument without the zero-width or control characters a path copied from
    a chat or a document often carries (U+200B, U+FEFF...), which name another file."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            value = clean_path(value)
        return super().convert(value, param, ctx)


DAY_FORMS = "today, yesterday, tomorrow, -7d, +1w, a weekday (fri) or 2026-12-04"


class DayError(click.ClickException):
    """A day option that names no day: one line (no usage block), exit status 2 like click's."""

    exit_code = 2


class Day:
    """A day as typed on the command line (``yesterday``, ``-7d``, ``2026-12-04``), checked
    when the command line is read and resolved against the programme's today with :meth:`on`
    (today depends on the programme's time zone, known only once the database is open)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def on(self, today: dt.date) -> dt.date:
        """Return the day this names when today is ``today``."""
        from rmtui.timeline import parse_when

        return parse_when(self.text, today).day

    def __repr__(self) -> str:
        return f"Day({self.text!r})"


class DayParam(click.ParamType):
    """A day option taking the words the dialogs take (:func:`rmtui.timeline.parse_when`):
    today, yesterday, tomorrow, -7d, +1w, a weekday or 2026-12-04; a time is refused.
    Gives a :class:`Day`; a wrong word is one clear line listing the accepted forms."""

    name = "day"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Day):
            return value
        if isinstance(value, (dt.date, dt.datetime)):
            return Day(value.isoformat()[:10])
        from rmtui.timeline import parse_when

        text = clean(str(value))
        try:
            when = parse_when(text, dt.date(2026, 1, 1))  # only checked here; resolved by Day.on
        except ValueError:
            when = None
        if when is None or when.time is not None:
            option = f"{param.opts[0] if param is not None and param.opts else 'The day'} "
            raise DayError(f"{option}“{text}” is not a day; write {DAY_FORMS}.")
        return Day(text)


DAY = DayParam()


def write_failed(output: Any, error: OSError, *, remove: bool = True) -> click.ClickException:
    """Remove the half-written ``output`` and return the one-sentence error (with the fix)
    for a file that could not be written (a full disk, no permission...). Pass ``remove``
    False when ``output`` was written through a temporary file (it holds what it held)."""
    from pathlib import Path

    from rmtui.failures import explain

    if remove:
        try:
            Path(output).unlink(missing_ok=True)
        except OSError:
            pass
    if error.filename is None:
        error.filename = str(output)
    return click.ClickException(explain(error) or f"{output} could not be written: {error.strerror or error}.")


db_option = click.option(
    "--db",
    "db",
    type=CleanPath(dir_okay=False),
    help="The programme database (default: $RMTUI_DB, else your data folder).",
)


def progress_bar(label: str, enabled: bool) -> Any:
    """Return a transient rich progress bar drawn on stderr (stdout stays the command's output).

    Pass ``enabled`` False (e.g. when stderr is not a terminal) for a bar that draws nothing.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not enabled,
    )
