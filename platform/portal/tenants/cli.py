"""``portal tenants check|list|schema``: validate and inspect tenant YAML without serving."""
from __future__ import annotations

import json
import sys

import click

from ..epd.registry import ConnectorError, available_connectors, build_connector
from ..production import production_problems
from ..settings import Settings
from .loader import TenantConfigError, load_tenants
from .schema import TenantConfig


@click.group("tenants", help="Check and inspect the tenants (hospitals).")
def tenants_cli() -> None:
    pass


@tenants_cli.command("check")
def check() -> None:
    """Validate every tenant as PORTAL_ENV would start it (the development overlay outside
    production, the connector's own settings, and with PORTAL_ENV=production everything
    production refuses); exit 1 naming file and key of each problem."""
    settings = Settings.from_env()
    try:
        tenants = load_tenants(settings.tenants_dir, settings.themes_dir, available_connectors(),
                               overlay=settings.development_overlay)
    except TenantConfigError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    problems = []
    for tenant in tenants:
        found = _connector_problems(tenant, settings)
        if settings.production:
            found += production_problems(tenant, settings)
        problems += found
        if not found:
            click.echo(f"ok: {tenant.id} ({tenant.display_name}) — {', '.join(tenant.hostnames)}")
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    sys.exit(1 if problems else 0)


def _connector_problems(tenant: TenantConfig, settings: Settings) -> list[str]:
    """Build the tenant's connector as start-up does (it checks its settings, secrets and
    files, and connects to nothing), then let it go."""
    try:
        build_connector(tenant, settings).close()
    except ConnectorError as exc:
        return [str(exc)]
    return []


@tenants_cli.command("list")
def list_tenants() -> None:
    """One line per tenant: id, hostnames, connector, menus."""
    settings = Settings.from_env()
    try:
        tenants = load_tenants(settings.tenants_dir, settings.themes_dir, available_connectors(),
                               overlay=settings.development_overlay)
    except TenantConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    for t in tenants:
        click.echo(f"{t.id}\t{','.join(t.hostnames)}\t{t.connector.name}\t{','.join(t.menus)}")


@tenants_cli.command("schema")
def schema() -> None:
    """Print the tenant YAML schema (JSON Schema) with every key's description."""
    click.echo(json.dumps(TenantConfig.model_json_schema(), indent=2, ensure_ascii=False))
