"""The radiology case of the PACS tests: DICOM studies of the test patients in Orthanc and the
FHIR resources that offer them (DiagnosticReport -> ImagingStudy -> Endpoint), plus a small
HTTP server that records what it is asked (a PACS outside the allow-list, or one answering
garbage).

pt-devries (patient number 03115577) has a CT study with three series in the PACS, reached
through its Endpoint, and an MR study reached through the tenant's first PACS (no Endpoint);
pt-jansen (02448128) has an X-ray study. Reports that must show nothing of the PACS: one of
pt-devries's pointing at pt-jansen's study, one whose Endpoint lies outside the allow-list,
and a preliminary one.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .orthanc import OrthancServer, TestStudy, orthanc_unavailable, test_study

DEVRIES, JANSEN = "pt-devries", "pt-jansen"
#: Orthanc's basic-auth user; the password is in the environment variable the tenant names.
PACS_USER, PACS_PASSWORD, PACS_PASSWORD_ENV = "portal", "pacs-test-wachtwoord", "PORTAL_TEST_PACS_PASSWORD"
#: UIDs under the 2.25 arc (UUID-derived, no registration needed), fixed for the tests.
DEVRIES_CT = test_study("2.25.1000001", "03115577", [("CT", "Thorax", 3), ("CT", "Abdomen", 2), ("CT", "", 2)])
DEVRIES_MR = test_study("2.25.1000002", "03115577", [("MR", "Knie sagittaal", 2)])
JANSEN_DX = test_study("2.25.1000003", "02448128", [("DX", "X-thorax PA", 1)])
WADO_RS = {"system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "code": "dicom-wado-rs"}


def load_studies(orthanc: OrthancServer) -> None:
    orthanc.store(*DEVRIES_CT.files("Vries-Bos^Maria", "19381102"), *DEVRIES_MR.files("Vries-Bos^Maria", "19381102"),
                  *JANSEN_DX.files("Jansen^Bernard", "19450315"))


def _endpoint(endpoint_id: str, address: str) -> dict:
    return {"resourceType": "Endpoint", "id": endpoint_id, "status": "active", "connectionType": WADO_RS,
            "payloadType": [{"text": "DICOM"}], "address": address}


def _study(study_id: str, patient: str, study: TestStudy, endpoint: str | None) -> dict:
    resource = {"resourceType": "ImagingStudy", "id": study_id, "status": "available",
                "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:{study.uid}"}],
                "subject": {"reference": f"Patient/{patient}"}, "started": "2025-11-20T15:00:00+01:00",
                "modality": [{"system": "http://dicom.nema.org/resources/ontology/DCM",
                              "code": study.series[0].modality}]}
    if endpoint:
        resource["endpoint"] = [{"reference": f"Endpoint/{endpoint}"}]
    return resource


def _report(report_id: str, patient: str, title: str, study_id: str, status: str = "final") -> dict:
    return {"resourceType": "DiagnosticReport", "id": report_id, "status": status,
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "RAD"}]}],
            "code": {"text": title}, "subject": {"reference": f"Patient/{patient}"},
            "effectiveDateTime": "2025-11-20T15:00:00+01:00", "issued": "2025-11-20T17:00:00+01:00",
            "imagingStudy": [{"reference": f"ImagingStudy/{study_id}"}],
            "resultsInterpreter": [{"display": "Dr. P. Hendriks, radioloog"}],
            "presentedForm": [{"contentType": "text/plain", "data": "R2VlbiBhZndpamtpbmdlbi4="}],
            "conclusion": "Geen afwijkingen"}


def fhir_resources(pacs_url: str, outside_url: str) -> list[dict]:
    """The resources offering the studies; ``pacs_url`` is Orthanc's DICOMweb base,
    ``outside_url`` an address that is not on the tenant's list."""
    return [
        _endpoint("ep-pacs", pacs_url),
        _endpoint("ep-outside", outside_url),
        _study("is-devries-ct", DEVRIES, DEVRIES_CT, "ep-pacs"),
        _study("is-devries-mr", DEVRIES, DEVRIES_MR, None),
        _study("is-devries-outside", DEVRIES, DEVRIES_MR, "ep-outside"),
        _study("is-jansen-dx", JANSEN, JANSEN_DX, "ep-pacs"),
        _report("dr-devries-ct", DEVRIES, "CT thorax en abdomen", "is-devries-ct"),
        _report("dr-devries-mr", DEVRIES, "MRI knie", "is-devries-mr"),
        _report("dr-devries-outside", DEVRIES, "MRI knie (extern)", "is-devries-outside"),
        _report("dr-devries-foreign", DEVRIES, "X-thorax (verwisseld)", "is-jansen-dx"),
        _report("dr-devries-draft", DEVRIES, "CT concept", "is-devries-ct", status="preliminary"),
        _report("dr-jansen-dx", JANSEN, "X-thorax", "is-jansen-dx"),
    ]


# --------------------------------------------------------------------------- a recording HTTP server


@dataclass
class Answer:
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    body: bytes = b"<html><body>Dit is geen PACS</body></html>"


@dataclass
class RecordingServer:
    """An HTTP server on loopback that gives every GET the same ``answer`` and records the
    paths and headers it was asked for."""

    answer: Answer = field(default_factory=Answer)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                owner.requests.append((self.path, dict(self.headers.items())))
                self.send_response(owner.answer.status)
                self.send_header("Content-Type", owner.answer.content_type)
                self.send_header("Content-Length", str(len(owner.answer.body)))
                self.end_headers()
                self.wfile.write(owner.answer.body)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# --------------------------------------------------------------------------- the whole case


@dataclass
class PacsWorld:
    orthanc: OrthancServer
    fhir: object          # portal_connectors.fhir.testing.FhirTestServer
    outside: RecordingServer

    def pacs_settings(self, **overrides) -> dict:
        """The tenant's ``pacs`` block for this case (basic auth, password from the environment)."""
        return {"base_urls": [self.orthanc.dicomweb_url],
                "auth": {"method": "basic", "username": PACS_USER, "password_env": PACS_PASSWORD_ENV},
                "timeout_seconds": 20, **overrides}


@contextmanager
def pacs_world() -> Iterator[PacsWorld]:
    """Orthanc with the studies, a FHIR test server of its own with the portal's test patients
    and the resources offering the studies, and the outside server; skips, saying why, where
    Orthanc or Node.js is missing. Sets the PACS password's environment variable."""
    import os

    from portal_connectors.fhir.testing import PORTAL_PATIENTS_DIR, FhirTestServer, node_problem, read_resources

    problem = orthanc_unavailable() or node_problem()
    if problem:
        pytest.skip(problem)
    os.environ[PACS_PASSWORD_ENV] = PACS_PASSWORD
    outside = RecordingServer()
    orthanc = OrthancServer.start(credentials=(PACS_USER, PACS_PASSWORD))
    try:
        load_studies(orthanc)
        with FhirTestServer.start() as fhir:
            fhir.load(read_resources(PORTAL_PATIENTS_DIR) + fhir_resources(orthanc.dicomweb_url,
                                                                            outside.url + "/dicom-web"))
            yield PacsWorld(orthanc, fhir, outside)
    finally:
        orthanc.stop()
        outside.close()
