"""``portal accounts import|list --tenant <id>``: provider accounts from ZorgNetOost."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..cli import get_platform, tenant_app
from .models import Account
from .registration import RegistrationFileError, apply_registration, parse_registration


@click.group("accounts", help="Provider accounts (registered through ZorgNetOost).")
def accounts_cli() -> None:
    pass


@accounts_cli.command("import")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. zgt")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(tenant_id: str, path: Path) -> None:
    """Import a ZorgNetOost registration file (CSV). Changes nothing if any line is bad."""
    tenant_app(tenant_id)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        click.echo(f"Error: {path} is not UTF-8 (byte {exc.start}); nothing was changed", err=True)
        sys.exit(1)
    try:
        rows = parse_registration(text)
        with get_platform().database.session() as session:
            counts = apply_registration(session, tenant_id, rows)
    except RegistrationFileError as exc:
        for problem in exc.problems:
            click.echo(f"{path.name}: {problem}", err=True)
        click.echo(f"Error: {len(exc.problems)} problem(s); nothing was changed", err=True)
        sys.exit(1)
    click.echo(f"{tenant_id}: {counts.created} created, {counts.updated} updated, {counts.deactivated} deactivated, "
               f"{counts.unchanged} unchanged; {counts.sessions_ended} session(s) ended")


@accounts_cli.command("list")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. zgt")
@click.option("--inactive/--active-only", default=True, show_default=True, help="Include deactivated accounts")
@with_appcontext
def list_command(tenant_id: str, inactive: bool) -> None:
    """One line per account: UZI number, AGB code, role, status, name, practice."""
    tenant_app(tenant_id)
    query = select(Account).where(Account.tenant_id == tenant_id).order_by(Account.name, Account.uzi_number)
    if not inactive:
        query = query.where(Account.active.is_(True))
    with get_platform().database.session() as session:
        accounts = session.scalars(query).all()
    click.echo("uzi_number\tagb_code\trole\tstatus\tname\tpractice_name\tpractice_agb")
    for a in accounts:
        click.echo("\t".join([a.uzi_number, a.agb_code, a.role, "actief" if a.active else "afgemeld", a.name,
                              a.practice_name or "", a.practice_agb or ""]))
    click.echo(f"{len(accounts)} account(s)", err=True)
