"""Logging a provider in and out: one path for every way in, each attempt audited.

``login_with_certificate`` runs the certificate checks, finds the active account, writes
the audit record and only then starts a fresh session. Refusals raise ``LoginRefused``
after their audit record; if the audit log cannot be written the login is refused too
(``audit_unavailable``), since an unlogged login would be an unlogged access later.

Nobody can act in a provider's name with their certificate alone (it is public: the UZI
register publishes it). An attempt is the provider's only once the card itself was shown
to be there: the certificate verified (chain, validity, revocation, UZI fields) *and* the
card's proof of possession verified (the challenge signature, or the TLS handshake the
proxy verified). Until then:
- the audit record names no provider: ``user_*`` stay empty and ``details`` carry the
  number the certificate claims as ``claimed_uzi`` with ``verified: no``;
- the attempt does not count against the card's rate limit (``login_per_card``), so
  nobody can lock a GP out by sending their certificate; it counts against the client
  address like every login request (``portal.web.ratelimit``).
Verified attempts (successes and later refusals: card type, role, no account, too many
attempts) are the provider's: ``user_uzi`` etc. filled in, ``verified: yes``.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from flask import Flask, request, session
from flask_login import UserMixin, login_user, logout_user
from sqlalchemy import select

from .. import context
from ..accounts.models import Account
from ..audit import Action, AuditEvent, AuditWriteError, record
from ..db import get_session
from ..web import ratelimit
from . import challenge as challenges
from .errors import CertificateRefused, LoginRefused
from .sessions import purge_expired, utcnow
from .trust import trust_for
from .uzi import UziIdentity, check_admission, load_pem_certificate, parse_uzi_identity, verify_certificate

log = logging.getLogger(__name__)
BINDING_KEY = "_login_binding"
MAX_CHAIN = 5


@dataclass(frozen=True, eq=False)
class Provider(UserMixin):
    """``current_user`` of a logged-in provider (the interface other modules rely on)."""

    account_id: int
    tenant_id: str
    uzi_number: str
    name: str
    role: str
    agb_code: str
    practice_agb: str | None
    practice_name: str | None
    card_type: str

    def get_id(self) -> str:
        return str(self.account_id)


def provider_from(account: Account, card_type: str) -> Provider:
    return Provider(account.id, account.tenant_id, account.uzi_number, account.name, account.role,
                    account.agb_code, account.practice_agb, account.practice_name, card_type)


def network_address() -> str | None:
    """The client's address as the WSGI server (or ProxyFix) sees it."""
    return request.remote_addr


def audit_attempt(outcome: str, method: str, code: str | None = None, identity: UziIdentity | None = None,
                  account: Account | None = None, action: Action = Action.LOGIN) -> None:
    """Audit a login, logout or refusal of a provider whose card was verified (``identity``)
    or who is logged in (``account``). Never call it with an unverified certificate's
    identity: ``audit_claimed`` is for those."""
    tenant = context.tenant()
    details = {"method": method}
    if code:
        details["code"] = code
    if identity is not None:
        details["verified"] = "yes"
    record(AuditEvent(
        action=action, outcome=outcome, tenant_id=tenant.id,
        user_uzi=identity.uzi_number if identity else (account.uzi_number if account else None),
        user_name=account.name if account else (identity.name if identity else None),
        user_role=identity.role if identity else (account.role if account else None),
        user_agb=account.agb_code if account else (identity.agb_code if identity else None),
        user_organisation=account.practice_name if account else None,
        network_address=network_address(), details=details))


def audit_claimed(method: str, code: str, cert: x509.Certificate | None) -> None:
    """Audit a refused attempt whose card was not shown to be there: no provider named,
    only the UZI number the certificate claims (when it has a readable one)."""
    tenant = context.tenant()
    details = {"method": method, "code": code, "verified": "no"}
    claimed = _identity_for_audit(cert)
    if claimed is not None:
        details["claimed_uzi"] = claimed.uzi_number
    record(AuditEvent(action=Action.LOGIN, outcome="failure", tenant_id=tenant.id,
                      network_address=network_address(), details=details))


def login_binding() -> str:
    """The random value that binds challenges to this browser session."""
    if BINDING_KEY not in session:
        session[BINDING_KEY] = secrets.token_urlsafe(24)
    return session[BINDING_KEY]


def issue_challenge(app: Flask) -> str:
    tenant = context.tenant_of(app)
    with context.platform_of(app).database.engine.begin() as conn:
        return challenges.issue(conn, tenant.id, login_binding(), tenant.auth.challenge_seconds)


