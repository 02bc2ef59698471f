"""Reading and validating tenant folders.

Contract: ``load_tenants(folder, themes_dir)`` returns the tenants sorted by id, or raises
``TenantConfigError`` whose ``problems`` lists every problem as ``<file>: <key>: <message>``.
Connector names are checked against the registered entry points by the caller that knows
them (``portal.app``), through the ``known_connectors`` argument.

The development overlay: with ``overlay=True`` (``Settings.development_overlay``: PORTAL_ENV
development or testing) a ``tenant.development.yaml`` next to a tenant.yaml is merged over
it (``merge_overlay``), so the shipped tenant.yaml holds production settings only and the
demo connector, demo login and development hostnames live in the overlay. Without
``overlay`` the file is never opened. A problem in a key the overlay set names the overlay.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import ValidationError

from .schema import TenantConfig

REPO_ROOT = Path(__file__).resolve().parents[3]
TENANT_FILE = "tenant.yaml"
#: The development overlay, next to tenant.yaml (see the module docstring).
OVERLAY_FILE = "tenant.development.yaml"
CONNECTOR_KEY = "connector"


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


def _read_mapping(path: Path) -> tuple[dict | None, list[str]]:
    """The YAML mapping in ``path``, or None and the problems naming the file."""
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
    return raw, []


def merge_overlay(base: dict, overlay: dict) -> dict:
    """``overlay`` over ``base`` (neither is changed): mappings merge key by key, anything
    else (lists, numbers, text) is replaced. ``connector`` is replaced whole: its settings
    belong to the connector it names, so none of the shipped connector's may leak in."""
    merged = _merge_mappings(base, {key: value for key, value in overlay.items() if key != CONNECTOR_KEY})
    if CONNECTOR_KEY in overlay:
        merged[CONNECTOR_KEY] = overlay[CONNECTOR_KEY]
    return merged


def _merge_mappings(base: dict, overlay: dict) -> dict:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_mappings(merged[key], value)
        else:
            merged[key] = value
    return merged


def tenant_document(folder: Path, overlay: bool = False) -> dict:
    """The tenant YAML of ``folder`` as a mapping, the development overlay merged when
    ``overlay``: for tools that write a changed copy of a tenant (tests, benchmarks).
    Raises ``TenantConfigError`` naming the file when either cannot be read."""
    raw, problems = _read_mapping(Path(folder) / TENANT_FILE)
    if raw is not None and overlay:
        extra, problems = _overlay(Path(folder) / OVERLAY_FILE)
        raw = merge_overlay(raw, extra or {})
    if problems or raw is None:
        raise TenantConfigError(problems)
    return raw


def _overlay(path: Path) -> tuple[dict | None, list[str]]:
    """The overlay's mapping ({} when there is no overlay), or None and its problems."""
    if not path.exists():
        return {}, []
    raw, problems = _read_mapping(path)
    if raw is not None and "id" in raw:
        return None, [f"{_display(path)}: id: the overlay cannot change the tenant's id"]
    return raw, problems


def _set_by(overlay: dict, loc: Iterable[object]) -> bool:
    """Whether the overlay set the value at ``loc``: a value it gave, or one inside a list
    or a connector it replaced. A mapping both files fill counts as the tenant.yaml's."""
    loc = list(loc)
    if loc and loc[0] == CONNECTOR_KEY and CONNECTOR_KEY in overlay:
        return True
    node: object = overlay
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return node is not overlay and not isinstance(node, dict)
    return not isinstance(node, dict)


def load_tenant(path: Path, themes_dir: Path, known_connectors: Iterable[str] | None = None,
                overlay: bool = False) -> tuple[TenantConfig | None, list[str]]:
    """Validate one ``tenant.yaml`` (with its development overlay when ``overlay``);
    returns the config (or None) and the problems found."""
    raw, problems = _read_mapping(path)
    extra: dict | None = {}
    if overlay:
        extra, found = _overlay(path.parent / OVERLAY_FILE)
        problems += found
    if raw is None or extra is None:
        return None, problems
    merged = merge_overlay(raw, extra)

    def shown(*loc: object) -> str:
        """The file that set the value at ``loc``."""
        return _display(path.parent / OVERLAY_FILE if extra and _set_by(extra, loc) else path)

    try:
        tenant = TenantConfig.model_validate({**merged, "folder": str(path.parent)})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"{shown(*err['loc'])}: {_key_path(err['loc'])}: {message}")
        return None, problems
    problems = []
    if tenant.id != path.parent.name:
        problems.append(f"{shown('id')}: id: '{tenant.id}' differs from the folder name '{path.parent.name}'")
    theme_dir = themes_dir / tenant.theme
    if not (theme_dir / "theme.css").is_file():
        problems.append(f"{shown('theme')}: theme: no theme '{tenant.theme}' "
                        f"(expected {_display(theme_dir / 'theme.css')})")
    elif not (theme_dir / tenant.branding.logo).is_file():
        problems.append(f"{shown('branding', 'logo')}: branding.logo: no file '{tenant.branding.logo}' "
                        f"in theme '{tenant.theme}'")
    if known_connectors is not None and tenant.connector.name not in set(known_connectors):
        known = ", ".join(sorted(known_connectors)) or "none"
        problems.append(f"{shown('connector', 'name')}: connector.name: unknown connector '{tenant.connector.name}' "
                        f"(registered: {known})")
    # CRL files may be absent until 'portal auth refresh-crls' has run (production refuses
    # to start without them: portal.production); CA files may not.
    for index, name in enumerate(tenant.auth.trusted_ca_files):
        if not (path.parent / name).is_file():
            problems.append(f"{shown('auth', 'trusted_ca_files', index)}: auth.trusted_ca_files.{index}: "
                            f"no file '{name}' in the tenant folder")
    return (None if problems else tenant), problems


def load_tenants(folder: Path | None = None, themes_dir: Path | None = None,
                 known_connectors: Iterable[str] | None = None, *, overlay: bool = False) -> list[TenantConfig]:
    """Load every ``<folder>/*/tenant.yaml``; raise ``TenantConfigError`` listing all problems.

    ``overlay``: merge each tenant's ``tenant.development.yaml`` (development and testing
    only; pass ``settings.development_overlay``). Off by default: a caller that forgets it
    gets the production tenants."""
    folder = Path(folder or default_tenants_dir())
    themes_dir = Path(themes_dir or default_themes_dir())
    known = list(known_connectors) if known_connectors is not None else None
    if not folder.is_dir():
        raise TenantConfigError([f"{_display(folder)}: no such tenants folder"])
    tenants: list[TenantConfig] = []
    problems: list[str] = []
    owners: dict[str, Path] = {}
    for path in sorted(folder.glob(f"*/{TENANT_FILE}")):
        tenant, found = load_tenant(path, themes_dir, known, overlay)
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
