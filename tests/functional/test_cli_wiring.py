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
    assert "demo" in registered and "demo" in cli.commands
    assert "portal_connectors" not in Path(core_cli.__file__).read_text()
