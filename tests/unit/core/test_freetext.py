"""Free text is what it looks like: normalised before its length is checked and stored;
CSV cells never start a spreadsheet formula."""
from hypothesis import given
from hypothesis import strategies as st

from portal.core.freetext import normalise, spreadsheet_safe


def test_invisible_and_lookalike_characters_are_removed():
    assert normalise("Pijn\u202e op de\u200b borst\x00") == "Pijn op de borst"
    assert normalise("\ufb01bromyalgie") == "fibromyalgie"  # the ligature becomes two letters (NFKC)
    assert normalise("  twee   spaties \t tab ") == "twee spaties tab"
    assert normalise("\u200b\u200d\u2066\u2069 ") == ""  # empty once normalised: no reason
    assert normalise("regel 1\r\n\r\n  regel 2 ", multiline=True) == "regel 1\n\nregel 2"
    assert normalise(None) == ""


@given(st.text())
def test_normalised_text_has_no_control_or_format_characters_and_is_stable(value):
    import unicodedata

    once = normalise(value)
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs", "Cn") for ch in once)
    assert once == once.strip()
    assert normalise(once) == once


def test_csv_cells_never_start_a_formula():
    for dangerous in ("=1+1", "+31 6", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_safe(dangerous).startswith("'")
    assert spreadsheet_safe("Huisartsenpraktijk De Linde") == "Huisartsenpraktijk De Linde"
