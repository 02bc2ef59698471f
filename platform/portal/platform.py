"""The platform: every tenant's app behind one host dispatcher, one shared database.

``create_platform()`` is what gunicorn (``portal.wsgi:application``) and the CLI build.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

from . import context
from .db import Database
from .dispatch import HostDispatcher
from .epd.registry import ConnectorError, available_connectors
from .production import check_production
from .settings import Settings, SettingsError
from .tenants import TenantConfig, load_tenants


@dataclass
class Platform:
    settings: Settings
    database: Database
    tenants: dict[str, TenantConfig]
    apps: dict[str, Flask] = field(default_factory=dict)
    #: The back office apps (``portal.backoffice``) of the tenants that enable one.
    backoffice_apps: dict[str, Flask] = field(default_factory=dict)

    def app_for(self, tenant_id: str) -> Flask:
        return self.apps[tenant_id]

    def close(self) -> None:
        """Release database connections (the portal's and the connectors' own)."""
        for app in self.apps.values():
            context.connector_of(app).close()
        self.database.dispose()

    @property
    def dispatcher(self) -> HostDispatcher:
        apps: dict[str, Callable] = {host: self.apps[t.id] for t in self.tenants.values() for host in t.hostnames}
        apps.update({host: self.backoffice_apps[t.id] for t in self.tenants.values() if t.id in self.backoffice_apps
                     for host in t.backoffice.hostnames})
        return HostDispatcher(apps)


def _checkpoints(settings: Settings):
    """The audit checkpoints from the environment; production refuses to run without them
    (a chain rewritten by someone holding the database would otherwise go unnoticed)."""
    from .audit.checkpoints import CheckpointError, Checkpoints

    try:
        checkpoints = Checkpoints.from_env()
    except CheckpointError as exc:
        raise SettingsError(str(exc)) from None
    if settings.production and (checkpoints is None or not checkpoints.can_sign):
        raise SettingsError("PORTAL_ENV=production needs PORTAL_AUDIT_CHECKPOINTS (an append-only file outside the "
                            "database) and PORTAL_AUDIT_SIGNING_KEY ('portal audit keygen' makes one)")
    return checkpoints


#: The addresses a browser on the developer's own machine comes from.
LOOPBACK = ("127.0.0.0/8", "::1/128")


def browser_at_hap(tenant: TenantConfig) -> TenantConfig:
    """``tenant`` with loopback added to its huisartsenpost networks (``make run HAP=1``,
    development only: ``Settings.browser_at_hap``; production refuses loopback there)."""
    ranges = tuple(dict.fromkeys((*tenant.access.hap_ip_ranges, *LOOPBACK)))
    access = tenant.access.model_copy(update={"hap_ip_ranges": ranges})
    return tenant.model_copy(update={"access": access})


def create_platform(settings: Settings | None = None) -> Platform:
    """Load and validate every tenant (with the development overlay outside production;
    in production refusing what ``portal.production`` refuses), then build their apps eagerly.

    Raises ``TenantConfigError`` or ``SettingsError`` before anything is served.
    """
    from .app import create_app
    from .backoffice.app import check_hostnames, create_backoffice_app

    settings = settings or Settings.from_env()
    tenants = load_tenants(settings.tenants_dir, settings.themes_dir, available_connectors(),
                           overlay=settings.development_overlay)
    if settings.production:
        check_production(tenants, settings)
    check_hostnames(tenants)
    if settings.browser_at_hap:
        tenants = [browser_at_hap(t) for t in tenants]
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    platform = Platform(settings=settings, database=Database(settings.database_url),
                        tenants={t.id: t for t in tenants})
    platform.database.checkpoints = _checkpoints(settings)
    for tenant in tenants:
        try:
            platform.apps[tenant.id] = create_app(tenant, platform)
            if tenant.backoffice.enabled:
                platform.backoffice_apps[tenant.id] = create_backoffice_app(
                    tenant, platform, context.connector_of(platform.apps[tenant.id]))
        except ConnectorError as exc:
            raise SettingsError(str(exc)) from None
    return platform
