"""Finding and building connectors by entry-point name."""
from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

GROUP = "portal.connectors"
#: Entry points giving each connector's contract-suite fixture (see portal.epd.testing).
TESTING_GROUP = "portal.connector_tests"

M = TypeVar("M", bound=BaseModel)


class ConnectorError(Exception):
    """A connector cannot be found or built (message names the connector)."""


def available_connectors() -> dict[str, Any]:
    """Entry-point name -> entry point, for every registered connector."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def connector_class(name: str) -> Any:
    eps = available_connectors()
    if name not in eps:
        raise ConnectorError(f"unknown connector '{name}' (registered: {', '.join(sorted(eps)) or 'none'})")
    return eps[name].load()


def build_connector(tenant, settings) -> Any:
    """Build the tenant's connector from its YAML block.

    The class must offer ``from_config(tenant, settings)`` (``settings`` being the
    process-wide ``portal.settings.Settings``): it validates its own settings with
    ``parse_settings`` and returns a ready instance. Its ``ValueError`` (naming
    ``connector.settings.<key>``) becomes a ``ConnectorError`` that names the tenant too.
    """
    cls = connector_class(tenant.connector.name)
    try:
        return cls.from_config(tenant, settings)
    except ValueError as exc:
        # A bad or missing connector setting, secret variable or file: name where it is.
        folder = getattr(tenant, "folder", "") or "."
        raise ConnectorError(f"tenant '{tenant.id}' ({folder}/tenant.yaml): {exc}") from None


def parse_settings(model: type[M], raw: Mapping[str, Any]) -> M:
    """Validate a tenant's ``connector.settings`` block with the connector's pydantic model.

    The model should forbid extra keys (``ConfigDict(extra="forbid")``). Raises ``ValueError``
    whose message names every problem as ``connector.settings.<key>: <message>``.
    """
    try:
        return model.model_validate(dict(raw))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"]) or "(block)"
            message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"connector.settings.{key}: {message}")
        raise ValueError("; ".join(problems)) from None
