"""Reading FHIR JSON values defensively: every helper returns None (or empty) for a
missing or malformed element instead of raising, so one odd resource never breaks a page."""
from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from portal.clock import DEFAULT as DEFAULT_CLOCK

_TAG = re.compile(r"<[^>]+>")
T = TypeVar("T")


def as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def as_dict(value: Any) -> dict:
    """A JSON object element, or an empty dict when it is missing or malformed."""
    return value if isinstance(value, dict) else {}


def dicts(value: Any) -> Iterator[dict]:
    """The dict items of a list element (skipping anything malformed)."""
    return (item for item in as_list(value) if isinstance(item, dict))


def text(value: Any) -> str | None:
    """A non-empty stripped string, or None."""
    return value.strip() or None if isinstance(value, str) else None


def codings(concept: Any) -> list[dict]:
    return list(dicts(concept.get("coding"))) if isinstance(concept, dict) else []


def concept_text(concept: Any) -> str | None:
    """What to show for a CodeableConcept: its text, else the first coding display, else code."""
    if not isinstance(concept, dict):
        return None
    if text(concept.get("text")):
        return text(concept["text"])
    for coding in codings(concept):
        if text(coding.get("display")):
            return text(coding["display"])
    for coding in codings(concept):
        if text(coding.get("code")):
            return text(coding["code"])
    return None


def first_text(concepts: Any) -> str | None:
    for concept in dicts(concepts):
        shown = concept_text(concept)
        if shown:
            return shown
    return None


def tokens(concepts: Any) -> set[str]:
    """``system|code`` of every coding of one or more CodeableConcepts (or Codings)."""
    found = set()
    for concept in dicts(concepts):
        items = codings(concept) if "coding" in concept else [concept]
        for coding in items:
            system, code = coding.get("system"), coding.get("code")
            if isinstance(system, str) and isinstance(code, str):
                found.add(f"{system}|{code}")
    return found


def codes(concepts: Any, system: str | None = None) -> set[str]:
    """Codes of every coding (of ``system`` only, if given)."""
    return {t.split("|", 1)[1] for t in tokens(concepts) if system is None or t.split("|", 1)[0] == system}


def has_token(concepts: Any, wanted: Iterable[str]) -> bool:
    return not tokens(concepts).isdisjoint(wanted)


def first_code(concept: Any, system: str | None = None) -> tuple[str | None, str | None]:
    """(code, system) of the first coding (of ``system``, if given)."""
    for coding in codings(concept):
        if system is None or coding.get("system") == system:
            if text(coding.get("code")):
                return coding["code"], text(coding.get("system"))
    return None, None


#: The zone the view models' naive datetimes are in: the hospital clock's default zone
#: (tenants of this connector use the default; see portal.clock).
HOSPITAL_TIME = DEFAULT_CLOCK.zone


def local(moment: datetime) -> datetime:
    """A naive datetime in hospital local time (aware ones are converted)."""
    return moment.astimezone(HOSPITAL_TIME).replace(tzinfo=None) if moment.tzinfo else moment


def parse_datetime(value: Any) -> datetime | None:
    """FHIR dateTime/instant -> naive datetime in hospital local time (the offset, if any,
    applied). A date alone gives midnight; a year or year-month gives its first day."""
    if not isinstance(value, str) or not value:
        return None
    raw = value.strip()
    try:
        if len(raw) == 4:
            return datetime(int(raw), 1, 1)
        if len(raw) == 7:
            return datetime(int(raw[:4]), int(raw[5:7]), 1)
        if len(raw) == 10:
            return datetime.fromisoformat(raw)
        return local(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        return None


def parse_date(value: Any) -> date | None:
    moment = parse_datetime(value)
    return moment.date() if moment else None


def period_start(resource: dict, prefix: str) -> datetime | None:
    """``<prefix>DateTime`` or ``<prefix>Period.start`` or ``<prefix>Instant``."""
    return (parse_datetime(resource.get(f"{prefix}DateTime")) or parse_datetime(resource.get(f"{prefix}Instant"))
            or parse_datetime(_get(resource, f"{prefix}Period", "start")))


def period_end(resource: dict, prefix: str) -> datetime | None:
    return parse_datetime(_get(resource, f"{prefix}Period", "end"))


def _get(resource: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(resource, dict):
            return None
        resource = resource.get(key)
    return resource


get = _get


def extension(element: Any, url: str) -> dict | None:
    for ext in dicts(_get(element, "extension")):
        if ext.get("url") == url:
            return ext
    return None


def extension_value(element: Any, url: str) -> Any:
    ext = extension(element, url)
    if not ext:
        return None
    for key, value in ext.items():
        if key.startswith("value"):
            return value
    return None


def reference(value: Any) -> str | None:
    return text(_get(value, "reference"))


def references(values: Iterable[Any]) -> set[str]:
    """The literal references of some Reference elements (those without one left out)."""
    return {ref for ref in map(reference, values) if ref}


def lookup(table: Mapping[str, T], code: Any) -> T | None:
    """What ``table`` says for a code read from a resource; None when it is absent or unknown."""
    return None if code is None else table.get(code)


def display(value: Any) -> str | None:
    """The display of a Reference (what the EPD says it points at)."""
    return text(_get(value, "display"))


def identifier(resource: Any, system: str) -> str | None:
    for ident in dicts(_get(resource, "identifier")):
        if ident.get("system") == system and text(ident.get("value")):
            return ident["value"].strip()
    return None


def narrative(div: Any) -> str | None:
    """Plain text of an XHTML narrative (tags dropped, entities decoded, whitespace joined)."""
    if not isinstance(div, str):
        return None
    plain = html.unescape(_TAG.sub(" ", re.sub(r"<br\s*/?>|</(p|div|li|tr)>", "\n", div)))
    lines = [" ".join(line.split()) for line in plain.splitlines()]
    return "\n".join(line for line in lines if line) or None


def notes(resource: dict) -> str | None:
    parts = [text(n.get("text")) for n in dicts(resource.get("note"))]
    return "\n".join(p for p in parts if p) or None


def quantity_text(quantity: Any) -> tuple[str | None, float | None, str | None]:
    """(value as shown, numeric value, unit) of a Quantity."""
    if not isinstance(quantity, dict):
        return None, None, None
    number = quantity.get("value")
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        return None, None, text(quantity.get("unit")) or text(quantity.get("code"))
    shown = f"{quantity.get('comparator', '')}{format_number(number)}"
    numeric = None if quantity.get("comparator") else float(number)
    return shown, numeric, text(quantity.get("unit")) or text(quantity.get("code"))


def format_number(number: float) -> str:
    return str(number)
