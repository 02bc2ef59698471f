"""What the UZI-pas signs at login: one definition for the helper and the portal.

Both sides import this module (the portal from ``portal.auth.challenge``), so the bytes the
card signs and the bytes the portal verifies can never drift apart. It uses the standard
library only, so the helper installed alone on a GP's PC carries it without the portal.

The card signs (RSASSA-PKCS1-v1_5, SHA-256) the UTF-8 bytes of::

    zvp-uzi-login/2|<portal origin>|<tenant id>|<challenge>

- the version prefix keeps a signature of this format from ever meaning something else
  (the first format, ``<tenant id>|<challenge>``, had none and is refused);
- the origin (``scheme://host[:port]``, lower case, the scheme's default port left out, as
  browsers write ``Origin``) binds the signature to one portal address: a signature a
  program obtained for another address is useless at this one;
- the tenant id and the challenge bind it to one hospital and one login attempt.

None of the parts can contain ``|`` (``origin`` and ``valid_request`` check), so the
message is unambiguous.
"""
from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

VERSION = "zvp-uzi-login/2"
TENANT_ID = re.compile(r"[a-z][a-z0-9_]{1,30}")
CHALLENGE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_HOST = re.compile(r"[a-z0-9.-]+|\[[0-9a-f:.]+\]")
_DEFAULT_PORTS = {"https": 443, "http": 80}
#: Letters of the confirmation code: no look-alikes (0/O/Q, 1/I/L, 5/S, 2/Z, 6/G, 8/B) and no
#: digits at all, so nobody types the code where the PIN is asked.
CODE_LETTERS = "ACDEFHJKMNPRTUVWXY"
CODE_LENGTH = 4


def origin(url: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL as a browser's ``Origin`` header gives it.

    Raises ``ValueError`` for anything else (another scheme, user info, no host)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) URL")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if not _HOST.fullmatch(host):
        raise ValueError(f"{url!r} has an invalid host")
    port = parts.port  # ValueError for a bad port
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def valid_request(tenant_id: object, challenge: object) -> bool:
    """Are these a tenant id and a challenge as the portal issues them?"""
    return (isinstance(tenant_id, str) and isinstance(challenge, str)
            and bool(TENANT_ID.fullmatch(tenant_id)) and bool(CHALLENGE.fullmatch(challenge)))


def signed_message(portal_origin: str, tenant_id: str, challenge: str) -> bytes:
    """Exactly the bytes the card signs for a login at ``portal_origin``.

    Raises ``ValueError`` when a part is not of its form (the origin must already be
    normalised: ``origin(portal_origin) == portal_origin``)."""
    if origin(portal_origin) != portal_origin:
        raise ValueError(f"{portal_origin!r} is not a normalised origin")
    if not valid_request(tenant_id, challenge):
        raise ValueError("not a tenant id and a challenge of the portal")
    return f"{VERSION}|{portal_origin}|{tenant_id}|{challenge}".encode("utf-8")


def confirmation_code(challenge: str) -> str:
    """A short code derived from the challenge: the login page shows it, the helper shows
    it next to its PIN prompt, so the card holder can see that the prompt belongs to the
    login they started. Both compute it; neither takes it from the other."""
    digest = int.from_bytes(hashlib.sha256(f"{VERSION}|code|{challenge}".encode("utf-8")).digest(), "big")
    letters = []
    for _ in range(CODE_LENGTH):
        digest, index = divmod(digest, len(CODE_LETTERS))
        letters.append(CODE_LETTERS[index])
    return "".join(letters)
