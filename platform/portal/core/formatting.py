"""Jinja filters for Dutch display: dates as dd-mm-jjjj, sex in Dutch, and the like."""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask

#: Hospital local time: naive datetimes from the EPD already are; aware ones are converted.
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")

SEX_NL = {"male": "Man", "female": "Vrouw", "other": "Anders", "unknown": "Onbekend"}


def nl_date(value: date | datetime | None) -> str:
    """``date(1955, 5, 5)`` -> ``05-05-1955``; None -> empty string."""
    if value is None:
        return ""
    return value.strftime("%d-%m-%Y")


def nl_datetime(value: datetime | None) -> str:
    """``datetime(2026, 1, 2, 9, 5)`` -> ``02-01-2026 09:05``; an aware datetime is shown
    in hospital local time."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(LOCAL_ZONE)
    return value.strftime("%d-%m-%Y %H:%M")


def nl_sex(value) -> str:
    key = getattr(value, "value", value)
    return SEX_NL.get(str(key), "Onbekend")


_DUTCH_DATE = re.compile(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})|(\d{2})(\d{2})(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")  # what a browser's date picker sends


def parse_nl_date(text: str, label: str) -> date:
    """The inverse of ``nl_date``: dd-mm-jjjj (also with / . or a space, or ddmmjjjj) or the
    date picker's jjjj-mm-dd. Raises ``ValueError`` with a Dutch message naming ``label``
    ("geboortedatum") for a malformed or impossible date."""
    text = text.strip()
    dutch, iso = _DUTCH_DATE.fullmatch(text), _ISO_DATE.fullmatch(text)
    if dutch:
        groups = dutch.groups()[:3] if dutch.group(1) else dutch.groups()[3:]
        day, month, year = (int(g) for g in groups)
    elif iso:
        year, month, day = (int(g) for g in iso.groups())
    else:
        raise ValueError(f"Vul de {label} in als dd-mm-jjjj, bijvoorbeeld 05-05-1955.")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"De {label} {day:02d}-{month:02d}-{year} bestaat niet.") from None


def init_app(app: Flask) -> None:
    app.add_template_filter(nl_date)
    app.add_template_filter(nl_datetime)
    app.add_template_filter(nl_sex)
