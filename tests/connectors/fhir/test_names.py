"""The displayed surname follows the nl-core HumanName rules (zib NameInformation 2020):
the humanname-assembly-order extension (NL1 own, NL2 partner, NL3 partner-own, NL4
own-partner) over the family-name part extensions; without it, the official ``family`` as
the EPD wrote it. Checked with Nictiz's own examples and with the names of the issue."""
from __future__ import annotations

import json
from datetime import date

import pytest

from portal.epd.models import NameUsage, PatientSummary, Sex
from portal_connectors.fhir.patients import EXT, name_parts
from portal_connectors.fhir.testing import NICTIZ_DIR


def _surname(patient: dict) -> str:
    parts = name_parts(patient)
    return PatientSummary(patient_id="p", patient_number="", bsn=None, birth_date=date(1980, 1, 1), sex=Sex.FEMALE,
                          consent=True, **parts).surname


def _nictiz(name: str) -> dict:
    return json.loads((NICTIZ_DIR / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("example, surname", [
    ("nl-core-Patient-01", "van Putten-van der Giessen"),               # no assembly order: family as written
    ("nl-core-NameInformation-complete", "van der Giessen-van Putten"),  # NL3
    ("nl-core-TreatmentDirective2-02-Patient-01", "Pietersen"),         # NL1 with a partner name
    ("nl-core-NameInformation-firstNames", "Schemer"),
    ("nl-core-ContactPerson-01", "van Putten-van der Giessen"),          # no order; own then partner
])
def test_nictiz_examples(example, surname):
    assert _surname(_nictiz(example)) == surname


def _patient(family: str, order: str | None, own=("van den", "Berg"), partner=(None, "Kuipers")) -> dict:
    parts = [("own-prefix", own[0]), ("own-name", own[1]), ("partner-prefix", partner[0]),
             ("partner-name", partner[1])]
    name: dict = {"use": "official", "family": family, "given": ["Hanna"],
                  "_family": {"extension": [{"url": f"{EXT}humanname-{k}", "valueString": v} for k, v in parts if v]}}
    if order:
        name["extension"] = [{"url": f"{EXT}humanname-assembly-order", "valueCode": order}]
    return {"resourceType": "Patient", "name": [name]}


@pytest.mark.parametrize("family, order, surname, usage", [
    ("Kuipers-van den Berg", None, "Kuipers-van den Berg", NameUsage.PARTNER_OWN),  # the patient
    ("Kuipers - van  den Berg", None, "Kuipers-van den Berg", NameUsage.PARTNER_OWN),
    ("van den Berg-Kuipers", None, "van den Berg-Kuipers", NameUsage.OWN_PARTNER),
    ("Kuipers", None, "Kuipers", NameUsage.PARTNER),
    ("van den Berg", None, "van den Berg", NameUsage.OWN),
    ("Kuipers-van den Berg", "NL1", "van den Berg", NameUsage.OWN),
    ("Kuipers-van den Berg", "NL2", "Kuipers", NameUsage.PARTNER),
    ("Kuipers-van den Berg", "NL3", "Kuipers-van den Berg", NameUsage.PARTNER_OWN),
    ("Kuipers-van den Berg", "NL4", "van den Berg-Kuipers", NameUsage.OWN_PARTNER),
    ("Mevr. Kuipers-v.d. Berg", None, "Kuipers-van den Berg", NameUsage.PARTNER_OWN),  # written otherwise: by order
])
def test_assembly_order(family, order, surname, usage):
    patient = _patient(family, order)
    assert name_parts(patient)["name_usage"] is usage
    assert _surname(patient) == surname


def test_plain_r4_family_is_the_name_as_written():
    patient = {"resourceType": "Patient", "name": [{"use": "official", "family": "Kuipers-van den Berg",
                                                    "given": ["Hanna"]}]}
    assert _surname(patient) == "Kuipers-van den Berg"


def test_a_malformed_assembly_order_is_ignored():
    patient = _patient("Kuipers-van den Berg", None)
    patient["name"][0]["extension"] = [{"url": f"{EXT}humanname-assembly-order", "valueCode": {"odd": 1}}]
    assert _surname(patient) == "Kuipers-van den Berg"


def test_the_connector_shows_nictiz_patient_01_as_written(fhir_server, tmp_path):
    from portal_connectors.fhir import FhirConnector
    from portal_connectors.fhir.testing import connector_settings

    connector = FhirConnector(connector_settings(fhir_server), tmp_path)
    try:
        shown = connector.get_patient_summary("nl-core-Patient-01")
    finally:
        connector.close()
    assert shown.display_name == "J.P.M. van Putten-van der Giessen"
    assert (shown.birth_name_prefix, shown.birth_name) == ("van", "Putten")  # search by birth name unchanged
