"""The "Patiënt zoeken" form of the manual (2.1.1): field checks and the accepted combinations.

A patient is found by exactly one of the manual's combinations:

- Patiëntnummer
- BSN
- (deel van) geboortenaam + geboortedatum + geslacht
- (deel van) partnernaam + geboortedatum + geslacht
- postcode + huisnummer

The first complete combination (in that order) is the search; every other field filled in
narrows its results (``Refinements``). Fewer fields give the manual's "te weinig gegevens"
error naming what is missing. Pure functions: no Flask, no EPD.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.nl import bsn as nl_bsn
from stdnum.nl import postcode as nl_postcode

from ..core.formatting import parse_nl_date
from ..core.freetext import normalise
from ..epd.models import PatientSummary, SearchCriteria, SearchKind, Sex, normalise_name

#: Form field -> label on the screen (the manual's words).
LABELS = {
    "patient_number": "Patiëntnummer",
    "bsn": "BSN",
    "birth_name": "Geboortenaam",
    "partner_name": "Partnernaam",
    "birth_date": "Geboortedatum",
    "sex": "Geslacht",
    "postcode": "Postcode",
    "house_number": "Huisnummer",
}
SEX_CHOICES = (("male", "Man"), ("female", "Vrouw"), ("other", "Anders"), ("unknown", "Onbekend"))

COMBINATIONS: tuple[tuple[SearchKind, tuple[str, ...]], ...] = (
    (SearchKind.PATIENT_NUMBER, ("patient_number",)),
    (SearchKind.BSN, ("bsn",)),
    (SearchKind.BIRTH_NAME, ("birth_name", "birth_date", "sex")),
    (SearchKind.PARTNER_NAME, ("partner_name", "birth_date", "sex")),
    (SearchKind.ADDRESS, ("postcode", "house_number")),
)

TOO_LITTLE = "U heeft te weinig gegevens ingevuld om de patiënt te zoeken."
NOTHING_FILLED = (f"{TOO_LITTLE} Zoek op patiëntnummer, op BSN, op (deel van) geboortenaam of partnernaam met "
                  "geboortedatum en geslacht, of op postcode met huisnummer.")

MAX_LENGTH = 100
_PATIENT_NUMBER = re.compile(r"[A-Za-z0-9-]{1,20}")
_HOUSE_NUMBER = re.compile(r"(\d{1,5})\s*[-/ ]?\s*([A-Za-z0-9]{0,6})")
OLDEST_BIRTH_YEAR = 1880


@dataclass(frozen=True)
class HouseNumber:
    """A house number as typed: the number and its addition ("7a", "7-2", "7 A" give 7 with
    "a", "2", "a"). ``addition`` is lower case without separators, or None."""

    number: int
    addition: str | None = None

    def matches(self, number: int | None, addition: str | None) -> bool:
        """The patient's number equals ``number``; when an addition was typed, the patient's
        addition (written in any of the usual ways) equals it too."""
        if number != self.number:
            return False
        return self.addition is None or normalise_addition(addition) == self.addition


def normalise_addition(addition: str | None) -> str | None:
    """"-2", " 2", "/2" and "2" are one addition; "A" and "a" too. Empty gives None."""
    text = re.sub(r"[\s/-]", "", addition or "").lower()
    return text or None


@dataclass(frozen=True)
class Refinements:
    """Fields filled in beyond the search's combination: every result must match them too."""

    values: Mapping[str, object] = field(default_factory=dict)

    @property
    def needs_address(self) -> bool:
        """Postcode or house number can only be checked against the patient's details."""
        return "postcode" in self.values or "house_number" in self.values

    def match_summary(self, patient: PatientSummary) -> bool:
        v = self.values
        if "patient_number" in v and patient.patient_number != v["patient_number"]:
            return False
        if "bsn" in v and patient.bsn != v["bsn"]:
            return False
        if "birth_date" in v and patient.birth_date != v["birth_date"]:
            return False
        if "sex" in v and patient.sex != v["sex"]:
            return False
        for key, prefix, name in (("birth_name", patient.birth_name_prefix, patient.birth_name),
                                  ("partner_name", patient.partner_name_prefix, patient.partner_name)):
            if key in v and not _name_matches(str(v[key]), prefix, name):
                return False
        return True

    def match_address(self, postcode: str | None, house_number: int | None, addition: str | None = None) -> bool:
        """The patient's address matches the postcode and house number (with its addition,
        when one was typed) filled in beyond the search's combination."""
        v = self.values
        if "postcode" in v and postcode != v["postcode"]:
            return False
        wanted = v.get("house_number")
        return not isinstance(wanted, HouseNumber) or wanted.matches(house_number, addition)


