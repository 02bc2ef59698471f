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
from importlib import import_module
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .settings import SettingsError
from .tenants import TenantConfigError

if TYPE_CHECKING:
    from .platform import Platform

#: Entry-point group of command groups that come with a connector (``portal demo``): the
#: core names no connector; a connector package registers its commands in its setup.cfg.
CONNECTOR_COMMANDS = "portal.connector_commands"


def create_root_app() -> Flask:
    """A Flask app whose WSGI callable is the host dispatcher, for ``portal run``/``shell``."""
    from .platform import create_platform

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


def get_platform() -> "Platform":
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
        return sorted({*click.Group.list_commands(self, ctx), *_LAZY, *_connector_commands()})

    def get_command(self, ctx, cmd_name):
        # A command group is imported when it is asked for, not at start-up: importing every
        # group (the platform, alembic, each feature) cost ~0.9 s of every command, which a
        # cron job such as 'portal audit export' or 'portal notifications send-digests' pays
        # on each run. Flask's get_command would build the root app first: not needed here.
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        command = _load(cmd_name)
        if command is not None:
            self.add_command(command, cmd_name)
        return command


#: Command groups of the core: name -> (module, attribute), imported on first use.
_LAZY = {
    "tenants": ("portal.tenants.cli", "tenants_cli"),
    "db": ("portal.migrations.cli", "db_cli"),
    "notifications": ("portal.access.cli", "notifications_cli"),
    "access": ("portal.access.cli", "access_cli"),
    "death-notifications": ("portal.patient.cli", "death_notifications_cli"),
    "audit": ("portal.audit.cli", "audit_cli"),
    "accounts": ("portal.accounts.cli", "accounts_cli"),
    "auth": ("portal.auth.cli", "auth_cli"),
    "backoffice": ("portal.backoffice.cli", "backoffice_cli"),
}


def _connector_commands() -> dict:
    return {entry.name: entry for entry in entry_points(group=CONNECTOR_COMMANDS)}


def _load(name: str) -> click.Command | None:
    """The command group ``name`` (core or a connector's), imported now; None if unknown."""
    if name in _LAZY:
        module, attribute = _LAZY[name]
        command = getattr(import_module(module), attribute)
        if name == "notifications":
            # The worklist's e-mails join the patients' messages under "portal notifications".
            from .notifications.cli import send_digests_command
            command.add_command(send_digests_command)
        return command
    entry = _connector_commands().get(name)
    return entry.load() if entry is not None else None


def _build_cli() -> click.Group:
    from flask.cli import run_command, shell_command

    cli = _PortalGroup(create_app=create_root_app, help="Zorgverlenersportaal: serve and manage the hospital portals.",
                       set_debug_flag=False, add_default_commands=False)
    for command in (run_command, shell_command, routes_command):
        cli.add_command(command)
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
