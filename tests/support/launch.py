"""Launches as a HIS makes them, for the launch tests: keys the tests make, a JWKS file the
tenant trusts, signed contexts with the Twente (HINQ) claim names, and the tenant copies
that trust them."""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey
from sqlalchemy import select

from .browser import copy_tenants

ISSUER = "urn:test:his-twente"
ISSUER_NAME = "Test-HIS Twente"
JWKS_FILE = "launch-his.jwks.json"
#: The BSN of nobody in any demo EPD (passes the 11-proef; 9999xxxxx test range).
UNKNOWN_BSN = "999999990"


class HisKeys:
    """An RSA and an EC key of the test HIS (public halves in ``jwks``), and a stranger's key."""

    def __init__(self) -> None:
        self.rsa = RSAKey.generate_key(2048, parameters={"kid": "his-rsa-1"}, private=True)
        self.ec = ECKey.generate_key("P-256", parameters={"kid": "his-ec-1"}, private=True)
        self.stranger = RSAKey.generate_key(2048, parameters={"kid": "his-rsa-1"}, private=True)

    @property
    def jwks(self) -> dict:
        return KeySet([RSAKey.import_key(self.rsa.as_dict(private=False)),
                       ECKey.import_key(self.ec.as_dict(private=False))]).as_dict(private=False)

    def sign(self, claims: dict, alg: str = "RS256", kid: str | None = "his-rsa-1", key=None) -> str:
        if key is None:
            key = self.ec if alg == "ES256" else self.rsa
        header = {"alg": alg, "typ": "JWT"}
        if kid is not None:
            header["kid"] = kid if alg != "ES256" or kid != "his-rsa-1" else "his-ec-1"
        return jwt.encode(header, claims, key, algorithms=[alg])


def claims(*, uzi: str | None, bsn: str, audience: str = "https://zorgverleners.zgt.nl", lifetime: int = 120,
           **extra) -> dict:
    """A signed context's claims as a Twente HIS sends them; ``extra`` adds or replaces."""
    now = int(time.time())
    values = {"iss": ISSUER, "aud": audience, "iat": now, "exp": now + lifetime, "jti": str(uuid.uuid4()),
              "user-uzi": uzi, "org-agb": "01999999", "patient-bsn": bsn, "dest": "patientinformatie"}
    values.update(extra)
    return {k: v for k, v in values.items() if v is not None}


def launch_tenants(target: Path, keys: HisKeys, overrides: dict | None = None, smart: list[dict] | None = None) -> Path:
    """The repository's tenants (as development runs them) trusting the test HIS, its JWKS in
    each tenant folder."""
    launch = {"signed": [{"name": ISSUER_NAME, "issuer": ISSUER, "jwks_file": JWKS_FILE}], "smart": smart or []}
    copy_tenants(target, {**(overrides or {}), "launch": launch})
    for folder in target.iterdir():
        if folder.is_dir():
            (folder / JWKS_FILE).write_text(json.dumps(keys.jwks), encoding="utf-8")
    return target


def last_launch_record(platform, tenant_id: str):
    """The newest audit record of ``tenant_id`` that names a launch, with its details as a dict."""
    from portal.audit.models import AuditRecord

    with platform.database.session() as session:
        for record in session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == tenant_id)
                                      .order_by(AuditRecord.seq.desc()).limit(20)):
            details = json.loads(record.details)
            if details.get("route") == "launch":
                return record, details
    return None, {}


def post_launch(client, token: str, **headers):
    """The HIS's auto-submitting form: a cross-site POST of ``jwt`` without any CSRF token."""
    return client.post("/launch", data={"jwt": token},
                       headers={"Origin": "https://his.example", "Sec-Fetch-Site": "cross-site", **headers})


class HostClient(FlaskClient):
    """A test client addressing one tenant by its ``<id>.localhost`` host (as the suite's
    ``client`` fixture does), for apps of platforms the launch tests build themselves."""

    host = "localhost"

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", f"http://{self.host}")
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)

    def session_transaction(self, *args, **kwargs):
        kwargs.setdefault("base_url", f"http://{self.host}")
        return super().session_transaction(*args, **kwargs)


def client_of(platform, tenant_id: str = "zgt") -> HostClient:
    app = platform.apps[tenant_id]
    client = HostClient(app, app.response_class, use_cookies=True)
    client.host = f"{tenant_id}.localhost"
    return client
