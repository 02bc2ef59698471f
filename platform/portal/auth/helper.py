"""``portal-uzi-login``: sign a portal's login challenge with the UZI-pas, on the GP's PC.

The card is reached through its PKCS#11 module (the card reader middleware), the token
is picked by its label (slot numbers change when readers are plugged in), and the PIN is
asked on the terminal; the card's authentication certificate is found by its key usage.

- ``portal-uzi-login login URL``: the whole exchange with the portal (challenge, sign,
  response) over HTTPS; shows whether logging in with this card works.
- ``portal-uzi-login serve --portal URL``: a signing service on 127.0.0.1 for the login
  page's "Inloggen met UZI-pas" button. It answers only pages of the given portals
  (Origin check) and only signs ``<tenant id>|<challenge>`` strings.

Messages for the GP are Dutch; this module imports no Flask.
"""
from __future__ import annotations

import base64
import json
import re
import sys
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import click
import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

DEFAULT_MODULE = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
DEFAULT_PORT = 8723
_TENANT_ID = re.compile(r"[a-z][a-z0-9_]{1,30}")
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{16,128}")


class HelperError(Exception):
    """Something the GP must be told (Dutch message)."""


def _is_authentication(cert: x509.Certificate) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return usage.digital_signature and not usage.content_commitment and ExtendedKeyUsageOID.CLIENT_AUTH in eku


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


