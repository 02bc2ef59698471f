"""The order form: parsing and validating what the provider posted, with Dutch messages.

Validation runs again on the final "Verstuur aanvraag" post: the confirmation page's hidden
fields are user input like any other. Free text is normalised (``core.freetext``) before its
length is checked.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from werkzeug.datastructures import MultiDict

from ..core.freetext import normalise
from ..epd.models import OrderableTest

MAX_QUESTION = 2000
MAX_NOTE = 1000
MAX_TESTS = 10
#: How far ahead a desired date may lie.
MAX_AHEAD = timedelta(days=366)


@dataclass
class OrderForm:
    """What the form holds (valid or not), plus its ``errors`` per field name."""

    test_codes: tuple[str, ...] = ()
    clinical_question: str = ""
    urgent: bool = False
    requested_date: date | None = None
    requested_date_text: str = ""
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def _parse_date(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse(form: MultiDict, catalogue: Sequence[OrderableTest], today: date) -> OrderForm:
    """Read and check the posted ``form`` (a werkzeug MultiDict) against ``catalogue``."""
    known = {t.code for t in catalogue}
    codes = tuple(dict.fromkeys(form.getlist("test")))
    result = OrderForm(
        test_codes=codes,
        clinical_question=normalise(form.get("clinical_question", ""), multiline=True),
        urgent=form.get("urgent") == "yes",
        requested_date_text=normalise(form.get("requested_date", "")),
        note=normalise(form.get("note", ""), multiline=True),
    )
    errors = result.errors
    if not codes:
        errors["test"] = "Kies ten minste één onderzoek."
    elif any(code not in known for code in codes):
        errors["test"] = "Kies alleen onderzoeken uit de lijst."
        result.test_codes = tuple(c for c in codes if c in known)
    elif len(codes) > MAX_TESTS:
        errors["test"] = f"Kies ten hoogste {MAX_TESTS} onderzoeken per aanvraag."
    if not result.clinical_question:
        errors["clinical_question"] = "Vul de vraagstelling in."
    elif len(result.clinical_question) > MAX_QUESTION:
        errors["clinical_question"] = f"De vraagstelling is te lang (maximaal {MAX_QUESTION} tekens)."
    if result.requested_date_text:
        try:
            wanted = result.requested_date = _parse_date(result.requested_date_text)
        except ValueError:
            errors["requested_date"] = "Vul de gewenste datum in als dd-mm-jjjj."
        else:
            if wanted < today:
                errors["requested_date"] = "De gewenste datum ligt in het verleden."
            elif wanted > today + MAX_AHEAD:
                errors["requested_date"] = "De gewenste datum ligt meer dan een jaar vooruit."
    if len(result.note) > MAX_NOTE:
        errors["note"] = f"De opmerking is te lang (maximaal {MAX_NOTE} tekens)."
    return result
