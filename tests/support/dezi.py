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
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .browser import copy_tenants
from .tls import ServerCertificate, make_server_certificate

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "tests" / "dezi_server" / "server.mjs"
KEY_FILE = "dezi-decryption.pem"
CA_FILE = "dezi-ca.pem"
LOA_SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"


def dezi_problem() -> str | None:
    """Why the test Dezi cannot run here (a skip reason), or None."""
    if shutil.which("node") is None:
        return "node (Node.js) is not installed: the Dezi tests need it (make system-deps)"
    if not (REPO_ROOT / "node_modules" / "oidc-provider").is_dir():
        return "npm oidc-provider is not installed: run 'make node-deps' (npm ci at the repository root)"
    return None


class TestDezi:
    __test__ = False  # not a test class

    def __init__(self, process: subprocess.Popen, issuer: str, ca_file: Path, errors):
        self.process, self.issuer, self.ca_file, self.errors = process, issuer, ca_file, errors

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
        errors = tempfile.TemporaryFile(mode="w+")
        process = subprocess.Popen(["node", str(SCRIPT), "--config", str(config)], stdout=subprocess.PIPE,
                                   stderr=errors, text=True)
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("ready "):
            process.kill()
            process.wait()
            errors.seek(0)
            raise RuntimeError(f"the test Dezi did not start: {line!r} {errors.read()[-2000:]}")
        return cls(process, line.split()[1], tls.ca_file, errors)

    def stop(self) -> None:
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.errors.close()

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
        """Follow Dezi's redirects from ``location`` (the authorization URL) as a browser does,
        until one leads to ``back_to``; returns that URL's path and query."""
        with httpx.Client(follow_redirects=False, timeout=10, verify=self._tls()) as browser:
            for _ in range(10):
                if location.startswith(back_to):
                    parts = urlsplit(location)
                    return f"{parts.path}?{parts.query}"
                response = browser.get(location)
                assert response.status_code in (302, 303), (response.status_code, response.text[:500])
                location = str(response.url.join(response.headers["Location"]))
        raise AssertionError("Dezi never sent the browser back")


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
