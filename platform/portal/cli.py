"""The ``portal`` command: Flask's CLI (run, shell, routes) plus the project's own groups.

``portal run`` serves every tenant through the host dispatcher. Groups that must work on a
broken configuration (``portal tenants check``) do not load the app.

Every command that reads the deployment's configuration needs ``PORTAL_ENV``; only
``portal run``, the development server, assumes development when it is not set. A missing
or invalid setting ends any command with an ``Error: ...`` message, never a traceback.
"""
from __future__ import annotations

import os
import sys
from importlib.metadata import entry_points

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .platform import Platform, create_platform
from .settings import SettingsError
from .tenants import TenantConfigError

#: Entry-point group of command groups that come with a connector (``portal demo``): the
#: core names no connector; a connector package registers its commands in its setup.cfg.
CONNECTOR_COMMANDS = "portal.connector_commands"


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


class _PortalGroup(FlaskGroup):
    """Flask's group, with ``run`` alone allowed to assume ``PORTAL_ENV=development``."""

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if name == "run" and not os.environ.get("PORTAL_ENV", "").strip():
            # The development server on a developer's machine; set in the environment so
            # Werkzeug's reloader process gets it too.
            os.environ["PORTAL_ENV"] = "development"
            click.echo("PORTAL_ENV is not set: 'portal run' serves for development (PORTAL_ENV=development)",
                       err=True)
        return name, command, rest

    def list_commands(self, ctx):
        # The root app adds no commands of its own, so ``portal --help`` builds no platform
        # (and needs no PORTAL_ENV) to list them.
        return click.Group.list_commands(self, ctx)


def _build_cli() -> click.Group:
    from flask.cli import run_command, shell_command

    from .access.cli import access_cli, notifications_cli
    from .accounts.cli import accounts_cli
    from .audit.cli import audit_cli
    from .auth.cli import auth_cli
    from .migrations.cli import db_cli
    from .notifications.cli import send_digests_command
    from .patient.cli import death_notifications_cli
    from .tenants.cli import tenants_cli

    cli = _PortalGroup(create_app=create_root_app, help="Zorgverlenersportaal: serve and manage the hospital portals.",
                       set_debug_flag=False, add_default_commands=False)
    for command in (run_command, shell_command, routes_command, tenants_cli, db_cli, notifications_cli, access_cli,
                    death_notifications_cli, audit_cli, accounts_cli, auth_cli):
        cli.add_command(command)
    # The worklist's e-mails join the patients' messages under "portal notifications".
    notifications_cli.add_command(send_digests_command)
    for entry in sorted(entry_points(group=CONNECTOR_COMMANDS), key=lambda e: e.name):
        cli.add_command(entry.load())
    return cli


@click.command("routes")
@with_appcontext
def routes_command() -> None:
    """Every tenant's routes: tenant, methods, path and endpoint (the root app has none)."""
    for tenant_id, app in sorted(get_platform().apps.items()):
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            methods = ",".join(sorted(m for m in rule.methods or () if m not in ("HEAD", "OPTIONS")))
            click.echo(f"{tenant_id}\t{methods}\t{rule.rule}\t{rule.endpoint}")


cli = _build_cli()


def main() -> None:
    try:
        cli.main(prog_name="portal")
    except (SettingsError, TenantConfigError) as exc:
        # Raised by commands that read the settings themselves (db, tenants, auth, demo).
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
