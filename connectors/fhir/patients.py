"""Patient, consent and treatment relations: FHIR -> PatientSummary / PatientDetails.

- Patient (nl-core-Patient): BSN and hospital number from ``identifier``; the Dutch name parts
  from the humanname-own-/partner- extensions, falling back to plain ``family``.
- Consent: the newest active Consent carrying one of ``codes.consent`` decides; permit = consent.
- Relations: registered GP from ``Patient.generalPractitioner``; elderly-care physician from an
  active CareTeam participant with one of ``codes.elderly_care_physician``; referrals from
  active ServiceRequests with ``codes.referral`` (the requester's AGB).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from portal.epd.models import (
    Address,
    CareProvider,
    Insurance,
    NameUsage,
    PatientSummary,
    RelationKind,
    Sex,
    TreatmentRelation,
    normalise_name,
    normalise_postcode,
)

from .settings import AGB_SYSTEM, BSN_SYSTEM, Settings
from .values import (
    as_dict,
    as_list,
    concept_text,
    dicts,
    display,
    extension_value,
    get,
    has_token,
    identifier,
    lookup,
    parse_date,
    reference,
    text,
)

log = logging.getLogger(__name__)

EXT = "http://hl7.org/fhir/StructureDefinition/"
_SEX = {"male": Sex.MALE, "female": Sex.FEMALE, "other": Sex.OTHER, "unknown": Sex.UNKNOWN}
_NAME_USAGE = {"NL1": NameUsage.OWN, "NL2": NameUsage.PARTNER, "NL3": NameUsage.PARTNER_OWN,
               "NL4": NameUsage.OWN_PARTNER}
_UZOVI = "http://fhir.nl/fhir/NamingSystem/uzovi"


class Unmappable(ValueError):
    """A resource lacks what its view model requires (message names the element, not values)."""


@dataclass
class Directory:
    """Practitioners, roles and organisations fetched for one answer, by "Type/id"."""

    resources: dict[str, dict]

    def get(self, ref: str | None) -> dict | None:
        return self.resources.get(ref) if ref else None

    def role_parts(self, ref: str | None) -> tuple[dict | None, dict | None, dict | None]:
        """(PractitionerRole, Practitioner, Organization) a reference leads to."""
        target = self.get(ref)
        if target is None:
            return None, None, None
        kind = target.get("resourceType")
        if kind == "PractitionerRole":
            return (target, self.get(reference(target.get("practitioner"))),
                    self.get(reference(target.get("organization"))))
        if kind == "Practitioner":
            return None, target, None
        if kind == "Organization":
            return None, None, target
        return None, None, None


# --------------------------------------------------------------------------- names


def _official_name(patient: dict) -> dict:
    names = list(dicts(patient.get("name")))
    for name in names:
        if name.get("use") == "official":
            return name
    return next((n for n in names if n.get("use") not in ("usual", "nickname", "old")), names[0] if names else {})


def name_parts(patient: dict) -> dict:
    """initials, given_name, birth name (+prefix), partner name (+prefix), name_usage."""
    name = _official_name(patient)
    family_ext = name.get("_family")
    own = text(extension_value(family_ext, EXT + "humanname-own-name"))
    own_prefix = text(extension_value(family_ext, EXT + "humanname-own-prefix"))
    partner = text(extension_value(family_ext, EXT + "humanname-partner-name"))
    partner_prefix = text(extension_value(family_ext, EXT + "humanname-partner-prefix"))
    if own is None:  # plain R4: the whole family name is the birth name
        own = text(name.get("family")) or text(name.get("text"))
    if own is None:
        raise Unmappable("patient without a surname")
    given = [g for g in as_list(name.get("given")) if isinstance(g, str) and g.strip()]
    qualifiers = [extension_value(q, EXT + "iso21090-EN-qualifier") for q in as_list(name.get("_given"))]
    qualifiers += [None] * (len(given) - len(qualifiers))
    initials_given = [g for g, q in zip(given, qualifiers) if q == "IN"]
    full_given = [g for g, q in zip(given, qualifiers) if q != "IN" and q != "CL"]
    if initials_given:
        initials = "".join(g.strip() if g.strip().endswith(".") else g.strip() + "." for g in initials_given)
    else:
        initials = "".join(f"{g.strip()[0].upper()}." for g in full_given)
    call_name = next((g for g, q in zip(given, qualifiers) if q == "CL"), None)
    for other in dicts(patient.get("name")):
        if other.get("use") == "usual" and as_list(other.get("given")):
            call_name = call_name or text(as_list(other["given"])[0])
    order = extension_value(name, EXT + "humanname-assembly-order")
    usage = lookup(_NAME_USAGE, order) if isinstance(order, str) else None
    if partner is None:
        usage = NameUsage.OWN
    elif usage is None:
        usage = _usage_as_given(text(name.get("family")), (own_prefix, own), (partner_prefix, partner))
    return {
        "initials": initials,
        "given_name": call_name or (full_given[0] if full_given else None),
        "birth_name_prefix": own_prefix,
        "birth_name": own,
        "partner_name_prefix": partner_prefix,
        "partner_name": partner,
        "name_usage": usage,
    }


def _spelled(*parts: str | None) -> str:
    """A name for comparing: parts joined, spaces collapsed, none around hyphens, casefolded."""
    joined = " ".join(p for p in parts if p)
    return "-".join(" ".join(piece.split()) for piece in joined.split("-")).casefold()


def _usage_as_given(family: str | None, own: tuple[str | None, str], partner: tuple[str | None, str]) -> NameUsage:
    """The naamgebruik that spells ``family`` (the official name as the EPD wrote it) from the
    parts, for a name without the assembly-order extension: nl-core says ``family`` is then
    the name in use. When no order spells it exactly, the order in which the own and partner
    names occur in it decides; when neither occurs, the own name."""
    own_name, partner_name = _spelled(*own), _spelled(*partner)
    given = _spelled(family)
    spelled = {NameUsage.OWN: own_name, NameUsage.PARTNER: partner_name,
               NameUsage.PARTNER_OWN: f"{partner_name}-{own_name}", NameUsage.OWN_PARTNER: f"{own_name}-{partner_name}"}
    for usage, spelling in spelled.items():
        if given == spelling:
            return usage
    at_own, at_partner = given.find(_spelled(own[1])), given.find(_spelled(partner[1]))
    if at_partner < 0:
        return NameUsage.OWN
    if at_own < 0:
        return NameUsage.PARTNER
    return NameUsage.PARTNER_OWN if at_partner < at_own else NameUsage.OWN_PARTNER


def name_matches(patient: dict, wanted: str, partner: bool) -> bool:
    """The ``SearchCriteria`` rule: the normalised text occurs in the (own or partner)
    surname, with or without its prefix."""
    try:
        parts = name_parts(patient)
    except Unmappable:
        return False
    key = normalise_name(wanted)
    prefix, surname = ((parts["partner_name_prefix"], parts["partner_name"]) if partner
                       else (parts["birth_name_prefix"], parts["birth_name"]))
    if not surname:
        return False
    return key in normalise_name(surname) or key in normalise_name(f"{prefix or ''}{surname}")


# --------------------------------------------------------------------------- address


def address(patient_or_org: dict) -> Address | None:
    candidates = list(dicts(patient_or_org.get("address")))
    if not candidates:
        return None
    chosen = next((a for a in candidates if a.get("use") == "home"), None) or next(
        (a for a in candidates if a.get("use") != "old"), candidates[0])
    line_ext = next(iter(as_list(chosen.get("_line"))), None)
    street = text(extension_value(line_ext, EXT + "iso21090-ADXP-streetName"))
    number_text = text(extension_value(line_ext, EXT + "iso21090-ADXP-houseNumber"))
    addition = (text(extension_value(line_ext, EXT + "iso21090-ADXP-buildingNumberSuffix"))
                or text(extension_value(line_ext, EXT + "iso21090-ADXP-additionalLocator")))
    line = next((text(item) for item in as_list(chosen.get("line")) if text(item)), None)
    if street is None and line:  # plain R4: "Haaksbergerstraat 55a"
        street, number_text, addition = _split_line(line)
    number = int(number_text) if number_text and number_text.isdigit() else None
    postcode = text(chosen.get("postalCode"))
    return Address(street=street or "", house_number=number, house_number_addition=addition,
                   postcode=normalise_postcode(postcode) if postcode else None,
                   city=text(chosen.get("city")) or "", country=_country(chosen.get("country")))


def _split_line(line: str) -> tuple[str, str | None, str | None]:
    import re
    match = re.match(r"^(.*?)\s+(\d+)\s*(\S.*)?$", line)
    if not match:
        return line, None, None
    return match.group(1), match.group(2), (match.group(3) or None)


def _country(value) -> str:
    value = text(value)
    if value is None or value.lower() in ("nl", "nld", "nederland", "netherlands", "the netherlands"):
        return "NL"
    return value


def address_matches(patient: dict, postcode: str, house_number: int) -> bool:
    for item in dicts(patient.get("address")):
        if item.get("use") == "old" or not text(item.get("postalCode")):
            continue
        if normalise_postcode(item["postalCode"]) != postcode:
            continue
        parsed = address({"address": [item]})
        if parsed and parsed.house_number == house_number:
            return True
    return False


def telecom(resource: dict, system: str, uses: Iterable[str | None]) -> str | None:
    for use in uses:
        for item in dicts(resource.get("telecom")):
            if item.get("system") == system and item.get("use") == use and text(item.get("value")):
                return item["value"].strip()
    return None


# --------------------------------------------------------------------------- consent and relations


def has_consent(consents: Iterable[dict], settings: Settings, today: date) -> bool:
    """True when the newest active, current Consent with a consent code permits."""
    relevant = []
    for consent in consents:
        if consent.get("status") != "active":
            continue
        marks = as_list(consent.get("category")) + as_list(consent.get("policyRule"))
        if not has_token(marks, settings.codes.consent):
            continue
        provision = as_dict(consent.get("provision"))
        start, end = parse_date(get(provision, "period", "start")), parse_date(get(provision, "period", "end"))
        if (start and start > today) or (end and end < today):
            continue
        relevant.append((parse_date(consent.get("dateTime")) or date.min, consent.get("id") or "", provision))
    if not relevant:
        return False
    _, _, newest = max(relevant, key=lambda item: (item[0], item[1]))
    return newest.get("type", "permit") == "permit"


def _open(start: date | None, end: date | None, today: date) -> bool:
    return (start is None or start <= today) and (end is None or end >= today)


def relation_references(patient: dict, care_teams: Iterable[dict], requests: Iterable[dict]) -> set[str]:
    """The references that must be resolved to know the relations' AGB codes."""
    refs = {reference(gp) for gp in dicts(patient.get("generalPractitioner"))}
    for team in care_teams:
        refs.update(reference(p.get("member")) for p in dicts(team.get("participant")))
    refs.update(reference(r.get("requester")) for r in requests)
    return {r for r in refs if r}


