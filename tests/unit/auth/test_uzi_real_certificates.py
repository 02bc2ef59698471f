"""The real TEST UZI-pas certificates (tests/data/uzi/README.md) with a fixed clock."""
import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509

from portal.auth.errors import CertificateRefused
from portal.auth.uzi import TrustStore, check_certificate, parse_uzi_identity

DATA = Path(__file__).resolve().parents[2] / "data" / "uzi"
CLOCK = dt.datetime(2018, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
TEST_TENANT = dict(allowed_card_types=("Z",), allowed_roles=("01.000",))


def load(name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate((DATA / f"{name}.cer").read_bytes())


@pytest.fixture(scope="module")
def chain():
    return [load("UZI-Test Zorg CSP CA G3"), load("UZI-Test Zorg CSP Level 2 Persoon CA G3")]


@pytest.fixture(scope="module")
def trust():
    return TrustStore(anchors=(load("UZI-Test Zorg CSP Root CA G3"),))


def test_authentication_certificate_is_accepted_at_2018(trust, chain):
    identity = check_certificate(load("Authenticiteit"), chain, trust, **TEST_TENANT, at=CLOCK)
    assert (identity.uzi_number, identity.card_type, identity.role) == ("900016528", "Z", "01.000")
    assert identity.subscriber == "90000382" and identity.agb_code is None
    assert identity.ca_oid == "2.16.528.1.1007.99.217" and identity.name == "Jan test-90014548"


def test_trusting_only_the_issuing_uzi_ca_is_enough(chain):
    trust = TrustStore(anchors=(chain[0],))
    assert check_certificate(load("Authenticiteit"), [], trust, **TEST_TENANT, at=CLOCK).uzi_number == "900016528"


@pytest.mark.parametrize("name", ["Handtekening", "Vertrouwelijkheidcertificaat"])
def test_signature_and_confidentiality_certificates_are_refused(trust, chain, name):
    with pytest.raises(CertificateRefused) as refused:
        check_certificate(load(name), chain, trust, **TEST_TENANT, at=CLOCK)
    assert refused.value.code == "not_authentication_certificate"


def test_all_three_carry_the_same_uzi_identity():
    identities = {parse_uzi_identity(load(n)) .uzi_number for n in
                  ("Authenticiteit", "Handtekening", "Vertrouwelijkheidcertificaat")}
    assert identities == {"900016528"}


@pytest.mark.parametrize("when, code", [
    (dt.datetime(2020, 7, 13, tzinfo=dt.timezone.utc), "certificate_expired"),
    (dt.datetime(2017, 7, 1, tzinfo=dt.timezone.utc), "certificate_not_yet_valid"),
])
def test_outside_the_validity_dates(trust, chain, when, code):
    with pytest.raises(CertificateRefused) as refused:
        check_certificate(load("Authenticiteit"), chain, trust, **TEST_TENANT, at=when)
    assert refused.value.code == code


def test_default_roles_refuse_the_test_card(trust, chain):
    with pytest.raises(CertificateRefused) as refused:
        check_certificate(load("Authenticiteit"), chain, trust, ("Z",), ("01.015", "01.047"), at=CLOCK)
    assert refused.value.code == "role_not_allowed"


def test_missing_intermediates_do_not_chain(trust):
    with pytest.raises(CertificateRefused) as refused:
        check_certificate(load("Authenticiteit"), [], trust, **TEST_TENANT, at=CLOCK)
    assert refused.value.code == "untrusted_chain"


def test_required_crl_absent_fails_closed(chain):
    trust = TrustStore(anchors=(chain[0],), crl_required=True)
    with pytest.raises(CertificateRefused) as refused:
        check_certificate(load("Authenticiteit"), [], trust, **TEST_TENANT, at=CLOCK)
    assert refused.value.code == "revocation_unknown"
