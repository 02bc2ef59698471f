"""The ``portal-uzi-login`` command: ``login`` (check the card against a portal) and ``serve``
(the signing service for the login page's "Inloggen met UZI-pas" button).

Messages for the card holder are Dutch; options and their help are English (for the IT
staff who install it).
"""
from __future__ import annotations

import signal
import sys

import click
import httpx

from .card import DEFAULT_MODULE, Card, CardError
from .exchange import ExchangeError, exchange
from .prompt import PIN_QUESTION, SigningRequest, TerminalPrompt, describe
from .service import DEFAULT_PIN_TIMEOUT, DEFAULT_PORT, Portal, SigningService, make_server

_module = click.option("--module", default=DEFAULT_MODULE, show_default=True, help="PKCS#11 library of the card reader")
_token = click.option("--token", "token_label", required=True, help="Label of the card's token")


@click.group(help="Sign in to a zorgverlenersportaal with the UZI-pas (PKCS#11); the PIN is asked for every login.")
def main() -> None:
    pass


def _ask_pin_here(request: SigningRequest) -> str | None:
    click.echo(describe(request, from_page=False), nl=False)
    return click.prompt(PIN_QUESTION.rstrip(": "), hide_input=True, default="", show_default=False) or None


@main.command()
@click.argument("portal_url")
@_module
@_token
def login(portal_url: str, module: str, token_label: str) -> None:
    """Log in at PORTAL_URL with the card (checks that the card works for that portal)."""
    try:
        with httpx.Client(timeout=30, follow_redirects=False) as client:
            target = exchange(portal_url, Card(module, token_label), _ask_pin_here, client)
    except (ExchangeError, httpx.HTTPError) as exc:
        click.echo(f"Inloggen mislukt: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Ingelogd op {portal_url.rstrip('/')}{target}")


def _portal(_ctx, _param, values: tuple[str, ...]) -> list[Portal]:
    try:
        return [Portal.parse(value) for value in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command()
@click.option("--portal", "portals", multiple=True, required=True, callback=_portal,
              help="Portal this PC signs for: URL, or NAME=URL to name the hospital in the PIN prompt "
                   "(e.g. 'Ziekenhuisgroep Twente=https://zorgverleners.zgt.nl'); repeatable")
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="Loopback port (the tenant's auth.helper_port)")
@click.option("--pin-timeout", default=DEFAULT_PIN_TIMEOUT, show_default=True, type=click.FloatRange(5, 600),
              help="Seconds the card holder has to enter the PIN for a login")
@_module
@_token
def serve(portals: list[Portal], port: int, pin_timeout: float, module: str, token_label: str) -> None:
    """Sign login challenges for the portals' login pages until stopped (Ctrl+C), each one
    only after the card holder entered the PIN for it in this window."""
    card = Card(module, token_label)
    try:
        card.check_present()
    except CardError as exc:  # the card may be inserted later: say so, keep serving
        click.echo(f"Let op: {exc}", err=True)
    prompt = TerminalPrompt().start()
    server = make_server(SigningService(card, portals, prompt, pin_timeout), port)
    names = ", ".join(f"{p.hospital} ({p.origin})" for p in portals)
    click.echo(f"Klaar voor inloggen met de UZI-pas bij {names}.\n"
               "Bij elke inlogpoging vraagt dit venster om uw pincode. Laat het open; stoppen met Ctrl+C.")
    # Stopped by the session ending (SIGTERM): still switch the terminal's echo back on.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        prompt.close()