def agb_of(directory: Directory, ref_or_element) -> tuple[str | None, str | None]:
    """(personal AGB, practice AGB) behind a Reference (literal, or logical by identifier)."""
    logical = get(ref_or_element, "identifier")
    if isinstance(logical, dict) and logical.get("system") == AGB_SYSTEM and text(logical.get("value")):
        return logical["value"].strip(), None
    role, person, org = directory.role_parts(reference(ref_or_element))
    personal = identifier(person, AGB_SYSTEM) if person else None
    personal = personal or (identifier(role, AGB_SYSTEM) if role else None)
    practice = identifier(org, AGB_SYSTEM) if org else None
    return personal, practice


def relations(patient: dict, care_teams: Iterable[dict], requests: Iterable[dict], directory: Directory,
              settings: Settings, today: date) -> tuple[TreatmentRelation, ...]:
    found: list[TreatmentRelation] = []
    for gp in dicts(patient.get("generalPractitioner")):
        personal, practice = agb_of(directory, gp)
        if personal or practice:
            found.append(TreatmentRelation(RelationKind.REGISTERED_GP, personal, practice))
    for team in care_teams:
        if team.get("status") not in (None, "active"):
            continue
        team_start, team_end = parse_date(get(team, "period", "start")), parse_date(get(team, "period", "end"))
        for participant in dicts(team.get("participant")):
            role, _, _ = directory.role_parts(reference(participant.get("member")))
            role_marks = as_list(role.get("code")) + as_list(role.get("specialty")) if role else []
            marks = as_list(participant.get("role")) + role_marks
            if not has_token(marks, settings.codes.elderly_care_physician):
                continue
            start = parse_date(get(participant, "period", "start")) or team_start
            end = parse_date(get(participant, "period", "end")) or team_end
            personal, practice = agb_of(directory, participant.get("member"))
            if (personal or practice) and _open(start, end, today):
                found.append(TreatmentRelation(RelationKind.ELDERLY_CARE_PHYSICIAN, personal, practice, start, end))
    for request in requests:
        if not is_open_referral(request, settings, today):
            continue
        personal, practice = agb_of(directory, request.get("requester"))
        if personal or practice:
            found.append(TreatmentRelation(RelationKind.REFERRAL, personal, practice,
                                           parse_date(request.get("authoredOn")), referral_valid_until(request)))
    return tuple(dict.fromkeys(found))


