"""What PORTAL_ENV=production refuses to start with, shown on a copy of tenants/zgt made the
way a hospital makes one (tenants/README.md): the whole folder copied, its own names, the
values its EPD team gives, the UZI register's CA certificates with their CRLs, and its
secrets in the environment. Each refusal names the tenant, the setting and what to do."""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization

from portal.audit.checkpoints import new_key_pair
from portal.platform import create_platform
from portal.settings import Settings, SettingsError

REPO = Path(__file__).resolve().parents[2]
PEM = serialization.Encoding.PEM
#: The PostgreSQL URL production insists on; starting opens no connection, so none is needed.
DATABASE_URL = "postgresql://portal@127.0.0.1:9/portal"


@dataclass
class Hospital:
    """ZHA's copy of tenants/zgt and the environment of its portal service."""

    tenants: Path
    folder: Path
    env: dict[str, str]

    def edit(self, change: Callable[[dict], object]) -> None:
        path = self.folder / "tenant.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def start(self, monkeypatch):
        """Build the platform as ``portal.wsgi`` does, from this environment alone."""
        for key in list(os.environ):
            if key.startswith("PORTAL_") or key == "DATABASE_URL":
                monkeypatch.delenv(key)
        for key, value in self.env.items():
            monkeypatch.setenv(key, value)
        return create_platform(Settings.from_env())

    def refusal(self, monkeypatch) -> str:
        with pytest.raises(SettingsError) as info:
            platform = self.start(monkeypatch)
            platform.close()
        return str(info.value)


@pytest.fixture
def hospital(tmp_path, uzi_authority) -> Hospital:
    tenants = tmp_path / "tenants"
    folder = tenants / "zha"
    shutil.copytree(REPO / "tenants" / "zgt", folder)

    def as_zha(data: dict) -> None:
        data.update(id="zha", display_name="Ziekenhuis Achterhoek", short_name="ZHA",
                    hostnames=["zorgverleners.zha.example"], secret_key_env="PORTAL_ZHA_SECRET_KEY")
        data["helpdesk"] = {"name": "ZHA servicedesk", "email": "servicedesk@zha.example"}
        data.setdefault("audit", {})["api_token_env"] = "PORTAL_ZHA_INZAGELOG_TOKEN"
        # What the EPD team gives (tenants/README.md, "connector").
        settings = data["connector"].setdefault("settings", {})
        settings.update(base_url="https://fhir.zha.example/fhir/R4",
                        patient_number_system="urn:oid:2.16.528.1.1007.3.3.1234567.1")
        settings.setdefault("auth", {}).update(token_url="https://fhir.zha.example/oauth2/token",
                                               client_secret_env="PORTAL_ZHA_FHIR_CLIENT_SECRET")
        # The UZI register's CAs, each with its CRL (here: the tests' CA standing in for them).
        data.setdefault("auth", {}).update(
            trusted_ca_files=["uzi/zorgverlener-ca.pem", "uzi/root-ca.pem"],
            crl_files=["uzi/zorgverlener-ca.crl", "uzi/root-ca.crl"],
            crl_urls=["http://crl.zha.example/zorgverlener-ca.crl", "http://crl.zha.example/root-ca.crl"])
        data.setdefault("access", {})["hap_ip_ranges"] = ["10.20.0.0/16"]

    uzi = folder / "uzi"
    uzi.mkdir()
    (uzi / "zorgverlener-ca.pem").write_bytes(uzi_authority.issuing.public_bytes(PEM))
    (uzi / "root-ca.pem").write_bytes(uzi_authority.root.public_bytes(PEM))
    (uzi / "zorgverlener-ca.crl").write_bytes(uzi_authority.crl().public_bytes(PEM))
    (uzi / "root-ca.crl").write_bytes(uzi_authority.root_crl().public_bytes(PEM))
    env = {
        "PORTAL_ENV": "production", "DATABASE_URL": DATABASE_URL,
        "PORTAL_INSTANCE_DIR": str(tmp_path / "instance"), "PORTAL_TENANTS_DIR": str(tenants),
        "PORTAL_THEMES_DIR": str(REPO / "themes"),
        "PORTAL_AUDIT_CHECKPOINTS": str(tmp_path / "audit-checkpoints.log"),
        "PORTAL_AUDIT_SIGNING_KEY": new_key_pair()[0],
        "PORTAL_ZHA_SECRET_KEY": secrets.token_urlsafe(32),
        "PORTAL_ZHA_INZAGELOG_TOKEN": secrets.token_urlsafe(32),
        "PORTAL_ZHA_FHIR_CLIENT_SECRET": "issued-by-the-hospital-idp",
    }
    made = Hospital(tenants, folder, env)
    made.edit(as_zha)
    return made


