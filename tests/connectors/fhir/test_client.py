"""The fhir connector's HTTP layer: paging, auth (OAuth2 client credentials, TLS client
certificates), timeouts and unusable answers. Real servers (the Medplum test server) except
where the test is about garbage no real server sends on purpose (httpx.MockTransport)."""
from __future__ import annotations

import datetime as dt
import threading

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from portal.epd.errors import EpdBadData, EpdTimeout, EpdUnavailable
from portal_connectors.fhir.client import FhirClient
from portal_connectors.fhir.settings import Settings
from portal_connectors.fhir.testing import FhirTestServer, connector_settings, node_problem


@pytest.fixture(scope="module")
def client(fhir_server):
    made = FhirClient(connector_settings(fhir_server, page_size=3))
    yield made
    made.close()


def test_search_follows_next_links_across_pages(fhir_server, client):
    paged = client.search("Observation", [("subject", "Patient/pt-jansen")])
    whole = FhirClient(connector_settings(fhir_server, page_size=500))
    try:
        single = whole.search("Observation", [("subject", "Patient/pt-jansen")])
    finally:
        whole.close()
    assert paged.complete and single.complete and len(single.matches) > 3 * 5
    assert sorted(r["id"] for r in paged.matches) == sorted(r["id"] for r in single.matches)


def test_search_stops_after_max_pages_and_says_so(fhir_server):
    limited = FhirClient(connector_settings(fhir_server, page_size=2, max_pages=2))
    try:
        result = limited.search("Observation", [("subject", "Patient/pt-jansen")])
    finally:
        limited.close()
    assert not result.complete and len(result.matches) == 4


def test_read_of_a_missing_resource_is_none(client):
    assert client.read("Patient", "no-such-patient") is None
    assert client.read_reference("Practitioner/does-not-exist") is None
    assert client.read_reference("#contained") is None


def test_gather_runs_calls_at_the_same_time(client):
    inside, most, lock = [0], [0], threading.Lock()
    release = threading.Barrier(3, timeout=10)

    def call():
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        release.wait()  # only returns when three calls are running together
        with lock:
            inside[0] -= 1
        return True

    assert client.gather({"a": call, "b": call, "c": call}) == {"a": True, "b": True, "c": True}
    assert most[0] == 3


def test_gather_raises_the_first_error_after_all_calls_ended(client):
    ended = []

    def slow():
        ended.append("slow")
        return 1

    def broken():
        raise EpdBadData("broken")

    with pytest.raises(EpdBadData):
        client.gather({"x": broken, "y": slow})
    assert ended == ["slow"]


def test_server_not_listening_is_unavailable():
    closed = FhirClient(Settings(base_url="http://127.0.0.1:9/fhir", patient_number_system="urn:x",
                                 connect_timeout_seconds=1))
    try:
        with pytest.raises(EpdUnavailable):
            closed.read("Patient", "x")
    finally:
        closed.close()


@pytest.fixture(scope="module")
def slow_server():
    if node_problem():
        pytest.skip(node_problem())
    with FhirTestServer.start("--delay-ms", "1500") as server:
        yield server


def test_a_slow_server_times_out(slow_server):
    slow = FhirClient(connector_settings(slow_server, timeout_seconds=0.3))
    try:
        with pytest.raises(EpdTimeout):
            slow.read("Patient", "pt-jansen")
    finally:
        slow.close()


# --------------------------------------------------------------------------- garbage answers


def _mocked(handler) -> FhirClient:
    settings = Settings(base_url="http://fhir.test/R4", patient_number_system="urn:x")
    return FhirClient(settings, transport=httpx.MockTransport(handler))


@pytest.mark.parametrize("answer, error", [
    (httpx.Response(200, text="<html>maintenance</html>"), EpdBadData),
    (httpx.Response(200, json=["not", "a", "resource"]), EpdBadData),
    (httpx.Response(200, json={"resourceType": "Patient", "id": "x"}), EpdBadData),
    (httpx.Response(503, text="down"), EpdUnavailable),
    (httpx.Response(401, json={}), EpdUnavailable),
    (httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset", "entry": [],
                               "link": [{"relation": "next", "url": "http://elsewhere.test/R4/Patient?page=2"}]}),
     EpdBadData),
])
def test_unusable_answers_raise_contract_errors(answer, error):
    client = _mocked(lambda request: answer)
    try:
        with pytest.raises(error) as raised:
            client.search("Patient", [("identifier", "urn:x|123")])
    finally:
        client.close()
    assert "123" not in str(raised.value)  # messages never carry the query (patient data)


# --------------------------------------------------------------------------- OAuth2 client credentials


