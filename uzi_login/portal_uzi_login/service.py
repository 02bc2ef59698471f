"""``portal-uzi-login serve``: the signing service on 127.0.0.1 for the login page's button.

Who may reach it: every program on the PC can connect to 127.0.0.1 and send any ``Origin``
header it likes. So the service does not treat a request as the card holder's wish; it is
only a question passed on to them:

- it answers only pages of the configured portals (``Origin``; this is what keeps *web
  pages* of other sites out, since a browser cannot lie about it) and only requests
  addressed to the loopback name it listens on (``Host``; against DNS rebinding);
- each request is shown in the helper's own window with the hospital, the portal address
  and the confirmation code, and is signed only after the card holder typed the PIN for
  it there (``Prompt``); the card session is opened with that PIN, used for this one
  signature, logged out and closed (``Card.sign``); no PIN or session is kept;
- one request at a time: a second request while one waits for its PIN is refused, and the
  waiting one is then not signed either (the card holder cannot know which program the
  PIN would have gone to);
- the signature covers the portal's origin, the tenant and the challenge
  (``message.signed_message``), so the portal refuses it anywhere else.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .card import Card, CardError
from .message import origin, valid_request
from .prompt import Prompt, SigningRequest

DEFAULT_PORT = 8723
DEFAULT_PIN_TIMEOUT = 60.0
MAX_BODY = 4096


@dataclass(frozen=True)
class Portal:
    """A portal this PC signs for: its origin and the hospital's name shown in the prompt."""

    origin: str
    hospital: str

    @classmethod
    def parse(cls, value: str) -> "Portal":
        """``URL`` or ``NAME=URL`` (e.g. ``ZGT=https://zorgverleners.zgt.nl``); without a name
        the host stands for the hospital. Raises ``ValueError``."""
        name, separator, url = value.partition("=")
        if not separator or "://" in name:
            name, url = "", value
        portal_origin = origin(url)
        return cls(portal_origin, name.strip() or portal_origin.split("://", 1)[1])


class Refused(Exception):
    """A request answered without a signature: HTTP status and a Dutch message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


BUSY = ("Er wacht al een inlogpoging op uw pincode in het venster van portal-uzi-login. "
        "Rond die eerst af of weiger die, en probeer het dan opnieuw.")
CONTESTED = ("Tijdens deze inlogpoging vroeg nog een programma om een handtekening van uw UZI-pas. "
             "Uit voorzorg is niets ondertekend. Probeer het opnieuw.")
DECLINED = "Er is geen pincode ingevuld in het venster van portal-uzi-login: niet ingelogd."


class SigningService:
    """Decides each request; thread-safe (the HTTP server runs each request in a thread)."""

    def __init__(self, card: Card, portals: list[Portal], prompt: Prompt,
                 pin_timeout: float = DEFAULT_PIN_TIMEOUT):
        self.card = card
        self.portals = {portal.origin: portal for portal in portals}
        self.prompt = prompt
        self.pin_timeout = pin_timeout
        self._busy = threading.Lock()
        self._contested = False

    def allowed(self, origin_header: str | None) -> Portal | None:
        return self.portals.get((origin_header or "").strip())

    def sign(self, portal: Portal, body: bytes) -> dict:
        """The login response for the request in ``body``, or raise ``Refused``."""
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            raise Refused(400, "Ongeldig verzoek.") from None
        if not isinstance(request, dict) or not valid_request(request.get("tenant"), request.get("challenge")):
            raise Refused(400, "Ongeldige inlogpoging ontvangen.")
        asked = SigningRequest(portal.hospital, portal.origin, request["tenant"], request["challenge"])
        if not self._busy.acquire(blocking=False):
            self._contested = True
            self.prompt.tell("\nLet op: nog een programma vraagt om een handtekening. "
                             "De inlogpoging die op uw pincode wacht, wordt niet ondertekend.")
            raise Refused(409, BUSY)
        try:
            pin = self.prompt.ask_pin(asked, self.pin_timeout)
            if pin is None:
                raise Refused(403, DECLINED)
            if self._contested:
                self.prompt.tell(CONTESTED)
                raise Refused(409, CONTESTED)
            try:
                signature = self.card.sign_login(pin, asked.portal_origin, asked.tenant_id, asked.challenge)
            except CardError as exc:
                self.prompt.tell(str(exc))
                raise Refused(403, str(exc)) from None
            self.prompt.tell(f"Ondertekend voor {asked.hospital} ({asked.portal_origin}).")
            return signature.login_response(asked.portal_origin, asked.challenge)
        finally:
            self._contested = False  # reset by the holder only: a contest can never be lost
            self._busy.release()


def make_server(service: SigningService, port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """The HTTP side of ``service`` on 127.0.0.1:``port`` (0: any free port)."""

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, body: dict | None, portal: Portal | None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            if portal is not None:
                self.send_header("Access-Control-Allow-Origin", portal.origin)
                self.send_header("Access-Control-Allow-Methods", "POST")
                self.send_header("Access-Control-Allow-Headers", "Content-Type")
                self.send_header("Access-Control-Allow-Private-Network", "true")
                self.send_header("Vary", "Origin")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def _portal(self) -> Portal | None:
            # A page reached through DNS rebinding names its own host here, not ours.
            host = (self.headers.get("Host") or "").strip().lower()
            if host not in (f"127.0.0.1:{server.server_port}", f"localhost:{server.server_port}"):
                return None
            return service.allowed(self.headers.get("Origin"))

        def do_OPTIONS(self) -> None:  # noqa: N802 (CORS preflight)
            portal = self._portal()
            self._reply(204 if portal else 403, None, portal)

        def do_POST(self) -> None:  # noqa: N802
            portal = self._portal()
            if portal is None or self.path != "/sign":
                self._reply(403, {"message": "Dit programma ondertekent alleen voor het zorgverlenersportaal."}, None)
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                self._reply(400, {"message": "Ongeldig verzoek."}, portal)
                return
            try:
                answer = service.sign(portal, self.rfile.read(length))
            except Refused as exc:
                self._reply(exc.status, {"message": exc.message}, portal)
                return
            self._reply(200, answer, portal)

        def log_message(self, format: str, *args) -> None:  # noqa: A002 (no challenges in logs)
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    return server