@dataclass
class CardSigner:
    """An open, logged-in PKCS#11 session on the card, with its authentication key."""

    session: object
    key: object
    certificate: x509.Certificate
    chain: list[x509.Certificate]

    @classmethod
    def open(cls, module: str, token_label: str, pin: str) -> "CardSigner":
        """Raises ``pkcs11.exceptions.PinIncorrect`` for a wrong PIN, ``HelperError`` otherwise."""
        import pkcs11
        from pkcs11 import Attribute, ObjectClass

        try:
            library = pkcs11.lib(module)
        except (RuntimeError, OSError, pkcs11.exceptions.PKCS11Error) as exc:
            raise HelperError(f"De software van de paslezer ({module}) kan niet worden geladen: {exc}") from None
        try:
            token = library.get_token(token_label=token_label)
        except pkcs11.exceptions.NoSuchToken:
            raise HelperError(f"Geen UZI-pas met de naam '{token_label}' gevonden. Zit de pas in de paslezer?") from None
        session = token.open(user_pin=pin)  # PinIncorrect / PinLocked propagate
        certificates = []
        for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
            certificates.append((bytes(obj[Attribute.ID]), x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE]))))
        matches = [(key_id, cert) for key_id, cert in certificates if _is_authentication(cert)]
        if len(matches) != 1:
            session.close()
            raise HelperError("Het authenticatiecertificaat is niet (eenduidig) op de UZI-pas gevonden.")
        key_id, certificate = matches[0]
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id)
        chain = [cert for _, cert in certificates if _is_ca(cert)]
        return cls(session, key, certificate, chain)

    def sign(self, data: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256, computed on the card."""
        from pkcs11 import Mechanism

        return bytes(self.key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS))

    def answer(self, tenant_id: str, challenge: str) -> dict:
        """The JSON body of ``/login/uzi/response`` for this challenge."""
        if not _TENANT_ID.fullmatch(tenant_id) or not _CHALLENGE.fullmatch(challenge):
            raise HelperError("Ongeldige inlogpoging ontvangen.")
        signature = self.sign(f"{tenant_id}|{challenge}".encode("utf-8"))
        pem = lambda c: c.public_bytes(serialization.Encoding.PEM).decode("ascii")  # noqa: E731
        return {"challenge": challenge, "certificate": pem(self.certificate),
                "chain": [pem(c) for c in self.chain], "signature": base64.b64encode(signature).decode("ascii")}

    def close(self) -> None:
        self.session.close()


def exchange(portal_url: str, signer: CardSigner, client: httpx.Client) -> str:
    """Log in at ``portal_url`` (challenge, sign, response); returns the page to go to next."""
    base = portal_url.rstrip("/")
    page = client.get(f"{base}/login")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    tenant = re.search(r'data-tenant="([^"]+)"', page.text)
    if page.status_code != 200 or not csrf or not tenant:
        raise HelperError(f"{base} is geen zorgverlenersportaal (inlogpagina niet gevonden).")
    # The token alone: a client that is not a browser sends neither Origin nor Sec-Fetch-Site.
    headers = {"X-CSRFToken": csrf.group(1)}
    issued = client.post(f"{base}/login/uzi/challenge", headers=headers)
    if issued.status_code != 200:
        raise HelperError(issued.json().get("message", "Het portaal gaf geen inlogpoging."))
    answer = signer.answer(tenant.group(1), issued.json()["challenge"])
    result = client.post(f"{base}/login/uzi/response", json=answer, headers=headers)
    body = result.json()
    if result.status_code != 200:
        raise HelperError(f"{body.get('message')} ({body.get('code')})")
    return body["next"]


def make_server(signer: CardSigner, origins: set[str], port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """The loopback signing service; ``origins`` are the portals' ``scheme://host[:port]``."""

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, body: dict | None, origin: str | None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            if origin:
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Access-Control-Allow-Methods", "POST")
                self.send_header("Access-Control-Allow-Headers", "Content-Type")
                self.send_header("Access-Control-Allow-Private-Network", "true")
                self.send_header("Vary", "Origin")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _origin(self) -> str | None:
            origin = self.headers.get("Origin", "")
            return origin if origin in origins else None

        def do_OPTIONS(self) -> None:  # noqa: N802 (CORS preflight)
            origin = self._origin()
            self._reply(204 if origin else 403, None, origin)

        def do_POST(self) -> None:  # noqa: N802
            origin = self._origin()
            if origin is None or self.path != "/sign":
                self._reply(403, {"message": "Dit programma ondertekent alleen voor het zorgverlenersportaal."}, None)
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
                request = json.loads(self.rfile.read(min(length, 4096)) or b"{}")
                answer = signer.answer(str(request.get("tenant", "")), str(request.get("challenge", "")))
            except (ValueError, HelperError) as exc:
                self._reply(400, {"message": str(exc) if isinstance(exc, HelperError) else "Ongeldig verzoek."}, origin)
                return
            self._reply(200, answer, origin)

        def log_message(self, format: str, *args) -> None:  # noqa: A002 (quiet: no challenge values in logs)
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise click.BadParameter(f"{url} is not an http(s) URL", param_hint="--portal")
    return f"{parts.scheme}://{parts.netloc}"


def _open_signer(module: str, token: str) -> CardSigner:
    import pkcs11

    pin = click.prompt("Pincode van uw UZI-pas", hide_input=True)
    try:
        return CardSigner.open(module, token, pin)
    except pkcs11.exceptions.PinIncorrect:
        raise HelperError("De pincode is onjuist. Let op: na 3 onjuiste pogingen wordt de pas geblokkeerd.") from None
    except pkcs11.exceptions.PinLocked:
        raise HelperError("De UZI-pas is geblokkeerd. Neem contact op met de UZI-pas helpdesk.") from None


_module = click.option("--module", default=DEFAULT_MODULE, show_default=True, help="PKCS#11 library of the card reader")
_token = click.option("--token", "token_label", required=True, help="Label of the card's token")


@click.group(help="Sign in to a zorgverlenersportaal with the UZI-pas (PKCS#11).")
def main() -> None:
    pass


@main.command()
@click.argument("portal_url")
@_module
@_token
def login(portal_url: str, module: str, token_label: str) -> None:
    """Log in at PORTAL_URL with the card (checks that the card works for that portal)."""
    try:
        signer = _open_signer(module, token_label)
        try:
            with httpx.Client(timeout=30, follow_redirects=False) as client:
                target = exchange(portal_url, signer, client)
        finally:
            signer.close()
    except (HelperError, httpx.HTTPError) as exc:
        click.echo(f"Inloggen mislukt: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Ingelogd op {portal_url.rstrip('/')}{target}")


@main.command()
@click.option("--portal", "portals", multiple=True, required=True, help="Portal URL this PC may sign for")
@click.option("--port", default=DEFAULT_PORT, show_default=True)
@_module
@_token
def serve(portals: tuple[str, ...], port: int, module: str, token_label: str) -> None:
    """Sign login challenges for the portal's login page until stopped (Ctrl+C)."""
    origins = {_origin_of(url) for url in portals}
    try:
        signer = _open_signer(module, token_label)
    except HelperError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    server = make_server(signer, origins, port)
    click.echo(f"Klaar: de UZI-pas ondertekent nu inlogpogingen van {', '.join(sorted(origins))}.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        signer.close()
