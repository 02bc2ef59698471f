"""Testing the fhir connector against a real FHIR server, for this project's tests and the
contract suite (``contract_fixture``, entry point ``portal.connector_tests``: fhir).

The server is tests/fhir_server/server.cjs: Medplum's FHIR router over its in-memory
repository (npm packages pinned in tests/fhir_server/package-lock.json, installed by
``make install``).

``FhirTestServer.start()`` runs ``node server.cjs`` on a free loopback port and waits for its
"ready <url>" line; ``load()`` sends resources as batch bundles of PUTs (ids are kept, so the
examples' references stay valid; Medplum limits transactions with conditional entries, batches
are not limited). ``node_problem()`` says why the server cannot run here, or None.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
HERE = REPO_ROOT / "tests" / "fhir_server"
DATA_DIR = REPO_ROOT / "tests" / "data" / "fhir"
NICTIZ_DIR = DATA_DIR / "nictiz-zib2020"
PORTAL_PATIENTS_DIR = DATA_DIR / "portal-test-patients"
START_TIMEOUT = 90.0
#: What ``httpx.Client`` takes as ``verify`` and as ``cert``.
Verify = ssl.SSLContext | str | bool
Cert = str | tuple[str, str] | tuple[str, str, str] | None


def node_problem() -> str | None:
    """Why the FHIR server cannot start on this machine (a skip reason), or None."""
    if shutil.which("node") is None:
        return ("node (Node.js) is not installed: the FHIR connector tests need it to run the Medplum test server "
                "(make system-deps installs it)")
    if not (HERE / "node_modules" / "@medplum" / "fhir-router").is_dir():
        return "the Medplum test server is not installed: run 'make install' (npm ci in tests/fhir_server)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FhirTestServer:
    """One running server process; use as a context manager or call ``stop()``."""

    def __init__(self, process: subprocess.Popen[str], base_url: str, verify: Verify = False, cert: Cert = None,
                 headers: Mapping[str, str] | None = None):
        self.process = process
        self.base_url = base_url
        self._verify = verify
        self._cert = cert
        self._headers = dict(headers or {})
        #: The server's stderr (a temporary file), closed by ``stop()``.
        self._errors: IO[str] | None = None

    @classmethod
    def start(cls, *args: str, env: Mapping[str, str] | None = None, **client_options) -> "FhirTestServer":
        """Start ``node server.cjs --port <free> <args...>``; raises RuntimeError if it fails."""
        command = ["node", str(HERE / "server.cjs"), "--port", str(free_port()), *args]
        # stderr goes to a file: an undrained pipe would block a chatty server.
        errors = tempfile.TemporaryFile(mode="w+")
        process = subprocess.Popen(command, cwd=HERE, stdout=subprocess.PIPE, stderr=errors,
                                   env={**os.environ, **(env or {})}, text=True)
        stdout = process.stdout
        assert stdout is not None  # stdout=PIPE
        ready: list[str] = []
        reader = threading.Thread(target=lambda: ready.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        line = ready[0] if ready else ""
        if not line.startswith("ready "):
            process.kill()
            process.wait(10)
            stdout.close()
            errors.seek(0)
            err = errors.read().strip()
            errors.close()
            raise RuntimeError(f"the test FHIR server did not start: {err[-2000:] or 'no output'}")
        server = cls(process, line.split(" ", 1)[1].strip(), **client_options)
        server._errors = errors
        return server

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, verify=self._verify, cert=self._cert, headers=self._headers,
                            timeout=60.0)

    def load(self, resources: Iterable[Mapping], batch_size: int = 100) -> int:
        """PUT every resource (batch bundles); returns how many; raises if any entry failed."""
        loaded = 0
        with self.client() as client:
            for chunk in _chunks(list(resources), batch_size):
                bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
                    {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
                    for r in chunk]}
                response = client.post("", json=bundle, headers={"Content-Type": "application/fhir+json"})
                response.raise_for_status()
                for sent, answer in zip(chunk, response.json().get("entry", []), strict=True):
                    status = answer.get("response", {}).get("status", "")
                    if not status.startswith("2"):
                        raise RuntimeError(f"loading {sent['resourceType']}/{sent['id']} failed: "
                                           f"{json.dumps(answer)[:500]}")
                loaded += len(chunk)
        return loaded

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        if self._errors is not None:
            self._errors.close()

    def __enter__(self) -> "FhirTestServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def read_resources(folder: Path) -> list[dict]:
    """Every resource in ``folder/*.json``: single resources, or the entries of a Bundle."""
    resources: list[dict] = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("resourceType") == "Bundle":
            resources.extend(entry["resource"] for entry in data.get("entry", []))
        else:
            resources.append(data)
    return resources


def all_test_resources() -> list[dict]:
    """The Nictiz zib2020 examples plus the project's own Dutch test patients."""
    return read_resources(NICTIZ_DIR) + read_resources(PORTAL_PATIENTS_DIR)


# --------------------------------------------------------------------------- shared server and the contract suite

#: The hospital patient-number system of the test patients (2.999 is the example OID arc).
TEST_PATIENT_NUMBER_SYSTEM = "urn:oid:2.999.528.1.1"
#: Text present only in unapproved (draft, entered-in-error, superseded) test resources.
DRAFT_MARKER = "CONCEPTTEKST-NIET-GEACCORDEERD"
_shared: FhirTestServer | None = None
_shared_lock = threading.Lock()


def shared_server() -> FhirTestServer:
    """One loaded server per test process (started on first use, stopped at exit), so the
    project's tests and the contract suite do not each pay the start-up and loading."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.process.poll() is not None:
            problem = node_problem()
            if problem:
                import pytest
                pytest.skip(problem)
            server = FhirTestServer.start()
            try:
                now = datetime.now(timezone.utc)
                server.load(all_test_resources() + recent_resources(now) + worklist_resources(now))
            except BaseException:
                server.stop()
                raise
            atexit.register(server.stop)
            _shared = server
        return _shared


def recent_resources(now: datetime) -> list[dict]:
    """Resources whose dates must be relative to today (static files would age): emergency
    department visits of the last days, for the SEH overzicht."""
    visits = []
    for patient_id, days, complaint in (("pt-jansen", 2, "Pijn op de borst"), ("pt-smit", 1, "Val van trap")):
        arrived = now - timedelta(days=days)
        visits.append({
            "resourceType": "Encounter", "id": f"enc-recent-seh-{patient_id}", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER"},
            "subject": {"reference": f"Patient/{patient_id}"}, "reasonCode": [{"text": complaint}],
            "period": {"start": arrived.isoformat(timespec="seconds"),
                       "end": (arrived + timedelta(hours=3)).isoformat(timespec="seconds")},
            "hospitalization": {"admitSource": {"text": "Ambulance"}, "dischargeDisposition": {"text": "Naar huis"}}})
    return visits


def worklist_resources(now: datetime) -> list[dict]:
    """The worklist's resources around ``now`` (``worklist_testing``)."""
    from .worklist_testing import worklist_resources as resources
    return resources(now)


def connector_settings(server: FhirTestServer, **overrides):
    from .settings import Settings
    raw = {"base_url": server.base_url, "patient_number_system": TEST_PATIENT_NUMBER_SYSTEM,
           "timeout_seconds": 30, **overrides}
    return Settings.model_validate(raw)


@contextmanager
def contract_fixture(tmp_path):
    """The fhir connector for the contract suite (portal.epd.testing), on the shared server."""
    from datetime import date

    from portal.epd.models import Sex
    from portal.epd.testing import ContractFixture, KnownPatient

    from .connector import FhirConnector

    server = shared_server()
    connector = FhirConnector(connector_settings(server), tmp_path)
    try:
        yield ContractFixture(
            connector=connector,
            patient=KnownPatient(patient_id="pt-devries", patient_number="03115577", bsn="999900006", birth_name="Bos",
                                 birth_date=date(1938, 11, 2), sex=Sex.FEMALE, postcode="7514DR", house_number=120,
                                 consent=True, partner_name="Vries", relation_agb_codes=frozenset({"01456789"})),
            patient_without_consent=KnownPatient(patient_id="pt-smit", patient_number="04002211", bsn="999900018",
                                                 birth_name="Smit", birth_date=date(1970, 1, 31), sex=Sex.MALE,
                                                 postcode="7514BC", house_number=9, consent=False,
                                                 relation_agb_codes=frozenset({"01234567"})),
            unknown_patient_id="pt-does-not-exist",
            rich_patient_id="pt-jansen",
            draft_markers=(DRAFT_MARKER,),
            other_patient_ids=("pt-devries", "pt-smit", "pt-visser", "nl-core-Patient-01"),
            worklist_agb_codes=frozenset({"01456789"}),
        )
    finally:
        connector.close()
