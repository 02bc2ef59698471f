"""The request context every screen reads, through plain typed functions.

Inside a request (or an app context) of a tenant app:

- ``tenant()``: the hospital's ``TenantConfig``;
- ``platform()``: the process's ``Platform`` (settings, database, every tenant's app);
- ``database()``: the portal's own database (sessions, accounts, audit log);
- ``connector()``: the hospital's EPD connector (the contract of ``portal.epd.contract``);
- ``clock()``: the hospital's clock (``portal.clock``): every "now" and "today";
- ``provider()``: the logged-in provider (Flask-Login's ``current_user``);
- ``selection``: the selected patient and the patient contexts of pages (``.selection``).

``create_app`` puts each in place once (``install``); nothing else writes them. Screens
import this module, never ``current_app.extensions`` keys.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, has_app_context
from flask_login import current_user

from ..clock import DEFAULT as DEFAULT_CLOCK
from ..clock import HospitalClock

if TYPE_CHECKING:
    from ..db import Database
    from ..platform import Platform
    from ..tenants import TenantConfig

_TENANT, _PLATFORM, _CONNECTOR, _CLOCK = "portal.tenant", "portal.platform", "portal.connector", "portal.clock"


def install(app: Flask, *, tenant: "TenantConfig", platform: "Platform", connector: Any, clock: HospitalClock) -> None:
    """Give ``app`` its context (``create_app`` calls this once, before anything else)."""
    app.extensions.update({_TENANT: tenant, _PLATFORM: platform, _CONNECTOR: connector, _CLOCK: clock})


def tenant() -> "TenantConfig":
    return current_app.extensions[_TENANT]


def platform() -> "Platform":
    return current_app.extensions[_PLATFORM]


def database() -> "Database":
    return current_app.extensions[_PLATFORM].database


def connector() -> Any:
    """The tenant's EPD connector; its methods are those of ``portal.epd.contract.EpdConnector``."""
    return current_app.extensions[_CONNECTOR]


def clock() -> HospitalClock:
    return current_app.extensions[_CLOCK]


def clock_or_default() -> HospitalClock:
    """The tenant's clock inside an app context; the default hospital clock outside one
    (pure helpers that also run in the CLI and in unit tests)."""
    return current_app.extensions[_CLOCK] if has_app_context() else DEFAULT_CLOCK


def provider() -> Any:
    """The logged-in provider (an ``accounts.models.Account`` behind Flask-Login's proxy),
    or the anonymous user."""
    return current_user


def has_tenant() -> bool:
    """Is the current app a tenant app (not the CLI's root app)?"""
    return _TENANT in current_app.extensions


def platform_of(app: Flask) -> "Platform":
    return app.extensions[_PLATFORM]


def tenant_of(app: Flask) -> "TenantConfig":
    """The tenant of ``app`` outside a request (CLI commands, start-up)."""
    return app.extensions[_TENANT]


def connector_of(app: Flask) -> Any:
    return app.extensions[_CONNECTOR]


def clock_of(app: Flask) -> HospitalClock:
    return app.extensions[_CLOCK]
