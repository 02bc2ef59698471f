"""A throwaway TLS server certificate for the tests' own HTTPS servers (nginx, the forger's page).

A small CA signs one server certificate for the given hostnames; clients either trust the
CA (httpx ``verify=``) or pin the certificate's public key (Chromium's
``--ignore-certificate-errors-spki-list``), so nothing is trusted beyond this run.
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class ServerCertificate:
    ca_file: Path    # PEM of the CA that signed it (what a client trusts)
    cert_file: Path  # PEM of the server certificate followed by the CA (a full chain)
    key_file: Path   # PEM of its private key (unencrypted, owner-readable only)
    spki_sha256: str  # base64 SHA-256 of its SubjectPublicKeyInfo, for Chromium's SPKI list


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_server_certificate(folder: Path, hostnames: list[str]) -> ServerCertificate:
    """Write a CA and a server certificate for ``hostnames`` (SANs) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    start, end = now - dt.timedelta(hours=1), now + dt.timedelta(days=2)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Test TLS CA")).issuer_name(_name("Test TLS CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder().subject_name(_name(hostnames[0])).issuer_name(ca.subject)
              .public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(start).not_valid_after(end)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hostnames]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    ca_file, cert_file, key_file = folder / "tls-ca.pem", folder / "tls-server.pem", folder / "tls-server.key"
    ca_file.write_bytes(ca.public_bytes(pem))
    cert_file.write_bytes(server.public_bytes(pem) + ca.public_bytes(pem))
    key_file.touch(mode=0o600)
    key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(spki)
    return ServerCertificate(ca_file, cert_file, key_file, base64.b64encode(digest.finalize()).decode("ascii"))


@dataclass(frozen=True)
class ClientCertificate:
    """A system's TLS client certificate (mutual TLS), e.g. the hospital's patient portal."""

    ca_file: Path    # PEM of the CA that issued it (what the proxy trusts)
    crl_file: Path   # PEM of that CA's (empty) CRL: nginx checks one for every CA it trusts
    cert_file: Path  # PEM of the certificate
    key_file: Path   # PEM of its private key
    sha256: str      # its SHA-256 fingerprint, hexadecimal (what the tenant YAML lists)
    pem: str         # the certificate's PEM text


def make_client_certificate(folder: Path, common_name: str) -> ClientCertificate:
    """Write a CA with a CRL and a client certificate (clientAuth) for ``common_name`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    start, end = now - dt.timedelta(hours=1), now + dt.timedelta(days=2)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{common_name} CA")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    client = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(ca.subject)
              .public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(start).not_valid_after(end)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    crl = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject).last_update(start)
           .next_update(end).sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    paths = [folder / name for name in ("client-ca.pem", "client-ca.crl", "client.pem", "client.key")]
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(crl.public_bytes(pem))
    paths[2].write_bytes(client.public_bytes(pem))
    paths[3].touch(mode=0o600)
    paths[3].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return ClientCertificate(*paths, client.fingerprint(hashes.SHA256()).hex(), client.public_bytes(pem).decode())
