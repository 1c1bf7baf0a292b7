"""Running a shared programme: ``rmtui init``, ``check``, ``users``, ``audit``, ``backup``, ``restore``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from rmtui.audit_log import (
    AuditFilter,
    audit_entries,
    describe_change,
    entity_table,
    entry_label,
    local_time,
    people_named,
    subject_labels,
)
from rmtui.backup import BackupError, backup_programme, restore_damaged, restore_programme
from rmtui.commands import DAY, DAY_FORMS, CleanPath, db_option
from rmtui.context import Context
from rmtui.coordinators import ROLES, add_coordinator, check_login, list_coordinators, remove_coordinator, set_role
from rmtui.db import NotAllowedError, StoreOpenError
from rmtui.programme import Programme
from rmtui.shared_setup import check_programme, init_shared, problems
from rmtui.text import clean


@click.command(name="init")
@click.option("--shared", "folder", required=True, type=CleanPath(file_okay=False, path_type=Path), help="The programme folder to create.")
@click.option("--group", required=True, help="The Unix group of the coordinators (the security boundary).")
def init_command(folder: Path, group: str) -> None:
    """Create a programme folder shared by GROUP (setgid, 2770; database 0660); you become admin."""
    try:
        made = init_shared(folder, group)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    except PermissionError as error:
        raise click.ClickException(
            f"You may not set up {folder} for group {group} ({error.strerror}); be a member of {group} or ask root."
        ) from error
    click.echo(f"Shared programme ready: {made.database} (group {made.group}, folder 2770, database 0660).")
    click.echo(f"{made.admin} is its admin. Coordinators use: export RMTUI_DB={made.database}")
    click.echo(f"Add them with: rmtui --db {made.database} users add USER --role coordinator")


@click.command(name="check")
@db_option
@click.option("--quick", is_flag=True, help="Skip the integrity check (it reads the whole file).")
@click.pass_obj
def check_command(obj: Context, db: str | None, quick: bool) -> None:
    """Check the database: integrity, journal mode, schema, permissions, filesystem. Exit 1 if unhealthy."""
    path = obj.db_path(db)
    findings = check_programme(path, full=not quick)
    click.echo(f"Checking {path}")
    for finding in findings:
        mark = "ok " if finding.ok else "FIX"
        click.echo(f"  {mark} {finding.subject}: {finding.detail}")
        if not finding.ok and finding.fix:
            click.echo(f"      fix: {finding.fix}")
    bad = problems(findings)
    if bad:
        click.echo(f"{len(bad)} problem{'s' if len(bad) != 1 else ''} to fix.")
        raise SystemExit(1)
    click.echo("Healthy.")


@click.group(name="users", invoke_without_command=True)
@db_option
@click.pass_context
def users_group(ctx: click.Context, db: str | None) -> None:
    """Who may use the programme: list, add USER --role R, set-role USER R, remove USER."""
    ctx.meta["users_db"] = db
    if ctx.invoked_subcommand is None:
        ctx.invoke(users_list)


def _open(ctx: click.Context, db: str | None) -> Programme:
    obj: Context = ctx.obj
    return obj.open(db or ctx.meta.get("users_db"), create=False)


@users_group.command(name="list")
@db_option
@click.pass_context
def users_list(ctx: click.Context, db: str | None = None) -> None:
    """List the coordinators and their roles."""
    programme = _open(ctx, db)
    try:
        people = list_coordinators(programme.store)
        me = programme.store.actor
    finally:
        programme.close()
    if not people:
        click.echo("No coordinators yet: anyone who can open the file may edit it; the first to change it becomes admin.")
        return
    for person in people:
        you = "  (you)" if person.os_user == me else ""
        click.echo(f"{clean(person.os_user):<20} {person.role:<12} since {person.added_at[:10]}{you}")


def _manage(ctx: click.Context, db: str | None, action: Any, done: str) -> None:
    programme = _open(ctx, db)
    try:
        action(programme.store)
    except NotAllowedError as error:
        raise click.ClickException(str(error)) from error
    finally:
        programme.close()
    click.echo(done)


@users_group.command(name="add")
@click.argument("user")
@click.option("--role", type=click.Choice(ROLES), default="coordinator", show_default=True)
@click.option("--force", is_flag=True, help="Add USER even though this server has no such login (yet).")
@db_option
@click.pass_context
def users_add(ctx: click.Context, user: str, role: str, force: bool, db: str | None) -> None:
    """Let USER (their login on this server) open the programme (admins only)."""
    user = clean(user)
    if not force:
        try:
            check_login(user)
        except NotAllowedError as error:
            raise click.ClickException(str(error)) from error
    _manage(ctx, db, lambda store: add_coordinator(store, user, role), f"{user} is now {role}.")


@users_group.command(name="set-role")
@click.argument("user")
@click.argument("role", type=click.Choice(ROLES))
@db_option
@click.pass_context
def users_set_role(ctx: click.Context, user: str, role: str, db: str | None) -> None:
    """Change USER's role to ROLE (admins only)."""
    _manage(ctx, db, lambda store: set_role(store, user, role), f"{clean(user)} is now {role}.")


