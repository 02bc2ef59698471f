"""``portal demo generate|accounts``: fill a tenant's demo EPD and show its demo accounts."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import create_engine, inspect, select

from portal.db import Database
from portal.epd.contract import PATIENT_LIST_METHODS
from portal.epd.errors import EpdError
from portal.settings import Settings
from portal.tenants import TenantConfigError, load_tenants

from .accounts import demo_accounts, sync_accounts
from .connector import DemoConnector
from .generator import SCHEMA_VERSION, generate
from .schema import meta


@click.group("demo", help="The embedded demo EPD: generate synthetic hospital data and demo accounts.")
def demo_cli() -> None:
    pass


def _connector(tenant_id: str) -> tuple[Settings, DemoConnector]:
    settings = Settings.from_env()
    try:
        tenants = {t.id: t for t in load_tenants(settings.tenants_dir, settings.themes_dir,
                                                  overlay=settings.development_overlay)}
    except TenantConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    if tenant_id not in tenants:
        raise click.BadParameter(f"unknown tenant '{tenant_id}' (known: {', '.join(sorted(tenants))})",
                                 param_hint="--tenant")
    tenant = tenants[tenant_id]
    if tenant.connector.name != "demo":
        raise click.BadParameter(f"tenant '{tenant_id}' uses connector '{tenant.connector.name}', not the demo EPD",
                                 param_hint="--tenant")
    try:
        return settings, DemoConnector.from_config(tenant, settings)
    except ValueError as exc:
        click.echo(f"Error: tenant '{tenant_id}': {exc}", err=True)
        sys.exit(2)


def _exists(url: str) -> bool:
    if url.startswith("sqlite"):
        path = Path(url.split(":///", 1)[1])
        if not path.exists():
            return False
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        if not inspect(engine).has_table("meta"):
            return False
        # A demo EPD of an older generator lacks what the screens now show: made anew.
        with engine.connect() as conn:
            return conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar() == SCHEMA_VERSION
    finally:
        engine.dispose()


@demo_cli.command("generate")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. zgt")
@click.option("--patients", type=click.IntRange(1, 5_000_000), default=2000, show_default=True)
@click.option("--if-missing", is_flag=True, help="Do nothing when the demo EPD already exists")
def generate_command(tenant_id: str, patients: int, if_missing: bool) -> None:
    """(Re)create the tenant's demo EPD (deterministic for the tenant's seed) and its demo
    GP accounts in the portal database."""
    settings, connector = _connector(tenant_id)
    if if_missing and _exists(connector.database_url):
        click.echo(f"{tenant_id}: demo EPD exists; left as it is")
    else:
        if connector.database_url.startswith("sqlite"):
            Path(connector.database_url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(connector.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        step = max(1, patients // 10)

        def progress(done: int, total: int) -> None:
            if done % step < 20_000 or done == total:
                click.echo(f"  {done:>9,} / {total:,} patients", err=True)

        stats = generate(engine, seed=connector.seed, patient_count=patients, progress=progress)
        engine.dispose()
        click.echo(f"{tenant_id}: {stats.patients:,} patients, {stats.records:,} records in {stats.seconds:.1f} s "
                   f"(seed {connector.seed})")
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            count = sync_accounts(connector, session)
    finally:
        database.dispose()
    click.echo(f"{tenant_id}: {count} demo accounts (see 'portal demo accounts --tenant {tenant_id}')")


@demo_cli.command("accounts")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. zgt")
@click.option("--patients", "per_account", type=click.IntRange(1, 50), default=4, show_default=True,
              help="Patients shown per account")
def accounts_command(tenant_id: str, per_account: int) -> None:
    """List the demo accounts with some of their patients to search for."""
    settings, connector = _connector(tenant_id)
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            accounts = demo_accounts(connector, session)
        if not accounts:
            click.echo(f"{tenant_id}: no demo accounts; run 'portal demo generate --tenant {tenant_id}'")
            return
        click.echo("On the login page, under 'Demopassen', choose 'Inloggen als <name>'. '*' marks a patient "
                   "whose record fills every screen. Search by patiëntnummer, BSN, geboortenaam or partnernaam "
                   "with geboortedatum and geslacht, or by postcode and huisnummer.")
        for account in accounts:
            click.echo(f"{account.name} — UZI {account.uzi_number}, AGB {account.agb_code}, role {account.role}, "
                       f"{account.practice_name or ''} (practice AGB {account.practice_agb or '-'})")
            for line in patient_lines(connector, account.agb_code, per_account):
                click.echo(f"  {line}")
    except EpdError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    finally:
        database.dispose()


#: How many of an account's patients are looked at for one whose record fills every screen.
CANDIDATES = 12


def has_full_record(connector: DemoConnector, patient_id: str) -> bool:
    """Every list of the EPD contract holds something for this patient: every screen shows data."""
    return all(getattr(connector, name)(patient_id) for name in PATIENT_LIST_METHODS)


def patient_lines(connector: DemoConnector, agb_code: str, count: int) -> list[str]:
    """One line per patient of ``agb_code`` (at most ``count``), those with a full record
    first and marked "*": what each of the manual's searches needs (patiëntnummer, BSN,
    birth date, sex, birth and partner name, postcode + house number)."""
    patients = connector.patients_of(agb_code, max(count, CANDIDATES))
    full = {p.patient_id for p in patients if p.consent and has_full_record(connector, p.patient_id)}
    chosen = sorted(patients, key=lambda p: p.patient_id not in full)[:count]
    lines = []
    for p in chosen:
        address = connector.get_patient(p.patient_id).address
        where = (f"{address.postcode_display} {address.house_number or ''}{address.house_number_addition or ''}"
                 if address and address.postcode else "-")
        partner = " ".join(part for part in (p.partner_name_prefix, p.partner_name) if part) or "-"
        birth = " ".join(part for part in (p.birth_name_prefix, p.birth_name) if part)
        lines.append(f"{'*' if p.patient_id in full else ' '} patiëntnummer {p.patient_number}  "
                     f"BSN {p.bsn or '-':9}  {p.birth_date:%d-%m-%Y}  {p.sex.value:7} {p.display_name}  "
                     f"geboortenaam {birth}  partnernaam {partner}  postcode en huisnummer {where}"
                     f"{'' if p.consent else '  (geen toestemming)'}")
    return lines
