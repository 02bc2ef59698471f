"""Process-wide settings, read once from the environment and then frozen.

Per-hospital settings live in the tenant YAML (``portal.tenants``); these are the few
that belong to the deployment as a whole.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .tenants.loader import REPO_ROOT, default_tenants_dir, default_themes_dir

ENVIRONMENTS = ("development", "testing", "production")
MISSING_ENVIRONMENT = ("PORTAL_ENV is not set: set PORTAL_ENV=production for a hospital's portal (development or "
                       "testing on a developer's machine); the portal does not guess which one it is")


class SettingsError(Exception):
    """A deployment setting is missing or invalid (message names the variable)."""


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str
    instance_dir: Path
    tenants_dir: Path
    themes_dir: Path
    #: ``PORTAL_BENCH_CEILING=1``: serve ``GET /bench/ceiling`` (``portal.core.ceiling``), a
    #: constant reply through the whole stack that ``make bench`` measures as the ceiling.
    bench_ceiling: bool = False
    #: ``PORTAL_BENCH_PAGE=1``: serve ``GET /bench/page/...`` (``portal.web.bench_page``), each
    #: page kind re-rendered from the last real one of this process, without login: for
    #: ``make bench`` only, never on a server with real patients.
    bench_page: bool = False
    #: ``PORTAL_ALLOW_DEMO_EPD=1``: production may serve the synthetic demo EPD, for a
    #: rehearsal of the production set-up (tests/production, ``make bench``); never a hospital.
    allow_demo_epd: bool = False
    #: ``PORTAL_DEV_HAP=1`` (``make run HAP=1``): the browser on this machine counts as a
    #: huisartsenpost, so the noodprocedure can be tried. Development only: production
    #: refuses the variable, the tests ignore it (they place their requests themselves).
    browser_at_hap: bool = False

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def development_overlay(self) -> bool:
        """Whether each tenant's ``tenant.development.yaml`` is merged over its tenant.yaml:
        in development and testing only, so production never sees demo settings."""
        return self.environment in ("development", "testing")

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Build from ``PORTAL_ENV``, ``DATABASE_URL``, ``PORTAL_INSTANCE_DIR``,
        ``PORTAL_TENANTS_DIR``, ``PORTAL_THEMES_DIR``, ``PORTAL_BENCH_CEILING``,
        ``PORTAL_BENCH_PAGE``, ``PORTAL_ALLOW_DEMO_EPD`` and ``PORTAL_DEV_HAP``; keyword arguments win.

        ``PORTAL_ENV`` has no default: a deployment that forgets it must not come up as a
        development server with demo login (``portal run`` alone sets development itself)."""
        environment = overrides.pop("environment", None) or os.environ.get("PORTAL_ENV", "").strip()
        if not environment:
            raise SettingsError(MISSING_ENVIRONMENT)
        if environment not in ENVIRONMENTS:
            raise SettingsError(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}")
        instance_dir = Path(overrides.pop("instance_dir", None) or os.environ.get("PORTAL_INSTANCE_DIR")
                            or REPO_ROOT / "instance")
        database_url = (overrides.pop("database_url", None) or os.environ.get("DATABASE_URL")
                        or f"sqlite:///{instance_dir / 'portal.sqlite'}")
        if environment == "production" and database_url.startswith("sqlite"):
            # SQLite is fine for one node in development; production runs several workers
            # and nodes on one audit chain, which needs PostgreSQL.
            raise SettingsError("DATABASE_URL must point at PostgreSQL when PORTAL_ENV=production")
        settings = cls(
            environment=environment,
            database_url=database_url,
            instance_dir=instance_dir,
            tenants_dir=Path(overrides.pop("tenants_dir", None) or default_tenants_dir()),
            themes_dir=Path(overrides.pop("themes_dir", None) or default_themes_dir()),
            bench_ceiling=_flag("PORTAL_BENCH_CEILING", overrides.pop("bench_ceiling", None)),
            bench_page=_flag("PORTAL_BENCH_PAGE", overrides.pop("bench_page", None)),
            allow_demo_epd=_flag("PORTAL_ALLOW_DEMO_EPD", overrides.pop("allow_demo_epd", None)),
            browser_at_hap=_browser_at_hap(environment, overrides.pop("browser_at_hap", None)),
        )
        if overrides:
            raise TypeError(f"unknown settings: {', '.join(overrides)}")
        return settings


def _flag(variable: str, override: bool | None) -> bool:
    if override is not None:
        return bool(override)
    value = os.environ.get(variable, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise SettingsError(f"{variable} must be 1 or 0, not {value!r}")


def _browser_at_hap(environment: str, override: bool | None) -> bool:
    """``PORTAL_DEV_HAP``, honoured in development only (see ``Settings.browser_at_hap``)."""
    wanted = _flag("PORTAL_DEV_HAP", override)
    if wanted and environment == "production":
        raise SettingsError("PORTAL_DEV_HAP=1 makes this machine a huisartsenpost: it is for PORTAL_ENV=development "
                            "only; remove it from the service's environment")
    return wanted and environment == "development"


def session_key(env_name: str | None, settings: "Settings", file_name: str, refusal: str) -> str:
    """A Flask app's session key: the value of the environment variable ``env_name``; in
    production, without it, ``SettingsError(refusal)``. In development and tests a random key
    kept in ``instance/secrets/<file_name>`` (owner-only), so sessions survive a restart of
    the development server."""
    if env_name and os.environ.get(env_name):
        return os.environ[env_name]
    if settings.production:
        raise SettingsError(refusal)
    path = settings.instance_dir / "secrets" / file_name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
