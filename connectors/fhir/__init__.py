"""The fhir connector: the EPD contract over HL7 FHIR R4 (nl-core / zib 2020 profiles, or
plain R4). Settings: ``portal_connectors.fhir.settings.Settings``; mapping: docs/fhir-mapping.md."""
from .connector import FhirConnector

__all__ = ["FhirConnector"]
