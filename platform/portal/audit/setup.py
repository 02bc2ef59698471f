"""What the ``portal audit`` commands need, without building the web apps: the settings,
the tenants' YAML, the database and the checkpoints.

Building every tenant's Flask app (blueprints, templates, connectors) took most of a
second before a command such as ``portal audit export`` read a single row; none of it is
used by an audit command. ``load_setup`` applies the same checks as ``create_platform``
to what it loads (tenant YAML validation, the production rules, the checkpoint settings).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click

from ..db import Database
from ..tenants import TenantConfig


@dataclass
class AuditSetup:
    database: Database
    tenants: Mapping[str, TenantConfig]

    def tenant(self, tenant_id: str) -> TenantConfig:
        """The tenant, or a usage error listing the tenants."""
        if tenant_id not in self.tenants:
            raise click.BadParameter(f"unknown tenant '{tenant_id}' (known: {', '.join(sorted(self.tenants))})",
                                     param_hint="--tenant")
        return self.tenants[tenant_id]


def load_setup() -> AuditSetup:
    """From the environment, as ``create_platform`` reads it. Raises ``SettingsError`` or
    ``TenantConfigError`` (both with an English message)."""
    from ..epd.registry import available_connectors
    from ..production import check_production
    from ..settings import Settings, SettingsError
    from ..tenants import load_tenants
    from .checkpoints import CheckpointError, deployment_checkpoints

    settings = Settings.from_env()
    tenants = load_tenants(settings.tenants_dir, settings.themes_dir, available_connectors(),
                           overlay=settings.development_overlay)
    if settings.production:
        check_production(tenants, settings)
    database = Database(settings.database_url)
    try:
        checkpoints: Any = deployment_checkpoints(settings.production)  # Database types it loosely
    except CheckpointError as exc:
        raise SettingsError(str(exc)) from None
    database.checkpoints = checkpoints
    return AuditSetup(database, {t.id: t for t in tenants})