@dataclass
class SearchForm:
    """The submitted form: raw values to show again, errors per field, a form-level error, and
    — when valid — the criteria and refinements."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    criteria: SearchCriteria | None = None
    refinements: Refinements = field(default_factory=Refinements)

    @property
    def valid(self) -> bool:
        return self.criteria is not None

    def audit_details(self) -> dict[str, str]:
        """What the audit log records of this search (NEN 7513: the criteria used)."""
        details = {"kind": self.criteria.kind.value} if self.criteria else {}
        details.update({name: value for name, value in self.values.items() if value})
        return details


def parse_search(form: Mapping[str, str], today: date) -> SearchForm:
    """Check the submitted form; ``today`` bounds the birth date."""
    # Normalised like all free text (core.freetext): the criteria are also stored in the audit log.
    values = {name: normalise(form.get(name, ""))[:MAX_LENGTH] for name in LABELS}
    result = SearchForm(values=values)
    parsed: dict[str, object] = {}
    for name, raw in values.items():
        if not raw:
            continue
        try:
            parsed[name] = _PARSERS[name](raw, today)
        except FieldError as exc:
            result.errors[name] = str(exc)
    if result.errors:
        result.error = "Controleer de gemarkeerde velden."
        return result
    for kind, fields in COMBINATIONS:
        if all(name in parsed for name in fields):
            result.criteria = _criteria(kind, parsed)
            # The EPD searches postcode + number (any addition): a typed addition narrows the
            # results against each patient's address.
            kept = {k: v for k, v in parsed.items()
                    if k not in fields or (k == "house_number" and isinstance(v, HouseNumber) and v.addition)}
            result.refinements = Refinements(kept)
            return result
    result.error = too_little_message(set(parsed))
    return result


def too_little_message(filled: set[str]) -> str:
    """The "te weinig gegevens" error, naming what is missing for the combinations begun.

    The two name combinations share birth date and sex, so they count as one ("naam") whose
    name is "Geboortenaam of Partnernaam" until one of the two is filled in.
    """
    options: list[tuple[list[str], str]] = []
    name_fields = {"birth_name", "partner_name", "birth_date", "sex"}
    if filled & name_fields:
        missing = [] if filled & {"birth_name", "partner_name"} else ["Geboortenaam of Partnernaam"]
        missing += [LABELS[name] for name in ("birth_date", "sex") if name not in filled]
        options.append((missing, "zoeken op naam"))
    if filled & {"postcode", "house_number"}:
        options.append(([LABELS[name] for name in ("postcode", "house_number") if name not in filled],
                         "zoeken op postcode en huisnummer"))
    if not options:
        return NOTHING_FILLED
    if len(options) == 1:
        return f"{TOO_LITTLE} Vul ook in: {_and(options[0][0])}."
    return f"{TOO_LITTLE} Vul ook in: " + " of ".join(f"{_and(missing)} ({way})" for missing, way in options) + "."


def _and(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " en " + labels[-1]


class FieldError(ValueError):
    """A field's value is wrong; the message is the Dutch text shown beside it."""


