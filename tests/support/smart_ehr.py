"""The SMART EHR of the launch tests: tests/launch_server/smart_ehr.mjs (npm oidc-provider as
the authorization server, a FHIR API in front of the project's FHIR test server).

``SmartEhr.start(...)`` runs it; ``create_launch(patient, practitioner)`` is the clinician's
click inside the EHR; ``walk(client, location)`` is what a browser does between the portal's
redirect to the authorization endpoint and the EHR's redirect back."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "tests" / "launch_server" / "smart_ehr.mjs"
BSN_SYSTEM = "http://fhir.nl/fhir/NamingSystem/bsn"
UZI_SYSTEM = "http://fhir.nl/fhir/NamingSystem/uzi-nr-pers"
AGB_SYSTEM = "http://fhir.nl/fhir/NamingSystem/agb-z"


def smart_ehr_problem() -> str | None:
    """Why the SMART EHR cannot run here (a skip reason), or None."""
    if shutil.which("node") is None:
        return "node (Node.js) is not installed: the SMART launch tests need it (make system-deps)"
    if not (REPO_ROOT / "node_modules" / "oidc-provider").is_dir():
        return "npm oidc-provider is not installed: run 'make node-deps' (npm ci at the repository root)"
    return None


class SmartEhr:
    def __init__(self, process: subprocess.Popen, fhir_base: str, errors):
        self.process = process
        self.errors = errors
        self.fhir_base = fhir_base
        self.origin = fhir_base.rsplit("/fhir/R4", 1)[0]

    @classmethod
    def start(cls, fhir_upstream: str, client_id: str, redirect_uris: list[str],
              client_secret: str | None = None, port: int = 0) -> "SmartEhr":
        command = ["node", str(SCRIPT), "--port", str(port), "--fhir-upstream", fhir_upstream, "--client-id", client_id,
                   "--redirect-uris", ",".join(redirect_uris)]
        env = dict(os.environ)
        if client_secret:
            env["SMART_EHR_CLIENT_SECRET"] = client_secret
            command += ["--client-secret-env", "SMART_EHR_CLIENT_SECRET"]
        errors = tempfile.TemporaryFile(mode="w+")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("ready "):
            process.kill()
            process.wait()
            process.stdout.close()
            errors.seek(0)
            problem = errors.read()[-2000:]
            errors.close()
            raise RuntimeError(f"the SMART EHR did not start: {line!r} {problem}")
        return cls(process, line.split()[1], errors)

    def stop(self) -> None:
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.errors.close()

    def create_launch(self, patient: str, practitioner: str) -> str:
        response = httpx.post(f"{self.origin}/test/launch", json={"patient": patient, "practitioner": practitioner})
        response.raise_for_status()
        return response.json()["launch"]

    def walk(self, location: str, back_to: str) -> str:
        """Follow the EHR's redirects from ``location`` (the authorization URL) as a browser
        does, until one leads to ``back_to`` (the portal's redirect URI); returns that URL's
        path and query."""
        with httpx.Client(follow_redirects=False, timeout=10) as browser:
            for _ in range(10):
                if location.startswith(back_to):
                    parts = urlsplit(location)
                    return f"{parts.path}?{parts.query}"
                response = browser.get(location)
                assert response.status_code in (302, 303), (response.status_code, response.text[:500])
                location = str(response.url.join(response.headers["Location"]))
        raise AssertionError("the EHR never sent the browser back")


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
