"""Finding and building connectors by entry-point name."""
from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

GROUP = "portal.connectors"


class ConnectorError(Exception):
    """A connector cannot be found or built (message names the connector)."""


def available_connectors() -> dict[str, Any]:
    """Entry-point name -> entry point, for every registered connector."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def connector_class(name: str) -> type:
    eps = available_connectors()
    if name not in eps:
        raise ConnectorError(f"unknown connector '{name}' (registered: {', '.join(sorted(eps)) or 'none'})")
    return eps[name].load()


def build_connector(tenant, settings) -> Any:
    """Build the tenant's connector from its YAML block.

    The class must offer ``from_config(tenant, settings)``: it validates its own settings
    (raising ``ValueError`` with a message naming the key) and returns a ready instance.
    """
    cls = connector_class(tenant.connector.name)
    return cls.from_config(tenant, settings)
