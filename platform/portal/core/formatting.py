"""Jinja filters for Dutch display: dates as dd-mm-jjjj, sex in Dutch, and the like."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask

SEX_NL = {"male": "Man", "female": "Vrouw", "other": "Anders", "unknown": "Onbekend"}


def nl_date(value: date | datetime | None) -> str:
    """``date(1955, 5, 5)`` -> ``05-05-1955``; None -> empty string."""
    if value is None:
        return ""
    return value.strftime("%d-%m-%Y")


def nl_datetime(value: datetime | None) -> str:
    """``datetime(2026, 1, 2, 9, 5)`` -> ``02-01-2026 09:05``."""
    if value is None:
        return ""
    return value.strftime("%d-%m-%Y %H:%M")


def nl_sex(value) -> str:
    key = getattr(value, "value", value)
    return SEX_NL.get(str(key), "Onbekend")


def init_app(app: Flask) -> None:
    app.add_template_filter(nl_date)
    app.add_template_filter(nl_datetime)
    app.add_template_filter(nl_sex)
