"""The card helper is a package of its own: no Flask, no portal, installable alone on a PC."""
import ast
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PACKAGE = REPO / "uzi_login" / "portal_uzi_login"
#: What the helper may import besides the standard library and itself.
ALLOWED = {"click", "httpx", "cryptography", "pkcs11"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_it_imports_only_its_own_dependencies():
    imported = set().union(*(_imports(path) for path in PACKAGE.glob("*.py")))
    outside = {name for name in imported - ALLOWED if name not in sys.stdlib_module_names}
    assert outside == set(), f"portal_uzi_login imports {sorted(outside)}"


def test_it_runs_with_flask_and_the_portal_unimportable():
    """Every module imported and the command run, in a process where importing Flask or the
    portal fails."""
    script = (
        "import sys\n"
        "for name in ('flask', 'werkzeug', 'portal', 'sqlalchemy', 'jinja2'): sys.modules[name] = None\n"
        "import pkgutil, importlib, portal_uzi_login\n"
        "for info in pkgutil.iter_modules(portal_uzi_login.__path__):\n"
        "    if info.name != '__main__': importlib.import_module('portal_uzi_login.' + info.name)\n"
        "from portal_uzi_login.cli import main\n"
        "main(['serve', '--help'], standalone_mode=False)\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('flask', 'portal') and sys.modules[m]]\n"
        "print('loaded:', sorted(loaded))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--pin-timeout" in result.stdout and "loaded: []" in result.stdout


@pytest.mark.slow
def test_it_builds_as_a_distribution_of_its_own(tmp_path):
    """``pip wheel ./uzi_login`` gives a wheel holding the helper alone, with its command.
    (Built from a copy: a build leaves build/ and *.egg-info next to the sources. pip fetches
    the build backend, setuptools, from the package index.)"""
    source = tmp_path / "uzi_login"
    shutil.copytree(REPO / "uzi_login", source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path / "dist"),
         str(source)], capture_output=True, text=True, timeout=300, env={**os.environ, "PIP_NO_INPUT": "1"})
    unreachable = "No matching distribution" in result.stderr or "connection" in result.stderr.lower()
    if result.returncode != 0 and unreachable:
        pytest.skip("pip cannot fetch the build backend (setuptools) here: no package index reachable")
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("portal_uzi_login-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
        entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    code = {name for name in names if ".dist-info/" not in name}
    assert code == {f"portal_uzi_login/{path.name}" for path in PACKAGE.glob("*.py")}
    assert "portal-uzi-login = portal_uzi_login.cli:main" in entry_points
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert requires and not any("flask" in line.lower() for line in requires)
