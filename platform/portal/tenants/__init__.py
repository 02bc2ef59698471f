"""Tenants: one hospital each, described by ``tenants/<id>/tenant.yaml``.

``load_tenants()`` reads every tenant folder, validates it against the schema in
``schema.py`` and returns frozen objects; any error stops start-up with the file and
the key named (``TenantConfigError``).
"""
from .loader import TenantConfigError, default_tenants_dir, load_tenant, load_tenants
from .schema import TenantConfig

__all__ = ["TenantConfig", "TenantConfigError", "default_tenants_dir", "load_tenant", "load_tenants"]
