"""Who may call the inzagelog API: rate-limited per address, every refused call audited, the
bearer token strong and compared in constant time, and client certificates (mutual TLS
through the proxy) as the stronger way in."""
from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditRecord
from portal.settings import SettingsError
from support.identifiers import make_bsn
from support.inzagelog_api import api_access, strong_token
from support.tls import make_client_certificate

TODAY = datetime.now(timezone.utc).date()
PERIOD = {"from": (TODAY - timedelta(days=1)).isoformat(), "to": (TODAY + timedelta(days=1)).isoformat()}
HEADER = "X-SSL-Client-Cert"


@pytest.fixture(scope="module")
def patient_portal(tmp_path_factory):
    """The hospital's patient portal's client certificate, and one of another system."""
    root = tmp_path_factory.mktemp("api-clients")
    return make_client_certificate(root / "pp", "Patientenportaal ZGT"), make_client_certificate(root / "x", "Ander")


def newest_seq(platform, tenant_id: str) -> int:
    with platform.database.session() as session:
        return session.scalar(select(func.max(AuditRecord.seq)).where(AuditRecord.tenant_id == tenant_id)) or 0


def records_after(platform, tenant_id: str, seq: int) -> list[AuditRecord]:
    with platform.database.session() as session:
        return session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == tenant_id, AuditRecord.seq > seq)
                               .order_by(AuditRecord.seq)).all()


