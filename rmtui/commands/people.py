"""``rmtui import FILE`` and ``rmtui export participants``: people in and out as CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from rmtui.commands import CleanPath, db_option, progress_bar, write_failed
from rmtui.context import Context
from rmtui.csv_export import export_feedback, export_format, export_pairs, export_participants, export_sessions
from rmtui.csv_import import ImportFileError, describe_duplicates, describe_errors, import_file, plan_import


def _column_map(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        column, equals, target = pair.partition("=")
        if not equals or not column.strip():
            raise click.BadParameter(f"“{pair}” is not COLUMN=field (e.g. --map \"Staff grade=level\").", param_hint="--map")
        mapping[column.strip()] = target.strip()
    return mapping


@click.command(name="import")
@click.argument("file", type=CleanPath(dir_okay=False, path_type=Path))
@db_option
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change; save nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows; write the others to FILE.rejects.csv.")
@click.option(
    "--add-duplicates",
    is_flag=True,
    help="Add the people who look like someone already in the programme anyway (--dry-run lists them).",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=field",
    help="Read COLUMN into field (e.g. --map \"Staff grade=level\"); COLUMN=- ignores a column.",
)
@click.pass_obj
def import_command(
    obj: Context, file: Path, db: str | None, dry_run: bool, skip_invalid: bool, add_duplicates: bool, maps: tuple[str, ...]
) -> None:
    """Add and update participants from an HR system's CSV export.

    People are matched by email: known emails are updated, the rest added. By default a
    file with any invalid row imports nothing, nor does one adding someone who looks like
    a person already in the programme (same email, same or similar name: the form's rule).
    """
    if not file.exists():
        raise click.ClickException(f"There is no file {file}.")
    column_map = _column_map(maps)
    programme = obj.open(db)
    try:
        show = sys.stderr.isatty()
        with progress_bar("Reading and checking", show) as bar:
            task = bar.add_task("check", total=None)
            try:
                plan = plan_import(
                    programme.store, file, column_map, progress=lambda done, total: bar.update(task, completed=done, total=total)
                )
            except ImportFileError as error:
                raise click.ClickException(str(error)) from error
        for ignored in plan.ignored:
            click.echo(f"Ignored column “{ignored}” (map it with --map \"{ignored}=field\").", err=True)
        with progress_bar("Importing", show and not dry_run) as bar:
            task = bar.add_task("import", total=None)
            plan, summary = import_file(
                programme.store,
                file,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                add_duplicates=add_duplicates,
                plan=plan,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        programme.close()
    for line in describe_errors(plan.errors):
        click.echo(line, err=True)
    if summary.duplicates:
        click.echo(
            f"{summary.duplicates:,} row{'s' if summary.duplicates != 1 else ''} to add look{'s' if summary.duplicates == 1 else ''} "
            "like someone already in the programme:",
            err=True,
        )
        for line in describe_duplicates(plan, limit=None if dry_run else 20):
            click.echo(f"  {line}", err=True)
    click.echo(str(summary))
    if summary.rejects_path is not None:
        verb = "would be written" if dry_run else "written"
        click.echo(f"Rejected rows {verb} to {summary.rejects_path}.")
    if summary.rejected and not skip_invalid:
        raise click.ClickException(
            f"{summary.rejected:,} row{'s' if summary.rejected != 1 else ''} with errors, so nothing "
            f"{'would be' if dry_run else 'was'} imported; "
            "fix them or use --skip-invalid."
        )
    if summary.duplicates and not add_duplicates and not dry_run:
        raise click.ClickException(
            f"{summary.duplicates:,} of the people to add may already be in the programme, so nothing was imported; "
            "check them with --dry-run (or add an email column), then use --add-duplicates to add them anyway."
        )


@click.group(name="export")
def export_group() -> None:
    """Write programme data to CSV files that spreadsheets open safely.

    participants, pairs, sessions or feedback; -o FILE.csv (the extension picks the format,
    CSV is the one rmtui writes). Pairs, sessions and feedback are coordinators' working
    files: they name people, but never hold the sensitive programme-objective attributes.
    """


_OUTPUT = click.option(
    "-o",
    "--output",
    required=True,
    type=CleanPath(dir_okay=False, path_type=Path),
    help="The file to write, FILE.csv (an existing file is replaced).",
)


def _export(obj: Context, db: str | None, output: Path, what: str, write: Any) -> None:
    """Check ``output``, open the programme, run ``write(programme)`` → count, and say so.

    A file left half-written by a failure (full disk, no permission) is removed.
    """
    try:
        export_format(output)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    if not output.parent.exists():
        raise click.ClickException(f"The folder {output.parent} does not exist.")
    if output.is_dir():
        raise click.ClickException(f"{output} is a folder; name a file, e.g. {output / (what + '.csv')}.")
    programme = obj.open(db, create=False)
    try:
        try:
            count = write(programme)
        except OSError as error:  # written through a temporary file: nothing half-written is left
            raise write_failed(output, error, remove=False) from error
    finally:
        programme.close()
    noun = what if count != 1 else what.removesuffix("s")
    click.echo(f"Exported {count:,} {noun} to {output}.")


@export_group.command(name="participants")
@_OUTPUT
@click.option("--include-sensitive", is_flag=True, help="Also write the programme-objective attributes (sensitive).")
@db_option
@click.pass_obj
def export_participants_command(obj: Context, output: Path, include_sensitive: bool, db: str | None) -> None:
    """Every participant (rmtui import reads it back).

    The sensitive programme-objective attributes only with --include-sensitive.
    """
    _export(
        obj, db, output, "participants",
        lambda programme: export_participants(programme.store, output, include_sensitive=include_sensitive),
    )


@export_group.command(name="pairs")
@_OUTPUT
@db_option
@click.pass_obj
def export_pairs_command(obj: Context, output: Path, db: str | None) -> None:
    """Every pair: people, coach, status, dates.

    Wave, mentor and mentee (names and emails), coach, status, started, ended, why closed,
    pause, score.

    A coordinators' working file: it names people (never their attributes); share it as such.
    """
    _export(obj, db, output, "pairs", lambda programme: export_pairs(programme.store, output))


@export_group.command(name="sessions")
@_OUTPUT
@db_option
@click.pass_obj
def export_sessions_command(obj: Context, output: Path, db: str | None) -> None:
    """Every session: days, status, agenda, notes.

    Pair and people's names, due day, set time (programme time zone), held day, status,
    agenda, notes, follow-up sent.

    A coordinators' working file: it names people and holds session notes (never attributes).
    """
    _export(obj, db, output, "sessions", lambda programme: export_sessions(programme.store, output, programme.timezone))


@export_group.command(name="feedback")
@_OUTPUT
@db_option
@click.pass_obj
def export_feedback_command(obj: Context, output: Path, db: str | None) -> None:
    """Every survey answer (feedback import reads it).

    Pair, wave, who answered (role, name, email), kind, rating, goal achieved, comment, day.

    A coordinators' working file: it names people (never their attributes). rmtui feedback
    import reads it back.
    """
    _export(obj, db, output, "answers", lambda programme: export_feedback(programme.store, output))