def parse_certificates(certificate_pem, chain_pems) -> tuple[x509.Certificate, list[x509.Certificate]]:
    if not isinstance(certificate_pem, str) or not isinstance(chain_pems, list) or len(chain_pems) > MAX_CHAIN \
            or not all(isinstance(p, str) for p in chain_pems):
        raise LoginRefused("request_invalid")
    return load_pem_certificate(certificate_pem), [load_pem_certificate(p) for p in chain_pems]


def _identity_for_audit(cert: x509.Certificate | None) -> UziIdentity | None:
    """Best effort: who the refused certificate claims to be (for the audit trail)."""
    if cert is None:
        return None
    try:
        return parse_uzi_identity(cert)
    except CertificateRefused:
        return None


def refuse(exc: LoginRefused, method: str, cert: x509.Certificate | None = None) -> LoginRefused:
    """Audit a refusal of an attempt whose card was not verified (``cert`` only claims who
    it is) and hand back the exception to raise (``audit_unavailable`` if unlogged)."""
    try:
        audit_claimed(method, exc.code, cert)
    except AuditWriteError:
        log.exception("login refusal could not be audited")
        return LoginRefused("audit_unavailable")
    return exc


def refuse_verified(exc: LoginRefused, method: str, identity: UziIdentity) -> LoginRefused:
    """Audit a refusal of the provider whose card was verified; as ``refuse`` otherwise."""
    try:
        audit_attempt("failure", method, exc.code, identity=identity)
    except AuditWriteError:
        log.exception("login refusal could not be audited")
        return LoginRefused("audit_unavailable")
    return exc


def login_with_certificate(app: Flask, cert: x509.Certificate, chain: list[x509.Certificate], method: str,
                           proof=None) -> Provider:
    """Verify ``cert`` and ``proof()`` (the card's proof of possession, e.g. the challenge
    signature; None when the proxy verified it in the TLS handshake), then apply the card's
    rate limit and the tenant's rules, then log in.

    Raises ``LoginRefused`` (already audited) on any failure.
    """
    tenant = context.tenant_of(app)
    try:
        identity = verify_certificate(cert, chain, trust_for(app))
        if proof is not None:
            proof()
    except LoginRefused as exc:
        raise refuse(exc, method, cert) from None
    # From here on the card was there: the attempt is this provider's.
    if not ratelimit.hit("login_per_card", identity.uzi_number).allowed:
        raise refuse_verified(LoginRefused("too_many_attempts"), method, identity)
    try:
        check_admission(identity, tenant.auth.allowed_card_types, tenant.auth.allowed_roles)
        account = get_session().scalars(select(Account).where(
            Account.tenant_id == tenant.id, Account.uzi_number == identity.uzi_number,
            Account.active.is_(True))).first()
        if account is None:
            raise LoginRefused("no_account")
    except LoginRefused as exc:
        raise refuse_verified(exc, method, identity) from None
    return log_in(account, identity.card_type,
                  audit=lambda: audit_attempt("success", method, identity=identity, account=account))


def log_in(account: Account, card_type: str, audit: Callable[[], None]) -> Provider:
    """The one end of every way in (UZI-pas, Dezi): ``audit()`` writes the login's audit
    record, and only when it did is a fresh session started for ``account``. Raises
    ``LoginRefused("audit_unavailable")`` when the record cannot be written."""
    try:
        audit()
    except AuditWriteError:
        log.exception("login could not be audited; refused")
        raise LoginRefused("audit_unavailable") from None
    start_session(account, card_type)
    return provider_from(account, card_type)


def start_session(account: Account, card_type: str) -> None:
    """A fresh session (new id, nothing carried over) with ``account`` logged in."""
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]
    session["auth_card_type"] = card_type
    # ISO text, not a datetime: a session of JSON's own types is read as plain JSON
    # (``sessions.SessionSerializer``) on every request.
    session["auth_login_at"] = utcnow().isoformat()
    login_user(provider_from(account, card_type))
    with context.database().engine.begin() as conn:
        purge_expired(conn)


def logout(provider: Provider) -> None:
    """End the session (everywhere: the row is deleted) and audit the logout."""
    try:
        account = get_session().get(Account, provider.account_id)
        audit_attempt("success", "logout", account=account, action=Action.LOGOUT)
    except AuditWriteError:
        log.exception("logout could not be audited; the session is ended anyway")
    logout_user()
    session.clear()
