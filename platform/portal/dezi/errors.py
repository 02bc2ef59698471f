"""Refusals of a Dezi login: a stable code (audit log, tests) and the Dutch text shown to the GP.

The codes the UZI-pas path shares (``role_not_allowed``, ``no_account``, ``request_invalid``,
``audit_unavailable``) keep their own text from ``portal.auth.errors``: a GP without an
account reads the same sentence whichever way they came in.
"""
from __future__ import annotations

from ..auth.errors import MESSAGES as LOGIN_MESSAGES
from ..auth.errors import LoginRefused

#: code -> Dutch message, for the refusals only Dezi has.
MESSAGES: dict[str, str] = {
    "dezi_disabled": "Inloggen met Dezi is bij dit zorgverlenersportaal (nog) niet mogelijk. Log in met uw UZI-pas.",
    "dezi_unavailable": "Dezi is op dit moment niet bereikbaar. Probeer het later opnieuw of log in met uw UZI-pas.",
    "dezi_cancelled": "Het inloggen bij Dezi is afgebroken. Probeer het opnieuw.",
    "dezi_state_mismatch": (
        "Dit antwoord van Dezi hoort niet bij een inlogpoging in dit browservenster. Ververs de pagina en probeer "
        "het opnieuw."),
    "dezi_nonce_mismatch": "Het antwoord van Dezi hoort niet bij deze inlogpoging. Probeer het opnieuw.",
    "dezi_pkce_failed": (
        "Dezi kon niet bevestigen dat deze inlogpoging in uw browser begon. Ververs de pagina en probeer het opnieuw."),
    "dezi_code_refused": "Dezi heeft de inlogpoging niet afgerond (verlopen of al gebruikt). Probeer het opnieuw.",
    "dezi_response_invalid": "Het antwoord van Dezi kan niet worden gelezen. Probeer het later opnieuw.",
    "dezi_signature_invalid": "De ondertekening van het antwoord van Dezi klopt niet. Inloggen is niet mogelijk.",
    "dezi_jku_unknown": (
        "Uw Dezi-verklaring is ondertekend met een sleutel die dit zorgverlenersportaal niet kent. Inloggen is niet "
        "mogelijk."),
    "dezi_not_yet_valid": "Uw Dezi-verklaring is nog niet geldig. Probeer het over enkele minuten opnieuw.",
    "dezi_expired": "Uw Dezi-verklaring is verlopen. Log opnieuw in met Dezi.",
    "dezi_revoked": "Uw Dezi-verklaring is ingetrokken. Inloggen met Dezi is niet meer mogelijk.",
    "dezi_status_unknown": (
        "Op dit moment kan niet worden gecontroleerd of uw Dezi-verklaring nog geldig is. Probeer het later opnieuw."),
    "dezi_loa_too_low": (
        "U bent bij Dezi ingelogd met een te laag betrouwbaarheidsniveau voor dit zorgverlenersportaal. Log in met "
        "een inlogmiddel van een hoger niveau."),
    "dezi_organisation_mismatch": (
        "Uw Dezi-verklaring hoort bij een andere organisatie dan uw account bij dit zorgverlenersportaal. Wijzigt "
        "er iets in uw praktijk, meld dit dan bij ZorgNetOost."),
}
#: HTTP status of the codes that are not 401.
STATUSES: dict[str, int] = {"dezi_unavailable": 503, "dezi_status_unknown": 503, "audit_unavailable": 503,
                            "dezi_disabled": 404}


class DeziRefused(LoginRefused):
    """A Dezi login is refused: ``code`` is a key of ``MESSAGES`` or of the UZI-pas path's.
    ``problem`` says, in English for the audit log and the server log, what exactly was wrong."""

    def __init__(self, code: str, problem: str | None = None):
        if code not in MESSAGES and code not in LOGIN_MESSAGES:
            raise KeyError(f"unknown refusal code {code!r}")
        self.code = code
        self.problem = problem
        Exception.__init__(self, code)

    @property
    def status(self) -> int:
        return STATUSES.get(self.code, 401)

    @property
    def message(self) -> str:
        return MESSAGES.get(self.code) or LOGIN_MESSAGES[self.code]
