"""Login refusals: a stable code (API, audit log, tests) and the Dutch text shown to the GP."""
from __future__ import annotations

#: code -> Dutch message. Codes are part of the JSON API; keep them stable.
MESSAGES: dict[str, str] = {
    "request_invalid": "Het inlogverzoek is onvolledig of ongeldig. Probeer het opnieuw.",
    "certificate_invalid": "Het certificaat van uw UZI-pas kan niet worden gelezen.",
    "not_authentication_certificate": (
        "Dit is niet het authenticatiecertificaat van uw UZI-pas. Inloggen kan alleen met het "
        "certificaat 'Authenticiteit'."),
    "key_unsupported": "De sleutel van dit certificaat wordt niet ondersteund.",
    "certificate_not_yet_valid": "Het certificaat van uw UZI-pas is nog niet geldig.",
    "certificate_expired": "Uw UZI-pas is verlopen. Vraag een nieuwe pas aan bij het UZI-register.",
    "untrusted_chain": "Uw UZI-pas is niet uitgegeven door het UZI-register dat dit ziekenhuis vertrouwt.",
    "revoked": "Uw UZI-pas is ingetrokken.",
    "revocation_unknown": (
        "Op dit moment kan niet worden gecontroleerd of uw UZI-pas is ingetrokken. Probeer het later opnieuw."),
    "uzi_name_missing": "Het certificaat bevat geen UZI-gegevens.",
    "uzi_name_invalid": "De UZI-gegevens in het certificaat kunnen niet worden gelezen.",
    "uzi_number_mismatch": "Het UZI-nummer in het certificaat is niet eenduidig.",
    "card_type_not_allowed": "Met dit type UZI-pas kunt u niet inloggen op dit zorgverlenersportaal.",
    "role_not_allowed": "Uw beroep of specialisme geeft geen toegang tot dit zorgverlenersportaal.",
    "no_account": (
        "U hebt (nog) geen actief account voor dit zorgverlenersportaal. Het account wordt ingericht "
        "via ZorgNetOost."),
    "signature_invalid": "De ondertekening met uw UZI-pas klopt niet. Probeer het opnieuw.",
    "origin_mismatch": (
        "Uw UZI-pas heeft ondertekend voor een ander adres dan dit zorgverlenersportaal. Inloggen kan alleen "
        "op het adres waarvoor u uw pincode invulde."),
    "challenge_unknown": "Deze inlogpoging is niet bekend. Ververs de pagina en probeer het opnieuw.",
    "challenge_expired": "De inlogpoging duurde te lang. Ververs de pagina en probeer het opnieuw.",
    "challenge_used": "Deze inlogpoging is al gebruikt. Ververs de pagina en probeer het opnieuw.",
    "challenge_other_tenant": "Deze inlogpoging hoort bij een ander ziekenhuis.",
    "challenge_other_session": "Deze inlogpoging hoort bij een ander browservenster. Probeer het opnieuw.",
    "no_client_certificate": "Er is geen UZI-pas aangeboden. Controleer of de pas in de paslezer zit.",
    "untrusted_proxy": "Dit verzoek komt niet via de beveiligde verbinding van het ziekenhuis.",
    "demo_login_disabled": "Inloggen met een demopas is hier niet mogelijk.",
    "audit_unavailable": "Inloggen is op dit moment niet mogelijk. Probeer het later opnieuw.",
    "too_many_attempts": ("U hebt te vaak achter elkaar geprobeerd in te loggen. Wacht enkele minuten en probeer het "
                          "opnieuw."),
}
#: HTTP status of the codes that are not 401.
STATUSES: dict[str, int] = {"too_many_attempts": 429}


class LoginRefused(Exception):
    """A login attempt is refused; ``code`` is a key of ``MESSAGES``."""

    def __init__(self, code: str):
        if code not in MESSAGES:
            raise KeyError(f"unknown refusal code {code!r}")
        self.code = code
        super().__init__(code)

    @property
    def status(self) -> int:
        return STATUSES.get(self.code, 401)

    @property
    def message(self) -> str:
        return MESSAGES[self.code]

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class CertificateRefused(LoginRefused):
    """The certificate itself fails a rule (raised by ``portal.auth.uzi``)."""
