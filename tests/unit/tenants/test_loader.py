"""Tenant YAML: the repository's tenants load; every kind of mistake names file and key."""
import shutil
from pathlib import Path

import pytest
import yaml

from portal.tenants import TenantConfigError, load_tenants

REPO = Path(__file__).resolve().parents[3]
CONNECTORS = ["demo", "fhir"]


@pytest.fixture
def tenants_dir(tmp_path) -> Path:
    target = tmp_path / "tenants"
    shutil.copytree(REPO / "tenants", target)
    return target


def edit(tenants_dir: Path, tenant: str, change) -> Path:
    path = tenants_dir / tenant / "tenant.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def problems(tenants_dir: Path) -> list[str]:
    with pytest.raises(TenantConfigError) as info:
        load_tenants(tenants_dir, REPO / "themes", CONNECTORS)
    return info.value.problems


def test_repository_tenants_load():
    tenants = {t.id: t for t in load_tenants(REPO / "tenants", REPO / "themes", CONNECTORS)}
    assert set(tenants) == {"zgt", "mst"}
    assert "zorgverleners.zgt.nl" in tenants["zgt"].hostnames
    assert "zorgverlener.mst.nl" in tenants["mst"].hostnames
    assert tenants["mst"].menu_enabled("orders") and not tenants["zgt"].menu_enabled("orders")
    assert tenants["zgt"].helpdesk.phone == "088 708 36 69"
    assert tenants["zgt"].helpdesk.email == "zgtlijn1-2@zgt.nl"
    assert tenants["mst"].helpdesk.email == "zorgverlenersportaal@mst.nl"
    assert tenants["mst"].helpdesk.phone is None


def test_config_is_frozen():
    tenant = load_tenants(REPO / "tenants", REPO / "themes", CONNECTORS)[0]
    with pytest.raises(Exception):
        tenant.display_name = "Anders"  # type: ignore[misc]


def test_misspelt_key_names_file_and_key(tenants_dir):
    edit(tenants_dir, "zgt", lambda d: d["helpdesk"].__setitem__("phoen", "1"))
    found = problems(tenants_dir)
    assert any("zgt/tenant.yaml" in p and "helpdesk.phoen" in p and "unknown key" in p for p in found), found


def test_wrong_type(tenants_dir):
    edit(tenants_dir, "mst", lambda d: d["sessions"].__setitem__("idle_timeout_minutes", "lang"))
    found = problems(tenants_dir)
    assert any("mst/tenant.yaml" in p and "sessions.idle_timeout_minutes" in p for p in found), found


def test_missing_theme(tenants_dir):
    edit(tenants_dir, "zgt", lambda d: d.__setitem__("theme", "paars"))
    found = problems(tenants_dir)
    assert any("zgt/tenant.yaml: theme:" in p and "paars" in p for p in found), found


def test_unknown_connector(tenants_dir):
    edit(tenants_dir, "zgt", lambda d: d["connector"].__setitem__("name", "hix9000"))
    found = problems(tenants_dir)
    assert any("connector.name" in p and "hix9000" in p for p in found), found


def test_hostname_used_twice(tenants_dir):
    edit(tenants_dir, "mst", lambda d: d["hostnames"].append("zorgverleners.zgt.nl"))
    found = problems(tenants_dir)
    assert any("hostnames" in p and "zorgverleners.zgt.nl" in p for p in found), found


def test_unknown_menu_item(tenants_dir):
    edit(tenants_dir, "zgt", lambda d: d["menus"].append("facturen"))
    assert any("menus" in p and "facturen" in p for p in problems(tenants_dir))


def test_bad_hap_range(tenants_dir):
    edit(tenants_dir, "zgt", lambda d: d["access"].__setitem__("hap_ip_ranges", ["10.0.0.300/8"]))
    assert any("access.hap_ip_ranges" in p for p in problems(tenants_dir))


@pytest.mark.parametrize("entry", ["localhost", "unix:/run/portal.sock", "UNIX", "10.0.10.300"])
def test_bad_trusted_proxy(tenants_dir, entry):
    edit(tenants_dir, "zgt", lambda d: d["auth"].__setitem__("trusted_proxies", [entry]))
    found = [p for p in problems(tenants_dir) if "auth.trusted_proxies" in p]
    assert found and repr(entry) in found[0] and "neither 'unix'" in found[0], found


def test_trusted_proxies_take_the_unix_socket_and_networks(tenants_dir):
    edit(tenants_dir, "zgt", lambda d: d["auth"].__setitem__("trusted_proxies", ["unix", "10.0.10.5", "10.0.20.0/24"]))
    (zgt,) = [t for t in load_tenants(tenants_dir, REPO / "themes", CONNECTORS) if t.id == "zgt"]
    assert zgt.auth.trusted_proxies == ("unix", "10.0.10.5", "10.0.20.0/24")


def test_broken_yaml(tenants_dir):
    (tenants_dir / "zgt" / "tenant.yaml").write_text("id: zgt\nhostnames: [a, b\n")
    found = problems(tenants_dir)
    assert any("zgt/tenant.yaml" in p and "not valid YAML" in p for p in found), found


def test_folder_name_must_match_id(tenants_dir):
    edit(tenants_dir, "zgt", lambda d: d.__setitem__("id", "zgt2"))
    assert any("id:" in p and "folder" in p for p in problems(tenants_dir))


def test_every_problem_is_reported_at_once(tenants_dir):
    edit(tenants_dir, "zgt", lambda d: d.__setitem__("kleur", "blauw"))
    edit(tenants_dir, "mst", lambda d: d.__setitem__("thema", "x"))
    found = problems(tenants_dir)
    assert any("zgt/tenant.yaml: kleur" in p for p in found)
    assert any("mst/tenant.yaml: thema" in p for p in found)


@pytest.mark.parametrize("key, change", [
    ("secret_key_env", lambda d: d.update(secret_key_env="portal-secret")),
    ("audit.api_token_env", lambda d: d.setdefault("audit", {}).update(api_token_env="$TOKEN")),
    ("launch.smart.0.client_secret_env", lambda d: d.setdefault("launch", {}).update(smart=[{
        "name": "EHR", "issuer": "https://ehr.example/fhir", "client_id": "portal", "client_secret_env": "a b"}])),
    ("dezi.decryption_key_password_env", lambda d: d.setdefault("dezi", {}).update(
        decryption_key_password_env="lower")),
    ("backoffice.client_secret_env", lambda d: d.setdefault("backoffice", {}).update(client_secret_env="1ABC")),
])
def test_a_secret_is_named_by_its_environment_variable_everywhere(tenants_dir, key, change):
    """Every *_env setting takes a variable name, never the secret itself: one rule (tenants/fields.py)."""
    edit(tenants_dir, "zgt", change)
    found = problems(tenants_dir)
    assert any(key in p and "environment variable name" in p for p in found), found


@pytest.mark.parametrize("change", [
    lambda d: d.setdefault("auth", {}).update(allowed_roles=["01.015", "huisarts"]),
    lambda d: d.setdefault("dezi", {}).update(allowed_roles=["1.15"]),
])
def test_role_codes_are_checked_wherever_they_are_listed(tenants_dir, change):
    edit(tenants_dir, "zgt", change)
    found = problems(tenants_dir)
    assert any("allowed_roles" in p and "NN.NNN" in p for p in found), found
