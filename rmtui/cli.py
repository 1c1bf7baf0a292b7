"""The command line: ``rmtui [--db PATH] [SCREEN]``, ``rmtui demo`` and friends.

Errors are one line on stderr and a non-zero exit, never a traceback: expected failures
(a store error, bad input) say what to do; anything unexpected says where the details went.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import click

# What run_guarded explains failures with: loaded with the command line, before any command
# runs (the plain start, rmtui.__main__, loads them as run_guarded begins).
from rmtui import error_log, failures, keymap  # noqa: F401
from rmtui.clock import Clock, ShiftedClock, SystemClock, clock_from_env, parse_today
from rmtui.clock import today as clock_today
from rmtui.commands import DAY, DAY_FORMS, LazyGroup, db_option, progress_bar
from rmtui.context import Context
from rmtui.db.sqlite import file_uri, sqlite3
from rmtui.programme import Programme, default_db_path
from rmtui.run import run_app
from rmtui.screens import AREAS
from rmtui.startup import resume_gc, run_guarded


def _parse_clock(ctx: click.Context, param: click.Parameter, value: str | None) -> Clock:
    if not value:
        return clock_from_env()
    try:
        return parse_today(value)  # a date, or a full instant (2026-11-20T09:00:00Z)
    except ValueError:
        pass
    # The dialogs' words (yesterday, -7d, +1w...), counted from the real today.
    day = DAY.convert(value, param, ctx).on(clock_today(SystemClock()))
    return ShiftedClock(day)


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@db_option
@click.option(
    "--today",
    callback=_parse_clock,
    metavar="DATE",
    help=f"Pretend today is DATE ({DAY_FORMS}); also $RMTUI_TODAY. For demos and reviews.",
)
@click.version_option(package_name="rmtui")
@click.pass_context
def cli(ctx: click.Context, db: str | None, today: Clock) -> None:
    """rmtui: the console for coordinators of reverse-mentoring programmes.

    Run with no command to open the app, or name a screen: rmtui roster.
    """
    ctx.obj = Context(db, today, run_app)
    if ctx.invoked_subcommand is None:
        run_app(ctx.obj.open(), None)
    elif ctx.invoked_subcommand not in _SCREENS:
        resume_gc()  # a command, not the app: the collector as usual (see main)


def _screen_command(name: str, purpose: str) -> click.Command:
    @click.command(name=name, help=f"Open the app on the {name} screen: {purpose.lower()}.")
    @db_option
    @click.pass_obj
    def command(obj: Context, db: str | None) -> None:
        run_app(obj.open(db), name)

    return command


for _area in AREAS:
    cli.add_command(_screen_command(_area.name, _area.help))
_SCREENS = frozenset(area.name for area in AREAS)


@cli.command()
@db_option
@click.option("--people", default=60, show_default=True, type=click.IntRange(2, 1_000_000), help="How many participants.")
@click.option("--seed", default=7, show_default=True, type=int, help="Same seed, same programme.")
@click.option("--no-open", is_flag=True, help="Only build the database; do not open the app.")
@click.pass_obj
def demo(obj: Context, db: str | None, people: int, seed: int, no_open: bool) -> None:
    """Build a realistic demo programme (deterministic) and open it."""
    from rmtui.demo import build_demo

    # Only an explicit --db or the demo's own file: never $RMTUI_DB, which names the
    # programme everyone shares.
    explicit = db or obj.db
    path = Path(explicit).expanduser() if explicit else default_db_path("demo.db")
    _refuse_unless_demo(path)
    click.echo(f"Building the demo programme in {path}…", err=True)
    programme = Programme.open(path, obj.clock)
    try:
        _clear_old_demo(programme)
    except BaseException:
        programme.close()
        raise
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


_NOT_A_DEMO = "{path} already holds a real programme (it is not marked as a demo); give the demo another file with --db."
# The change logs open leaderboards and rosters follow: the rows cleared are logged in them,
# so an app left open on the old demo updates rather than missing the rebuild. Presence and
# the change stamps are housekeeping of the open apps, not programme data.
_KEPT = {"pair_changes", "participant_changes", "presence", "change_stamps"}


def _refuse_unless_demo(path: Path) -> None:
    """Refuse ``path`` unless it is missing, empty, or an earlier demo (it has the demo mark).

    Looked at read-only, before anything opens it for writing: a file that is refused is
    left exactly as it was (not even switched to WAL). A programme with only coordinators,
    settings or an audit so far is a real one too.
    """
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return
    try:
        # Read-write but only reading: as the last connection it tidies its -wal/-shm away
        # on close, where a read-only one would leave them behind.
        conn = sqlite3.connect(file_uri(path, mode="rw"), uri=True, timeout=5)
    except sqlite3.Error as error:
        raise click.ClickException(_NOT_A_DEMO.format(path=path)) from error
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "settings" in tables and conn.execute("SELECT 1 FROM settings WHERE key = 'demo' AND value = 'true'").fetchone():
            return
        if tables - _KEPT and any(
            conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() for table in tables - _KEPT if not table.startswith("sqlite_")
        ):
            raise click.ClickException(_NOT_A_DEMO.format(path=path))
    except sqlite3.DatabaseError as error:  # not a database, or damaged: not ours to replace
        raise click.ClickException(_NOT_A_DEMO.format(path=path)) from error
    finally:
        conn.close()


def _clear_old_demo(programme: Programme) -> None:
    """Empty an earlier demo in place, in one write transaction, so it is rebuilt for today.

    The file is never unlinked or replaced: another coordinator's app may have it open,
    and its saves would go into a deleted file. The demo mark is checked again under the
    write lock, so a file that stopped being a demo since :func:`_refuse_unless_demo`
    looked is left alone.
    """
    store = programme.store
    if store.scalar("SELECT 1 FROM settings WHERE key = 'demo' AND value = 'true'") is None:
        return  # empty (checked before) or new: nothing to clear, nothing to write
    with store.write() as w:
        if not w.execute("SELECT 1 FROM settings WHERE key = 'demo' AND value = 'true'").fetchone():
            return  # empty (checked before) or new: nothing to clear
        w.execute("PRAGMA defer_foreign_keys = ON")
        tables = [
            row[0]
            for row in w.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            if row[0] not in _KEPT
        ]
        for table in tables:
            w.execute(f'DELETE FROM "{table}"')


# Sub-commands of the other areas live in rmtui/commands/<area>.py; register each here,
# lazily: its module (and what it imports: icalendar, scipy...) loads only when the command
# runs, so starting the app imports none of them (issue 14). The text is the first paragraph
# of the command's help, what `rmtui --help` lists (tests/test_cli_lazy.py keeps them equal).
# (`audit` replaces the screen command of the same name: `rmtui audit --app` opens the screen.)
LAZY_COMMANDS: tuple[tuple[str, str, str, str], ...] = (
    ("import", "rmtui.commands.people", "import_command",
     "Add and update participants from an HR system's CSV export."),
    ("export", "rmtui.commands.people", "export_group",
     "Write programme data to CSV files that spreadsheets open safely."),
    ("calendar", "rmtui.commands.calendar", "calendar_command",
     "Write the sessions still to happen as an iCalendar file (re-import updates events)."),
    ("init", "rmtui.commands.admin", "init_command",
     "Create a programme folder shared by GROUP (setgid, 2770; database 0660); you become admin."),
    ("check", "rmtui.commands.admin", "check_command",
     "Check the database: integrity, journal mode, schema, permissions, filesystem. Exit 1 if unhealthy."),
    ("users", "rmtui.commands.admin", "users_group",
     "Who may use the programme: list, add USER --role R, set-role USER R, remove USER."),
    ("audit", "rmtui.commands.admin", "audit_command",
     "Who changed what and when, before → after, newest first (--app opens the audit screen)."),
    ("undo", "rmtui.commands.undo", "undo_command",
     "Take back your own last change (an edit, an import, a wave accepted) unless someone changed it since."),
    ("redo", "rmtui.commands.undo", "redo_command",
     "Put back the change your last undo took back, unless someone changed those rows since."),
    ("backup", "rmtui.commands.admin", "backup_command",
     "Copy the programme to DESTINATION while others keep working; integrity-checked before done."),
    ("restore", "rmtui.commands.admin", "restore_command",
     "Replace the programme with BACKUP (admins only), after checking BACKUP's integrity."),
    ("report", "rmtui.commands.report", "report_command",
     "Write programme health against the targets, department standings and the leaderboard."),
    ("coach", "rmtui.commands.coach", "coach_group",
     "The HR coaches: add them, see their workload, assign them to pairs."),
    ("feedback", "rmtui.commands.feedback", "feedback_group",
     "Survey answers (pre, mid-point, post, closing)."),
    ("pair", "rmtui.commands.pair", "pair_group",
     "A pair's life: sessions held, complete, pause, resume (close early on the pairing screen)."),
    ("programme", "rmtui.commands.programme", "programme_group",
     "The programme's settings: name, time zone, defaults for new waves, health targets."),
    ("wave", "rmtui.commands.programme", "wave_group",
     "The waves pairs are deployed in: add, list, close."),
    ("match", "rmtui.commands.programme", "match_command",
     "Match a wave's unpaired mentees to mentors: print the pairs, scores and who is left, and why."),
)
for _lazy in LAZY_COMMANDS:
    cli.add_lazy(*_lazy)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command line, turning failures into one clear line."""

    def run() -> None:
        try:
            cli.main(args=argv, prog_name="rmtui", standalone_mode=False)
        except click.exceptions.Abort:
            click.echo("rmtui: stopped.", err=True)
            sys.exit(130)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)

    run_guarded(run, partial(click.echo, err=True))
