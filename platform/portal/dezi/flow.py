"""A Dezi login from start to session: the one place that decides.

``start`` sends the browser to Dezi with a fresh state, nonce and PKCE verifier kept in the
browser's session. ``finish`` takes Dezi's answer at the redirect URI and, in this order:
the state (single use, at most ``FLOW_SECONDS`` old), Dezi's own error, the code exchange
(PKCE), the ID token (signature, issuer, audience, nonce), the userinfo JWE and the sealed
verklaring (``verklaring.read_userinfo``; from here the attempt is the named provider's),
the tenant's rules (``verklaring.admit``), the verklaring's status, the rate limit per
Dezi-nummer, the account (active, by Dezi-nummer), its organisation (URA) and then the same
login as the UZI-pas (``portal.auth.service.log_in``). Every refusal is audited.
"""
from __future__ import annotations

import secrets
import time

from flask import session
from sqlalchemy import select

from ..accounts.models import Account
from ..auth.errors import LoginRefused
from ..auth.service import Provider, log_in
from ..db import get_session
from ..tenants.schema import TenantConfig
from ..web import ratelimit
from . import audit, oidc, status, transport
from .errors import DeziRefused
from .verklaring import Verklaring, admit, read_userinfo

FLOW_KEY = "dezi_flow"
#: How long the GP may take at Dezi before the answer counts as another attempt's.
FLOW_SECONDS = 600
CARD_TYPE = "dezi"


def start(tenant: TenantConfig, redirect_uri: str) -> str:
    """The authorization URL to send the browser to; the flow's secrets stay in the session."""
    try:
        provider = oidc.discover(tenant)
    except DeziRefused as exc:
        raise audit.refused(exc) from None
    verifier, challenge = oidc.pkce_pair()
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session[FLOW_KEY] = {"state": state, "nonce": nonce, "verifier": verifier, "started": time.time()}
    return oidc.authorize_url(provider, tenant, redirect_uri=redirect_uri, state=state, nonce=nonce,
                              challenge=challenge)


def _fetch_verklaring(tenant: TenantConfig, args, redirect_uri: str) -> tuple[Verklaring, str]:
    """Dezi's answer up to the verified verklaring (and the ID token's pairwise ``sub``)."""
    flow = session.pop(FLOW_KEY, None)
    state = args.get("state")
    if not isinstance(flow, dict) or not isinstance(state, str) or not secrets.compare_digest(state, flow["state"]):
        raise DeziRefused("dezi_state_mismatch", "no login of this browser has this state")
    if time.time() - flow["started"] > FLOW_SECONDS:
        raise DeziRefused("dezi_state_mismatch", "the login began too long ago")
    if args.get("error"):
        raise DeziRefused("dezi_cancelled", f"Dezi answered error {str(args.get('error'))[:60]}")
    code = args.get("code")
    if not code:
        raise DeziRefused("request_invalid", "no code")
    provider = oidc.discover(tenant)
    tokens = oidc.exchange(provider, tenant, code=code, redirect_uri=redirect_uri, verifier=flow["verifier"])
    claims = oidc.id_token_claims(provider, tenant, tokens["id_token"], flow["nonce"])
    response = transport.request(tenant, "GET", provider.userinfo_endpoint, "userinfo",
                                 headers={"Authorization": f"Bearer {tokens['access_token']}",
                                          "Accept": "application/jwt"})
    if response.status_code != 200:
        raise DeziRefused("dezi_unavailable", f"userinfo answered HTTP {response.status_code}")
    return read_userinfo(tenant, response.text), claims["sub"]


def finish(tenant: TenantConfig, args, redirect_uri: str) -> Provider:
    """Log the provider in on Dezi's answer ``args`` (the redirect's query); ``DeziRefused``
    (already audited) otherwise."""
    try:
        verklaring, subject = _fetch_verklaring(tenant, args, redirect_uri)
    except DeziRefused as exc:
        raise audit.refused(exc) from None
    extra = {"dezi_sub": subject[:100]}
    try:
        admit(tenant, verklaring)
        if not status.is_active(tenant, verklaring.status_uri):
            raise DeziRefused("dezi_revoked", "status service: not active")
        if not ratelimit.hit("login_per_card", f"dezi:{verklaring.dezi_number}").allowed:
            raise DeziRefused("too_many_attempts")
        account = get_session().scalars(select(Account).where(
            Account.tenant_id == tenant.id, Account.dezi_number == verklaring.dezi_number,
            Account.active.is_(True))).first()
        if account is None:
            raise DeziRefused("no_account", "no active account has this Dezi-nummer")
        if (account.ura or tenant.dezi.organisation_check == "required") and account.ura != verklaring.ura:
            raise DeziRefused("dezi_organisation_mismatch", f"account ura {account.ura or 'none'}")
    except DeziRefused as exc:
        raise audit.refused(exc, verklaring, extra) from None
    try:
        provider = log_in(account, CARD_TYPE, audit=lambda: audit.record(
            audit.event("success", verklaring=verklaring, account=account, extra=extra)))
    except LoginRefused as exc:  # audit_unavailable
        raise DeziRefused(exc.code) from None
    status.remember(verklaring.verklaring_id, verklaring.status_uri, verklaring.expires)
    return provider
