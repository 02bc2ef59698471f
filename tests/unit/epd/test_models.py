"""View models: search criteria rules, name normalisation, display names, result flags."""
from datetime import date

import pytest

from portal.epd import models as m
from portal.epd.registry import parse_settings


def test_criteria_need_exactly_the_fields_of_their_kind():
    with pytest.raises(ValueError, match="bsn is required"):
        m.SearchCriteria(m.SearchKind.BSN)
    with pytest.raises(ValueError, match="postcode must not be set"):
        m.SearchCriteria(m.SearchKind.BSN, bsn="999999096", postcode="7513ER")
    with pytest.raises(ValueError, match="no letters"):
        m.SearchCriteria.by_birth_name("--", date(1955, 5, 5), m.Sex.MALE)
    criteria = m.SearchCriteria.by_address(" 7513 er ", "55")
    assert (criteria.postcode, criteria.house_number) == ("7513ER", 55)


def test_criteria_and_summaries_keep_identifiers_out_of_repr():
    assert "999999096" not in repr(m.SearchCriteria.by_bsn("999999096"))
    summary = m.PatientSummary("1", "02448128", "999999096", "B.J.J.", "Bert", None, "Test", None, None,
                               date(1955, 5, 5), m.Sex.MALE, True)
    assert "999999096" not in repr(summary) and "02448128" not in repr(summary)


def test_normalise_name_drops_case_accents_and_punctuation():
    assert m.normalise_name("Van den Bérg-D'Hondt") == "vandenbergdhondt"
    assert m.normalise_name("ÖZTÜRK") == m.normalise_name("öztürk") == "ozturk"


@pytest.mark.parametrize("usage, expected", [
    (m.NameUsage.OWN, "B.J.J. van Test"), (m.NameUsage.PARTNER, "B.J.J. de Vries"),
    (m.NameUsage.PARTNER_OWN, "B.J.J. de Vries-van Test"), (m.NameUsage.OWN_PARTNER, "B.J.J. van Test-de Vries")])
def test_display_name_follows_name_usage(usage, expected):
    summary = m.PatientSummary("1", "1", None, "B.J.J.", None, "van", "Test", "de", "Vries", date(1955, 5, 5),
                               m.Sex.MALE, True, name_usage=usage)
    assert summary.display_name == expected


def test_flag_for_reference_range():
    assert m.flag_for(8.0, 8.5, 11.0) is m.ResultFlag.LOW
    assert m.flag_for(11.5, 8.5, 11.0) is m.ResultFlag.HIGH
    assert m.flag_for(9.0, 8.5, 11.0) is None
    assert m.flag_for(None, 8.5, 11.0) is None
    assert m.flag_for(20.0, None, 10.0) is m.ResultFlag.HIGH


def test_parse_settings_names_the_key():
    from portal_connectors.demo.connector import DemoSettings

    with pytest.raises(ValueError, match=r"connector\.settings\.sede: unknown key"):
        parse_settings(DemoSettings, {"sede": 1})
    with pytest.raises(ValueError, match=r"connector\.settings\.timeout_seconds"):
        parse_settings(DemoSettings, {"timeout_seconds": 0})
    assert parse_settings(DemoSettings, {"seed": 7}).seed == 7
