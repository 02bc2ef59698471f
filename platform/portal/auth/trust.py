"""A tenant's trust: its UZI CA certificates and CRLs (files in the tenant folder).

CRL files are re-read when they change on disk, so ``portal auth refresh-crls`` takes
effect without a restart. A tenant that lists CRL files gets fail-closed revocation
checking: a card whose issuer has no current CRL is refused.
"""
from __future__ import annotations

import threading
from pathlib import Path

from cryptography import x509
from flask import Flask

from .. import context
from .uzi import TrustStore

_lock = threading.Lock()


def load_certificates(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL in PEM or DER; ``ValueError`` if it is neither."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


def _crl_state(paths: list[Path]) -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns if p.exists() else None) for p in paths)


def build_trust(tenant, extra_anchors: tuple[x509.Certificate, ...] = ()) -> TrustStore:
    folder = Path(tenant.folder)
    anchors = [cert for name in tenant.auth.trusted_ca_files for cert in load_certificates(folder / name)]
    crls = []
    for name in tenant.auth.crl_files:
        path = folder / name
        if path.exists():
            try:
                crls.append(load_crl(path.read_bytes()))
            except ValueError:
                continue  # an unreadable CRL counts as absent: revocation_unknown (fail closed)
    return TrustStore(anchors=tuple(anchors) + tuple(extra_anchors), crls=tuple(crls),
                      crl_required=bool(tenant.auth.crl_files))


def trust_for(app: Flask) -> TrustStore:
    """The app's current trust store (rebuilt when a CRL file changed)."""
    tenant = context.tenant_of(app)
    paths = [Path(tenant.folder) / name for name in tenant.auth.crl_files]
    state = _crl_state(paths)
    cached = app.extensions.get("portal.auth.trust")
    if cached is None or cached[0] != state:
        with _lock:
            from .demo import demo_anchors

            cached = (state, build_trust(tenant, demo_anchors(app)))
            app.extensions["portal.auth.trust"] = cached
    return cached[1]
