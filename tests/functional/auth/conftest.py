"""Tenants that trust the tests' own UZI CA (``uzi_authority``), served from a temporary
tenants folder on the same test database, plus helpers to run the challenge exchange."""
from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization

from portal.platform import create_platform
from portal.settings import Settings
from portal_uzi_login.message import signed_message

REPO = Path(__file__).resolve().parents[3]


def _tenant(tenant_id: str, **auth) -> dict:
    return {
        "id": tenant_id, "display_name": f"Testziekenhuis {tenant_id}", "short_name": tenant_id.upper(),
        "hostnames": [f"{tenant_id}.localhost"], "theme": "zgt",
        "branding": {"logo": "logo.svg", "logo_alt": tenant_id},
        "helpdesk": {"name": "Testhelpdesk", "email": f"helpdesk@{tenant_id}.example"},
        "menus": ["patient_search"], "connector": {"name": "demo", "settings": {"seed": 3}},
        "auth": {"trusted_ca_files": ["uzi/ca.pem"], "crl_files": ["uzi/issuing.crl"],
                 "trusted_proxies": ["127.0.0.1/32"], **auth},
        "sessions": {"idle_timeout_minutes": 15, "absolute_lifetime_hours": 12},
    }


@pytest.fixture(scope="session")
def uzi_platform(platform, settings, uzi_authority, tmp_path_factory):
    """Tenants ``tst`` and ``tst2`` trusting the test CA, with a current (empty) CRL."""
    root = tmp_path_factory.mktemp("uzi-tenants")
    tenants = root / "tenants"
    for tenant_id in ("tst", "tst2"):
        folder = tenants / tenant_id / "uzi"
        folder.mkdir(parents=True)
        # The issuing UZI CA itself is trusted (the proxy forwards the card certificate only).
        (folder / "ca.pem").write_bytes(uzi_authority.issuing.public_bytes(serialization.Encoding.PEM)
                                        + uzi_authority.root.public_bytes(serialization.Encoding.PEM))
        (folder / "issuing.crl").write_bytes(uzi_authority.crl().public_bytes(serialization.Encoding.PEM))
        (tenants / tenant_id / "tenant.yaml").write_text(yaml.safe_dump(_tenant(tenant_id)))
    test_settings = Settings.from_env(environment="testing", database_url=settings.database_url,
                                      instance_dir=root / "instance", tenants_dir=tenants,
                                      themes_dir=REPO / "themes")
    uzi = create_platform(test_settings)
    yield uzi
    uzi.database.dispose()


@pytest.fixture
def gp(make_account):
    """An active huisarts account at tenant tst."""
    return make_account(tenant_id="tst", role="01.015")


@pytest.fixture
def card(uzi_authority, card_key, gp):
    """The authentication certificate of ``gp``'s card, from the test CA."""
    return uzi_authority.issue(gp.uzi_number, role="01.015", name=gp.name, key=card_key)


@pytest.fixture
def tst_app(uzi_platform):
    return uzi_platform.apps["tst"]


def _client_for(app):
    client = app.test_client()
    return client


class Exchange:
    """The browser/helper side of ``/login/uzi/challenge`` and ``/login/uzi/response``."""

    def __init__(self, client):
        self.client = client
        html = client.get("/login").get_data(as_text=True)
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        self.tenant_id = client.application.extensions["portal.tenant"].id

    def challenge(self) -> str:
        response = self.client.post("/login/uzi/challenge", headers={"X-CSRFToken": self.csrf})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["challenge"]

    #: The portal's origin as the test client reaches it (werkzeug's default base URL).
    origin = "http://localhost"

    def respond(self, card, challenge: str | None = None, *, signed: bytes | None = None, **overrides):
        challenge = challenge or self.challenge()
        message = signed if signed is not None else signed_message(self.origin, self.tenant_id, challenge)
        payload = {"challenge": challenge, "certificate": card.certificate_pem, "chain": card.chain_pem,
                   "signature": base64.b64encode(card.sign(message)).decode("ascii"), **overrides}
        return self.client.post("/login/uzi/response", json=payload, headers={"X-CSRFToken": self.csrf})


@pytest.fixture
def client_for():
    """``client_for(app)``: a fresh test client (its own browser session)."""
    return _client_for


@pytest.fixture
def exchange():
    """``exchange(client)``: the challenge/response exchange of that client."""
    return Exchange