def _patient_number(raw: str, today: date) -> str:
    if not _PATIENT_NUMBER.fullmatch(raw):
        raise FieldError("Een patiëntnummer bestaat alleen uit cijfers en letters.")
    return raw


def _bsn(raw: str, today: date) -> str:
    digits = re.sub(r"[\s.]", "", raw)
    # An old BSN may be written with 8 digits (its leading zero left out).
    if not digits.isdigit() or len(digits) not in (8, 9):
        raise FieldError("Een BSN bestaat uit 9 cijfers.")
    number = nl_bsn.compact(digits)
    try:
        nl_bsn.validate(number)
    except InvalidChecksum:
        raise FieldError("Dit BSN is niet geldig: het voldoet niet aan de elfproef. Controleer het nummer.") from None
    except ValidationError:
        raise FieldError("Een BSN bestaat uit 9 cijfers.") from None
    return number


def _name(label: str):
    def parse(raw: str, today: date) -> str:
        if not normalise_name(raw):
            raise FieldError(f"Vul bij {label} (een deel van) de naam in, in letters.")
        return raw
    return parse


def _birth_date(raw: str, today: date) -> date:
    try:
        value = parse_nl_date(raw, "geboortedatum")
    except ValueError as exc:
        raise FieldError(str(exc)) from None
    if value > today:
        raise FieldError("De geboortedatum ligt in de toekomst.")
    if value.year < OLDEST_BIRTH_YEAR:
        raise FieldError(f"De geboortedatum ligt voor {OLDEST_BIRTH_YEAR}. Controleer het jaar.")
    return value


def _sex(raw: str, today: date) -> Sex:
    if raw not in {value for value, _ in SEX_CHOICES}:
        raise FieldError("Kies een geslacht uit de lijst.")
    return Sex(raw)


def _postcode(raw: str, today: date) -> str:
    try:
        return nl_postcode.compact(nl_postcode.validate(raw))
    except ValidationError:
        raise FieldError("Deze postcode is niet geldig. Vul de postcode in als 1234 AB.") from None


def _house_number(raw: str, today: date) -> HouseNumber:
    match = _HOUSE_NUMBER.fullmatch(raw)
    if not match or int(match.group(1)) == 0:
        raise FieldError("Vul het huisnummer in als getal, bijvoorbeeld 55 of 55a.")
    return HouseNumber(int(match.group(1)), normalise_addition(match.group(2)))


_PARSERS = {
    "patient_number": _patient_number,
    "bsn": _bsn,
    "birth_name": _name("Geboortenaam"),
    "partner_name": _name("Partnernaam"),
    "birth_date": _birth_date,
    "sex": _sex,
    "postcode": _postcode,
    "house_number": _house_number,
}


def _criteria(kind: SearchKind, parsed: Mapping[str, Any]) -> SearchCriteria:
    """The criteria of ``kind`` from the parsed fields (each parser gave its field's type)."""
    if kind is SearchKind.PATIENT_NUMBER:
        return SearchCriteria.by_patient_number(parsed["patient_number"])
    if kind is SearchKind.BSN:
        return SearchCriteria.by_bsn(parsed["bsn"])
    if kind is SearchKind.BIRTH_NAME:
        return SearchCriteria.by_birth_name(parsed["birth_name"], parsed["birth_date"], parsed["sex"])
    if kind is SearchKind.PARTNER_NAME:
        return SearchCriteria.by_partner_name(parsed["partner_name"], parsed["birth_date"], parsed["sex"])
    return SearchCriteria.by_address(parsed["postcode"], parsed["house_number"].number)


def _name_matches(wanted: str, prefix: str | None, name: str | None) -> bool:
    """``SearchCriteria``'s name rule: the normalised text occurs in the surname, with or
    without its prefix."""
    if not name:
        return False
    needle = normalise_name(wanted)
    return needle in normalise_name(name) or needle in normalise_name(f"{prefix or ''}{name}")