def referral_valid_until(request: dict) -> date | None:
    return parse_date(get(request, "occurrencePeriod", "end"))


def is_open_referral(request: dict, settings: Settings, today: date) -> bool:
    if request.get("status") != "active" or not has_token(request.get("category"), settings.codes.referral):
        return False
    return _open(parse_date(request.get("authoredOn")), referral_valid_until(request), today)


# --------------------------------------------------------------------------- summaries and details


def summary(patient: dict, consent: bool, found_relations: tuple[TreatmentRelation, ...],
            settings: Settings) -> PatientSummary:
    """Raises ``Unmappable`` when the Patient lacks a surname or birth date."""
    birth_date = parse_date(patient.get("birthDate"))
    if birth_date is None:
        raise Unmappable("patient without a valid birth date")
    deceased = bool(patient.get("deceasedBoolean")) or bool(patient.get("deceasedDateTime"))
    return PatientSummary(
        patient_id=patient["id"],
        patient_number=identifier(patient, settings.patient_number_system) or "",
        bsn=identifier(patient, BSN_SYSTEM),
        birth_date=birth_date,
        sex=lookup(_SEX, patient.get("gender")) or Sex.UNKNOWN,
        consent=consent,
        relations=found_relations,
        deceased=deceased,
        **name_parts(patient),
    )


