"""The ``portal`` command: every tenant's routes, and connector commands from their entry
points (the core names no connector)."""
from importlib.metadata import entry_points
from pathlib import Path

import portal.cli as core_cli
from portal.cli import CONNECTOR_COMMANDS, cli
from support.cli import run_portal_cli


def test_routes_lists_every_tenants_routes(platform):
    result = run_portal_cli(platform, "routes")
    assert result.exit_code == 0, result.output
    lines = set(result.output.splitlines())
    assert "zgt\tGET\t/patientinformatie\tpatient.info" in lines
    assert "mst\tPOST\t/aanvragen/versturen\torders.submit" in lines
    assert not any(line.startswith("zgt\t") and "/aanvragen/" in line for line in lines)  # ZGT has no Aanvragen


def test_connector_commands_come_from_their_entry_point():
    registered = {entry.name for entry in entry_points(group=CONNECTOR_COMMANDS)}
    assert "demo" in registered and "demo" in cli.list_commands(None)
    assert cli.get_command(None, "demo").name == "demo"
    assert "portal_connectors" not in Path(core_cli.__file__).read_text()


def test_a_command_imports_only_its_own_group():
    """``portal audit ...`` from cron must not pay for importing every feature (~0.9 s)."""
    import subprocess
    import sys

    script = ("import sys, portal.cli as c; c.cli.get_command(None, 'tenants'); "
              "print(sorted(m for m in ('portal.platform', 'portal.audit.cli', 'alembic', 'portal.app') "
              "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", loaded