@pytest.fixture(scope="module")
def oauth_server(monkeypatch_module):
    if node_problem():
        pytest.skip(node_problem())
    monkeypatch_module.setenv("TEST_FHIR_SERVER_SECRET", "s3cret-for-tests")
    with FhirTestServer.start("--token-client-id", "portal",
                              "--token-client-secret-env", "TEST_FHIR_SERVER_SECRET") as server:
        yield server


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_oauth2_client_credentials(oauth_server, monkeypatch, method):
    monkeypatch.setenv("PORTAL_TEST_FHIR_SECRET", "s3cret-for-tests")
    settings = connector_settings(oauth_server, auth={
        "method": "oauth2_client_credentials", "token_url": oauth_server.base_url + "/token", "client_id": "portal",
        "client_secret_env": "PORTAL_TEST_FHIR_SECRET", "token_auth_method": method})
    client = FhirClient(settings)
    try:
        assert client.capabilities()["resourceType"] == "CapabilityStatement"
        assert client.search("Patient", [("_count", "1")]).matches == []  # authorised (the server is empty)
    finally:
        client.close()


def test_oauth2_wrong_secret_or_no_auth_is_refused(oauth_server, monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_FHIR_SECRET", "wrong")
    wrong = FhirClient(connector_settings(oauth_server, auth={
        "method": "oauth2_client_credentials", "token_url": oauth_server.base_url + "/token", "client_id": "portal",
        "client_secret_env": "PORTAL_TEST_FHIR_SECRET"}))
    anonymous = FhirClient(connector_settings(oauth_server))
    try:
        with pytest.raises(EpdUnavailable, match="token endpoint"):
            wrong.read("Patient", "x")
        with pytest.raises(EpdUnavailable, match="credentials"):
            anonymous.read("Patient", "x")
    finally:
        wrong.close()
        anonymous.close()


def test_missing_secret_variable_is_a_configuration_error(oauth_server, monkeypatch):
    monkeypatch.delenv("PORTAL_TEST_FHIR_SECRET", raising=False)
    with pytest.raises(ValueError, match="connector.settings.auth.client_secret_env: "
                                         "environment variable PORTAL_TEST_FHIR_SECRET"):
        FhirClient(connector_settings(oauth_server, auth={
            "method": "oauth2_client_credentials", "token_url": oauth_server.base_url + "/token", "client_id": "portal",
            "client_secret_env": "PORTAL_TEST_FHIR_SECRET"}))


# --------------------------------------------------------------------------- TLS client certificates


def _certificate(subject: str, key, issuer_name, issuer_key, *, ca=False, server=False):
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        loopback = x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))
        builder = builder.add_extension(x509.SubjectAlternativeName([loopback]), False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
    elif not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path, cert=None, key=None):
    data = cert.public_bytes(serialization.Encoding.PEM) if cert else key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    if node_problem():
        pytest.skip(node_problem())
    folder = tmp_path_factory.mktemp("tls")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test hospital CA")])
    ca = _certificate("Test hospital CA", ca_key, ca_name, ca_key, ca=True)
    server_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    _write(folder / "ca.pem", ca)
    _write(folder / "server.pem", _certificate("127.0.0.1", server_key, ca_name, ca_key, server=True))
    _write(folder / "server.key", key=server_key)
    _write(folder / "portal.pem", _certificate("zorgverlenersportaal", client_key, ca_name, ca_key))
    _write(folder / "portal.key", key=client_key)
    with FhirTestServer.start("--tls-cert", str(folder / "server.pem"), "--tls-key", str(folder / "server.key"),
                              "--tls-client-ca", str(folder / "ca.pem")) as server:
        yield server, folder


def test_client_certificate_is_presented_and_the_server_verified(tls_server):
    server, folder = tls_server
    assert server.base_url.startswith("https://127.0.0.1:")
    settings = connector_settings(server, ca_file="ca.pem",
                                  auth={"method": "client_certificate",
                                        "cert_file": "portal.pem", "key_file": "portal.key"})
    client = FhirClient(settings, folder)  # files are relative to the tenant folder
    try:
        assert client.capabilities()["resourceType"] == "CapabilityStatement"
    finally:
        client.close()


def test_without_client_certificate_or_trusted_ca_there_is_no_connection(tls_server):
    server, folder = tls_server
    for settings in (connector_settings(server, ca_file="ca.pem"),
                     connector_settings(server, auth={"method": "client_certificate", "cert_file": "portal.pem",
                                                      "key_file": "portal.key"})):
        client = FhirClient(settings, folder)
        try:
            with pytest.raises(EpdUnavailable):
                client.capabilities()
        finally:
            client.close()
