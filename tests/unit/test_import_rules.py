"""What each package may import (docs/architecture.md, "Import rules"), enforced.

Read from the source with ``ast``; imports under ``if TYPE_CHECKING:`` are annotations
only and do not count.
"""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: The manual's screens: each may use the foundation and the door, never another screen.
SCREENS = frozenset({"search", "patient", "care_events", "record", "results", "orders", "printing", "launch",
                     "worklist"})
#: The one door every patient route passes (imported by screens, importing none of them).
DOOR = frozenset({"access"})
#: What builds and runs the apps (and the schema: migrations read every model): it may import everything.
ROOTS = frozenset({"app", "platform", "cli", "wsgi", "__main__", "models", "migrations"})
#: The hospital's back office: a second app over the same data. It works the door's and the
#: screens' queues (noodprocedures, death notifications), so it may import the door and a
#: screen's ``models``, never a screen's views; only the roots import it.
BACKOFFICE = frozenset({"backoffice"})
#: Everything else is foundation: it never imports the door, a screen or a root.
#: A feature's ``cli.py`` may use the root CLI's helpers (``portal.cli``).
CONNECTOR_ALLOWED = ("portal.epd", "portal.clock")
#: Connector modules that plug into the portal's own machinery rather than the EPD contract.
CONNECTOR_PLUGINS = frozenset({"cli.py", "accounts.py", "testing.py"})


def _imports(path: Path, package_parts: list[str]) -> list[str]:
    """Absolute module names imported by ``path`` (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden.update(id(child) for child in ast.walk(node))
    names = []
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[:len(package_parts) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                names += [f"{module}.{alias.name}" if not node.module else module for alias in node.names]
            elif node.module:
                names.append(node.module)
    return names


def violations(source_root: Path, top: str = "portal") -> list[str]:
    """Every import of the ``top`` package under ``source_root`` that breaks a rule."""
    found = []
    for path in sorted((source_root / top).rglob("*.py")):
        parts = list(path.relative_to(source_root).with_suffix("").parts)
        package_parts = parts[:-1]  # what a relative import starts from
        own = parts[1] if len(parts) > 1 else ""
        for name in _imports(path, package_parts):
            pieces = name.split(".")
            if pieces[0] != top or len(pieces) < 2 or pieces[1] == own:
                continue
            target = pieces[1]
            where = f"{'/'.join(parts)}.py imports {name}"
            if own in ROOTS:
                continue
            if target in ROOTS and not (target == "cli" and path.name == "cli.py"):
                found.append(f"{where}: only the roots ({', '.join(sorted(ROOTS))}) build the app")
            elif target in BACKOFFICE:
                found.append(f"{where}: only the roots import the back office")
            elif own in BACKOFFICE:
                if target in SCREENS and pieces[2:3] != ["models"]:
                    found.append(f"{where}: the back office reads a screen's models, never its views")
            elif own in SCREENS and target in SCREENS:
                found.append(f"{where}: a screen never imports another screen")
            elif own not in SCREENS and target in SCREENS:
                found.append(f"{where}: only roots import a screen")
            elif own not in SCREENS | DOOR and target in DOOR:
                found.append(f"{where}: the foundation never imports the door (access)")
    return found


def connector_violations(connectors_root: Path) -> list[str]:
    """Connector modules importing anything of the portal but the EPD contract and the clock."""
    found = []
    for path in sorted(connectors_root.rglob("*.py")):
        if path.name in CONNECTOR_PLUGINS:
            continue
        for name in _imports(path, ["portal_connectors", *path.relative_to(connectors_root).parent.parts]):
            if name.split(".")[0] in ("flask", "flask_login", "flask_wtf"):
                found.append(f"{path.relative_to(connectors_root)} imports {name}: connectors never import Flask")
            elif name.startswith("portal.") and not name.startswith(CONNECTOR_ALLOWED):
                found.append(f"{path.relative_to(connectors_root)} imports {name}: only {', '.join(CONNECTOR_ALLOWED)}")
    return found


def test_the_portal_keeps_its_import_rules():
    assert violations(REPO / "platform") == []


def test_connectors_use_only_the_contract_and_the_clock():
    assert connector_violations(REPO / "connectors") == []


def test_the_check_catches_a_screen_importing_another(tmp_path):
    """Guards the rule itself: a screen reaching into another screen is reported."""
    for package in ("portal", "portal/record", "portal/results", "portal/access", "portal/core"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "portal/results/views.py").write_text("from ..record.pages import PAGES\nfrom ..access import guard\n")
    (tmp_path / "portal/core/x.py").write_text("from portal.access import guard\nfrom typing import TYPE_CHECKING\n"
                                                "if TYPE_CHECKING:\n    from portal.record import views\n")
    found = violations(tmp_path)
    assert any("results/views.py imports portal.record.pages: a screen never imports another screen" in v
               for v in found), found
    assert any("core/x.py imports portal.access: the foundation never imports the door" in v for v in found), found
    assert not any("portal.record.views" in v for v in found)  # annotations only
    assert not any("results/views.py imports portal.access" in v for v in found)  # the door is allowed


def test_the_back_office_reads_screen_models_only(tmp_path):
    for package in ("portal", "portal/backoffice", "portal/patient", "portal/core"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "portal/backoffice/views.py").write_text(
        "from ..patient.models import X\nfrom ..patient.views import bp\nfrom ..access import models\n")
    (tmp_path / "portal/core/x.py").write_text("from portal.backoffice import views\n")
    found = violations(tmp_path)
    assert any("backoffice/views.py imports portal.patient.views: the back office reads a screen's models" in v
               for v in found), found
    assert not any("portal.patient.models" in v or "portal.access" in v for v in found), found
    assert any("core/x.py imports portal.backoffice: only the roots import the back office" in v for v in found)
