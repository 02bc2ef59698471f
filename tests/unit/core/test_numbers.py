"""Numbers in Dutch notation (``nl_number``): decimal comma, ``.`` between thousands from four
integer digits on, ranges with an en dash; text that is no number is left as the EPD sent it."""
from decimal import Decimal

import pytest

from portal.core.formatting import nl_number


@pytest.mark.parametrize("value, shown", [
    # Text as the EPD sends it: the lab's decimals are kept, only the notation changes.
    ("19.4", "19,4"), ("19.40", "19,40"), ("4.0", "4,0"), ("0", "0"), (".5", "0,5"), ("-3.25", "-3,25"),
    ("999", "999"), ("1000", "1.000"), ("12000", "12.000"), ("1234.5", "1.234,5"), ("1234567", "1.234.567"),
    (" 7 ", "7"),
    # Comparators stay, the number after them in Dutch notation.
    ("<0.5", "<0,5"), ("> 1000", "> 1.000"), ("<=2.5", "<=2,5"),
    # Ranges: "7,5 – 10" with an en dash.
    ("7.5 - 10", "7,5 – 10"), ("3.5-5.0", "3,5 – 5,0"), ("1000 - 1500", "1.000 – 1.500"),
    # Not a number: unchanged.
    ("positief", "positief"), ("120/80", "120/80"), ("", ""), ("negatief", "negatief"), ("1.2.3", "1.2.3"),
    ("7.5 - 10 mmol", "7.5 - 10 mmol"),
    # Numbers: no needless decimals, no binary noise.
    (19.4, "19,4"), (3.0, "3"), (0.1 + 0.2, "0,3"), (2.5, "2,5"), (-0.0, "0"), (1234.5, "1.234,5"),
    (12000, "12.000"), (-1234567, "-1.234.567"), (10_000_000.0, "10.000.000"), (Decimal("2.50"), "2,50"),
    (None, ""), (float("nan"), ""), (float("inf"), ""),
])
def test_dutch_notation(value, shown):
    assert nl_number(value) == shown


@pytest.mark.parametrize("value, decimals, shown", [
    (2.345, 2, "2,35"), (2.5, 0, "3"), (-2.5, 0, "-3"), (1234.5, 0, "1.235"), (3, 1, "3,0"),
    ("19.45", 1, "19,5"), ("7.5 - 10", 1, "7,5 – 10,0"), ("<0.5", 2, "<0,50"), (0.04, 1, "0,0"),
])
def test_fixed_decimals_round_half_away_from_zero(value, decimals, shown):
    assert nl_number(value, decimals) == shown


def test_registered_as_a_jinja_filter(app):
    with app.app_context():
        assert app.jinja_env.from_string("{{ '7.5 - 10' | nl_number }}").render() == "7,5 – 10"
