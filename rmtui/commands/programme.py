"""``rmtui programme show|set``, ``rmtui wave add|list|close`` and ``rmtui match --wave``."""

from __future__ import annotations

import click

from rmtui.commands import db_option
from rmtui.context import Context
from rmtui.db import ConflictError, Pair
from rmtui.match_runs import MatchRunError, accept_run, compare, list_runs, load_run, match_and_keep, newest_other
from rmtui.pairing import PairingError, accept_wave
from rmtui.programme_settings import SETTING_SPECS, SettingError, programme_settings, set_one, timezone_change_note
from rmtui.rule_settings import RuleConfigError
from rmtui.text import clean
from rmtui.waves import WaveError, add_wave, close_wave, parse_day, resolve_wave, wave_summaries


@click.group(name="programme")
def programme_group() -> None:
    """The programme's settings: name, time zone, defaults for new waves, health targets."""


@programme_group.command(name="show")
@db_option
@click.pass_obj
def programme_show(obj: Context, db: str | None) -> None:
    """Print every setting as KEY VALUE (with what it is)."""
    programme = obj.open(db)
    try:
        values = programme_settings(programme.store)
    finally:
        programme.close()
    width = max(len(spec.key) for spec in SETTING_SPECS)
    for spec in SETTING_SPECS:
        click.echo(f"{spec.key:<{width}}  {clean(str(values[spec.key])):<24}  {spec.label}")


@programme_group.command(name="set")
@db_option
@click.argument("key")
@click.argument("value")
@click.pass_obj
def programme_set(obj: Context, db: str | None, key: str, value: str) -> None:
    """Set one setting: rmtui programme set timezone Europe/London."""
    programme = obj.open(db)
    try:
        old, new = set_one(programme.store, key, value)
    except SettingError as error:
        raise click.ClickException(str(error)) from error
    finally:
        programme.close()
    click.echo(f"{key}: {clean(str(old))} → {clean(str(new))}")
    if key == "timezone" and old != new:
        click.echo(timezone_change_note(str(old), str(new)))


@click.group(name="wave")
def wave_group() -> None:
    """The waves pairs are deployed in: add, list, close."""


@wave_group.command(name="add")
@db_option
@click.argument("name")
@click.option("--starts", required=True, metavar="DATE", help="First session day: 2026-12-04, today, +1w, mon.")
@click.option("--sessions", type=int, help="Sessions per pair (default: the programme's).")
@click.option("--every", "every", type=int, metavar="DAYS", help="Days between sessions (default: the programme's).")
@click.option("--minutes", type=int, help="Minutes per session (default: the programme's).")
@click.pass_obj
def wave_add(obj: Context, db: str | None, name: str, starts: str, sessions: int | None, every: int | None,
             minutes: int | None) -> None:
    """Add the wave NAME starting on DATE."""
    programme = obj.open(db)
    try:
        try:
            day = parse_day(starts, programme.today())
            wave = add_wave(programme, name, day, sessions_planned=sessions, cadence_days=every, session_minutes=minutes)
        except ValueError as error:  # WaveError and a day that is not one
            raise click.ClickException(str(error)) from error
    finally:
        programme.close()
    click.echo(
        f"Added wave {wave.name} (#{wave.id}): starts {wave.starts_on}, {wave.sessions_planned} sessions "
        f"every {wave.cadence_days} days, {wave.session_minutes} minutes."
    )


@wave_group.command(name="list")
@db_option
@click.pass_obj
def wave_list(obj: Context, db: str | None) -> None:
    """List the waves with their pairs and sessions held."""
    programme = obj.open(db)
    try:
        rows = wave_summaries(programme.store, programme.today())
    finally:
        programme.close()
    if not rows:
        click.echo("No waves yet; add one with: rmtui wave add NAME --starts DATE")
        return
    click.echo(f"{'#':>3}  {'Wave':<20} {'State':<11} {'Starts':<10} {'Ends':<10} {'Prop':>4} {'Act':>4} {'Done':>4} {'Held':>5}")
    for row in rows:
        w = row.wave
        click.echo(
            f"{w.id:>3}  {clean(w.name)[:20]:<20} {row.state:<11} {w.starts_on:<10} {row.ends_on.isoformat():<10} "
            f"{row.proposed:>4} {row.active:>4} {row.completed:>4} {row.held:>5}"
        )


@wave_group.command(name="close")
@db_option
@click.argument("name")
@click.pass_obj
def wave_close(obj: Context, db: str | None, name: str) -> None:
    """Close the wave NAME (or id): no new pairs go into it."""
    programme = obj.open(db, create=False)
    try:
        try:
            wave = resolve_wave(programme.store, name)
            assert wave.id is not None
            closed = close_wave(programme, wave.id, wave.version)
        except WaveError as error:
            raise click.ClickException(str(error)) from error
    finally:
        programme.close()
    click.echo(f"Closed wave {closed.name} on {closed.closed_on}; its running pairs go on to their end.")


class MatchRefused(click.ClickException):
    """A match command that cannot be done as asked: one line, exit status 2 (a user error)."""

    exit_code = 2


@click.command(name="match")
@db_option
@click.option("--wave", "wave_name", required=True, metavar="NAME", help="The wave to match (name or id).")
@click.option("--name", "run_name", metavar="NAME", help="Name the run this matching is kept as (default: run N · HH:MM).")
@click.option("--accept", "accept", is_flag=False, flag_value="", default=None, metavar="[RUN]",
              help="Accept every proposed pair (propose and confirm, sessions planned); with RUN, accept that kept "
                   "run instead, each pair re-checked against the programme now.")
