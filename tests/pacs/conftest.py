"""Fixtures of the PACS tests: Orthanc (DICOMweb) and a FHIR test server offering its studies
(``support.pacs_case``); every test here skips, saying why, without Orthanc or Node.js."""
from __future__ import annotations

import pytest

from portal_connectors.fhir import FhirConnector
from portal_connectors.fhir.testing import connector_settings
from support.pacs_case import pacs_world


@pytest.fixture(scope="session")
def world():
    with pacs_world() as made:
        yield made


@pytest.fixture(scope="session")
def make_connector(world, tmp_path_factory):
    """``make_connector(**pacs overrides)``: a FhirConnector on the case's FHIR server and PACS;
    each is closed at the end of the session."""
    made: list[FhirConnector] = []

    def make(**pacs) -> FhirConnector:
        settings = connector_settings(world.fhir, pacs=world.pacs_settings(**pacs))
        connector = FhirConnector(settings, tmp_path_factory.mktemp("pacs"))
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()


@pytest.fixture(scope="session")
def connector(make_connector):
    return make_connector()
