"""The fhir connector's settings (tenant YAML ``connector.settings``) and the example tenant."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portal.tenants.schema import TenantConfig
from portal_connectors.fhir import FhirConnector
from portal_connectors.fhir.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "tenant-fhir.yaml"


def _tenant(settings: dict, folder: Path) -> TenantConfig:
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["connector"]["settings"] = settings
    return TenantConfig.model_validate({**raw, "folder": str(folder)})


def test_example_tenant_is_valid_and_builds_a_connector(monkeypatch, tmp_path):
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    tenant = TenantConfig.model_validate({**raw, "folder": str(tmp_path)})
    assert tenant.connector.name == "fhir"
    monkeypatch.setenv("PORTAL_ZV_FHIR_CLIENT_SECRET", "not-a-real-secret")
    connector = FhirConnector.from_config(tenant)
    try:
        assert connector.settings.auth.method == "oauth2_client_credentials"
        assert "http://loinc.org|11488-4" in connector.settings.codes.mdo_report
        assert connector.settings.codes.consent == Settings.model_fields["codes"].default_factory().consent
    finally:
        connector.close()


@pytest.mark.parametrize("settings, message", [
    ({"base_url": "https://x.test/fhir", "patient_number_system": "urn:x", "colour": "red"},
     "connector.settings.colour: unknown key"),
    ({"base_url": "ftp://x.test", "patient_number_system": "urn:x"},
     "connector.settings.base_url: Value error, must be an http(s) URL"),
    ({"base_url": "https://x.test"}, "connector.settings.patient_number_system: Field required"),
    ({"base_url": "https://x.test", "patient_number_system": "urn:x", "codes": {"consent": ["no-bar"]}},
     "connector.settings.codes.consent"),
    ({"base_url": "https://x.test", "patient_number_system": "urn:x", "auth": {"method": "oauth2_client_credentials"}},
     "needs token_url, client_id, client_secret_env"),
    ({"base_url": "https://x.test", "patient_number_system": "urn:x",
      "auth": {"method": "none", "client_secret_env": "lower"}},
     "connector.settings.auth.client_secret_env"),
])
def test_bad_settings_are_refused_naming_the_key(settings, message, tmp_path):
    with pytest.raises(ValueError) as raised:
        FhirConnector.from_config(_tenant(settings, tmp_path))
    assert message in str(raised.value)


def test_missing_certificate_file_is_named(tmp_path):
    settings = {"base_url": "https://x.test", "patient_number_system": "urn:x",
                "auth": {"method": "client_certificate",
                         "cert_file": "certs/portal.pem", "key_file": "certs/portal.key"}}
    with pytest.raises(ValueError, match="connector.settings.auth.cert_file: no file 'certs/portal.pem'"):
        FhirConnector.from_config(_tenant(settings, tmp_path))
