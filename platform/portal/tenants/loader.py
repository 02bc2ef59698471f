"""Reading and validating tenant folders.

Contract: ``load_tenants(folder, themes_dir)`` returns the tenants sorted by id, or raises
``TenantConfigError`` whose ``problems`` lists every problem as ``<file>: <key>: <message>``.
Connector names are checked against the registered entry points by the caller that knows
them (``portal.app``), through the ``known_connectors`` argument.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import ValidationError

from .schema import TenantConfig

REPO_ROOT = Path(__file__).resolve().parents[3]


class TenantConfigError(Exception):
    """One or more tenant files are invalid; ``problems`` names file and key for each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid tenant configuration:\n" + "\n".join(f"  {p}" for p in problems))


def default_tenants_dir() -> Path:
    """``$PORTAL_TENANTS_DIR`` if set, else the repository's ``tenants/``."""
    return Path(os.environ.get("PORTAL_TENANTS_DIR") or REPO_ROOT / "tenants")


def default_themes_dir() -> Path:
    return Path(os.environ.get("PORTAL_THEMES_DIR") or REPO_ROOT / "themes")


def _key_path(loc: Iterable[object]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def load_tenant(path: Path, themes_dir: Path, known_connectors: Iterable[str] | None = None) -> tuple[TenantConfig | None, list[str]]:
    """Validate one ``tenant.yaml``; returns the config (or None) and the problems found."""
    shown = _display(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return None, [f"{shown}: cannot read: {exc.strerror}"]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        return None, [f"{shown}: not valid YAML: {where}{getattr(exc, 'problem', exc)}"]
    if not isinstance(raw, dict):
        return None, [f"{shown}: (top level): must be a mapping of keys to values"]
    if "folder" in raw:
        return None, [f"{shown}: folder: unknown key"]
    try:
        tenant = TenantConfig.model_validate({**raw, "folder": str(path.parent)})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"{shown}: {_key_path(err['loc'])}: {message}")
        return None, problems
    problems = []
    if tenant.id != path.parent.name:
        problems.append(f"{shown}: id: '{tenant.id}' differs from the folder name '{path.parent.name}'")
    theme_dir = themes_dir / tenant.theme
    if not (theme_dir / "theme.css").is_file():
        problems.append(f"{shown}: theme: no theme '{tenant.theme}' (expected {_display(theme_dir / 'theme.css')})")
    elif not (theme_dir / tenant.branding.logo).is_file():
        problems.append(f"{shown}: branding.logo: no file '{tenant.branding.logo}' in theme '{tenant.theme}'")
    if known_connectors is not None and tenant.connector.name not in set(known_connectors):
        known = ", ".join(sorted(known_connectors)) or "none"
        problems.append(f"{shown}: connector.name: unknown connector '{tenant.connector.name}' (registered: {known})")
    # CRL files may be absent until 'portal auth refresh-crls' has run; CA files may not.
    for index, name in enumerate(tenant.auth.trusted_ca_files):
        if not (path.parent / name).is_file():
            problems.append(f"{shown}: auth.trusted_ca_files.{index}: no file '{name}' in the tenant folder")
    return (None if problems else tenant), problems


def load_tenants(folder: Path | None = None, themes_dir: Path | None = None,
                 known_connectors: Iterable[str] | None = None) -> list[TenantConfig]:
    """Load every ``<folder>/*/tenant.yaml``; raise ``TenantConfigError`` listing all problems."""
    folder = Path(folder or default_tenants_dir())
    themes_dir = Path(themes_dir or default_themes_dir())
    known = list(known_connectors) if known_connectors is not None else None
    if not folder.is_dir():
        raise TenantConfigError([f"{_display(folder)}: no such tenants folder"])
    tenants: list[TenantConfig] = []
    problems: list[str] = []
    owners: dict[str, Path] = {}
    for path in sorted(folder.glob("*/tenant.yaml")):
        tenant, found = load_tenant(path, themes_dir, known)
        problems.extend(found)
        if tenant is None:
            continue
        for host in tenant.hostnames:
            if host in owners:
                problems.append(f"{_display(path)}: hostnames: '{host}' is also used by {_display(owners[host])}")
            else:
                owners[host] = path
        tenants.append(tenant)
    if not tenants and not problems:
        problems.append(f"{_display(folder)}: no tenant folders (expected <id>/tenant.yaml)")
    if problems:
        raise TenantConfigError(problems)
    return sorted(tenants, key=lambda t: t.id)


def _display(path: Path) -> str:
    """Show paths relative to the working directory when inside it (shorter messages)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