def test_a_copy_of_zgt_with_its_own_values_starts_in_production(hospital, monkeypatch):
    platform = hospital.start(monkeypatch)
    try:
        tenant = platform.tenants["zha"]
        # The development overlay came along in the copy; production does not read it.
        assert (hospital.folder / "tenant.development.yaml").exists()
        assert tenant.connector.name == "fhir" and not tenant.auth.demo_login
        assert tenant.hostnames == ("zorgverleners.zha.example",)
        assert platform.apps["zha"].config["SECRET_KEY"] == hospital.env["PORTAL_ZHA_SECRET_KEY"]
    finally:
        platform.close()


REFUSALS = {
    "a trusted CA without a CRL": (
        lambda h: h.edit(lambda d: d["auth"].update(crl_files=["uzi/zorgverlener-ca.crl"],
                                                    crl_urls=["http://crl.zha.example/zorgverlener-ca.crl"])),
        ["tenant 'zha'", "auth.crl_files", "uzi/root-ca.pem", "PYTEST Zorg CSP Root CA", "refresh-crls"]),
    "CRL files not fetched yet": (
        lambda h: [(h.folder / "uzi" / name).unlink() for name in ("zorgverlener-ca.crl", "root-ca.crl")],
        ["tenant 'zha'", "auth.crl_files", "uzi/root-ca.crl", "portal auth refresh-crls"]),
    "a CRL of another CA": (
        lambda h: shutil.copy(h.folder / "uzi" / "zorgverlener-ca.crl", h.folder / "uzi" / "root-ca.crl"),
        ["tenant 'zha'", "auth.crl_files", "uzi/root-ca.pem"]),
    "no trusted CA at all": (
        lambda h: h.edit(lambda d: d["auth"].update(trusted_ca_files=[], crl_files=[], crl_urls=[])),
        ["tenant 'zha'", "auth.trusted_ca_files", "UZI"]),
    "a short secret key": (
        lambda h: h.env.update(PORTAL_ZHA_SECRET_KEY="Ziekenhuis-Achterhoek-2025"),
        ["tenant 'zha'", "secret_key_env", "PORTAL_ZHA_SECRET_KEY", "32 bytes", "token_urlsafe(32)"]),
    "a long but monotonous secret key": (
        lambda h: h.env.update(PORTAL_ZHA_SECRET_KEY="k" * 64),
        ["tenant 'zha'", "PORTAL_ZHA_SECRET_KEY", "32 bytes"]),
    "no secret key": (
        lambda h: h.env.pop("PORTAL_ZHA_SECRET_KEY"),
        ["tenant 'zha'", "secret_key_env", "PORTAL_ZHA_SECRET_KEY"]),
    "no secret key variable named": (
        lambda h: h.edit(lambda d: d.pop("secret_key_env")),
        ["tenant 'zha'", "secret_key_env"]),
    "a short inzagelog API token": (
        lambda h: h.env.update(PORTAL_ZHA_INZAGELOG_TOKEN=secrets.token_hex(16)),
        ["tenant 'zha'", "audit.api_token_env", "PORTAL_ZHA_INZAGELOG_TOKEN", "32 bytes"]),
    "demo login": (
        lambda h: h.edit(lambda d: d["auth"].update(demo_login=True)),
        ["tenant 'zha'", "auth.demo_login", "false"]),
    "the demo EPD": (
        lambda h: h.edit(lambda d: d.update(connector={"name": "demo", "settings": {"seed": 1001}})),
        ["tenant 'zha'", "connector.name", "demo", "synthetic"]),
    "every address a huisartsenpost": (
        lambda h: h.edit(lambda d: d["access"].update(hap_ip_ranges=["0.0.0.0/0"])),
        ["tenant 'zha'", "access.hap_ip_ranges", "0.0.0.0/0"]),
    "loopback a huisartsenpost": (
        lambda h: h.edit(lambda d: d["access"].update(hap_ip_ranges=["127.0.0.0/8"])),
        ["tenant 'zha'", "access.hap_ip_ranges", "127.0.0.0/8"]),
    "a HIS's keys over plain http": (
        lambda h: h.edit(lambda d: d.setdefault("launch", {}).update(signed=[{
            "name": "HIS Oost", "issuer": "his-oost", "jwks_url": "http://his.example/jwks.json"}])),
        ["tenant 'zha'", "launch.signed 'HIS Oost'", "http://his.example/jwks.json", "https"]),
    "a SMART EHR over plain http": (
        lambda h: h.edit(lambda d: d.setdefault("launch", {}).update(smart=[{
            "name": "EHR", "issuer": "http://ehr.example/fhir", "client_id": "portal"}])),
        ["tenant 'zha'", "launch.smart 'EHR'", "http://ehr.example/fhir", "https"]),
    "every address a proxy": (
        lambda h: h.edit(lambda d: d["auth"].update(trusted_proxies=["unix", "::/0"])),
        ["tenant 'zha'", "auth.trusted_proxies", "::/0"]),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_production_refuses(hospital, monkeypatch, case):
    spoil, expected = REFUSALS[case]
    spoil(hospital)
    message = hospital.refusal(monkeypatch)
    for fragment in expected:
        assert fragment in message, (fragment, message)


def test_every_refusal_is_named_at_once(hospital, monkeypatch):
    hospital.edit(lambda d: d["auth"].update(demo_login=True, crl_files=[], crl_urls=[]))
    hospital.env.update(PORTAL_ZHA_SECRET_KEY="kort")
    message = hospital.refusal(monkeypatch)
    for fragment in ("auth.demo_login", "auth.crl_files", "PORTAL_ZHA_SECRET_KEY"):
        assert fragment in message, (fragment, message)


def test_the_demo_epd_needs_the_deployment_to_say_it_is_a_rehearsal(hospital, monkeypatch):
    """The production suite and the benchmark run the production set-up on synthetic data."""
    hospital.edit(lambda d: d.update(connector={"name": "demo", "settings": {"seed": 1001}}))
    hospital.env["PORTAL_ALLOW_DEMO_EPD"] = "1"
    platform = hospital.start(monkeypatch)
    platform.close()


def test_the_development_overlay_has_no_say_in_production(hospital, monkeypatch):
    (hospital.folder / "tenant.development.yaml").write_text("auth: {demo_login: true}\nbroken: [\n")
    platform = hospital.start(monkeypatch)
    assert not platform.tenants["zha"].auth.demo_login
    platform.close()


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_") and key != "DATABASE_URL"}
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
                          timeout=120)