def care_provider(directory: Directory, ref_or_element) -> CareProvider | None:
    role, person, org = directory.role_parts(reference(ref_or_element))
    shown = display(ref_or_element)
    if role is None and person is None and org is None:
        return CareProvider(name=shown) if shown else None
    person_name = _person_name(person) if person else None
    contact = role or person or org
    phone = ((telecom(contact, "phone", ("work", None)) if contact else None)
             or (telecom(org, "phone", ("work", None)) if org else None))
    if person_name is None and org is not None:  # a practice or pharmacy without a named person
        return CareProvider(name=text(org.get("name")) or shown or "", practice_agb=identifier(org, AGB_SYSTEM),
                            agb_code=identifier(org, AGB_SYSTEM) if role is None else None,
                            address=address(org), phone=phone)
    return CareProvider(
        name=person_name or shown or "",
        agb_code=((identifier(person, AGB_SYSTEM) if person else None)
                  or (identifier(role, AGB_SYSTEM) if role else None)),
        practice_name=text(org.get("name")) if org else None,
        practice_agb=identifier(org, AGB_SYSTEM) if org else None,
        address=(address(org) if org else None) or (address(person) if person else None),
        phone=phone,
    )


def _person_name(person: dict) -> str | None:
    for name in dicts(person.get("name")):
        if text(name.get("text")):
            return text(name["text"])
        given = " ".join(g for g in as_list(name.get("given")) if isinstance(g, str))
        family = text(name.get("family"))
        if family:
            prefix = " ".join(p for p in as_list(name.get("prefix")) if isinstance(p, str))
            return " ".join(part for part in (prefix, given, family) if part)
    return None


def practitioner_name(directory: Directory, ref_or_element) -> str | None:
    """Who a Reference names: the resolved person's name, else the Reference's display."""
    role, person, org = directory.role_parts(reference(ref_or_element))
    if person:
        return _person_name(person) or display(ref_or_element)
    if org and not role:
        return text(org.get("name")) or display(ref_or_element)
    return display(ref_or_element)


def provider_by_codes(care_teams: Iterable[dict], directory: Directory, wanted: Iterable[str]) -> CareProvider | None:
    """The first active CareTeam member whose participant role, PractitionerRole code or
    specialty, or Organization type carries one of ``wanted``."""
    wanted = tuple(wanted)
    for team in care_teams:
        if team.get("status") not in (None, "active"):
            continue
        for participant in dicts(team.get("participant")):
            role, _, org = directory.role_parts(reference(participant.get("member")))
            marks = list(as_list(participant.get("role")))  # a copy: += must not grow the resource
            if role:
                marks += as_list(role.get("code")) + as_list(role.get("specialty"))
            if org:
                marks += as_list(org.get("type"))
            if has_token(marks, wanted):
                return care_provider(directory, participant.get("member"))
    return None


def insurance(coverages: Iterable[dict], directory: Directory, today: date) -> Insurance | None:
    current = []
    for coverage in coverages:
        if coverage.get("status") != "active":
            continue
        start, end = parse_date(get(coverage, "period", "start")), parse_date(get(coverage, "period", "end"))
        if end and end < today:
            continue
        current.append((start or date.min, coverage))
    if not current:
        return None
    start, coverage = max(current, key=lambda item: item[0])
    payor = next(dicts(coverage.get("payor")), None)
    org = directory.get(reference(payor))
    company = (text(org.get("name")) if org else None) or display(payor) or concept_text(coverage.get("type")) or ""
    return Insurance(company=company, policy_number=text(coverage.get("subscriberId")) or identifier(coverage, "")
                     or next((text(i.get("value")) for i in dicts(coverage.get("identifier"))), None),
                     start_date=None if start == date.min else start,
                     uzovi_code=identifier(org, _UZOVI) if org else None)
