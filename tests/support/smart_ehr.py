"""The SMART EHR of the launch tests: tests/launch_server/smart_ehr.mjs (npm oidc-provider as
the authorization server, a FHIR API in front of the project's FHIR test server).

``SmartEhr.start(...)`` runs it; ``create_launch(patient, practitioner)`` is the clinician's
click inside the EHR; ``walk(client, location)`` is what a browser does between the portal's
redirect to the authorization endpoint and the EHR's redirect back."""
from __future__ import annotations

from pathlib import Path

import httpx

from .node_oidc import NodeServer, node_problem, walk

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "tests" / "launch_server" / "smart_ehr.mjs"
BSN_SYSTEM = "http://fhir.nl/fhir/NamingSystem/bsn"
UZI_SYSTEM = "http://fhir.nl/fhir/NamingSystem/uzi-nr-pers"
AGB_SYSTEM = "http://fhir.nl/fhir/NamingSystem/agb-z"


def smart_ehr_problem() -> str | None:
    """Why the SMART EHR cannot run here (a skip reason), or None."""
    return node_problem("the SMART launch tests")


class SmartEhr(NodeServer):
    @classmethod
    def start(cls, fhir_upstream: str, client_id: str, redirect_uris: list[str],
              client_secret: str | None = None, port: int = 0) -> "SmartEhr":
        args = ["--port", str(port), "--fhir-upstream", fhir_upstream, "--client-id", client_id,
                "--redirect-uris", ",".join(redirect_uris)]
        env = {}
        if client_secret:
            env["SMART_EHR_CLIENT_SECRET"] = client_secret
            args += ["--client-secret-env", "SMART_EHR_CLIENT_SECRET"]
        server = NodeServer.run(SCRIPT, args, "the SMART EHR", env)
        return cls(server.process, server.url, server.errors)

    @property
    def fhir_base(self) -> str:
        return self.url

    @property
    def origin(self) -> str:
        return self.url.rsplit("/fhir/R4", 1)[0]

    def create_launch(self, patient: str, practitioner: str) -> str:
        response = httpx.post(f"{self.origin}/test/launch", json={"patient": patient, "practitioner": practitioner})
        response.raise_for_status()
        return response.json()["launch"]

    def walk(self, location: str, back_to: str) -> str:
        """Follow the EHR's redirects from ``location`` until one leads to ``back_to``."""
        return walk(location, back_to, "the EHR")


def ehr_resources(practitioner_id: str, uzi: str, agb: str, patients: dict[str, str]) -> list[dict]:
    """A Practitioner (UZI number, AGB code) and Patients (id -> BSN) as the EHR's FHIR API holds them."""
    resources: list[dict] = [{
        "resourceType": "Practitioner", "id": practitioner_id,
        "identifier": [{"system": UZI_SYSTEM, "value": uzi}, {"system": AGB_SYSTEM, "value": agb}],
        "name": [{"family": "Test", "given": ["Huisarts"]}]}]
    for patient_id, bsn in patients.items():
        resources.append({"resourceType": "Patient", "id": patient_id,
                          "identifier": [{"system": BSN_SYSTEM, "value": bsn}],
                          "name": [{"family": "Launch"}], "gender": "unknown"})
    return resources
