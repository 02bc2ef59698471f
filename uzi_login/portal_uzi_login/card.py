"""The UZI-pas through the card reader's PKCS#11 module: one login per signature, nothing kept.

``Card(module, token_label)`` knows only where the card is. ``Card.sign(pin, data)`` loads
the module, finds the token by its label (slot numbers change when readers are plugged in),
opens a session logged in with ``pin``, finds the authentication certificate by its key
usage, signs on the card, and logs out and closes the session before it returns, also when
something fails. The PIN is an argument of that one call: no attribute, no cache, no
session left logged in for a later request to use.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from .message import signed_message

DEFAULT_MODULE = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"


class CardError(Exception):
    """Something the card holder must be told (a Dutch message)."""


class WrongPin(CardError):
    def __init__(self) -> None:
        super().__init__("De pincode is onjuist. Let op: na 3 onjuiste pogingen wordt de pas geblokkeerd.")


class CardLocked(CardError):
    def __init__(self) -> None:
        super().__init__("De UZI-pas is geblokkeerd. Neem contact op met de UZI-pas helpdesk.")


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


@dataclass(frozen=True)
class Signature:
    """A signature made on the card, with the certificates the portal needs to check it."""

    value: bytes
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]

    def login_response(self, portal_origin: str, challenge: str) -> dict:
        """The JSON body of the portal's ``POST /login/uzi/response``."""
        return {"origin": portal_origin, "challenge": challenge, "certificate": _pem(self.certificate),
                "chain": [_pem(c) for c in self.chain], "signature": base64.b64encode(self.value).decode("ascii")}


def is_authentication(cert: x509.Certificate) -> bool:
    """The card's authentication certificate: digitalSignature, not nonRepudiation, clientAuth."""
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


@dataclass(frozen=True)
class Card:
    """Where the card is: the PKCS#11 module of the reader and the token's label."""

    module: str
    token_label: str

    def _token(self):
        import pkcs11

        try:
            library = pkcs11.lib(self.module)
        except (RuntimeError, OSError, pkcs11.exceptions.PKCS11Error) as exc:
            raise CardError(f"De software van de paslezer ({self.module}) kan niet worden geladen: {exc}") from None
        try:
            return library.get_token(token_label=self.token_label)
        except pkcs11.exceptions.NoSuchToken:
            raise CardError(f"Geen UZI-pas met de naam '{self.token_label}' gevonden. "
                            "Zit de pas in de paslezer?") from None

    def check_present(self) -> None:
        """Raise ``CardError`` unless the module loads and the token is there (no login)."""
        self._token()

    def sign(self, pin: str, data: bytes) -> Signature:
        """RSASSA-PKCS1-v1_5 with SHA-256 over ``data``, computed on the card after logging in
        with ``pin``; the session is logged out and closed before this returns.

        Raises ``WrongPin``, ``CardLocked`` or ``CardError``."""
        import pkcs11
        from pkcs11 import Attribute, Mechanism, ObjectClass

        token = self._token()
        try:
            session = token.open(user_pin=pin)
        except pkcs11.exceptions.PinIncorrect:
            raise WrongPin() from None
        except pkcs11.exceptions.PinLocked:
            raise CardLocked() from None
        except (pkcs11.exceptions.PinInvalid, pkcs11.exceptions.PinLenRange):
            raise WrongPin() from None
        try:  # Session.close() is C_Logout followed by C_CloseSession
            certificates = [(bytes(obj[Attribute.ID]), x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE])))
                            for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})]
            matches = [(key_id, cert) for key_id, cert in certificates if is_authentication(cert)]
            if len(matches) != 1:
                raise CardError("Het authenticatiecertificaat is niet (eenduidig) op de UZI-pas gevonden.")
            key_id, certificate = matches[0]
            key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id)
            value = bytes(key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS))
        finally:
            session.close()
        return Signature(value, certificate, tuple(cert for _, cert in certificates if _is_ca(cert)))

    def sign_login(self, pin: str, portal_origin: str, tenant_id: str, challenge: str) -> Signature:
        """Sign the login message of ``portal.auth``'s challenge (``message.signed_message``)."""
        return self.sign(pin, signed_message(portal_origin, tenant_id, challenge))
