"""``rmtui pair held|complete|pause|resume PAIR``: a pair's life from the command line.

PAIR is the pair's number or one of its people's email or name; a day accepts the dialogs'
words (today, yesterday, -3d, 2026-11-18).
"""

from __future__ import annotations

import click

from rmtui.commands import DAY, Day, db_option
from rmtui.context import Context
from rmtui.db import Session
from rmtui.lifecycle import LifecycleError, complete_pair, pause_pair, resolve_pair, resume_pair
from rmtui.timeline import mark_held


@click.group(name="pair")
def pair_group() -> None:
    """A pair's life: sessions held, complete, pause, resume (close early on the pairing screen)."""


def _run(obj: Context, db: str | None, action) -> str:  # noqa: ANN001
    programme = obj.open(db, create=False)
    try:
        return action(programme)
    except (LifecycleError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        programme.close()


@pair_group.command(name="held")
@click.argument("pair")
@click.argument("seq", type=click.IntRange(1, 99), metavar="SESSION")
@click.option("--on", "day", type=DAY, default="today", show_default=True, metavar="DAY", help="The day it was held (today, -3d, 2026-11-18).")
@db_option
@click.pass_obj
def pair_held(obj: Context, pair: str, seq: int, day: Day, db: str | None) -> None:
    """Record that session SESSION (its number) of PAIR was held; holding the last one completes the pair."""

    def action(programme) -> str:  # noqa: ANN001
        found = resolve_pair(programme.store, pair)
        sessions = programme.store.all(Session, "pair_id = ? AND seq = ?", (found.stored_id, seq))
        if not sessions:
            raise LifecycleError(f"Pair {found.id} has no session {seq}.")
        today = programme.today()
        when = day.on(today)
        mark_held(programme.store, sessions[0], when, today)
        status = programme.store.scalar("SELECT status FROM pairs WHERE id = ?", (found.stored_id,))
        done = " It was the last one: the pair is completed." if status == "completed" else ""
        return f"Pair {found.id}: session {seq} held on {when.isoformat()}.{done}"

    click.echo(_run(obj, db, action), err=True)


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
