"""The age beside a birth date in the patient bar (``nl_age``): whole years, and months or
days for a baby, computed on the day the page is made."""
from datetime import date

import pytest

from portal.core.formatting import nl_age


@pytest.mark.parametrize("birth, today, shown", [
    ("1963-05-05", date(2026, 5, 4), "62 jaar"), ("1963-05-05", date(2026, 5, 5), "63 jaar"),
    ("2024-02-29", date(2025, 2, 28), "11 maanden"), ("2026-01-10", date(2026, 2, 10), "1 maand"),
    ("2026-03-01", date(2026, 3, 13), "12 dagen"), ("2026-03-12", date(2026, 3, 13), "1 dag"),
    ("2026-03-14", date(2026, 3, 13), ""), (None, date(2026, 3, 13), ""), ("geen datum", date(2026, 3, 13), ""),
])
def test_age_beside_the_birth_date(birth, today, shown):
    assert nl_age(birth, today) == shown
