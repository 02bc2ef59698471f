"""Strict checks of a UZI-pas authentication certificate.

Contract: ``check_certificate(leaf, intermediates, trust, auth, at)`` returns the card
holder's ``UziIdentity`` or raises ``CertificateRefused`` carrying a stable ``code`` and a
Dutch ``message`` for the login page. Every login path (challenge signed on the card, TLS
client certificate forwarded by the proxy, demo cards) ends here, so the rules live in
one place. The function has no Flask or database dependency; the clock is a parameter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from .errors import CertificateRefused

#: subjectAltName otherName holding the UZI data (CPS UZI-register, "2.5.5.5").
UZI_OTHER_NAME = x509.ObjectIdentifier("2.5.5.5")
#: Certificate policies of the authentication certificate: production and TEST register.
AUTHENTICATION_POLICIES = frozenset({"2.16.528.1.1003.1.2.5.1", "2.16.528.1.1007.99.211"})
MIN_RSA_BITS = 2048

_UZI_NAME = re.compile(
    r"(?P<ca_oid>[0-9]+(?:\.[0-9]+)+)-(?P<version>[0-9]+)-(?P<uzi_number>[0-9]{9})-(?P<card_type>[ZNMS])"
    r"-(?P<subscriber>[0-9]{8})-(?P<role>[0-9]{2}\.[0-9]{3})-(?P<agb_code>[0-9]{8})")



#: Key types a CRL can be signed with (others, such as X25519, can only agree keys).
_SIGNING_KEYS = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, dsa.DSAPublicKey, ed25519.Ed25519PublicKey,
                 ed448.Ed448PublicKey)


def crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    """Is ``crl`` signed by ``issuer``'s key?"""
    key = issuer.public_key()
    return isinstance(key, _SIGNING_KEYS) and crl.is_signature_valid(key)

@dataclass(frozen=True, slots=True)
class UziIdentity:
    """What the card says about its holder (from the 2.5.5.5 otherName and the subject)."""

    uzi_number: str
    card_type: str
    role: str
    agb_code: str | None  # None when the card carries 00000000
    subscriber: str
    ca_oid: str
    version: str
    name: str
    serial_number: int  # of the certificate, for the audit trail


@dataclass(frozen=True)
class TrustStore:
    """A tenant's trusted UZI CA certificates and CRLs.

    ``crl_required``: when true, a card whose issuer has no current CRL is refused (fail
    closed); tenants that configure CRL files get this.
    """

    anchors: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...] = ()
    crl_required: bool = False


def decode_ia5string(der: bytes) -> str:
    """Decode one DER IA5String TLV strictly; raise ``ValueError`` on anything else.

    Strict means: tag 0x16, definite minimal-length encoding, the length covers the rest of
    the input exactly, and every octet is printable ASCII (what the UZI register issues).
    """
    if len(der) < 2 or der[0] != 0x16:
        raise ValueError("not an IA5String")
    first = der[1]
    if first < 0x80:
        length, offset = first, 2
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or len(der) < 2 + count:
            raise ValueError("bad length encoding")
        length = int.from_bytes(der[2:2 + count], "big")
        offset = 2 + count
        if length < 0x80 or der[2] == 0:  # DER: the short form or fewer octets would do
            raise ValueError("length not minimally encoded")
    if len(der) - offset != length:
        raise ValueError("length does not match the content")
    content = der[offset:]
    if any(octet < 0x20 or octet > 0x7E for octet in content):
        raise ValueError("not printable ASCII")
    return content.decode("ascii")


