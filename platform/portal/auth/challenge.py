"""Login challenges: random, single-use, short-lived, bound to a tenant and a browser session.

The card signs ``portal_uzi_login.message.signed_message(origin, tenant id, challenge)``
with RSASSA-PKCS1-v1_5 and SHA-256: the portal's origin, the tenant and the challenge
under a version prefix. That module is the one definition the card helper uses too (it is
standard library only, so the helper installs without the portal). The origin verified is
always the portal's own as this request reached it (``portal.web.origin.own_origin``),
never one the client names. The browser session is represented by a random binding value
kept in the (server-side) session; the challenge row stores only digests of both values.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import delete, insert, select, update

from portal_uzi_login.message import confirmation_code, signed_message

from ..db import table_of
from .errors import LoginRefused
from .models import LoginChallenge
from .sessions import aware, utcnow

_table = table_of(LoginChallenge)
CHALLENGE_BYTES = 32


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8")).digest()


__all__ = ["confirmation_code", "issue", "redeem", "signed_message", "verify_signature"]


def issue(conn, tenant_id: str, binding: str, seconds: int, now: datetime | None = None) -> str:
    """Store and return a new challenge (base64url, no padding) for ``binding``."""
    now = now or utcnow()
    challenge = base64.urlsafe_b64encode(secrets.token_bytes(CHALLENGE_BYTES)).rstrip(b"=").decode("ascii")
    conn.execute(delete(_table).where(_table.c.expires_at < now - timedelta(hours=1)))
    conn.execute(insert(_table).values(
        challenge_hash=_digest(challenge), tenant_id=tenant_id, session_hash=_digest(binding),
        issued_at=now, expires_at=now + timedelta(seconds=seconds), used_at=None))
    return challenge


def redeem(conn, challenge: str, tenant_id: str, binding: str | None, now: datetime | None = None) -> None:
    """Use ``challenge`` up, or raise ``LoginRefused`` saying why it cannot be used.

    The update that marks it used is conditional on it being unused, so of two
    concurrent responses (any process) exactly one wins.
    """
    now = now or utcnow()
    if not isinstance(challenge, str) or not 16 <= len(challenge) <= 128:
        raise LoginRefused("challenge_unknown")
    key = _digest(challenge)
    row = conn.execute(select(_table).where(_table.c.challenge_hash == key)).first()
    if row is None:
        raise LoginRefused("challenge_unknown")
    if row.tenant_id != tenant_id:
        raise LoginRefused("challenge_other_tenant")
    if binding is None or not secrets.compare_digest(row.session_hash, _digest(binding)):
        raise LoginRefused("challenge_other_session")
    if aware(row.expires_at) <= now:
        raise LoginRefused("challenge_expired")
    used = conn.execute(update(_table).where(_table.c.challenge_hash == key, _table.c.used_at.is_(None))
                        .values(used_at=now)).rowcount
    if used != 1:
        raise LoginRefused("challenge_used")


def verify_signature(certificate: x509.Certificate, origin: str, tenant_id: str, challenge: str,
                     signature_b64: str) -> None:
    """Raise ``LoginRefused('signature_invalid')`` unless the card signed this challenge for
    this tenant at ``origin`` (the portal's own origin)."""
    key = certificate.public_key()
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        message = signed_message(origin, tenant_id, challenge)
    except (binascii.Error, ValueError, TypeError):
        raise LoginRefused("signature_invalid") from None
    if not isinstance(key, rsa.RSAPublicKey):  # the UZI-pas has RSA keys (uzi.py refuses others first)
        raise LoginRefused("signature_invalid")
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, TypeError, ValueError):
        raise LoginRefused("signature_invalid") from None
