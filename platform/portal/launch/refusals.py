"""Why a launch is refused: a code for the audit log, and Dutch a GP understands.

The page never says more than the GP can act on: "patiënt niet gevonden" and "geen
toegang" share one text, so that a launch cannot be used to learn whether the hospital
knows a BSN.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    title: str
    text: str
    status: int


#: code -> what the GP reads. The audit record stores the code.
REFUSALS = {
    "expired": Refusal(
        "Link verlopen",
        "De link uit uw eigen systeem is verlopen. Open de patiënt opnieuw vanuit uw eigen systeem.", 400),
    "lifetime_too_long": Refusal(
        "Link niet geldig",
        "De link uit uw eigen systeem is langer geldig dan dit portaal toestaat (hooguit 5 minuten). "
        "Meld dit aan de leverancier van uw systeem; zoek de patiënt intussen via Patiënt zoeken.", 400),
    "replayed": Refusal(
        "Link al gebruikt",
        "Deze link is al gebruikt: elke link opent de patiënt één keer. Open de patiënt opnieuw vanuit "
        "uw eigen systeem.", 400),
    "unknown_issuer": Refusal(
        "Onbekend systeem",
        "Het systeem waaruit u de patiënt opende, is bij dit portaal niet bekend. Zoek de patiënt via "
        "Patiënt zoeken, of vraag de ICT-afdeling van het ziekenhuis uw systeem aan te melden.", 403),
    "unknown_key": Refusal(
        "Onbekend systeem",
        "De link is ondertekend met een sleutel die dit portaal niet kent. Meld dit aan de leverancier van "
        "uw systeem; zoek de patiënt intussen via Patiënt zoeken.", 403),
    "bad_signature": Refusal(
        "Onbekend systeem",
        "De link is niet ondertekend door een systeem dat dit portaal kent. Open de patiënt opnieuw "
        "vanuit uw eigen systeem, of zoek de patiënt via Patiënt zoeken.", 403),
    "wrong_audience": Refusal(
        "Link voor een ander portaal",
        "Deze link is bedoeld voor een ander zorgverlenersportaal. Meld dit aan de leverancier van uw "
        "systeem; zoek de patiënt intussen via Patiënt zoeken.", 403),
    "invalid": Refusal(
        "Link onvolledig",
        "De link mist gegevens of bevat gegevens die niet kloppen (zorgverlener, BSN of pagina). "
        "Meld dit aan de leverancier van uw systeem; zoek de patiënt intussen via Patiënt zoeken.", 400),
    "other_provider": Refusal(
        "Andere zorgverlener",
        "De link is gemaakt voor een andere zorgverlener dan wie nu met de UZI-pas is ingelogd. "
        "Log in met uw eigen UZI-pas en open de patiënt opnieuw vanuit uw eigen systeem.", 403),
    "patient_unavailable": Refusal(
        "Patiënt niet gevonden of geen toegang",
        "Deze patiënt is in dit ziekenhuis niet gevonden, of u heeft geen toegang tot het dossier "
        "(de patiënt gaf geen toestemming, of er is geen behandelrelatie bekend).", 403),
    "no_launch": Refusal(
        "Link verlopen of al gebruikt",
        "Er staat geen patiënt klaar om te openen: de link is al gebruikt of verlopen. Open de patiënt "
        "opnieuw vanuit uw eigen systeem.", 400),
    "smart_failed": Refusal(
        "Openen vanuit het EPD mislukt",
        "Het EPD waaruit u de patiënt opende, gaf de gegevens niet (goed) door. Open de patiënt opnieuw "
        "vanuit het EPD, of zoek de patiënt via Patiënt zoeken.", 502),
}


class LaunchRefused(Exception):
    """A launch refused for ``code`` (a key of ``REFUSALS``); ``details`` go to the audit log
    (never a BSN)."""

    def __init__(self, code: str, **details: str):
        assert code in REFUSALS, code
        super().__init__(code)
        self.code = code
        self.details = {key: str(value) for key, value in details.items() if value}

    @property
    def refusal(self) -> Refusal:
        return REFUSALS[self.code]
