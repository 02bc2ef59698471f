"""``portal auth refresh-crls``: fetch each tenant's CRLs and store them in its folder.

The n-th ``auth.crl_urls`` entry is saved to the n-th ``auth.crl_files`` entry, only after
the download parsed as a CRL signed by one of the tenant's trusted CA certificates and is
not older than the file it replaces; the file is replaced atomically. Running portals
notice the new file without a restart. Meant for cron/systemd timers (exit 1 on any failure).
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click
import httpx
from cryptography.hazmat.primitives import serialization

from ..settings import Settings
from ..tenants import TenantConfigError, load_tenants
from .trust import build_trust, load_crl
from .uzi import crl_signed_by


@click.group("auth", help="UZI-pas login: certificate revocation lists.")
def auth_cli() -> None:
    pass


def refresh_tenant_crls(tenant, client: httpx.Client) -> list[str]:
    """Refresh one tenant's CRLs; returns the problems (empty when all went well)."""
    problems = []
    folder = Path(tenant.folder)
    anchors = build_trust(tenant).anchors
    for url, name in zip(tenant.auth.crl_urls, tenant.auth.crl_files):
        target = folder / name
        try:
            response = client.get(url)
            response.raise_for_status()
            crl = load_crl(response.content)
        except (httpx.HTTPError, ValueError) as exc:
            problems.append(f"{tenant.id}: {url}: {type(exc).__name__}: {exc}")
            continue
        issuers = [ca for ca in anchors if ca.subject == crl.issuer]
        if not any(crl_signed_by(crl, ca) for ca in issuers):
            problems.append(f"{tenant.id}: {url}: not signed by a trusted CA certificate of this tenant")
            continue
        if target.exists():
            try:
                current = load_crl(target.read_bytes())
                if current.last_update_utc > crl.last_update_utc:
                    problems.append(f"{tenant.id}: {url}: older than the CRL in {name}; kept the current one")
                    continue
            except ValueError:
                pass  # an unreadable current file is simply replaced
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".crl-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(crl.public_bytes(serialization.Encoding.PEM))
        os.replace(tmp, target)
        click.echo(f"{tenant.id}: {name} updated (next update {crl.next_update_utc:%Y-%m-%d %H:%M} UTC, "
                   f"{len(crl)} revoked)")
    return problems


@auth_cli.command("refresh-crls")
@click.option("--tenant", "tenant_id", default=None, help="Only this tenant (default: all)")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds per download")
def refresh_crls(tenant_id: str | None, timeout: float) -> None:
    """Download every tenant's CRLs (auth.crl_urls) into its crl_files."""
    settings = Settings.from_env()
    try:
        tenants = load_tenants(settings.tenants_dir, settings.themes_dir, overlay=settings.development_overlay)
    except TenantConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    selected = [t for t in tenants if tenant_id in (None, t.id)]
    if not selected:
        raise click.BadParameter(f"unknown tenant '{tenant_id}'", param_hint="--tenant")
    problems = []
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for tenant in selected:
            problems += refresh_tenant_crls(tenant, client)
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    sys.exit(1 if problems else 0)
