"""A real PACS for the tests: Orthanc with its DICOMweb plugin, on a free loopback port.

Orthanc is the Debian package (``/usr/sbin/Orthanc`` with ``orthanc-dicomweb``; installed by
scripts/install-system-deps.sh), never the Debian service: each ``OrthancServer.start()``
writes its own configuration and storage into a temporary folder, accepts HTTP from this
machine only (``RemoteAccessAllowed: false``), opens no DICOM port, and optionally demands
HTTP basic authentication. DICOM files are made here with pydicom (``dicom_instance``): small
uncompressed MONOCHROME2 images that Orthanc can render as JPEG or PNG.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import httpx

ORTHANC = Path(os.environ.get("PORTAL_TEST_ORTHANC", "/usr/sbin/Orthanc"))
DICOMWEB_PLUGIN = Path(os.environ.get("PORTAL_TEST_ORTHANC_DICOMWEB",
                                      "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"))
START_TIMEOUT = 60.0
#: The root of DICOMweb under Orthanc's HTTP server (the plugin's default).
DICOMWEB_ROOT = "/dicom-web"


def orthanc_unavailable() -> str | None:
    """Why Orthanc cannot run here (a skip reason), or None."""
    if not ORTHANC.exists():
        return (f"Orthanc not found at {ORTHANC} (Debian packages orthanc and orthanc-dicomweb; "
                "scripts/install-system-deps.sh installs them)")
    if not DICOMWEB_PLUGIN.exists():
        return f"Orthanc's DICOMweb plugin not found at {DICOMWEB_PLUGIN} (Debian package orthanc-dicomweb)"
    try:
        import pydicom  # noqa: F401
    except ImportError:
        return "the Python package pydicom is not installed (pip install -e '.[test]')"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OrthancServer:
    """One Orthanc process with its own folder; a context manager, or call ``stop()``."""

    def __init__(self, folder: Path, port: int, credentials: tuple[str, str] | None):
        self.folder = folder
        self.port = port
        self.credentials = credentials
        self.process: subprocess.Popen[bytes] | None = None
        self._log = folder / "orthanc.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dicomweb_url(self) -> str:
        """The DICOMweb base URL (what a tenant lists under ``pacs.base_urls``)."""
        return self.base_url + DICOMWEB_ROOT

    @classmethod
    def start(cls, credentials: tuple[str, str] | None = None) -> "OrthancServer":
        """Start a fresh, empty Orthanc; raises RuntimeError if it does not come up."""
        folder = Path(tempfile.mkdtemp(prefix="orthanc-"))
        server = cls(folder, _free_port(), credentials)
        server._write_config()
        server.resume()
        return server

    def _write_config(self) -> None:
        config = {
            "Name": "portal-test-pacs",
            "StorageDirectory": str(self.folder / "storage"),
            "IndexDirectory": str(self.folder / "storage"),
            "Plugins": [str(DICOMWEB_PLUGIN)],
            "HttpPort": self.port,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": self.credentials is not None,
            "RegisteredUsers": dict([self.credentials]) if self.credentials else {},
            "DicomServerEnabled": False,
            "OrthancExplorerEnabled": False,
            "WebDavEnabled": False,
            "SaveJobs": False,
            "DicomWeb": {"Enable": True, "Root": DICOMWEB_ROOT + "/", "EnableWado": False},
        }
        (self.folder / "orthanc.json").write_text(json.dumps(config), encoding="utf-8")

    def resume(self) -> None:
        """Start (again) on the same port and storage: after ``pause()``, the PACS is back."""
        with open(self._log, "ab") as log:
            self.process = subprocess.Popen([str(ORTHANC), str(self.folder / "orthanc.json")],
                                            stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with self.client() as client:
                    if client.get("/system").status_code == 200:
                        return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.pause()
        log_text = self._log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"Orthanc did not start: {log_text or 'no output'}")

    def pause(self) -> None:
        """Stop the process but keep its storage (a PACS that is down)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        self.pause()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "OrthancServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def client(self) -> httpx.Client:
        auth = httpx.BasicAuth(*self.credentials) if self.credentials else None
        return httpx.Client(base_url=self.base_url, auth=auth, timeout=30.0)

    def store(self, *files: bytes) -> None:
        """Upload DICOM files (Orthanc's REST ``POST /instances``)."""
        with self.client() as client:
            for data in files:
                response = client.post("/instances", content=data, headers={"Content-Type": "application/dicom"})
                if response.status_code != 200:
                    raise RuntimeError(f"Orthanc refused a DICOM file: HTTP {response.status_code} {response.text}")


# --------------------------------------------------------------------------- DICOM files


@dataclass(frozen=True)
class TestSeries:
    uid: str
    number: int
    description: str
    modality: str
    instance_uids: tuple[str, ...]  # in instance number order (1, 2, ...)


@dataclass(frozen=True)
class TestStudy:
    uid: str
    patient_number: str
    series: tuple[TestSeries, ...]  # in series number order

    def files(self, patient_name: str, birth_date: str) -> list[bytes]:
        """One DICOM file per instance, in an order that is *not* the display order (the
        PACS and the portal must sort, not the upload)."""
        made = []
        for series in reversed(self.series):
            for number, uid in reversed(list(enumerate(series.instance_uids, start=1))):
                made.append(dicom_instance(
                    patient_id=self.patient_number, patient_name=patient_name, birth_date=birth_date,
                    study_uid=self.uid, series_uid=series.uid, sop_uid=uid, series_number=series.number,
                    instance_number=number, modality=series.modality, description=series.description))
        return made


def test_study(root: str, patient_number: str, series: list[tuple[str, str, int]]) -> TestStudy:
    """A study under the UID root ``root`` (digits and dots) with ``series`` as (modality,
    description, instance count), numbered 1, 2, ... in that order."""
    made = []
    for index, (modality, description, count) in enumerate(series, start=1):
        made.append(TestSeries(uid=f"{root}.{index}", number=index, description=description, modality=modality,
                               instance_uids=tuple(f"{root}.{index}.{n}" for n in range(1, count + 1))))
    return TestStudy(uid=root, patient_number=patient_number, series=tuple(made))


def dicom_instance(*, patient_id: str, patient_name: str, birth_date: str, study_uid: str, series_uid: str,
                   sop_uid: str, series_number: int, instance_number: int, modality: str, description: str,
                   size: tuple[int, int] = (48, 64)) -> bytes:
    """A Secondary Capture image of ``size`` (rows, columns), 8-bit grey, different for each
    series and instance number. Returns the DICOM file's bytes."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage

    rows, columns = size
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = sop_uid
    ds.PatientID = patient_id
    ds.PatientName = patient_name
    ds.PatientBirthDate = birth_date
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.StudyDate = "20251120"
    ds.StudyTime = "150000"
    ds.StudyID = "1"
    ds.AccessionNumber = ""
    ds.Modality = modality
    ds.SeriesNumber = series_number
    ds.InstanceNumber = instance_number
    ds.SeriesDescription = description
    ds.ConversionType = "WSD"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = rows, columns
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    # A grey gradient with a white block whose place tells series (row) and instance (column)
    # apart: Orthanc stretches each image's range when rendering, so brightness alone would not.
    top, left = (series_number * 8) % (rows - 8), (instance_number * 8) % (columns - 8)
    ds.PixelData = bytes(250 if top <= r < top + 8 and left <= c < left + 8 else 20 + (r + c) % 100
                         for r in range(rows) for c in range(columns))
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()
