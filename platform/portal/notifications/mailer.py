"""The notification e-mails and their delivery over SMTP.

``digest_message`` and ``confirmation_message`` build the only two e-mails this module
sends; neither takes anything of a patient (their arguments are a count, addresses and
links), so no patient identifier can reach a mail server from here. ``deliver`` hands a
message to the tenant's SMTP server, retrying with a doubling backoff.
"""
from __future__ import annotations

import logging
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from ..tenants.schema import NotificationsConfig, SmtpConfig

log = logging.getLogger(__name__)

#: The worklist's path, linked from the e-mail.
WORKLIST_PATH = "/patient-zoeken/mijn-patienten"
SETTINGS_PATH = "/meldingen"


@dataclass(frozen=True)
class Smtp:
    """The SMTP server of one tenant, resolved: YAML, PORTAL_SMTP_HOST/PORTAL_SMTP_PORT over
    it (a relay on this machine for every tenant), the password from its variable."""

    host: str
    port: int
    security: str
    username: str | None
    password: str | None
    timeout: float


def smtp_of(config: SmtpConfig) -> Smtp:
    port = os.environ.get("PORTAL_SMTP_PORT", "").strip()
    return Smtp(host=os.environ.get("PORTAL_SMTP_HOST", "").strip() or config.host,
                port=int(port) if port.isdigit() else config.port, security=config.security,
                username=config.username,
                password=os.environ.get(config.password_env) if config.password_env else None,
                timeout=config.timeout_seconds)


def portal_url(config: NotificationsConfig, hostnames: tuple[str, ...]) -> str:
    """The portal's address for links in e-mails (no trailing slash)."""
    return (config.portal_url or f"https://{hostnames[0]}").rstrip("/")


def digest_message(*, sender: str, to: str, events: int, hospital: str, base_url: str) -> EmailMessage:
    """"Er zijn N nieuwe gebeurtenissen bij uw patiënten" and the link: nothing else."""
    what = "is 1 nieuwe gebeurtenis" if events == 1 else f"zijn {events} nieuwe gebeurtenissen"
    message = _message(sender, to, f"Nieuws over uw patiënten in {hospital}")
    message.set_content(
        f"Geachte collega,\n\n"
        f"Er {what} bij uw patiënten in {hospital}.\n\n"
        f"Bekijk ze in het zorgverlenersportaal, onder Mijn patiënten in het ziekenhuis (inloggen met uw UZI-pas):\n"
        f"{base_url}{WORKLIST_PATH}\n\n"
        f"Om privacyredenen staan in deze e-mail geen patiëntgegevens.\n"
        f"Hoe vaak u deze e-mail krijgt, wijzigt u onder Meldingen: {base_url}{SETTINGS_PATH}\n")
    return message


def confirmation_message(*, sender: str, to: str, hospital: str, link: str) -> EmailMessage:
    message = _message(sender, to, f"Bevestig uw e-mailadres voor meldingen van {hospital}")
    message.set_content(
        f"Geachte collega,\n\n"
        f"U heeft in het zorgverlenersportaal van {hospital} gevraagd om meldingen op dit adres.\n"
        f"Bevestig het adres met deze link (48 uur geldig, eenmalig te gebruiken):\n{link}\n\n"
        f"Heeft u dit niet gevraagd? Dan kunt u deze e-mail negeren.\n")
    return message


def _message(sender: str, to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Auto-Submitted"] = "auto-generated"
    return message


class DeliveryFailed(Exception):
    """Every try failed; ``reason`` names the last failure (class and SMTP code), no content."""

    def __init__(self, reason: str, attempts: int):
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts


def send_once(smtp: Smtp, message: EmailMessage) -> None:
    """One try: connect, secure, log in, send. Raises ``smtplib.SMTPException``/``OSError``."""
    context = ssl.create_default_context()
    if smtp.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.username and smtp.password:
            client.login(smtp.username, smtp.password)
        client.send_message(message)


def deliver(smtp: Smtp, message: EmailMessage, *, attempts: int, backoff: float,
            sleep: Callable[[float], None] = time.sleep) -> int:
    """Send ``message``, trying up to ``attempts`` times, waiting ``backoff`` seconds before
    the second try and twice as long before each next; returns the tries used. Raises
    ``DeliveryFailed`` when none succeeded. A permanent refusal (5xx) is not tried again."""
    reason = "not tried"
    for attempt in range(1, attempts + 1):
        try:
            send_once(smtp, message)
            return attempt
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryFailed("recipient refused", attempt) from None
        except (smtplib.SMTPException, OSError) as exc:
            code = getattr(exc, "smtp_code", None)
            reason = f"{type(exc).__name__}{f' {code}' if code else ''}"
            if isinstance(code, int) and 500 <= code < 600:
                raise DeliveryFailed(reason, attempt) from None
            log.warning("SMTP %s:%d, try %d of %d failed: %s", smtp.host, smtp.port, attempt, attempts, reason)
            if attempt < attempts:
                sleep(backoff * 2 ** (attempt - 1))
    raise DeliveryFailed(reason, attempts)
