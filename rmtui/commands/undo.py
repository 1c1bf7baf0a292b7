"""``rmtui undo`` and ``rmtui redo``: take back your own last change, or put it back (issue 15)."""

from __future__ import annotations

import click

from rmtui.audit_log import local_time
from rmtui.commands import db_option
from rmtui.context import Context
from rmtui.db import AuditEntry
from rmtui.text import clean
from rmtui.undo import Change, redo, revert, undo


def _when(change: Change, tz: str) -> str:
    return local_time(AuditEntry(at=change.at, actor=change.actor, entity="change", action="change"), tz)


def _run(obj: Context, db: str | None, verb: str, dry_run: bool, change_id: int | None = None) -> None:
    programme = obj.open(db, create=False)
    try:
        tz = programme.timezone
        if change_id is not None:
            done = revert(programme.store, change_id, dry_run=dry_run)
        else:
            done = (redo if verb == "redo" else undo)(programme.store, dry_run=dry_run)
    finally:
        programme.close()
    what = clean(done.summary)
    if dry_run:
        verb_word = "revert" if change_id is not None else verb
        by = "" if done.actor == programme.store.actor else f" by {clean(done.actor)}"
        click.echo(f"Would {verb_word}: {what} (made {_when(done, tz)}{by}); nothing was changed.")
    elif change_id is not None:
        whose = "your" if done.made_by == done.actor else f"{clean(done.made_by or 'someone')}'s"
        click.echo(f"Reverted {whose} change: {what}; `rmtui redo` puts it back.")
    elif verb == "redo":
        click.echo(f"Redone: {what}; `rmtui undo` takes it back again.")
    else:
        click.echo(f"Undone: {what}; `rmtui redo` puts it back.")


@click.command(name="undo")
@db_option
@click.option("--dry-run", is_flag=True, help="Say what would be undone (and whether it can be); change nothing.")
@click.option("--change", "change_id", type=click.IntRange(1), metavar="ID",
              help="Admins: revert this change (its number in the audit) whoever made it.")
@click.pass_obj
def undo_command(obj: Context, db: str | None, dry_run: bool, change_id: int | None) -> None:
    """Take back your own last change (an edit, an import, a wave accepted) unless someone changed it since."""
    _run(obj, db, "undo", dry_run, change_id)


@click.command(name="redo")
@db_option
@click.option("--dry-run", is_flag=True, help="Say what would be redone; change nothing.")
@click.pass_obj
def redo_command(obj: Context, db: str | None, dry_run: bool) -> None:
    """Put back the change your last undo took back, unless someone changed those rows since."""
    _run(obj, db, "redo", dry_run)