def call(client, body=None, token: str | None = None, cert: str | None = None, address: str = "127.0.0.1"):
    headers = {}
    if token is not None:
        headers["Authorization"] = token if " " in token else f"Bearer {token}"
    if cert is not None:
        headers[HEADER] = quote(cert, safe="")
    return client.post("/api/inzagelog", json={"bsn": make_bsn(), **PERIOD} if body is None else body,
                       headers=headers, environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("tenant_id", ["zgt"])
@pytest.mark.parametrize("weak", ["short", "t" * 64, "abcdefgh" * 10, "0123456789" * 7,
                                  secrets.token_hex(31), secrets.token_urlsafe(31)])
def test_a_weak_token_stops_the_start_naming_the_variable(platform, app, monkeypatch, weak):
    from portal.app import create_app

    tenant = app.extensions["portal.tenant"]
    monkeypatch.setenv("PORTAL_ZGT_INZAGELOG_TOKEN", weak)
    with pytest.raises(SettingsError) as refused:
        create_app(tenant, platform)
    message = str(refused.value)
    assert "PORTAL_ZGT_INZAGELOG_TOKEN" in message and "audit.api_token_env" in message and "32 bytes" in message
    assert weak not in message  # the value itself is never printed


@pytest.mark.parametrize("tenant_id", ["zgt"])
@pytest.mark.parametrize("strong", [secrets.token_urlsafe(32), secrets.token_hex(32)])
def test_a_strong_token_starts(platform, app, monkeypatch, strong):
    from portal.app import create_app

    monkeypatch.setenv("PORTAL_ZGT_INZAGELOG_TOKEN", strong)
    create_app(app.extensions["portal.tenant"], platform)


@pytest.mark.parametrize("tenant_id", ["zgt"])
def test_tokens_are_compared_in_constant_time(client, app, monkeypatch):
    """Every comparison goes through hmac.compare_digest, over digests of one length, so
    neither the token's content nor its length shows in the answer's timing."""
    from portal.audit import api_auth

    token = strong_token()
    api_access(monkeypatch, app, token=token)
    compared = []
    real = api_auth.hmac.compare_digest
    monkeypatch.setattr(api_auth.hmac, "compare_digest", lambda a, b: compared.append((len(a), len(b))) or real(a, b))
    for given in ("x", token[:-1], token + "x" * 100, token):
        call(client, token=given)
    assert compared == [(32, 32)] * 4


@pytest.mark.parametrize("tenant_id", ["zgt"])
def test_every_refused_call_is_audited_and_names_no_patient(client, app, platform, monkeypatch):
    token = strong_token()
    api_access(monkeypatch, app, token=token)
    bsn = make_bsn()
    cases = [  # (how it is called, status, code, outcome, caller named)
        (dict(token=None), 401, "token_missing", "denied", None),
        (dict(token="Bearer wrong"), 401, "token_invalid", "denied", None),
        (dict(token=f"Basic {token}"), 401, "token_missing", "denied", None),
        (dict(token=token + "x"), 401, "token_invalid", "denied", None),
        (dict(token=token, body=["999990019"]), 400, "request_invalid", "failure", "patiëntenportaal (inzagelog-API)"),
        (dict(token=token, body={"bsn": "123456789", **PERIOD}), 400, "request_invalid", "failure",
         "patiëntenportaal (inzagelog-API)"),
    ]
    for how, status, code, outcome, caller in cases:
        start = newest_seq(platform, "zgt")
        how.setdefault("body", {"bsn": bsn, **PERIOD})
        response = call(client, **how)
        assert response.status_code == status, how
        assert response.get_json()["resourceType"] == "OperationOutcome"
        (entry,) = records_after(platform, "zgt", start)
        assert (entry.action, entry.outcome, entry.user_name, entry.user_uzi, entry.patient_bsn) == (
            "export", outcome, caller, None, None), how
        assert json.loads(entry.details) == {"api": "inzagelog", "code": code}, how
        assert entry.network_address == "127.0.0.1"


@pytest.mark.parametrize("tenant_id", ["zgt"])
def test_calls_are_limited_per_address_and_a_flood_is_logged_once(client, app, platform, monkeypatch, db_session):
    token = strong_token()
    api_access(monkeypatch, app, token=token, limit=(3, 60))
    start = newest_seq(platform, "zgt")
    statuses = [call(client, token=token, address="198.51.100.60").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = [call(client, token=token, address="198.51.100.60") for _ in range(5)]
    assert {r.status_code for r in refused} == {429}
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    assert refused[0].get_json()["issue"][0]["code"] == "throttled"
    # Guessing tokens counts the same: an unknown caller gets no more tries.
    assert call(client, token="wrong", address="198.51.100.60").status_code == 429
    # Another address has its own allowance.
    assert call(client, token=token, address="198.51.100.61").status_code == 200
    logged = [json.loads(r.details)["code"] for r in records_after(platform, "zgt", start) if r.outcome == "denied"]
    assert logged == ["rate_limited"]


@pytest.mark.parametrize("tenant_id", ["zgt"])
def test_the_patient_portals_client_certificate_through_the_proxy(client, app, platform, patient_portal, monkeypatch,
                                                                  uzi_authority, card_key):
    ours, other = patient_portal
    api_access(monkeypatch, app, certificates={"Patiëntenportaal ZGT": ours.sha256}, proxies=("127.0.0.1/32",))
    start = newest_seq(platform, "zgt")
    answer = call(client, cert=ours.pem)
    assert answer.status_code == 200, answer.get_json()
    success = records_after(platform, "zgt", start)[-1]
    assert (success.outcome, success.user_name) == ("success", "Patiëntenportaal ZGT")

    uzi_card = uzi_authority.issue("900123456", role="01.015", key=card_key).certificate_pem
    for how, code in [(dict(cert=other.pem), "certificate_unknown"),
                      (dict(cert=uzi_card), "certificate_unknown"),      # a GP's card is no API client
                      (dict(), "certificate_missing"),
                      (dict(cert="-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"),
                       "certificate_invalid"),
                      (dict(cert=ours.pem, address="192.0.2.7"), "certificate_untrusted_proxy")]:
        start = newest_seq(platform, "zgt")
        answer = call(client, **how)
        assert answer.status_code == 403, code
        (entry,) = records_after(platform, "zgt", start)
        assert (entry.outcome, entry.user_name, json.loads(entry.details)["code"]) == ("denied", None, code)


@pytest.mark.parametrize("tenant_id", ["zgt"])
def test_with_token_and_certificate_both_are_needed(client, app, patient_portal, monkeypatch):
    ours, _ = patient_portal
    token = strong_token()
    api_access(monkeypatch, app, token=token, certificates={"Patiëntenportaal ZGT": ours.sha256},
               proxies=("127.0.0.1/32",))
    assert call(client, cert=ours.pem).status_code == 401
    assert call(client, token=token).status_code == 403
    assert call(client, token=token, cert=ours.pem).status_code == 200


@pytest.mark.parametrize("tenant_id", ["mst"])
def test_a_tenant_may_use_client_certificates_alone(client, app, patient_portal, monkeypatch):
    ours, _ = patient_portal
    api_access(monkeypatch, app, certificates={"Patiëntenportaal MST": ours.sha256}, proxies=("127.0.0.1/32",))
    assert call(client, cert=ours.pem).status_code == 200
    assert call(client, token=strong_token()).status_code == 403


def test_fingerprints_in_the_yaml_are_checked():
    from pydantic import ValidationError

    from portal.tenants.schema import ApiClientCertificate

    colons = ":".join(["AB"] * 32)
    assert ApiClientCertificate(name="PP", sha256=colons).sha256 == "ab" * 32
    for bad in ("ab" * 31, "zz" * 32, ""):
        with pytest.raises(ValidationError):
            ApiClientCertificate(name="PP", sha256=bad)


def test_an_expired_certificate_is_refused(tmp_path: Path, monkeypatch):
    """The pinned certificate must also be valid now (checked without a request)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from flask import Flask

    from portal.audit import api_auth

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PP")])
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=10)
    expired = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(1).not_valid_before(past).not_valid_after(past + dt.timedelta(days=1))
               .sign(key, hashes.SHA256()))
    access = api_auth.ApiAccess(certificates={expired.fingerprint(hashes.SHA256()).hex(): "PP"})
    pem = expired.public_bytes(serialization.Encoding.PEM).decode()
    with Flask("t").test_request_context(headers={HEADER: quote(pem, safe="")},
                                         environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        with pytest.raises(api_auth.ApiRefused) as refused:
            api_auth._certificate_client(access, ("127.0.0.1/32",))
    assert refused.value.code == "certificate_expired"
