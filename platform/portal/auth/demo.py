"""Demo login: demo cards for the active accounts of tenants with ``auth.demo_login``.

The demo CA lives in the instance folder (``demo-uzi/``) and is trusted only by demo
tenants, only outside production (start-up refuses ``demo_login`` in production). A
browser cannot hold the demo card's key, so the server signs the challenge on the card's
behalf; the login then goes through exactly the checks of a real card.
"""
from __future__ import annotations

import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask

from .. import context
from ..settings import SettingsError
from .cards import Card, UziAuthority, new_key, write_private

_lock = threading.Lock()


def check_demo_setting(tenant, settings) -> None:
    """Start-up check: production never runs a demo login."""
    if tenant.auth.demo_login and settings.production:
        raise SettingsError(f"tenant '{tenant.id}': auth.demo_login is true, which PORTAL_ENV=production refuses; "
                            "set it to false in tenant.yaml")


def demo_enabled(app: Flask) -> bool:
    tenant = context.tenant_of(app)
    return tenant.auth.demo_login and not context.platform_of(app).settings.production


def _folder(app: Flask) -> Path:
    return context.platform_of(app).settings.instance_dir / "demo-uzi"


def demo_authority(app: Flask) -> tuple[UziAuthority, rsa.RSAPrivateKey]:
    """The demo CA and the demo cards' key, created in the instance folder on first use."""
    cached = app.extensions.get("portal.auth.demo")
    if cached is not None:
        return cached
    folder = _folder(app)
    with _lock:
        if not (folder / "issuing.pem").exists():
            UziAuthority.create(name="DEMO").save(folder)
        if not (folder / "card.key").exists():
            write_private(folder / "card.key", new_key())
        authority = UziAuthority.load(folder)
        key = serialization.load_pem_private_key((folder / "card.key").read_bytes(), None)
    if not isinstance(key, rsa.RSAPrivateKey):  # a UZI-pas key is RSA-2048; anything else is not ours
        raise ValueError(f"{folder / 'card.key'} is not an RSA key")
    app.extensions["portal.auth.demo"] = (authority, key)
    return authority, key


def demo_anchors(app: Flask) -> tuple[x509.Certificate, ...]:
    if not demo_enabled(app):
        return ()
    return (demo_authority(app)[0].root,)


def demo_card(app: Flask, account) -> Card:
    """An authentication certificate for ``account``, as the UZI register would issue it."""
    authority, key = demo_authority(app)
    agb = account.agb_code if account.agb_code and len(account.agb_code) == 8 else "00000000"
    return authority.issue(account.uzi_number, role=account.role, card_type="Z", agb_code=agb,
                           name=account.name, key=key)
