"""Ordinary logs carry no BSN or patient numbers (the audit log is the place for them)."""
import logging

import pytest

from portal.web.logscrub import install, scrub


@pytest.mark.parametrize("text, expected", [
    ("search for 999990019 failed", "search for [nummer] failed"),
    ("bsn=123456782;", "bsn=[nummer];"),
    ("BSN 1234.56.782 and 1234 56 782", "BSN [nummer] and [nummer]"),
    ("patiëntnummer 00412345 not found", "patiëntnummer [nummer] not found"),
    ("patient Z1234567 opened", "patient [nummer] opened"),
    ("GET /x/123456789/y", "GET /x/[nummer]/y"),
])
def test_identifiers_are_removed(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize("text", ["took 1234 ms", "from 10.88.4.20", "port 8723", "2026-11-26 09:15:00",
                                  "version 3.11.7", "status 503"])
def test_ordinary_numbers_stay(text):
    assert scrub(text) == text


def test_every_logger_is_scrubbed_including_tracebacks(caplog):
    install()
    install()  # idempotent
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").info("looked up %s for %s", "999990019", {"nr": "00412345"})
        try:
            raise ValueError("no patient 999990019")
        except ValueError:
            logging.getLogger("portal.x").exception("failed")
    text = caplog.text
    assert "999990019" not in text and "00412345" not in text
    assert "looked up [nummer]" in text and "ValueError: no patient [nummer]" in text
