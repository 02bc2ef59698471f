"""Zorgverlenersportaal: the provider portals of Dutch hospitals from one codebase.

``portal.platform.create_platform()`` builds every tenant's app behind a host dispatcher;
``portal.app.create_app(tenant, platform)`` builds one hospital's Flask app.
"""
__version__ = "0.1.0"