@users_group.command(name="remove")
@click.argument("user")
@db_option
@click.pass_context
def users_remove(ctx: click.Context, user: str, db: str | None) -> None:
    """Stop USER from opening the programme (admins only; the last admin stays)."""
    _manage(ctx, db, lambda store: remove_coordinator(store, user), f"{clean(user)} can no longer open the programme.")


@click.command(name="audit")
@db_option
@click.option("--entity", help="person, pair, session, wave, feedback, setting or coordinator.")
@click.option("--id", "entity_id", type=int, help="Only this row of the entity.")
@click.option("--person", help="Changes to a person, their pairs and sessions (id or part of the name).")
@click.option("--pair", type=int, help="Changes to a pair and its sessions and feedback.")
@click.option("--by", "actor", help="Only changes made by this coordinator.")
@click.option("--since", type=DAY, metavar="DAY", help=f"From this day ({DAY_FORMS}; the programme's time zone).")
@click.option("--until", type=DAY, metavar="DAY", help="Up to and including this day (the same words).")
@click.option("--limit", type=click.IntRange(1), default=200, show_default=True, help="At most this many, newest first.")
@click.option("--app", "open_app", is_flag=True, help="Open the audit screen of the app instead of printing.")
@click.pass_obj
def audit_command(
    obj: Context, db: str | None, entity: str | None, entity_id: int | None, person: str | None,
    pair: int | None, actor: str | None, since: Any, until: Any, limit: int, open_app: bool,
) -> None:
    """Who changed what and when, before → after, newest first (--app opens the audit screen)."""
    if open_app:
        obj.run_app(obj.open(db, create=False), "audit")
        return
    table = None
    if entity:
        table = entity_table(entity)
        if table is None:
            raise click.ClickException(f"{entity!r} is not something rmtui audits; use person, pair, session, wave, feedback, setting or coordinator.")
    programme = obj.open(db, create=False)
    try:
        people = None
        if person:
            people = people_named(programme.store, person)
            if not people:
                raise click.ClickException(f"No person matches {person!r}.")
        flt = AuditFilter(
            entity=table,
            entity_id=entity_id,
            people=people,
            pair=pair,
            actor=actor,
            since=since.on(programme.today()).isoformat() if since else None,
            until=until.on(programme.today()).isoformat() if until else None,
        )
        tz = programme.timezone
        entries = audit_entries(programme.store, flt, tz=tz, limit=limit)
        labels = subject_labels(programme.store, entries)
    finally:
        programme.close()
    if not entries:
        click.echo("No changes match.")
        return
    for entry in entries:
        what = entry_label(labels, entry)
        click.echo(f"{local_time(entry, tz)}  {clean(entry.actor):<12} {entry.action:<7} {what}: {describe_change(entry)}")


@click.command(name="backup")
@click.argument("destination", type=CleanPath(path_type=Path))
@db_option
@click.option("--overwrite", is_flag=True, help="Replace DESTINATION if it exists.")
@click.pass_obj
def backup_command(obj: Context, destination: Path, db: str | None, overwrite: bool) -> None:
    """Copy the programme to DESTINATION while others keep working; integrity-checked before done.

    Restore with: rmtui restore DESTINATION (admins; the current database is saved first).
    """
    source = obj.db_path(db)
    try:
        result = backup_programme(source, destination, overwrite=overwrite)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backed up {source} to {result.path}: {result.bytes / 1_048_576:.1f} MB, "
        f"{result.participants:,} people, integrity ok. Done."
    )


@click.command(name="restore")
@click.argument("backup", type=CleanPath(exists=True, dir_okay=False, path_type=Path))
@db_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def restore_command(obj: Context, backup: Path, db: str | None, yes: bool) -> None:
    """Replace the programme with BACKUP (admins only), after checking BACKUP's integrity.

    The database as it was is first saved beside it (NAME.before-restore-TIME.db), and
    coordinators who have the app open see the restored programme within a second. A
    database too damaged to open is moved aside (NAME.damaged-TIME.db) and BACKUP put in
    its place.
    """
    path = obj.db_path(db)
    if not yes:
        click.confirm(f"Replace everything in {path} with {backup}?", abort=True)
    try:
        programme = obj.open(db, create=False)
    except StoreOpenError as error:
        if "damaged" not in str(error):
            raise
        programme = None
    try:
        if programme is None:
            stamp = obj.clock.now().strftime("%Y%m%dT%H%M%S")
            restored, aside = restore_damaged(path, backup, stamp)
        else:
            restored, before = restore_programme(programme.store, backup)
            aside = before.path
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    finally:
        if programme is not None:
            programme.close()
    click.echo(f"Restored {restored.participants:,} people from {backup} into {path}.")
    click.echo(f"The programme as it was is saved in {aside}.")