@click.option("--compare", "compare_run", metavar="RUN", help="Compare the kept run RUN with another (--with, default: the newest other).")
@click.option("--with", "with_run", metavar="RUN", help="The run to compare RUN with.")
@click.option("--list", "list_only", is_flag=True, help="List the wave's kept runs, newest first.")
@click.pass_obj
def match_command(obj: Context, db: str | None, wave_name: str, run_name: str | None, accept: str | None,
                  compare_run: str | None, with_run: str | None, list_only: bool) -> None:
    """Match a wave's unpaired mentees to mentors: print the pairs, scores and who is left, and why."""
    kept_run = bool(accept)  # --accept RUN (a kept run) rather than --accept alone
    if with_run is not None and compare_run is None:
        raise MatchRefused("--with names the second run of a comparison; give the first with --compare RUN.")
    if sum((list_only, compare_run is not None, kept_run)) > 1:
        raise MatchRefused("Choose one of --list, --compare RUN and --accept RUN.")
    if run_name is not None and (list_only or compare_run is not None or kept_run):
        raise MatchRefused("--name names a new matching run; it does not go with --list, --compare or --accept RUN.")
    programme = obj.open(db, create=False)
    try:
        store = programme.store
        try:
            wave = resolve_wave(store, wave_name)
            assert wave.id is not None
            if list_only:
                _list_runs(store, wave)
            elif compare_run is not None:
                first = load_run(store, wave.id, compare_run)
                second = load_run(store, wave.id, with_run) if with_run is not None else newest_other(store, wave.id, first)
                for line in compare(first, second).lines():
                    click.echo(line)
            elif kept_run:
                _accept_kept(programme, wave, accept or "")
            else:
                _match_and_print(programme, wave, run_name, accept is not None)
        except (WaveError, RuleConfigError, MatchRunError) as error:
            raise MatchRefused(str(error)) from error
    finally:
        programme.close()


def _list_runs(store, wave) -> None:  # noqa: ANN001
    runs = list_runs(store, wave.id)
    if not runs:
        click.echo(f"{clean(wave.name)} has no kept runs yet; match it with: rmtui match --wave {clean(wave.name)!r}")
        return
    click.echo(f"{'#':>3}  {'Run':<24} {'When':<16} {'Who':<10} {'Score':>6} {'Pairs':>5} {'Left':>5}")
    for run in runs:
        click.echo(f"{run.id:>3}  {clean(run.name)[:24]:<24} {run.created_at[:16].replace('T', ' '):<16} "
                   f"{clean(run.actor)[:10]:<10} {run.total:>6.0f} {run.matched:>5} {run.unmatched:>5}")


def _accept_kept(programme, wave, which: str) -> None:  # noqa: ANN001
    run = load_run(programme.store, wave.id, which)
    try:
        outcome = accept_run(programme, run)
    except (PairingError, ConflictError) as error:
        raise MatchRefused(str(error)) from error
    click.echo(f"Accepted {len(outcome.accepted)} of {run.matched} pair(s) of run {clean(run.name)} in {clean(wave.name)}.")
    if outcome.dropped:
        click.echo(f"Dropped {len(outcome.dropped)}, no longer valid:")
        for pair, why in outcome.dropped:
            click.echo(f"  {clean(pair.mentor)} (mentor) → {clean(pair.mentee)} (mentee): {clean(why)}")


def _match_and_print(programme, wave, run_name: str | None, accept: bool) -> None:  # noqa: ANN001
    store = programme.store
    result, run = match_and_keep(programme, wave.id, name=run_name)
    waiting = store.all(Pair, "wave_id = ? AND status = 'proposed'", (wave.id,))
    names = dict(store.query_tuples("SELECT id, name FROM participants"))
    click.echo(f"{clean(wave.name)}: {len(result.proposals)} proposed pair(s), total score {result.total:.0f}")
    for proposal in result.proposals:
        click.echo(f"  {proposal.score:5.1f}  {clean(proposal.mentor.name)} (mentor) → {clean(proposal.mentee.name)} (mentee)")
    if waiting:
        click.echo(f"Already proposed, waiting to be confirmed: {len(waiting)}")
        for pair in waiting:
            click.echo(f"  {pair.score or 0:5.1f}  {clean(names.get(pair.mentor_id, ''))} (mentor) → "
                       f"{clean(names.get(pair.mentee_id, ''))} (mentee)")
    if result.unmatched:
        click.echo(f"Unmatched: {len(result.unmatched)}")
        for left in result.unmatched:
            click.echo(f"  {clean(left.person.name)} ({left.person.role}): {left.why}")
    if run is not None:
        click.echo(f"Kept as run “{clean(run.name)}”; compare runs with: rmtui match --wave {clean(wave.name)!r} --compare RUN")
    matches = [(p.mentor_id, p.mentee_id) for p in waiting] + [(p.mentor.id, p.mentee.id) for p in result.proposals]
    if not accept:
        if matches:
            click.echo(f"Accept them with: rmtui match --wave {clean(wave.name)!r} --accept")
        return
    if not matches:
        click.echo("Nothing to accept.")
        return
    try:
        pairs = accept_wave(programme, wave.id, matches)
    except (PairingError, ConflictError) as error:
        raise click.ClickException(str(error)) from error
    first = min((p.started_on for p in pairs if p.started_on), default="")
    click.echo(f"Accepted {len(pairs)} pair(s) in {clean(wave.name)}; sessions planned from {first}.")
