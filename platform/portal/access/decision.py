"""The access rule of the manual (chapters 1 and 2.1) as one pure function.

1. Without the patient's consent (toestemming) nobody sees anything — not even through
   the noodprocedure.
2. With consent, a current treatment relationship (behandelrelatie) gives access: the
   registered GP by personal or practice AGB, a covering practice authorised in advance for
   that practice (waarneming), an open referral by this provider, or the linked elderly-care
   physician.
3. Otherwise, only from a huisartsenpost's network, the noodprocedure: access after the
   provider states a reason; an emergency access already granted (and not expired) counts
   only while the request still comes from the HAP.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol


class RelationFacts(Protocol):
    """What the rule reads of a treatment relation (``portal.epd.models.TreatmentRelation``),
    read-only (the view models are frozen)."""

    @property
    def kind(self) -> str: ...
    @property
    def agb_code(self) -> str | None: ...
    @property
    def practice_agb(self) -> str | None: ...
    @property
    def valid_from(self) -> date | None: ...
    @property
    def valid_until(self) -> date | None: ...


@dataclass(frozen=True)
class ProviderFacts:
    """The logged-in provider as the rule sees them."""

    agb_code: str
    practice_agb: str | None = None
    covered_practice_agbs: frozenset[str] = field(default_factory=frozenset)


class Outcome(enum.Enum):
    ALLOWED = "allowed"
    EMERGENCY_AVAILABLE = "emergency_available"  # may open after the noodprocedure
    DENIED = "denied"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    #: Grounds recorded in the audit log: "consent+registered_gp", "consent+emergency_access", ...
    grounds: str
    #: Why access is refused (for the audit log and the page): "no_consent", "no_treatment_relation".
    refusal: str | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED

    @property
    def listable(self) -> bool:
        """May this patient appear in a result list for this provider (now or via noodprocedure)?"""
        return self.outcome is not Outcome.DENIED


def _current(relation: RelationFacts, today: date) -> bool:
    if relation.valid_from is not None and relation.valid_from > today:
        return False
    return relation.valid_until is None or relation.valid_until >= today


def relation_grounds(provider: ProviderFacts, relations: Iterable[RelationFacts], today: date) -> str | None:
    """The first treatment relationship linking ``provider`` to the patient, or None."""
    for relation in relations:
        if not _current(relation, today):
            continue
        personal = relation.agb_code is not None and relation.agb_code == provider.agb_code
        if relation.kind == "registered_gp":
            if personal:
                return "registered_gp"
            if relation.practice_agb is not None:
                if relation.practice_agb == provider.practice_agb:
                    return "registered_gp_practice"
                if relation.practice_agb in provider.covered_practice_agbs:
                    return "covering_practice"
        elif relation.kind == "referral" and personal:
            return "referral"
        elif relation.kind == "elderly_care_physician" and personal:
            return "elderly_care_physician"
    return None


def decide(provider: ProviderFacts, *, consent: bool, relations: Iterable[RelationFacts], at_hap: bool,
           emergency_granted: bool, today: date) -> Decision:
    """Apply the rule. ``at_hap``: the request comes from one of the tenant's HAP ranges.
    ``emergency_granted``: this provider holds an unexpired emergency access to this patient."""
    if not consent:
        return Decision(Outcome.DENIED, "no_consent", refusal="no_consent")
    grounds = relation_grounds(provider, relations, today)
    if grounds is not None:
        return Decision(Outcome.ALLOWED, f"consent+{grounds}")
    if at_hap:
        if emergency_granted:
            return Decision(Outcome.ALLOWED, "consent+emergency_access")
        return Decision(Outcome.EMERGENCY_AVAILABLE, "consent+hap")
    return Decision(Outcome.DENIED, "consent+no_treatment_relation", refusal="no_treatment_relation")
