"""A Dezi for the tests: tests/dezi_server/server.mjs (npm oidc-provider over HTTPS with a
certificate of a test CA, TLS 1.3 only), and the tenant copies that trust it.

``TestDezi.start(folder, clients)`` runs it; ``next_login(...)`` says what the GP's next Dezi
login will carry (the verklaring's claims, the jku, a stranger's seal, loa_authn);
``set_status`` flips a verklaring's status; ``walk`` is what a browser does between the
portal's redirect to Dezi and Dezi's redirect back."""
from __future__ import annotations

import json
import shutil
import ssl
from pathlib import Path

import httpx
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .browser import copy_tenants
from .node_oidc import NodeServer, node_problem, walk
from .tls import ServerCertificate, make_server_certificate

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "tests" / "dezi_server" / "server.mjs"
KEY_FILE = "dezi-decryption.pem"
CA_FILE = "dezi-ca.pem"
LOA_SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"


def dezi_problem() -> str | None:
    """Why the test Dezi cannot run here (a skip reason), or None."""
    return node_problem("the Dezi tests")


class TestDezi(NodeServer):
    __test__ = False  # not a test class

    @classmethod
    def start(cls, folder: Path, clients: dict[str, list[str]], public_key: rsa.RSAPublicKey, port: int = 0,
              tls: ServerCertificate | None = None) -> "TestDezi":
        """Run it (on ``port``; 0: any free one) with the TLS certificate ``tls`` (none: a new
        one of a new test CA, for ``localhost``)."""
        folder.mkdir(parents=True, exist_ok=True)
        tls = tls or make_server_certificate(folder / "tls", ["localhost"])
        encryption = folder / "portal-public.pem"
        encryption.write_bytes(public_key.public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo))
        config = folder / "dezi.json"
        config.write_text(json.dumps({
            "port": port, "host": "localhost", "cert": str(tls.cert_file), "key": str(tls.key_file),
            "encryption_key": str(encryption),
            "clients": [{"client_id": cid, "redirect_uris": uris} for cid, uris in clients.items()]}))
        server = NodeServer.run(SCRIPT, ["--config", str(config)], "the test Dezi")
        dezi = cls(server.process, server.url, server.errors)
        dezi.ca_file = tls.ca_file
        return dezi

    @property
    def issuer(self) -> str:
        return self.url

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    @property
    def jku(self) -> str:
        return f"{self.issuer}/sealing/jwks.json"

    def _post(self, path: str, body: dict) -> None:
        with httpx.Client(verify=self._tls()) as client:
            client.post(f"{self.issuer}{path}", json=body).raise_for_status()

    def next_login(self, claims: dict | None = None, **options) -> None:
        """The next login's verklaring claims (over the defaults: Dezi-nummer 900000001, URA
        12345678, huisarts, level high, valid an hour) and options: ``jku``, ``seal="stranger"``,
        ``loa_authn``."""
        self._post("/test/next", {"claims": claims or {}, **options})

    def set_status(self, verklaring_id: str, status: str | None = None, http: int | None = None) -> None:
        self._post("/test/status", {"verklaring_id": verklaring_id, **({"http": http} if http else
                                                                       {"status": status})})

    def last(self) -> dict:
        with httpx.Client(verify=self._tls()) as client:
            return client.get(f"{self.issuer}/test/last").json()

    def walk(self, location: str, back_to: str) -> str:
        """Follow Dezi's redirects from ``location`` until one leads to ``back_to``."""
        return walk(location, back_to, "Dezi", self.ca_file)


def dezi_tenants(target: Path, issuer: str, ca_file: Path, key: rsa.RSAPrivateKey, client_id: str,
                 tenant_id: str = "zgt", overrides: dict | None = None, dezi_settings: dict | None = None) -> Path:
    """The repository's tenants (as development runs them), ``tenant_id`` with Dezi enabled and
    trusting the test Dezi at ``issuer``: its CA, the portal's key in the tenant folder, its jku."""
    copy_tenants(target, overrides or {})
    folder = target / tenant_id
    shutil.copy(ca_file, folder / CA_FILE)
    (folder / KEY_FILE).touch(mode=0o600)
    (folder / KEY_FILE).write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))
    path = folder / "tenant.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["dezi"] = {"enabled": True, "issuer": issuer, "client_id": client_id, "decryption_key_file": KEY_FILE,
                    "jku_allow_list": [f"{issuer}/sealing/jwks.json"], "ca_file": CA_FILE, **(dezi_settings or {})}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
