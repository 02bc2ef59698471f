"""A UZI-like certificate authority that issues cards: the demo CA and the tests' CA.

It issues the three certificates of a UZI-pas the way the UZI register's CPS describes
them (authentication: digitalSignature + clientAuth; signature: nonRepudiation;
confidentiality: key/data encipherment), with the 2.5.5.5 otherName and subject
serialNumber, under a root -> issuing CA chain, and signs CRLs. Never used for production
trust: the demo CA lives in the instance folder and is trusted only by demo tenants
outside production.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .uzi import UZI_OTHER_NAME

TEST_CA_OID = "2.16.528.1.1007.99.217"
POLICIES = {"authentication": "2.16.528.1.1007.99.211", "signature": "2.16.528.1.1007.99.212",
            "confidentiality": "2.16.528.1.1007.99.213"}
_YEAR = dt.timedelta(days=365)


def new_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ia5string_der(text: str) -> bytes:
    """DER of an IA5String (tag 0x16, definite length) — what a card's otherName holds."""
    content = text.encode("ascii")
    if len(content) < 0x80:
        return bytes([0x16, len(content)]) + content
    length = len(content).to_bytes((len(content).bit_length() + 7) // 8, "big")
    return bytes([0x16, 0x80 | len(length)]) + length + content


def uzi_name(uzi_number: str, card_type: str, role: str, agb_code: str = "00000000",
             subscriber: str = "90000001", ca_oid: str = TEST_CA_OID) -> str:
    return f"{ca_oid}-1-{uzi_number}-{card_type}-{subscriber}-{role}-{agb_code}"


@dataclass
class Card:
    """One certificate of a card with its private key and the chain up to (not incl.) the root."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)

    def sign(self, data: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256, as the card does."""
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def chain_pem(self) -> list[str]:
        return [c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in self.chain]


def _name(common_name: str, organisation: str = "CIBG") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca_certificate(subject: x509.Name, key, issuer: x509.Name, issuer_key, not_before: dt.datetime,
                    path_length: int | None) -> x509.Certificate:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_before + 10 * _YEAR)
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
            .sign(issuer_key, hashes.SHA256()))


@dataclass
class UziAuthority:
    """Root CA -> issuing "UZI-register Zorgverlener CA" -> cards."""

    root_key: rsa.RSAPrivateKey
    root: x509.Certificate
    issuing_key: rsa.RSAPrivateKey
    issuing: x509.Certificate

    @classmethod
    def create(cls, name: str = "TEST", not_before: dt.datetime | None = None) -> "UziAuthority":
        start = not_before or dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
        root_key, issuing_key = new_key(), new_key()
        root_name = _name(f"{name} Zorg CSP Root CA")
        root = _ca_certificate(root_name, root_key, root_name, root_key, start, None)
        issuing = _ca_certificate(_name(f"{name} UZI-register Zorgverlener CA"), issuing_key, root_name,
                                  root_key, start, 0)
        return cls(root_key, root, issuing_key, issuing)

    def issue(self, uzi_number: str, role: str = "01.015", card_type: str = "Z", *, agb_code: str = "00000000",
              name: str = "Test Zorgverlener", kind: str = "authentication", key: rsa.RSAPrivateKey | None = None,
              not_before: dt.datetime | None = None, not_after: dt.datetime | None = None,
              other_name_der: bytes | None = None, subject_serial: str | None = None,
              subscriber: str = "90000001") -> Card:
        """A card certificate; the keyword arguments let tests build every broken variant."""
        key = key or new_key()
        start = not_before or dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
        end = not_after or start + 3 * _YEAR  # a UZI-pas certificate runs three years
        usage = {"authentication": dict(digital_signature=True), "signature": dict(content_commitment=True),
                 "confidentiality": dict(key_encipherment=True, data_encipherment=True)}[kind]
        flags = {f: usage.get(f, False) for f in ("digital_signature", "content_commitment", "key_encipherment",
                                                   "data_encipherment", "key_agreement")}
        eku = [ExtendedKeyUsageOID.EMAIL_PROTECTION]
        if kind == "authentication":
            eku.insert(0, ExtendedKeyUsageOID.CLIENT_AUTH)
        other = other_name_der if other_name_der is not None else ia5string_der(
            uzi_name(uzi_number, card_type, role, agb_code, subscriber))
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Demo Zorginstelling"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, subject_serial or uzi_number),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ])
        certificate = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(self.issuing.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(**flags, key_cert_sign=False, crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage(eku), critical=False)
            .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
                x509.ObjectIdentifier(POLICIES[kind]), None)]), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.OtherName(UZI_OTHER_NAME, other)]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.issuing_key.public_key()),
                           critical=False)
            .sign(self.issuing_key, hashes.SHA256()))
        return Card(key=key, certificate=certificate, chain=[self.issuing])

    def crl(self, revoked: Sequence[x509.Certificate] = (), *, last_update: dt.datetime | None = None,
            next_update: dt.datetime | None = None) -> x509.CertificateRevocationList:
        """A CRL of the issuing CA listing ``revoked``."""
        now = dt.datetime.now(dt.timezone.utc)
        last = last_update or now - dt.timedelta(hours=1)
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.issuing.subject)
                   .last_update(last).next_update(next_update or last + dt.timedelta(days=7)))
        for cert in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(last).build())
        return builder.sign(self.issuing_key, hashes.SHA256())

    def root_crl(self, *, next_update: dt.datetime | None = None) -> x509.CertificateRevocationList:
        """An empty CRL of the root CA (what it publishes about the issuing CAs): with the
        issuing CA's, the revocation data production asks for every trusted CA."""
        last = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
        return (x509.CertificateRevocationListBuilder().issuer_name(self.root.subject).last_update(last)
                .next_update(next_update or last + dt.timedelta(days=7)).sign(self.root_key, hashes.SHA256()))

    # Persistence, for the demo CA in the instance folder.
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for stem, key, cert in (("root", self.root_key, self.root), ("issuing", self.issuing_key, self.issuing)):
            write_private(folder / f"{stem}.key", key)
            (folder / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    @classmethod
    def load(cls, folder: Path) -> "UziAuthority":
        def key(stem: str) -> rsa.RSAPrivateKey:
            loaded = serialization.load_pem_private_key((folder / f"{stem}.key").read_bytes(), None)
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise ValueError(f"{folder / stem}.key is not an RSA key")
            return loaded

        def certificate(stem: str) -> x509.Certificate:
            return x509.load_pem_x509_certificate((folder / f"{stem}.pem").read_bytes())

        return cls(key("root"), certificate("root"), key("issuing"), certificate("issuing"))


def write_private(path: Path, key: rsa.RSAPrivateKey) -> None:
    """Write a private key readable by the owner only."""
    import os

    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
