"""The shipped tenant YAMLs are production tenants; development and the tests add their demo
settings from ``tenant.development.yaml`` (the development overlay), read only when
PORTAL_ENV is development or testing."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from portal.settings import Settings
from portal.tenants import TenantConfigError, load_tenants

REPO = Path(__file__).resolve().parents[3]
CONNECTORS = ["demo", "fhir"]
OVERLAY = "tenant.development.yaml"


def _shipped(tenant_id: str) -> dict:
    return yaml.safe_load((REPO / "tenants" / tenant_id / "tenant.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("tenant_id", ["zgt", "mst"])
def test_shipped_tenant_yaml_holds_no_demo_setting(tenant_id):
    data = _shipped(tenant_id)
    assert data["connector"]["name"] != "demo"
    assert "seed" not in data["connector"].get("settings", {})
    assert not data.get("auth", {}).get("demo_login", False)
    assert not [host for host in data["hostnames"] if host == "localhost" or host.endswith(".localhost")]
    # The demo's made-up huisartsenpost networks are no hospital's networks.
    assert not data.get("access", {}).get("hap_ip_ranges")


def test_without_the_overlay_the_repository_tenants_are_production_tenants():
    for tenant in load_tenants(REPO / "tenants", REPO / "themes", CONNECTORS):
        assert tenant.connector.name == "fhir"
        assert not tenant.auth.demo_login
        assert not [host for host in tenant.hostnames if host.endswith(".localhost")]
        assert tenant.access.hap_ip_ranges == ()


def test_the_overlay_adds_the_development_settings():
    tenants = {t.id: t for t in load_tenants(REPO / "tenants", REPO / "themes", CONNECTORS, overlay=True)}
    shipped = {t.id: t for t in load_tenants(REPO / "tenants", REPO / "themes", CONNECTORS)}
    assert tenants["zgt"].connector.name == "demo" and tenants["zgt"].connector.settings == {"seed": 1001}
    assert tenants["mst"].connector.name == "demo" and tenants["mst"].connector.settings == {"seed": 2002}
    for tenant_id in ("zgt", "mst"):
        tenant = tenants[tenant_id]
        assert tenant.auth.demo_login
        assert f"{tenant_id}.localhost" in tenant.hostnames
        assert tenant.access.hap_ip_ranges
        # What the overlay does not name stays as shipped.
        assert tenant.helpdesk == shipped[tenant_id].helpdesk
        assert tenant.secret_key_env == shipped[tenant_id].secret_key_env


@pytest.mark.parametrize("environment, merged", [("development", True), ("testing", True), ("production", False)])
def test_settings_say_when_the_overlay_is_read(tmp_path, environment, merged):
    settings = Settings(environment=environment, database_url="postgresql://x/y", instance_dir=tmp_path,
                        tenants_dir=tmp_path, themes_dir=tmp_path)
    assert settings.development_overlay is merged


@pytest.fixture
def tenants_dir(tmp_path) -> Path:
    target = tmp_path / "tenants"
    shutil.copytree(REPO / "tenants", target)
    return target


def _write(path: Path, data) -> None:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _problems(tenants_dir: Path) -> list[str]:
    with pytest.raises(TenantConfigError) as info:
        load_tenants(tenants_dir, REPO / "themes", CONNECTORS, overlay=True)
    return info.value.problems


def test_mappings_merge_key_by_key_and_the_connector_is_replaced_whole(tenants_dir):
    _write(tenants_dir / "zgt" / OVERLAY, {
        "connector": {"name": "demo", "settings": {"seed": 7}},
        "auth": {"demo_login": True},
        "sessions": {"idle_timeout_minutes": 60},
        "menus": ["patient_search"],
    })
    zgt = next(t for t in load_tenants(tenants_dir, REPO / "themes", CONNECTORS, overlay=True) if t.id == "zgt")
    shipped = _shipped("zgt")
    assert zgt.connector.settings == {"seed": 7}  # none of the fhir settings leaked in
    assert zgt.auth.demo_login and zgt.auth.trusted_proxies == tuple(shipped["auth"]["trusted_proxies"])
    assert zgt.sessions.idle_timeout_minutes == 60
    assert zgt.sessions.absolute_lifetime_hours == shipped["sessions"]["absolute_lifetime_hours"]
    assert zgt.menus == ("patient_search",)  # a list is replaced, not extended


def test_a_tenant_without_an_overlay_loads_as_shipped(tenants_dir):
    (tenants_dir / "mst" / OVERLAY).unlink()
    mst = next(t for t in load_tenants(tenants_dir, REPO / "themes", CONNECTORS, overlay=True) if t.id == "mst")
    assert mst.connector.name == "fhir" and not mst.auth.demo_login


def test_a_mistake_in_the_overlay_names_the_overlay_file(tenants_dir):
    overlay = tenants_dir / "zgt" / OVERLAY
    _write(overlay, {**yaml.safe_load(overlay.read_text()), "auth": {"demo_logn": True}})
    found = _problems(tenants_dir)
    assert any(f"zgt/{OVERLAY}" in p and "auth.demo_logn" in p and "unknown key" in p for p in found), found


def test_a_mistake_in_the_tenant_file_still_names_the_tenant_file(tenants_dir):
    path = tenants_dir / "zgt" / "tenant.yaml"
    _write(path, {**_shipped("zgt"), "helpdesk": {"name": "x", "phoen": "1"}})
    found = _problems(tenants_dir)
    assert any("zgt/tenant.yaml" in p and "helpdesk.phoen" in p for p in found), found


@pytest.mark.parametrize("content, message", [
    ("auth: [demo_login\n", "not valid YAML"),
    ("- demo_login\n", "must be a mapping"),
    ("id: anders\n", "id: the overlay cannot change"),
])
def test_a_broken_overlay_is_refused(tenants_dir, content, message):
    _write(tenants_dir / "zgt" / OVERLAY, content)
    found = _problems(tenants_dir)
    assert any(f"zgt/{OVERLAY}" in p and message in p for p in found), found


def test_the_overlay_is_not_read_when_not_asked_for(tenants_dir):
    _write(tenants_dir / "zgt" / OVERLAY, "auth: [broken\n")
    assert {t.id for t in load_tenants(tenants_dir, REPO / "themes", CONNECTORS)} == {"zgt", "mst"}
