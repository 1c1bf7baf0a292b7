"""The command line: ``rmtui [--db PATH] [SCREEN]``, ``rmtui demo`` and friends.

Errors are one line on stderr and a non-zero exit, never a traceback: expected failures
(a store error, bad input) say what to do; anything unexpected says where the details went.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click
import platformdirs

from rmtui.db import StoreError
from rmtui.clock import Clock, clock_from_env, parse_today
from rmtui.commands import db_option, progress_bar
from rmtui.commands.admin import (
    audit_command,
    backup_command,
    check_command,
    init_command,
    restore_command,
    users_group,
)
from rmtui.commands.calendar import calendar_command
from rmtui.commands.people import export_group, import_command
from rmtui.commands.programme import match_command, programme_group, wave_group
from rmtui.commands.report import report_command
from rmtui.programme import Programme, resolve_db_path
from rmtui.screens import AREAS



class Context:
    """What the group's options decided, shared with every sub-command."""

    def __init__(self, db: str | None, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def db_path(self, option: str | None = None) -> Path:
        return resolve_db_path(option or self.db)

    def open(self, option: str | None = None, *, create: bool = True) -> Programme:
        return Programme.open(self.db_path(option), self.clock, create=create)


def _parse_clock(ctx: click.Context, param: click.Parameter, value: str | None) -> Clock:
    if not value:
        return clock_from_env()
    try:
        return parse_today(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


def run_app(programme: Programme, screen: str | None) -> None:
    """Open the Textual app on ``programme`` at ``screen`` and close the store after."""
    from rmtui.app import RmtuiApp
    from rmtui.programme_settings import first_screen

    try:
        # An empty programme opens on its setup, not on a dead end.
        RmtuiApp(programme, start=first_screen(programme.store, screen)).run()
    finally:
        programme.close()


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@db_option
@click.option(
    "--today",
    callback=_parse_clock,
    metavar="DATE",
    help="Pretend today is DATE (YYYY-MM-DD); also $RMTUI_TODAY. For demos and reviews.",
)
@click.version_option(package_name="rmtui")
@click.pass_context
def cli(ctx: click.Context, db: str | None, today: Clock) -> None:
    """rmtui: the console for coordinators of reverse-mentoring programmes.

    Run with no command to open the app, or name a screen: rmtui roster.
    """
    ctx.obj = Context(db, today)
    if ctx.invoked_subcommand is None:
        run_app(ctx.obj.open(), None)


def _screen_command(name: str, purpose: str) -> click.Command:
    @click.command(name=name, help=f"Open the app on the {name} screen: {purpose.lower()}.")
    @db_option
    @click.pass_obj
    def command(obj: Context, db: str | None) -> None:
        run_app(obj.open(db), name)

    return command


for _area in AREAS:
    cli.add_command(_screen_command(_area.name, _area.help))


@cli.command()
@db_option
@click.option("--people", default=60, show_default=True, type=click.IntRange(2, 1_000_000), help="How many participants.")
@click.option("--seed", default=7, show_default=True, type=int, help="Same seed, same programme.")
@click.option("--no-open", is_flag=True, help="Only build the database; do not open the app.")
@click.pass_obj
def demo(obj: Context, db: str | None, people: int, seed: int, no_open: bool) -> None:
    """Build a realistic demo programme (deterministic) and open it."""
    from rmtui.demo import build_demo

    path = resolve_db_path(db or obj.db, default_name="demo.db")
    _clear_old_demo(path)
    programme = Programme.open(path, obj.clock)
    try:
        with progress_bar("Building the demo programme", people >= 5000 and sys.stderr.isatty()) as bar:
            task = bar.add_task("demo", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            summary = build_demo(
                programme.store, people=people, seed=seed, today=programme.today(), progress=progress, mark_demo=True
            )
    except BaseException:
        programme.close()
        raise
    click.echo(
        f"Demo programme in {path}: {summary.participants:,} people, {summary.waves} waves, "
        f"{summary.pairs:,} pairs, {summary.sessions:,} sessions.",
        err=True,
    )
    if no_open:
        programme.close()
    else:
        run_app(programme, None)


def _clear_old_demo(path: Path) -> None:
    """Remove an earlier demo at ``path`` so it is rebuilt for today; refuse a real programme."""
    if not path.exists():
        return
    programme = Programme.open(path, create=False)
    try:
        is_demo = bool(programme.settings().get("demo"))
        has_people = programme.store.scalar("SELECT count(*) FROM participants")
    finally:
        programme.close()
    if has_people and not is_demo:
        raise click.ClickException(
            f"{path} already holds a real programme; give the demo another file with --db."
        )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# Sub-commands of the other areas live in rmtui/commands/<area>.py; register each here.
# (`audit` replaces the screen command of the same name: `rmtui audit --app` opens the screen.)
for _command in (
    import_command,
    export_group,
    calendar_command,
    init_command,
    check_command,
    users_group,
    audit_command,
    backup_command,
    restore_command,
    report_command,
    programme_group,
    wave_group,
    match_command,
):
    cli.add_command(_command)


def _error_log() -> Path:
    folder = Path(platformdirs.user_state_dir("rmtui"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "error.log"


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command line, turning failures into one clear line."""
    # Programme data is confidential: nothing rmtui creates is readable by others.
    os.umask(os.umask(0o007) | 0o007)
    try:
        cli.main(args=argv, prog_name="rmtui", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("rmtui: stopped.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except StoreError as error:
        click.echo(f"rmtui: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("rmtui: stopped.", err=True)
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the last line of defence: no tracebacks
        log = _error_log()
        with log.open("a", encoding="utf-8") as handle:
            traceback.print_exc(file=handle)
        click.echo(f"rmtui: unexpected error: {error} (details in {log}).", err=True)
        sys.exit(1)

