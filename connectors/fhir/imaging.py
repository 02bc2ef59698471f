"""The images of one imaging report: those its ``DiagnosticReport.media`` links (Media ->
Binary, on the FHIR server) and those of its ``ImagingStudy`` in the hospital's PACS
(DICOMweb, ``dicomweb.DicomWebClient``).

Only studies the EPD offers are fetched: the report is read by id and must be this patient's
(``subject``), an approved imaging report by the rules of ``list_imaging``; each study must be
the same patient's, ``available``, and carry its Study Instance UID. The PACS is never
searched by anything the browser sent: the browser names an image only by its item id,

    <report id>_<study>_<series>_<instance>

the positions (from 1) of the study in the report and of the series and instance in the
PACS's answers, ordered by series number and instance number. UIDs never leave the portal.

Where the study is: its Endpoint (connectionType ``dicom-wado-rs``, status active; contained
or on the FHIR server) when it has one, whose address must lie below one of the tenant's
``pacs.base_urls`` (else ``EpdBadData``: a FHIR resource cannot make the portal fetch another
address); the first of ``pacs.base_urls`` when it has none.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from portal.epd.errors import EpdBadData, ItemNotFound
from portal.epd.models import Document, ImageInfo, ImageSeries, ImagingReport

from . import results
from .client import split_reference
from .dicomweb import DicomInstance, DicomSeries, DicomWebClient, study_uid
from .patients import Unmappable
from .values import codes, dicts, get, reference, text

if TYPE_CHECKING:
    from .connector import FhirConnector

log = logging.getLogger(__name__)
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_IMAGE_ID = re.compile(r"^(?P<report>[A-Za-z0-9\-.]{1,64})_(?P<study>[1-9][0-9]{0,2})"
                       r"_(?P<series>[1-9][0-9]{0,4})_(?P<instance>[1-9][0-9]{0,5})$")
WADO_RS = "dicom-wado-rs"


def image_id(report_id: str, study: int, series: int, instance: int) -> str:
    return f"{report_id}_{study}_{series}_{instance}"


def is_study_image(image_id_: str) -> bool:
    """Whether ``image_id_`` names an image in the PACS (else it is a Media id)."""
    return isinstance(image_id_, str) and _IMAGE_ID.match(image_id_) is not None


@dataclass(frozen=True, slots=True)
class _Study:
    position: int      # of the study among the report's imagingStudy references, from 1
    uid: str
    base: str          # the DICOMweb base URL, on the tenant's list


class StudyImages:
    """``list_image_series`` and PACS images of ``get_image`` for ``FhirConnector``."""

    def __init__(self, connector: "FhirConnector", pacs: DicomWebClient | None):
        self.connector = connector
        self.pacs = pacs

    # -- the report and its studies ----------------------------------------------------------

    def _report(self, patient_id: str, report_id: str) -> tuple[ImagingReport, dict, dict[str, dict]]:
        """The approved imaging report ``report_id`` of this patient (model, resource, linked
        resources); ``PatientNotFound`` first, else ``ItemNotFound``."""
        connector, client = self.connector, self.connector.client
        connector._check_id(patient_id)
        got = client.gather({"patient": lambda: connector._patient(patient_id),
                             "report": lambda: client.read("DiagnosticReport", report_id)
                             if _FHIR_ID.match(report_id) else None})
        report = got["report"]
        if (report is None or split_reference(reference(report.get("subject")), client.base_url)
                != ("Patient", patient_id)
                or results.report_section(report) & (results.MICROBIOLOGY | results.PATHOLOGY)):
            raise ItemNotFound("no such imaging report")
        refs = {reference(s) for s in dicts(report.get("imagingStudy"))}
        refs |= {reference(get(m, "link")) for m in dicts(report.get("media"))}
        linked = connector._by_ids(r for r in refs if r)
        try:
            mapped = results.imaging(report, linked, linked, {}, {})
        except (Unmappable, KeyError, TypeError, ValueError, AttributeError) as exc:
            log.warning("FHIR imaging report left out: %s", exc if isinstance(exc, Unmappable) else type(exc).__name__)
            mapped = None
        if mapped is None:
            raise ItemNotFound("no such imaging report")
        return mapped, report, linked

    def _studies(self, patient_id: str, report: dict, linked: dict[str, dict]) -> list[_Study]:
        """The report's studies in the PACS, each with the base URL to ask (checked)."""
        if self.pacs is None:
            return []
        client = self.connector.client
        chosen: list[tuple[int, str, dict]] = []
        for position, link in enumerate(dicts(report.get("imagingStudy")), start=1):
            study = linked.get(reference(link) or "")
            uid = study_uid(study) if study else None
            if study is None or uid is None or study.get("status") != "available":
                continue
            if split_reference(reference(study.get("subject")), client.base_url) != ("Patient", patient_id):
                log.warning("FHIR imaging study left out: its subject is not the report's patient")
                continue
            chosen.append((position, uid, study))
        refs = {reference(e) or "" for _, _, s in chosen for e in dicts(s.get("endpoint"))}
        endpoints = self.connector._by_ids(r for r in refs if r and not r.startswith("#"))
        return [_Study(position, uid, self.pacs.base_for(_address(study, endpoints)))
                for position, uid, study in chosen]

    # -- contract methods ----------------------------------------------------------------------

    def list_image_series(self, patient_id: str, report_id: str) -> tuple[ImageSeries, ...]:
        mapped, report, linked = self._report(patient_id, report_id)
        found: list[ImageSeries] = []
        if mapped.images:
            found.append(ImageSeries(number=None, description="", modality=None, images=mapped.images))
        if self.pacs is None:
            return tuple(found)
        room = self.pacs.settings.max_instances
        for study in self._studies(patient_id, report, linked):
            series = self.pacs.series(study.base, study.uid)
            calls: dict[str, Callable[[], list[DicomInstance]]] = {
                str(index): partial(self.pacs.instances, study.base, study.uid, item.uid)
                for index, item in enumerate(series)}
            instances = self.connector.client.gather(calls)
            for index, item in enumerate(series):
                images = []
                for position, instance in enumerate(instances[str(index)][:room], start=1):
                    images.append(ImageInfo(
                        id=image_id(report_id, study.position, index + 1, position),
                        title=f"{_series_name(item, index + 1)}, beeld {instance.number or position}",
                        content_type=self.pacs.settings.rendered_type))
                room -= len(images)
                if images:
                    found.append(ImageSeries(number=item.number, description=item.description or "",
                                             modality=item.modality, images=tuple(images)))
                if room <= 0:
                    log.warning("imaging study has more images than pacs.max_instances; the rest is not shown")
                    return tuple(found)
        return tuple(found)

    def get_image(self, patient_id: str, image_id_: str) -> Document:
        match = _IMAGE_ID.match(image_id_)
        if match is None:
            raise ItemNotFound("no such image")
        pacs = self._pacs()
        _, report, linked = self._report(patient_id, match["report"])
        study = next((s for s in self._studies(patient_id, report, linked) if s.position == int(match["study"])), None)
        if study is None:
            raise ItemNotFound("no such image")
        series = _nth(pacs.series(study.base, study.uid), int(match["series"]))
        instance = _nth(pacs.instances(study.base, study.uid, series.uid), int(match["instance"]))
        if int(match["instance"]) > pacs.settings.max_instances:
            raise ItemNotFound("no such image")
        content_type, data = pacs.rendered(study.base, study.uid, series.uid, instance.uid)
        title = f"{_series_name(series, int(match['series']))}, beeld {instance.number or match['instance']}"
        return Document(content_type=content_type, data=data, title=title)

    def _pacs(self) -> DicomWebClient:
        if self.pacs is None:
            raise ItemNotFound("no PACS is configured")
        return self.pacs


def _nth(items: list, position: int):
    if not 1 <= position <= len(items):
        raise ItemNotFound("no such image")
    return items[position - 1]


def _series_name(series: DicomSeries, position: int) -> str:
    return series.description or (f"Serie {series.number}" if series.number is not None else f"Serie {position}")


def _address(study: dict, endpoints: dict[str, dict]) -> str | None:
    """The address of the study's active WADO-RS Endpoint; None when it names none.
    ``EpdBadData`` when it names one that cannot be read (it is not guessed)."""
    contained = {f"#{c.get('id')}": c for c in dicts(study.get("contained")) if c.get("resourceType") == "Endpoint"}
    for link in dicts(study.get("endpoint")):
        ref = reference(link) or ""
        endpoint = contained.get(ref) or endpoints.get(ref)
        if endpoint is None:
            raise EpdBadData("imaging study endpoint cannot be read")
        if endpoint.get("status") == "active" and WADO_RS in codes([endpoint.get("connectionType")]):
            address = text(endpoint.get("address"))
            if address is None:
                raise EpdBadData("imaging study endpoint without an address")
            return address
    return None
