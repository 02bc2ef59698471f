"""What a launch says, whichever way it came: ``LaunchContext``, checked field by field.

A HIS's JWT names its claims as the tenant YAML maps them (``launch.signed[].claims``, the
Twente HINQ convention by default); a SMART launch gives the same fields from the EHR's
token response and FHIR API. Either way the values are checked here: a UZI number and an
AGB code are digits, the BSN passes the 11-proef, the destination is one of the portal's
pages by a fixed name — never a URL.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

from stdnum.nl import bsn as bsn_number

from .refusals import LaunchRefused

#: The pages a launch may open, by the fixed name a HIS sends -> the portal's endpoint.
DESTINATIONS = {
    "patientinformatie": "patient.info",
    "zorgmomenten": "care_events.index",
    "dossier": "record.index",
    "brieven": "record.letters",
    "uitslagen": "results.index",
    "labuitslagen": "results.lab",
    "metingen": "results.measurements",
    "microbiologie": "results.microbiology",
    "pathologie": "results.pathology",
    "radiologie": "results.imaging",
}
DEFAULT_DESTINATION = "patientinformatie"

_UZI = re.compile(r"^\d{6,12}$")
_AGB = re.compile(r"^\d{8}$")
_BIG = re.compile(r"^\d{9,11}$")
_URA = re.compile(r"^\d{8}$")


@dataclass(frozen=True)
class LaunchContext:
    """A verified launch: who launched (``issuer``, the tenant YAML's name), its id (``jti``
    or the SMART ``launch``), the provider, their organisation, the patient's BSN and the page.

    ``bsn`` is never logged or put in a URL; ``audit_details`` leaves it out."""

    kind: str
    issuer: str
    launch_id: str
    bsn: str
    destination: str = DEFAULT_DESTINATION
    provider_uzi: str | None = None
    provider_agb: str | None = None
    provider_big: str | None = None
    organisation_ura: str | None = None
    organisation_agb: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "LaunchContext":
        return cls(**json.loads(text))

    def audit_details(self) -> dict[str, str]:
        """The launch as the route in, for ``AuditEvent.details`` (no BSN)."""
        details = {"route": "launch", "launch": self.kind, "issuer": self.issuer,
                   "jti" if self.kind == "signed" else "launch_id": self.launch_id, "destination": self.destination}
        for name in ("provider_uzi", "provider_agb", "organisation_ura", "organisation_agb"):
            value = getattr(self, name)
            if value:
                details[name] = value
        return details


def text(value: object) -> str | None:
    """A claim as text: strings stripped, whole numbers as digits, anything else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _checked(value: object, pattern: re.Pattern, what: str) -> str | None:
    found = text(value)
    if found is None:
        return None
    if not pattern.match(found):
        raise LaunchRefused("invalid", problem=what)
    return found


def build(kind: str, issuer: str, launch_id: str, *, bsn: object, destination: object = None,
          provider_uzi: object = None, provider_agb: object = None, provider_big: object = None,
          organisation_ura: object = None, organisation_agb: object = None) -> LaunchContext:
    """A ``LaunchContext`` from raw claim values; ``LaunchRefused("invalid")`` naming the
    problem (never the value) when one is missing or malformed."""
    number = text(bsn)
    if number is None or not bsn_number.is_valid(number):
        raise LaunchRefused("invalid", problem="patient BSN missing or failing the 11-proef")
    page = (text(destination) or DEFAULT_DESTINATION).lower()
    if page not in DESTINATIONS:
        raise LaunchRefused("invalid", problem="unknown destination")
    uzi = _checked(provider_uzi, _UZI, "provider UZI number malformed")
    agb = _checked(provider_agb, _AGB, "provider AGB code malformed")
    if uzi is None and agb is None:
        raise LaunchRefused("invalid", problem="no provider UZI number or AGB code")
    return LaunchContext(
        kind=kind, issuer=issuer, launch_id=launch_id, bsn=bsn_number.compact(number), destination=page,
        provider_uzi=uzi, provider_agb=agb, provider_big=_checked(provider_big, _BIG, "provider BIG malformed"),
        organisation_ura=_checked(organisation_ura, _URA, "organisation URA malformed"),
        organisation_agb=_checked(organisation_agb, _AGB, "organisation AGB code malformed"))
