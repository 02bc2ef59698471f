"""The optional ``email`` column of the ZorgNetOost file (the worklist's notification e-mail)."""
from __future__ import annotations

import pytest

from portal.accounts.registration import RegistrationFileError, parse_registration

HEADER = "uzi_number,agb_code,name,role,practice_name,practice_agb,status"


def test_an_email_column_is_read_and_checked():
    rows = parse_registration(f"{HEADER},email\n900000001,01000001,Dr. A,01.015,P,01000002,aanmelden,a@example.org\n"
                              "900000002,01000003,Dr. B,01.015,P,01000002,aanmelden,\n")
    assert [r.extra["email"] for r in rows] == ["a@example.org", None]
    with pytest.raises(RegistrationFileError) as bad:
        parse_registration(f"{HEADER},email\n900000001,01000001,Dr. A,01.015,P,01000002,aanmelden,not-an-address\n")
    assert "email is not an e-mail address" in str(bad.value)


def test_a_file_without_the_column_sets_no_address():
    [row] = parse_registration(f"{HEADER}\n900000001,01000001,Dr. A,01.015,P,01000002,aanmelden\n")
    assert "email" not in row.extra
