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
from pathlib import Path

import httpx

from .node_oidc import NodeServer, node_problem, walk
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
    return node_problem("the back office tests")


def backoffice_host(tenant_id: str) -> str:
    return f"beheer.{tenant_id}.localhost"


class TestSso(NodeServer):
    __test__ = False  # not a test class

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
        server = NodeServer.run(SCRIPT, ["--config", str(config)], "the test SSO")
        os.environ[SECRET_ENV] = SECRET
        sso = cls(server.process, server.url, server.errors)
        sso.ca_file = tls.ca_file
        return sso

    @property
    def issuer(self) -> str:
        return self.url

    def next_login(self, sub: str, name: str, roles: list[str]) -> None:
        with httpx.Client(verify=ssl.create_default_context(cafile=str(self.ca_file))) as client:
            client.post(f"{self.issuer}/test/next", json={"sub": sub, "name": name, "roles": roles}).raise_for_status()

    def walk(self, location: str, back_to: str) -> str:
        """Follow the SSO's redirects from ``location`` until one leads to ``back_to``."""
        return walk(location, back_to, "the SSO", self.ca_file)


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
