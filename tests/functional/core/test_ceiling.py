"""The bench ceiling route exists only when the deployment asks for it, and shows nothing."""
from __future__ import annotations

import dataclasses

import pytest

from portal.core import ceiling
from portal.platform import create_platform
from portal.settings import Settings, SettingsError


def test_absent_by_default(client):
    assert ceiling.ENDPOINT not in client.application.view_functions
    assert client.get(ceiling.PATH).status_code == 404


def test_enabled_by_the_setting_constant_and_without_login(settings):
    platform = create_platform(dataclasses.replace(settings, bench_ceiling=True))
    try:
        for app in platform.apps.values():
            host = app.extensions["portal.tenant"].hostnames[0]
            response = app.test_client().get(ceiling.PATH, headers={"Host": host})
            assert response.status_code == 200
            assert response.get_data() == b"ok\n"
            assert "Set-Cookie" not in response.headers  # no session was created or read
    finally:
        platform.database.dispose()


@pytest.mark.parametrize("value, expected", [("1", True), ("0", False), ("", False)])
def test_read_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("PORTAL_BENCH_CEILING", value)
    assert Settings.from_env(environment="testing").bench_ceiling is expected


def test_a_wrong_value_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("PORTAL_BENCH_CEILING", "maybe")
    with pytest.raises(SettingsError, match="PORTAL_BENCH_CEILING"):
        Settings.from_env(environment="testing")
