"""The selected patient, and the patient every page and form was made for.

All of it lives in the server-side session, never in a URL:

- ``SELECTED``: the connector's opaque id of the patient the provider works with now;
- ``CANDIDATE``: the patient chosen from a list ("Kies deze patiënt") but not yet opened;
- ``OFFERED``: tokens of the lists shown lately -> patient ids (lists post a token);
- ``BANNER``: what the patient bar shows of the selected patient;
- ``CONTEXTS``: the *patient contexts* of this session, token -> patient;
- ``SELECTION``: a random id of the current selection (new with every ``select``), which
  the access decision's short-lived inputs are keyed by (``access.inputs``).

A patient context binds a page to its patient. Every page rendered for a patient carries
its context token in its forms (the hidden field ``CONTEXT_FIELD``) and in its item links
(the query parameter ``CONTEXT_FIELD``). When the request comes back, the guard compares
the context's patient with the patient the request would act on: in a second browser tab
the provider may have selected someone else meanwhile, and a form of patient X must never
be recorded for patient Y. The token is random and means nothing outside this session;
one patient keeps one token for the whole session, so the pages of a patient opened again
are valid again.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask import session
from stdnum.nl import bsn as bsn_format

from ..epd.models import PatientSummary

SELECTED = "selected_patient"
CANDIDATE = "candidate_patient"
OFFERED = "offered_patients"
BANNER = "selected_patient_banner"
CONTEXTS = "patient_contexts"
SELECTION = "selection_id"
#: Name of the hidden form field and of the query parameter carrying a context token.
CONTEXT_FIELD = "patient_context"
#: Contexts kept per session: far more patients than one provider opens in a session;
#: the oldest go first (their pages then ask to open the patient again).
MAX_CONTEXTS = 50
#: Lists whose "Kies deze patiënt" buttons stay valid: a list in one tab survives a search
#: in another.
MAX_OFFERED = 300


@dataclass(frozen=True)
class PatientContext:
    """A patient a page was made for: enough to name them on the conflict page."""

    token: str
    patient_id: str
    display_name: str
    birth_date: str  # dd-mm-yyyy, as shown


def formatted_bsn(bsn: str | None) -> str | None:
    """A valid BSN as Dutch screens show it (1234.56.789); anything else as it came."""
    return bsn_format.format(bsn) if bsn and bsn_format.is_valid(bsn) else bsn


def patient_bar(patient: PatientSummary) -> dict:
    """What the patient bar shows, kept in the session for every page (JSON-safe values)."""
    return {
        "display_name": patient.display_name,
        "given_name": patient.given_name,
        "birth_date": patient.birth_date.strftime("%d-%m-%Y"),
        "birth_date_iso": patient.birth_date.isoformat(),
        "sex": patient.sex.value,
        "bsn": formatted_bsn(patient.bsn),
        "patient_number": patient.patient_number,
        "deceased": patient.deceased,
    }


def _contexts() -> dict[str, dict]:
    value = session.get(CONTEXTS)
    return value if isinstance(value, dict) else {}


def bind(patient: PatientSummary) -> str:
    """The context token of ``patient`` in this session (made on first use)."""
    contexts = _contexts()
    token = next((t for t, c in contexts.items() if c.get("patient_id") == patient.patient_id), None)
    entry = {"patient_id": patient.patient_id, "display_name": patient.display_name,
             "birth_date": patient.birth_date.strftime("%d-%m-%Y")}
    if token is not None and contexts[token] == entry:
        return token
    contexts = dict(contexts)
    if token is None:
        token = secrets.token_urlsafe(12)
        # The oldest go first, never the selected patient's: the patient bar and every
        # page of that patient carry its token.
        selected = (session.get(BANNER) or {}).get("context")
        while len(contexts) >= MAX_CONTEXTS:
            contexts.pop(next(t for t in contexts if t != selected))
    contexts[token] = entry
    session[CONTEXTS] = contexts
    return token


def context(token: object) -> PatientContext | None:
    """The context behind ``token``, or None (missing, malformed, expired, other session)."""
    if not isinstance(token, str) or not token:
        return None
    entry = _contexts().get(token)
    if not isinstance(entry, dict):
        return None
    return PatientContext(token=token, patient_id=entry["patient_id"], display_name=entry["display_name"],
                          birth_date=entry["birth_date"])


def context_of(patient_id: str | None) -> PatientContext | None:
    """The context of the patient with ``patient_id``, if a page of them was shown."""
    for token, entry in _contexts().items():
        if entry.get("patient_id") == patient_id:
            return context(token)
    return None


def select(patient: PatientSummary) -> None:
    """Make ``patient`` the selected patient (after an allowing decision)."""
    session.pop(CANDIDATE, None)
    session[SELECTED] = patient.patient_id
    session[SELECTION] = secrets.token_urlsafe(12)
    session[BANNER] = {**patient_bar(patient), "context": bind(patient)}


def clear() -> None:
    """No patient selected any more (the contexts stay: their pages now conflict)."""
    for key in (SELECTED, SELECTION, BANNER):
        session.pop(key, None)


def selection_id(patient_id: str) -> str | None:
    """The id of the current selection when ``patient_id`` is the selected patient and was
    selected through ``select``; else None."""
    value = session.get(SELECTION)
    return value if isinstance(value, str) and value and session.get(SELECTED) == patient_id else None


def banner() -> dict | None:
    """What the layout shows of the selected patient, or None ("Geen patiënt geselecteerd")."""
    return session.get(BANNER) if session.get(SELECTED) else None


def remember_offer(patient_ids: list[str]) -> dict[str, str]:
    """A fresh token per patient of a list just shown (patient id -> token). Tokens of the
    previous lists stay valid up to ``MAX_OFFERED``, so a list in one tab survives a search
    in another."""
    tokens = {secrets.token_urlsafe(12): pid for pid in patient_ids}
    offered = {**(session.get(OFFERED) or {}), **tokens}
    while len(offered) > MAX_OFFERED:
        offered.pop(next(iter(offered)))
    session[OFFERED] = offered
    return {pid: token for token, pid in tokens.items()}


def take_offer(token: object) -> str | None:
    """The patient id behind a token of a list shown lately, or None."""
    offered = session.get(OFFERED) or {}
    return offered.get(token) if isinstance(token, str) else None


def age_on(birth_date_iso: str, today: date) -> int:
    """Age in whole years on ``today`` of someone born on ``birth_date_iso``."""
    born = date.fromisoformat(birth_date_iso)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
