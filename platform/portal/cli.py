"""The ``portal`` command: Flask's CLI (run, shell, routes) plus the project's own groups.

``portal run`` serves every tenant through the host dispatcher. Groups that must work on a
broken configuration (``portal tenants check``) do not load the app.
"""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from .platform import Platform, create_platform
from .settings import SettingsError
from .tenants import TenantConfigError

#: Extra command groups, as "module:attribute"; feature modules add theirs here.
COMMAND_GROUPS = [
    "portal.tenants.cli:tenants_cli",
    "portal.migrations.cli:db_cli",
    "portal.access.cli:notifications_cli",
    "portal.access.cli:access_cli",
    "portal.patient.cli:death_notifications_cli",
    "portal.audit.cli:audit_cli",
    "portal.accounts.cli:accounts_cli",
    "portal.auth.cli:auth_cli",
    "portal_connectors.demo.cli:demo_cli",
]


def create_root_app() -> Flask:
    """A Flask app whose WSGI callable is the host dispatcher, for ``portal run``/``shell``."""
    try:
        platform = create_platform()
    except (TenantConfigError, SettingsError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    context = click.get_current_context(silent=True)
    if context is not None:
        # Close pooled connections when the command ends, not at interpreter exit.
        context.call_on_close(platform.close)
    root = Flask("portal.root", root_path=str(platform.settings.instance_dir))
    root.extensions["portal.platform"] = platform
    root.wsgi_app = platform.dispatcher  # type: ignore[method-assign]

    @root.shell_context_processor
    def _shell_context() -> dict:
        return {"platform": platform, "apps": platform.apps, "database": platform.database}

    return root


def get_platform() -> Platform:
    """The platform of the running CLI command (inside ``with_appcontext``)."""
    return current_app.extensions["portal.platform"]


def tenant_app(tenant_id: str) -> Flask:
    """The Flask app of ``tenant_id``, or a usage error listing the tenants."""
    platform = get_platform()
    if tenant_id not in platform.apps:
        raise click.BadParameter(f"unknown tenant '{tenant_id}' (known: {', '.join(sorted(platform.apps))})",
                                 param_hint="--tenant")
    return platform.apps[tenant_id]


def _build_cli() -> click.Group:
    import importlib

    cli = FlaskGroup(create_app=create_root_app, help="Zorgverlenersportaal: serve and manage the hospital portals.",
                     set_debug_flag=False)
    for spec in COMMAND_GROUPS:
        module_name, attribute = spec.split(":")
        cli.add_command(getattr(importlib.import_module(module_name), attribute))
    return cli


cli = _build_cli()


def main() -> None:
    cli.main(prog_name="portal")