def test_gunicorns_entry_point_starts_or_refuses_with_one_clear_message(hospital):
    started = _python("import portal.wsgi", hospital.env)
    assert started.returncode == 0, started.stderr
    hospital.env["PORTAL_ZHA_SECRET_KEY"] = "kort"
    refused = _python("import portal.wsgi", hospital.env)
    assert refused.returncode != 0
    assert "PORTAL_ZHA_SECRET_KEY" in refused.stderr and "Traceback" not in refused.stderr, refused.stderr


def test_tenants_check_names_what_production_would_refuse(hospital):
    command = "from portal.cli import main; main()"
    hospital.env["PORTAL_ZHA_SECRET_KEY"] = "kort"
    result = _python(f"import sys; sys.argv = ['portal', 'tenants', 'check']; {command}", hospital.env)
    assert result.returncode == 1, result.stderr
    assert "PORTAL_ZHA_SECRET_KEY" in result.stderr and "tenant 'zha'" in result.stderr
    hospital.env["PORTAL_ZHA_SECRET_KEY"] = secrets.token_urlsafe(32)
    result = _python(f"import sys; sys.argv = ['portal', 'tenants', 'check']; {command}", hospital.env)
    assert result.returncode == 0, result.stderr
    assert "ok: zha" in result.stdout
