"""Meldingen: where a provider asks for the worklist's e-mail, and confirms the address.

A new address is used only once confirmed through the link sent to it: a signed token (the
tenant app's secret key) naming the account, the address and a random nonce kept in the
subscription row, valid 48 hours and once (the nonce is cleared when used or replaced). The
link opens a page whose button POSTs (CSRF): a mail scanner following links confirms nothing.
The address ZorgNetOost registered for the account (``Account.email``, accounts import) is
trusted as confirmed.
"""
from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timezone

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .. import context
from ..accounts.models import Account
from ..db import get_session
from . import mailer
from .digests import FREQUENCIES, CountEvents
from .models import NotificationSubscription

log = logging.getLogger(__name__)

bp = Blueprint("notifications", __name__, template_folder="templates")

#: How long a confirmation link is valid.
CONFIRM_SECONDS = 48 * 3600
_SALT = "portal.notifications.confirm"
_EMAIL = re.compile(r"^[^@\s<>\"(),;:]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
EXTENSION = "portal.notifications"


def init_app(app: Flask, *, count_events: CountEvents) -> None:
    """Register Meldingen where the tenant configured the e-mail; ``count_events`` counts
    an account's new worklist events (for ``portal notifications send-digests``)."""
    if context.tenant_of(app).notifications is None:
        return
    app.extensions[EXTENSION] = count_events
    app.register_blueprint(bp)


def _subscription() -> NotificationSubscription:
    db = get_session()
    row = db.get(NotificationSubscription, current_user.account_id)
    if row is None:
        row = NotificationSubscription(account_id=current_user.account_id, tenant_id=context.tenant().id,
                                       frequency="off")
        db.add(row)
    return row


def _registered_email() -> str | None:
    account = get_session().get(Account, current_user.account_id)
    return account.email if account is not None else None


@bp.get("/meldingen")
def settings():
    row = get_session().get(NotificationSubscription, current_user.account_id)
    return render_template("notifications/settings.html", subscription=row, frequencies=FREQUENCIES,
                           email=(row.email if row and row.email else _registered_email()) or "", error=None)


@bp.post("/meldingen")
def save():
    """Frequency and address. A confirmed (or registered) address takes effect at once; a
    new one gets a confirmation link and waits for it."""
    email = request.form.get("email", "").strip()
    frequency = request.form.get("frequency", "")
    error = None
    if frequency not in FREQUENCIES:
        error = "Kies hoe vaak u een e-mail wilt ontvangen."
    elif frequency != "off" and not _EMAIL.match(email):
        error = "Vul een geldig e-mailadres in."
    row = _subscription()
    if error:
        get_session().rollback()
        return render_template("notifications/settings.html", subscription=row, frequencies=FREQUENCIES,
                               email=email, error=error), 400
    row.frequency = frequency
    if frequency == "off" or email.lower() == (row.email or "").lower():
        get_session().commit()
        flash("Uw meldingen zijn opgeslagen.", "success")
        return redirect(url_for("notifications.settings"))
    registered = _registered_email()
    if registered and email.lower() == registered.lower():
        row.email, row.pending_email, row.confirm_nonce = registered, None, None
        row.confirmed_at = datetime.now(timezone.utc)
        get_session().commit()
        flash("Uw meldingen zijn opgeslagen.", "success")
        return redirect(url_for("notifications.settings"))
    row.pending_email, row.confirm_nonce = email, secrets.token_urlsafe(24)
    get_session().commit()
    if not _send_confirmation(row):
        flash("De bevestigingsmail kon niet worden verzonden. Probeer het later opnieuw.", "error")
    else:
        flash(f"Er is een bevestigingslink gestuurd naar {email}. Meldingen gaan naar dit adres zodra u het "
              "heeft bevestigd.", "success")
    return redirect(url_for("notifications.settings"))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_SALT)


def _send_confirmation(row: NotificationSubscription) -> bool:
    """The link, by e-mail, now (one try: the provider waits for the answer)."""
    tenant = context.tenant()
    config = tenant.notifications
    assert config is not None  # the blueprint exists only with a configuration
    token = _serializer().dumps({"account": row.account_id, "email": row.pending_email, "nonce": row.confirm_nonce})
    link = f"{mailer.portal_url(config, tenant.hostnames)}{url_for('notifications.confirm', token=token)}"
    message = mailer.confirmation_message(sender=config.sender, to=row.pending_email or "",
                                          hospital=tenant.display_name, link=link)
    try:
        mailer.deliver(mailer.smtp_of(config.smtp), message, attempts=1, backoff=0)
    except mailer.DeliveryFailed as failure:
        log.warning("confirmation e-mail of account %d not sent: %s", row.account_id, failure.reason)
        return False
    return True


def _valid(token: str) -> NotificationSubscription | None:
    """The subscription the token confirms, when it is this provider's, unexpired, and its
    nonce is the one still waiting."""
    try:
        data = _serializer().loads(token, max_age=CONFIRM_SECONDS)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or data.get("account") != current_user.account_id:
        return None
    row = get_session().get(NotificationSubscription, current_user.account_id)
    if (row is None or not row.confirm_nonce or not secrets.compare_digest(str(data.get("nonce")), row.confirm_nonce)
            or data.get("email") != row.pending_email):
        return None
    return row


@bp.get("/meldingen/bevestigen")
def confirm():
    row = _valid(request.args.get("token", ""))
    return render_template("notifications/confirm.html", email=row.pending_email if row else None,
                           token=request.args.get("token", "")), (200 if row else 400)


@bp.post("/meldingen/bevestigen")
def confirm_address():
    row = _valid(request.form.get("token", ""))
    if row is None:
        return render_template("notifications/confirm.html", email=None, token=""), 400
    row.email, row.pending_email, row.confirm_nonce = row.pending_email, None, None
    row.confirmed_at = datetime.now(timezone.utc)
    get_session().commit()
    flash(f"Uw e-mailadres {row.email} is bevestigd.", "success")
    return redirect(url_for("notifications.settings"))
