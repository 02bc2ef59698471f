"""The hospital's SSO for the back office tests: tests/staff_sso_server/server.mjs (npm
oidc-provider over HTTPS with a test CA; a confidential client; name and roles in the ID
token), and the tenant overrides that enable the back office against it.

``TestSso.start(folder, clients)`` runs it; ``next_login(sub, name, roles)`` says who the next
login is; ``walk`` follows the provider's redirects as a browser would."""
from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from .tls import ServerCertificate, make_server_certificate

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "tests" / "staff_sso_server" / "server.mjs"
CA_FILE = "sso-ca.pem"
SECRET_ENV = "PORTAL_TEST_BACKOFFICE_SSO_SECRET"
SECRET = "test-client-secret-of-the-back-office-0123456789"
#: The claim values the tests' SSO gives, and the portal roles the tenants map them to.
ROLE_MAPPING = {"portaal-privacy": ["privacy_officer"], "portaal-beheer": ["application_manager"],
                "portaal-servicedesk": ["service_desk"]}
PRIVACY, MANAGER, SERVICE_DESK = "portaal-privacy", "portaal-beheer", "portaal-servicedesk"


def sso_problem() -> str | None:
    """Why the test SSO cannot run here (a skip reason), or None."""
    if shutil.which("node") is None:
        return "node (Node.js) is not installed: the back office tests need it (make system-deps)"
    if not (REPO_ROOT / "node_modules" / "oidc-provider").is_dir():
        return "npm oidc-provider is not installed: run 'make node-deps' (npm ci at the repository root)"
    return None


def backoffice_host(tenant_id: str) -> str:
    return f"beheer.{tenant_id}.localhost"


class TestSso:
    __test__ = False  # not a test class

    def __init__(self, process: subprocess.Popen, issuer: str, ca_file: Path, errors):
        self.process, self.issuer, self.ca_file, self.errors = process, issuer, ca_file, errors

    @classmethod
    def start(cls, folder: Path, client_ids: list[str], redirect_uris: list[str], port: int = 0,
              tls: ServerCertificate | None = None) -> "TestSso":
        folder.mkdir(parents=True, exist_ok=True)
        tls = tls or make_server_certificate(folder / "tls", ["localhost"])
        config = folder / "sso.json"
        config.write_text(json.dumps({
            "port": port, "host": "localhost", "cert": str(tls.cert_file), "key": str(tls.key_file),
            "clients": [{"client_id": cid, "client_secret": SECRET, "redirect_uris": redirect_uris}
                        for cid in client_ids]}))
        errors = tempfile.TemporaryFile(mode="w+")
        process = subprocess.Popen(["node", str(SCRIPT), "--config", str(config)], stdout=subprocess.PIPE,
                                   stderr=errors, text=True)
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("ready "):
            process.kill()
            process.wait()
            errors.seek(0)
            raise RuntimeError(f"the test SSO did not start: {line!r} {errors.read()[-2000:]}")
        os.environ[SECRET_ENV] = SECRET
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

    def next_login(self, sub: str, name: str, roles: list[str]) -> None:
        with httpx.Client(verify=self._tls()) as client:
            client.post(f"{self.issuer}/test/next", json={"sub": sub, "name": name, "roles": roles}).raise_for_status()

    def walk(self, location: str, back_to: str) -> str:
        """Follow the provider's redirects from ``location`` until one leads to ``back_to``;
        returns that URL's path and query."""
        with httpx.Client(follow_redirects=False, timeout=10, verify=self._tls()) as browser:
            for _ in range(10):
                if location.startswith(back_to):
                    parts = urlsplit(location)
                    return f"{parts.path}?{parts.query}"
                response = browser.get(location)
                assert response.status_code in (302, 303), (response.status_code, response.text[:500])
                location = str(response.url.join(response.headers["Location"]))
        raise AssertionError("the SSO never sent the browser back")


def backoffice_overrides(issuer: str, tenant_id: str, *, ranges: tuple[str, ...] = ("127.0.0.0/8",)) -> dict:
    """The ``backoffice`` section of ``tenant_id`` against the test SSO (its CA copied as
    ``CA_FILE`` into the tenant folder by ``install_ca``)."""
    return {"enabled": True, "hostnames": [backoffice_host(tenant_id)], "allowed_ranges": list(ranges),
            "issuer": issuer, "client_id": f"beheer-{tenant_id}", "client_secret_env": SECRET_ENV,
            "role_mapping": ROLE_MAPPING, "ca_file": CA_FILE}


def enable_backoffice(tenants_dir: Path, issuer: str, ca_file: Path, tenant_ids=("zgt", "mst"), **options) -> None:
    """Enable the back office of ``tenant_ids`` in a copy of the tenants (``copy_tenants``)."""
    import yaml

    for tenant_id in tenant_ids:
        folder = tenants_dir / tenant_id
        shutil.copy(ca_file, folder / CA_FILE)
        path = folder / "tenant.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["backoffice"] = backoffice_overrides(issuer, tenant_id, **options)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
