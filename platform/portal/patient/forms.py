"""The "Melden overlijden patiënt" form: checks only, no Flask, no EPD."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from ..core.formatting import nl_date, parse_nl_date
from ..core.freetext import normalise

MAX_PLACE = 200
MAX_NOTE = 1000
#: Suggestions for the place of death (the field stays free text).
PLACES = ("Thuis", "Verpleeghuis", "Verzorgingshuis", "Hospice", "Ziekenhuis", "Elders")


@dataclass
class DeathForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    date_of_death: date | None = None

    @property
    def valid(self) -> bool:
        return not self.errors and self.date_of_death is not None

    @property
    def place(self) -> str | None:
        return self.values["place_of_death"] or None

    @property
    def note(self) -> str | None:
        return self.values["note"] or None


def parse_death_form(form: Mapping[str, str], *, birth_date: date, today: date) -> DeathForm:
    """Check date of death (required, not in the future, not before birth), place and remarks
    (optional, bounded) and the confirmation (required)."""
    values = {
        "date_of_death": normalise(form.get("date_of_death", "")),
        "place_of_death": normalise(form.get("place_of_death", "")),
        "note": normalise(form.get("note", ""), multiline=True),
        "confirm": "yes" if form.get("confirm") == "yes" else "",
    }
    result = DeathForm(values=values)
    if not values["date_of_death"]:
        result.errors["date_of_death"] = "Vul de overlijdensdatum in als dd-mm-jjjj."
    else:
        try:
            day = parse_nl_date(values["date_of_death"], "overlijdensdatum")
        except ValueError as exc:
            result.errors["date_of_death"] = str(exc)
        else:
            if day > today:
                result.errors["date_of_death"] = "De overlijdensdatum ligt in de toekomst."
            elif day < birth_date:
                result.errors["date_of_death"] = (
                    f"De overlijdensdatum ligt voor de geboortedatum van de patiënt ({nl_date(birth_date)}).")
            else:
                result.date_of_death = day
    if len(values["place_of_death"]) > MAX_PLACE:
        result.errors["place_of_death"] = f"De plaats van overlijden is te lang (maximaal {MAX_PLACE} tekens)."
    if len(values["note"]) > MAX_NOTE:
        result.errors["note"] = f"De opmerkingen zijn te lang (maximaal {MAX_NOTE} tekens)."
    if not values["confirm"]:
        result.errors["confirm"] = "Bevestig dat u het overlijden van deze patiënt wilt melden."
    return result
