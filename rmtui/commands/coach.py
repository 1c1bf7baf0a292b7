"""``rmtui coach add|list|assign``: the programme's HR coaches and who coaches which pair."""

from __future__ import annotations

import click

from rmtui.coaches import CoachError, add_coach, assign_coach, assign_wave, nothing_assigned, resolve_coach, workloads
from rmtui.commands import db_option
from rmtui.context import Context
from rmtui.lifecycle import LifecycleError, resolve_pair
from rmtui.text import clean
from rmtui.waves import resolve_wave


@click.group(name="coach")
def coach_group() -> None:
    """The HR coaches: add them, see their workload, assign them to pairs."""


@coach_group.command(name="add")
@click.argument("name")
@click.option("--email", default=None, help="The coach's email.")
@click.option("--os-user", default=None, help="When a coordinator is also a coach: their login name.")
@db_option
@click.pass_obj
def coach_add(obj: Context, name: str, email: str | None, os_user: str | None, db: str | None) -> None:
    """Add a coach to the programme's list."""
    programme = obj.open(db)
    try:
        coach = add_coach(programme.store, name, email, os_user)
    except CoachError as error:
        raise click.ClickException(str(error)) from error
    finally:
        programme.close()
    click.echo(f"Added coach {clean(coach.name)} ({coach.id}).", err=True)


@coach_group.command(name="list")
@db_option
@click.pass_obj
def coach_list(obj: Context, db: str | None) -> None:
    """List the coaches with their workload (pairs going and finished)."""
    programme = obj.open(db, create=False)
    try:
        loads = workloads(programme.store)
    finally:
        programme.close()
    if not loads:
        click.echo("No coaches yet; add one with  rmtui coach add NAME --email EMAIL.", err=True)
        return
    width = max(len(clean(w.coach.name)) for w in loads)
    for load in loads:
        email = f" <{clean(load.coach.email)}>" if load.coach.email else ""
        click.echo(f"{load.coach.id:>3}  {clean(load.coach.name):<{width}}  {load.shown()}{email}")


@coach_group.command(name="assign")
@click.option("--wave", "wave", default=None, metavar="WAVE", help="Give every pair of WAVE without a coach one, balanced.")
@click.option("--pair", "pair", default=None, metavar="PAIR", help="The pair (its number, or one of its people's name or email).")
@click.argument("coach", required=False)
@db_option
@click.pass_obj
def coach_assign(obj: Context, wave: str | None, pair: str | None, coach: str | None, db: str | None) -> None:
    """Assign coaches: --wave WAVE (balanced by workload) or --pair PAIR COACH."""
    if bool(wave) == bool(pair):
        raise click.UsageError("Give either --wave WAVE or --pair PAIR COACH.")
    if pair and not coach:
        raise click.UsageError("Name the coach: rmtui coach assign --pair PAIR COACH.")
    if wave and coach:
        raise click.UsageError("--wave assigns by workload; to choose the coach, use --pair PAIR COACH.")
    programme = obj.open(db, create=False)
    try:
        if wave:
            found = resolve_wave(programme.store, wave)
            given = assign_wave(programme.store, found.stored_id)
            if not given:
                click.echo(nothing_assigned(programme.store, found.stored_id, clean(found.name)), err=True)
            for name, count in given.items():
                click.echo(f"{clean(name)}: {count} pair{'s' if count != 1 else ''}")
        else:
            chosen = resolve_coach(programme.store, coach or "")
            target = resolve_pair(programme.store, pair or "")
            assign_coach(programme.store, target.stored_id, chosen.stored_id)
            click.echo(f"Pair {target.id}: coach {clean(chosen.name)}.", err=True)
    except (CoachError, LifecycleError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        programme.close()
