"""Jinja filters for Dutch display: dates as dd-mm-jjjj, numbers with a decimal comma, sex in
Dutch, ages, and the like."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import Flask

from .. import context
from ..context.selection import age_on
from ..epd import models as m

SEX_NL = {"male": "Man", "female": "Vrouw", "other": "Anders", "unknown": "Onbekend"}

#: Dutch names of the view models' coded values, per enum (the manual's words where it has them).
LABELS_NL: dict[type, dict[str, str]] = {
    m.DiagnosisStatus: {"working": "Werkdiagnose", "confirmed": "Definitief", "differential": "Differentiaaldiagnose",
                        "resolved": "Niet meer actueel", "refuted": "Vervallen"},
    m.MedicationCategory: {"active_home": "Actieve thuismedicatie", "active_inpatient": "Actieve klinische medicatie",
                           "planned": "Geplande medicatie", "stopped": "Gestopte medicatie",
                           "ended": "Beëindigde medicatie", "suspended": "Tot nader order gestopte medicatie"},
    m.AlertKind: {"infection_risk": "Besmettingsrisico", "condition": "Aandoening", "other": "Overig"},
    m.RestrictionDecision: {"allowed": "Toegestaan", "not_allowed": "Niet toegestaan",
                            "with_restrictions": "Met beperkingen"},
    m.ImagingDiscipline: {"radiology": "Radiologie", "nuclear": "Nucleaire geneeskunde"},
    m.OrderStatus: {"submitted": "Verstuurd", "scheduled": "Ingepland", "completed": "Afgerond",
                    "cancelled": "Geannuleerd"},
    m.OrderedBy: {"hospital": "Ziekenhuis", "gp": "Huisarts"},
    m.ResultFlag: {"low": "laag", "high": "hoog"},
}
#: Alcohol, tabak en drugs: ``SubstanceUse.substance`` is a plain code string.
SUBSTANCES_NL = {"alcohol": "Alcohol", "tobacco": "Tabak", "drugs": "Drugs"}


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
        value = context.clock_or_default().to_local(value)
    return value.strftime("%d-%m-%Y %H:%M")


def nl_age(birth_date_iso: str | None, today: date | None = None) -> str:
    """The age shown beside a birth date ("62 jaar"; "5 maanden", "12 dagen" under a year),
    on ``today`` (default: the hospital's date, ``context.clock().today()``), computed when the page is
    rendered: the session keeps the birth date, never an age that goes stale. Empty for no
    or a malformed date, or one after ``today``."""
    try:
        born = date.fromisoformat(birth_date_iso) if birth_date_iso else None
    except (TypeError, ValueError):
        born = None
    on = today or context.clock().today()
    if born is None or born > on:
        return ""
    years = age_on(born.isoformat(), on)
    if years >= 1:
        return f"{years} jaar"
    months = (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)
    if months >= 1:
        return "1 maand" if months == 1 else f"{months} maanden"
    days = (on - born).days
    return "1 dag" if days == 1 else f"{days} dagen"


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

#: A number as an EPD writes it: "19.4", "-3", "12000", ".5"; optionally after a comparator ("<0.5").
_NUMBER_TEXT = r"-?(?:\d+(?:\.\d*)?|\.\d+)"
_SINGLE = re.compile(rf"\s*([<>≤≥]=?\s*)?({_NUMBER_TEXT})\s*")
_RANGE = re.compile(rf"\s*({_NUMBER_TEXT})\s*(?:-|–|—|tot)\s*({_NUMBER_TEXT})\s*")


def _group_thousands(integer: str) -> str:
    """"1234567" -> "1.234.567"; only from 4 integer digits on ("999", "1.000")."""
    sign, digits = ("-", integer[1:]) if integer.startswith("-") else ("", integer)
    if len(digits) < 4:
        return sign + digits
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return sign + ".".join(groups)


def _decimal_text(number: Decimal) -> str:
    """A Decimal in Dutch notation, exactly as many decimals as it carries."""
    text = format(number, "f")
    integer, _, fraction = text.partition(".")
    if integer in ("", "-"):
        integer += "0"
    if integer == "-0" and not fraction.strip("0"):
        integer = "0"
    grouped = _group_thousands(integer)
    return f"{grouped},{fraction}" if fraction else grouped


def nl_number(value, decimals: int | None = None) -> str:
    """A number in Dutch notation: decimal comma, ``.`` between thousands from 4 integer digits
    on (``1234.5`` -> ``"1.234,5"``, ``999`` -> ``"999"``).

    ``value`` may be an int, float, Decimal or the text an EPD sends. Text keeps the decimals it
    was written with ("19.40" -> "19,40"); a comparator stays ("<0.5" -> "<0,5"); a range becomes
    "7,5 – 10" (en dash); text that is not a number ("positief", "120/80") is returned unchanged.
    A float without ``decimals`` shows no needless decimals (at most 6). ``decimals`` rounds
    half away from zero to exactly that many. None (and NaN/infinity) gives an empty string."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str):
        single = _SINGLE.fullmatch(value)
        if single:
            comparator = single.group(1) or ""
            return comparator + _format_decimal(Decimal(_leading_zero(single.group(2))), decimals)
        pair = _RANGE.fullmatch(value)
        if pair:
            low, high = (_format_decimal(Decimal(_leading_zero(g)), decimals) for g in pair.groups())
            return f"{low} – {high}"
        return value
    try:
        if isinstance(value, (int, Decimal)):
            number = Decimal(value)
        else:
            # Six decimals at most: a float's binary noise (0.30000000000000004) is no datum.
            number = Decimal(repr(round(float(value), 6)))
    except (TypeError, ValueError, InvalidOperation, OverflowError):
        return str(value)
    if not number.is_finite():
        return ""
    if decimals is None and not isinstance(value, (int, Decimal)) and number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return _format_decimal(number, decimals)


def _leading_zero(text: str) -> str:
    return text.replace("-.", "-0.") if text.startswith("-.") else ("0" + text if text.startswith(".") else text)


def _format_decimal(number: Decimal, decimals: int | None) -> str:
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return _decimal_text(number)


def nl_label(value) -> str:
    """The Dutch name of a coded value (an enum of ``portal.epd.models``); unknown codes are
    shown as they are rather than hidden."""
    if value is None:
        return ""
    labels = LABELS_NL.get(type(value))
    key = getattr(value, "value", value)
    if labels is None:
        return SUBSTANCES_NL.get(str(key), str(key))
    return labels.get(str(key), str(key))


def init_app(app: Flask) -> None:
    app.add_template_filter(nl_label)
    app.add_template_filter(nl_number)
    app.add_template_filter(nl_date)
    app.add_template_filter(nl_datetime)
    app.add_template_filter(nl_sex)
    app.add_template_filter(nl_age)
