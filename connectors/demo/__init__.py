"""The embedded demo EPD (synthetic Dutch hospital data)."""
from __future__ import annotations


class DemoConnector:
    """Placeholder until the demo EPD lands: knows its settings, serves no data yet."""

    def __init__(self, tenant_id: str, seed: int):
        self.tenant_id = tenant_id
        self.seed = seed

    @classmethod
    def from_config(cls, tenant, settings) -> "DemoConnector":
        options = dict(tenant.connector.settings)
        seed = options.pop("seed", 1)
        if options:
            raise ValueError(f"connector.settings: unknown key(s) {', '.join(sorted(options))}")
        return cls(tenant.id, int(seed))
