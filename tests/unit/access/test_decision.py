"""The access rule, tested exhaustively over plain values (hypothesis).

The oracle below states the manual's rule declaratively, as sets; ``decide`` walks the
relations. They must agree on every generated case.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.access.decision import Outcome, ProviderFacts, decide

TODAY = date(2026, 11, 26)
AGBS = ["01000001", "01000002", "01000003"]          # personal AGB codes
PRACTICES = ["02000001", "02000002", "02000003"]     # practice AGB codes
KINDS = ["registered_gp", "referral", "elderly_care_physician", "other"]


@dataclass(frozen=True)
class Relation:
    kind: str
    agb_code: str | None
    practice_agb: str | None
    valid_from: date | None
    valid_until: date | None


def day_offsets():
    return st.one_of(st.none(), st.integers(-3, 3).map(lambda d: TODAY + timedelta(days=d)))


relations = st.builds(Relation, kind=st.sampled_from(KINDS), agb_code=st.one_of(st.none(), st.sampled_from(AGBS)),
                      practice_agb=st.one_of(st.none(), st.sampled_from(PRACTICES)),
                      valid_from=day_offsets(), valid_until=day_offsets())
providers = st.builds(ProviderFacts, agb_code=st.sampled_from(AGBS),
                      practice_agb=st.one_of(st.none(), st.sampled_from(PRACTICES)),
                      covered_practice_agbs=st.frozensets(st.sampled_from(PRACTICES), max_size=2))


def oracle(provider, consent, rels, at_hap, granted) -> Outcome:
    current = [r for r in rels if (r.valid_from is None or r.valid_from <= TODAY)
               and (r.valid_until is None or r.valid_until >= TODAY)]
    personal = {r.agb_code for r in current if r.kind in ("registered_gp", "referral", "elderly_care_physician")}
    practices = {r.practice_agb for r in current if r.kind == "registered_gp"} - {None}
    mine = {provider.practice_agb} - {None}
    related = provider.agb_code in personal or bool(practices & (mine | provider.covered_practice_agbs))
    if not consent:
        return Outcome.DENIED
    if related or (at_hap and granted):
        return Outcome.ALLOWED
    return Outcome.EMERGENCY_AVAILABLE if at_hap else Outcome.DENIED


@settings(max_examples=3000, deadline=None)
@given(provider=providers, consent=st.booleans(), rels=st.lists(relations, max_size=4),
       at_hap=st.booleans(), granted=st.booleans())
def test_decide_agrees_with_the_rule(provider, consent, rels, at_hap, granted):
    decision = decide(provider, consent=consent, relations=rels, at_hap=at_hap, emergency_granted=granted, today=TODAY)
    assert decision.outcome is oracle(provider, consent, rels, at_hap, granted)
    assert decision.listable == (decision.outcome is not Outcome.DENIED)
    if not consent:
        assert decision.refusal == "no_consent"


@given(provider=providers, rels=st.lists(relations, max_size=4), at_hap=st.booleans(), granted=st.booleans())
def test_no_consent_means_nothing_even_in_an_emergency(provider, rels, at_hap, granted):
    decision = decide(provider, consent=False, relations=rels, at_hap=at_hap, emergency_granted=granted, today=TODAY)
    assert decision.outcome is Outcome.DENIED and not decision.listable


def test_grounds_name_the_relationship():
    gp = ProviderFacts(agb_code="01000001", practice_agb="02000001", covered_practice_agbs=frozenset({"02000009"}))
    cases = [
        (Relation("registered_gp", "01000001", None, None, None), "consent+registered_gp"),
        (Relation("registered_gp", "01999999", "02000001", None, None), "consent+registered_gp_practice"),
        (Relation("registered_gp", "01999999", "02000009", None, None), "consent+covering_practice"),
        (Relation("referral", "01000001", None, None, TODAY), "consent+referral"),
        (Relation("elderly_care_physician", "01000001", None, TODAY, None), "consent+elderly_care_physician"),
    ]
    for relation, grounds in cases:
        decision = decide(gp, consent=True, relations=[relation], at_hap=False, emergency_granted=False, today=TODAY)
        assert decision.allowed and decision.grounds == grounds


def test_expired_referral_gives_no_access():
    gp = ProviderFacts(agb_code="01000001")
    old = Relation("referral", "01000001", None, None, TODAY - timedelta(days=1))
    decision = decide(gp, consent=True, relations=[old], at_hap=False, emergency_granted=False, today=TODAY)
    assert decision.outcome is Outcome.DENIED and decision.refusal == "no_treatment_relation"


def test_emergency_grant_counts_only_at_the_hap():
    gp = ProviderFacts(agb_code="01000001")
    at_hap = decide(gp, consent=True, relations=[], at_hap=True, emergency_granted=True, today=TODAY)
    elsewhere = decide(gp, consent=True, relations=[], at_hap=False, emergency_granted=True, today=TODAY)
    assert at_hap.allowed and at_hap.grounds == "consent+emergency_access"
    assert elsewhere.outcome is Outcome.DENIED
