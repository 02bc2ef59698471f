"""The fhir connector's worklist methods on the test FHIR server: one unusable Encounter
leaves out its own line only; the discharge letter is found through context.encounter."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from portal.epd.models import NewDocumentKind
from portal_connectors.fhir import FhirConnector
from portal_connectors.fhir.testing import connector_settings


@pytest.fixture(scope="module")
def connector(fhir_server, tmp_path_factory):
    connector = FhirConnector(connector_settings(fhir_server), tmp_path_factory.mktemp("fhir-worklist"))
    yield connector
    connector.close()


def test_an_unusable_encounter_leaves_out_only_its_line(connector, caplog):
    since = datetime.now(timezone.utc) - timedelta(days=14)
    with caplog.at_level(logging.WARNING, logger="portal_connectors.fhir.mapping"):
        discharges = connector.list_discharges(since, {"01456789"})
    assert [(e.patient.patient_id, e.admission.id) for e in discharges] == [("pt-devries", "enc-wl-devries")]
    assert discharges[0].discharge_letter is not None and discharges[0].discharge_letter.id == "doc-wl-devries-ontslag"
    assert "Encounter/enc-wl-devries-unusable" in caplog.text and "period end" in caplog.text
    assert "pt-devries" not in caplog.text  # never a patient key in the log


def test_practices_select_the_patients_and_letters_are_optional(connector):
    since = datetime.now(timezone.utc) - timedelta(days=14)
    other = connector.list_discharges(since, {"01234567"})
    assert [(e.patient.patient_id, e.discharge_letter) for e in other] == [("pt-smit", None)]
    assert connector.list_new_documents(since, {"01234567"}) == ()


def test_new_documents_by_date(connector):
    documents = connector.list_new_documents(datetime.now(timezone.utc) - timedelta(days=14), {"01456789"})
    assert [(d.kind, d.id) for d in documents] == [(NewDocumentKind.LETTER, "doc-wl-devries-ontslag"),
                                                  (NewDocumentKind.IMAGING_REPORT, "dr-wl-devries-ct")]
    recent = connector.list_new_documents(datetime.now(timezone.utc) - timedelta(days=1), {"01456789"})
    assert [d.id for d in recent] == ["doc-wl-devries-ontslag"]
