"""``make run HAP=1`` (``PORTAL_DEV_HAP=1``): the developer's browser counts as a
huisartsenpost so the noodprocedure can be tried; honoured in development only."""
from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest

from portal.platform import LOOPBACK, browser_at_hap, create_platform
from portal.settings import Settings, SettingsError
from portal.tenants import load_tenants


def _at_hap(address: str, ranges) -> bool:
    return any(ip_address(address) in ip_network(r) for r in ranges)


@pytest.mark.parametrize("value, expected", [("1", True), ("0", False), ("", False)])
def test_development_honours_the_switch(monkeypatch, value, expected):
    monkeypatch.setenv("PORTAL_DEV_HAP", value)
    assert Settings.from_env(environment="development").browser_at_hap is expected


def test_the_tests_ignore_the_switch(monkeypatch):
    monkeypatch.setenv("PORTAL_DEV_HAP", "1")
    assert Settings.from_env(environment="testing").browser_at_hap is False


def test_production_refuses_the_switch(monkeypatch):
    monkeypatch.setenv("PORTAL_DEV_HAP", "1")
    with pytest.raises(SettingsError, match="PORTAL_DEV_HAP=1 .* PORTAL_ENV=development only"):
        Settings.from_env(environment="production", database_url="postgresql://portal@db/portal")


def test_loopback_joins_the_tenants_hap_networks():
    tenant = load_tenants(overlay=True)[0]
    assert not _at_hap("127.0.0.1", tenant.access.hap_ip_ranges)
    changed = browser_at_hap(tenant)
    assert _at_hap("127.0.0.1", changed.access.hap_ip_ranges) and _at_hap("::1", changed.access.hap_ip_ranges)
    assert set(tenant.access.hap_ip_ranges) | set(LOOPBACK) == set(changed.access.hap_ip_ranges)


@pytest.mark.parametrize("switch", [True, False])
def test_the_platform_treats_loopback_as_a_hap_only_when_switched_on(tmp_path, switch):
    settings = Settings.from_env(environment="development", instance_dir=tmp_path,
                                 database_url=f"sqlite:///{tmp_path / 'portal.sqlite'}", browser_at_hap=switch)
    platform = create_platform(settings)
    try:
        assert all(_at_hap("127.0.0.1", t.access.hap_ip_ranges) is switch for t in platform.tenants.values())
    finally:
        platform.close()
