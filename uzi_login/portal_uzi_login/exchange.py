"""``portal-uzi-login login URL``: the whole login exchange with a portal, over HTTPS.

Fetch the login page (its CSRF token and tenant id), ask the portal for a challenge, ask
the card holder's PIN for it, sign on the card, send the response. The client sends neither
``Origin`` nor ``Sec-Fetch-Site`` (it is not a browser), so the portal's CSRF token alone
vouches for it; the origin the card signs is the one of the URL the card holder gave.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from .card import Card, CardError
from .message import origin
from .prompt import SigningRequest


class ExchangeError(Exception):
    """The login did not succeed (a Dutch message)."""


def exchange(portal_url: str, card: Card, pin_for: Callable[[SigningRequest], str | None],
             client: httpx.Client) -> str:
    """Log in at ``portal_url``; returns the portal's page to go to next.

    ``pin_for(request)`` gives the PIN for that login (None refuses)."""
    base = portal_url.rstrip("/")
    try:
        portal_origin = origin(base)
    except ValueError:
        raise ExchangeError(f"{portal_url} is geen http(s)-adres.") from None
    page = client.get(f"{base}/login")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    tenant = re.search(r'data-tenant="([^"]+)"', page.text)
    if page.status_code != 200 or not csrf or not tenant:
        raise ExchangeError(f"{base} is geen zorgverlenersportaal (inlogpagina niet gevonden).")
    headers = {"X-CSRFToken": csrf.group(1)}
    issued = client.post(f"{base}/login/uzi/challenge", headers=headers)
    if issued.status_code != 200:
        raise ExchangeError(_message(issued, "Het portaal gaf geen inlogpoging."))
    challenge = issued.json()["challenge"]
    request = SigningRequest(portal_origin.split("://", 1)[1], portal_origin, tenant.group(1), challenge)
    pin = pin_for(request)
    if not pin:
        raise ExchangeError("Geen pincode ingevuld: niet ingelogd.")
    try:
        signature = card.sign_login(pin, portal_origin, request.tenant_id, challenge)
    except (CardError, ValueError) as exc:
        raise ExchangeError(str(exc)) from None
    result = client.post(f"{base}/login/uzi/response", json=signature.login_response(portal_origin, challenge),
                         headers=headers)
    if result.status_code != 200:
        body = _json(result)
        raise ExchangeError(f"{body.get('message')} ({body.get('code')})")
    return result.json()["next"]


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _message(response: httpx.Response, default: str) -> str:
    return _json(response).get("message") or default
