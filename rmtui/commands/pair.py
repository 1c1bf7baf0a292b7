"""``rmtui pair complete|pause|resume PAIR``: a pair's life from the command line.

PAIR is the pair's number or one of its people's email or name; a day accepts the dialogs'
words (today, yesterday, -3d, 2026-11-18).
"""

from __future__ import annotations

import click

from rmtui.commands import DAY, Day, db_option
from rmtui.context import Context
from rmtui.lifecycle import LifecycleError, complete_pair, pause_pair, resolve_pair, resume_pair


@click.group(name="pair")
def pair_group() -> None:
    """A pair's life: complete it, pause it, resume it (close early on the pairing screen)."""


def _run(obj: Context, db: str | None, action) -> str:  # noqa: ANN001
    programme = obj.open(db, create=False)
    try:
        return action(programme)
    except (LifecycleError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        programme.close()


@pair_group.command(name="complete")
@click.argument("pair")
@click.option("--on", "day", type=DAY, default="today", show_default=True, metavar="DAY", help="The day it ended (today, -3d, 2026-11-18).")
@db_option
@click.pass_obj
def pair_complete(obj: Context, pair: str, day: Day, db: str | None) -> None:
    """Complete PAIR on a day; sessions still planned are cancelled."""

    def action(programme) -> str:  # noqa: ANN001
        found = resolve_pair(programme.store, pair)
        today = programme.today()
        when = day.on(today)
        complete_pair(programme.store, found.stored_id, found.version, when, today)
        return f"Pair {found.id} completed on {when.isoformat()}."

    click.echo(_run(obj, db, action), err=True)


@pair_group.command(name="pause")
@click.argument("pair")
@click.option("--reason", required=True, help="Why the pair pauses (e.g. mentee on leave until January).")
@db_option
@click.pass_obj
def pair_pause(obj: Context, pair: str, reason: str, db: str | None) -> None:
    """Pause PAIR from today; it leaves triage until it resumes."""

    def action(programme) -> str:  # noqa: ANN001
        found = resolve_pair(programme.store, pair)
        pause_pair(programme.store, found.stored_id, found.version, reason, programme.today())
        return f"Pair {found.id} paused."

    click.echo(_run(obj, db, action), err=True)


@pair_group.command(name="resume")
@click.argument("pair")
@click.option("--reason", required=True, help="What changed.")
@db_option
@click.pass_obj
def pair_resume(obj: Context, pair: str, reason: str, db: str | None) -> None:
    """Resume PAIR today; its planned sessions move later by the days it was paused."""

    def action(programme) -> str:  # noqa: ANN001
        found = resolve_pair(programme.store, pair)
        _, days = resume_pair(programme.store, found.stored_id, found.version, reason, programme.today())
        return f"Pair {found.id} resumed; planned sessions moved {days} day{'s' if days != 1 else ''} later."

    click.echo(_run(obj, db, action), err=True)
