"""``rmtui feedback import FILE``: survey answers from a survey tool's CSV export."""

from __future__ import annotations

from pathlib import Path

import click

from rmtui.commands import db_option
from rmtui.context import Context
from rmtui.csv_import import ImportFileError
from rmtui.surveys import import_feedback


@click.group(name="feedback")
def feedback_group() -> None:
    """Survey answers (pre, mid-point, post, closing)."""


@feedback_group.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would be recorded; save nothing.")
@db_option
@click.pass_obj
def feedback_import(obj: Context, file: Path, dry_run: bool, db: str | None) -> None:
    """Record answers from a CSV with columns email, kind, rating, goal, comment (and a date).

    The email finds the person and their pair (the active one if they have several). A file
    with any wrong line records nothing; every problem is listed with its line and column.
    """
    if not file.exists():
        raise click.ClickException(f"There is no file {file}.")
    programme = obj.open(db, create=False)
    try:
        result = import_feedback(programme.store, file, programme.today(), dry_run=dry_run)
    except ImportFileError as error:
        raise click.ClickException(str(error)) from error
    finally:
        programme.close()
    for ignored in result.ignored:
        click.echo(f"Ignored column “{ignored}”.", err=True)
    for line in result.describe_errors():
        click.echo(line, err=True)
    click.echo(result.summary(), err=True)
    if result.errors:
        raise SystemExit(1)