def parse_uzi_identity(cert: x509.Certificate) -> UziIdentity:
    """The holder's identity from the 2.5.5.5 otherName, matched to subject serialNumber."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise CertificateRefused("uzi_name_missing") from None
    except ValueError:
        raise CertificateRefused("uzi_name_invalid") from None
    values = [name.value for name in san.get_values_for_type(x509.OtherName) if name.type_id == UZI_OTHER_NAME]
    if not values:
        raise CertificateRefused("uzi_name_missing")
    if len(values) > 1:
        raise CertificateRefused("uzi_name_invalid")
    try:
        text = decode_ia5string(values[0])
    except ValueError:
        raise CertificateRefused("uzi_name_invalid") from None
    match = _UZI_NAME.fullmatch(text)
    if match is None:
        raise CertificateRefused("uzi_name_invalid")
    serials = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    if len(serials) != 1 or serials[0].value != match["uzi_number"]:
        raise CertificateRefused("uzi_number_mismatch")
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    agb = match["agb_code"]
    return UziIdentity(
        uzi_number=match["uzi_number"], card_type=match["card_type"], role=match["role"],
        agb_code=None if agb == "00000000" else agb, subscriber=match["subscriber"],
        ca_oid=match["ca_oid"], version=match["version"],
        name=str(names[0].value) if names else "", serial_number=cert.serial_number)


def _require_authentication_certificate(cert: x509.Certificate) -> None:
    """KeyUsage digitalSignature only-for-auth, EKU clientAuth, the auth policy, no CA."""
    ext = cert.extensions
    try:
        key_usage = ext.get_extension_for_class(x509.KeyUsage).value
        eku = ext.get_extension_for_class(x509.ExtendedKeyUsage).value
        policies = ext.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        raise CertificateRefused("not_authentication_certificate") from None
    except ValueError:
        raise CertificateRefused("certificate_invalid") from None
    # The signature certificate (nonRepudiation) and the confidentiality certificate
    # (key/data encipherment) are refused even if they were to carry clientAuth.
    if (not key_usage.digital_signature or key_usage.content_commitment or key_usage.key_encipherment
            or key_usage.data_encipherment or key_usage.key_cert_sign):
        raise CertificateRefused("not_authentication_certificate")
    if ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
        raise CertificateRefused("not_authentication_certificate")
    if not {p.policy_identifier.dotted_string for p in policies} & AUTHENTICATION_POLICIES:
        raise CertificateRefused("not_authentication_certificate")
    try:
        if ext.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise CertificateRefused("not_authentication_certificate")
    except x509.ExtensionNotFound:
        pass
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise CertificateRefused("key_unsupported")


def _require_valid_at(cert: x509.Certificate, at: datetime) -> None:
    if at < cert.not_valid_before_utc:
        raise CertificateRefused("certificate_not_yet_valid")
    if at > cert.not_valid_after_utc:
        raise CertificateRefused("certificate_expired")


def _verified_chain(leaf: x509.Certificate, intermediates: list[x509.Certificate],
                    trust: TrustStore, at: datetime) -> list[x509.Certificate]:
    if not trust.anchors:
        raise CertificateRefused("untrusted_chain")
    verifier = (PolicyBuilder().store(Store(list(trust.anchors)))
                .time(at.astimezone(timezone.utc).replace(tzinfo=None)).build_client_verifier())
    try:
        return list(verifier.verify(leaf, intermediates).chain)
    except VerificationError:
        raise CertificateRefused("untrusted_chain") from None


def _require_not_revoked(chain: list[x509.Certificate], trust: TrustStore, at: datetime) -> None:
    """The leaf must be covered by a current CRL of its issuer when CRLs are required;
    the intermediates are checked against any CRL we hold for their issuers."""
    for position, cert in enumerate(chain[:-1]):
        issuer = chain[position + 1]
        crls = [crl for crl in trust.crls
                if crl.issuer == issuer.subject and crl_signed_by(crl, issuer)]
        current = [crl for crl in crls if crl.next_update_utc is not None and crl.next_update_utc >= at
                   and crl.last_update_utc <= at]
        if not current:
            if position == 0 and (trust.crl_required or crls):
                raise CertificateRefused("revocation_unknown")
            continue
        for crl in current:
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None and entry.revocation_date_utc <= at:
                raise CertificateRefused("revoked")


def verify_certificate(leaf: x509.Certificate, intermediates: list[x509.Certificate], trust: TrustStore,
                       at: datetime | None = None) -> UziIdentity:
    """The rules that make ``leaf`` a genuine, current UZI authentication certificate: its
    usage, validity, chain to a trusted CA, revocation status and UZI fields. Says nothing
    about whether the card was present: the certificate is public."""
    at = at or datetime.now(timezone.utc)
    _require_authentication_certificate(leaf)
    _require_valid_at(leaf, at)
    chain = _verified_chain(leaf, intermediates, trust, at)
    _require_not_revoked(chain, trust, at)
    return parse_uzi_identity(leaf)


def check_admission(identity: UziIdentity, allowed_card_types: tuple[str, ...],
                    allowed_roles: tuple[str, ...]) -> None:
    """The tenant's rules for a verified card: its card type and role."""
    if identity.card_type not in allowed_card_types:
        raise CertificateRefused("card_type_not_allowed")
    if identity.role not in allowed_roles:
        raise CertificateRefused("role_not_allowed")


def check_certificate(leaf: x509.Certificate, intermediates: list[x509.Certificate], trust: TrustStore,
                      allowed_card_types: tuple[str, ...], allowed_roles: tuple[str, ...],
                      at: datetime | None = None) -> UziIdentity:
    """Every certificate rule of a UZI login, in a fixed order (see module docstring):
    ``verify_certificate`` then ``check_admission``."""
    identity = verify_certificate(leaf, intermediates, trust, at)
    check_admission(identity, allowed_card_types, allowed_roles)
    return identity


def load_pem_certificate(pem: str | bytes) -> x509.Certificate:
    """One PEM certificate, or ``CertificateRefused('certificate_invalid')``."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise CertificateRefused("certificate_invalid") from None
