"""The signed login message: one definition, shared by the card helper and the portal."""
import pytest

from portal_uzi_login import message
from portal_uzi_login.message import CODE_LETTERS, confirmation_code, origin, signed_message, valid_request

CHALLENGE = "q3BvYWxsb3dlZC1jaGFsbGVuZ2UtdmFsdWUtMDEyMzQ1Ng"


def test_the_portal_verifies_exactly_what_the_helper_signs():
    """Shared on purpose rather than duplicated: the portal imports this module, so the two
    sides cannot drift apart."""
    from portal.auth import challenge

    assert challenge.signed_message is message.signed_message
    assert challenge.confirmation_code is message.confirmation_code


def test_the_message_binds_version_origin_tenant_and_challenge():
    assert signed_message("https://zorgverleners.zgt.nl", "zgt", CHALLENGE) == (
        f"zvp-uzi-login/2|https://zorgverleners.zgt.nl|zgt|{CHALLENGE}".encode())


@pytest.mark.parametrize("url, expected", [
    ("https://zorgverleners.zgt.nl", "https://zorgverleners.zgt.nl"),
    ("https://Zorgverleners.ZGT.nl:443/login?x=1", "https://zorgverleners.zgt.nl"),
    ("http://zgt.localhost:8000/", "http://zgt.localhost:8000"),
    ("http://127.0.0.1:80", "http://127.0.0.1"),
    ("https://[::1]:8443", "https://[::1]:8443"),
])
def test_origins_are_written_as_browsers_write_them(url, expected):
    assert origin(url) == expected


@pytest.mark.parametrize("url", ["ftp://zgt.nl", "zorgverleners.zgt.nl", "https://user@zgt.nl", "https://",
                                 "https://zgt.nl:99999", "https://zgt|nl"])
def test_anything_but_an_http_origin_is_refused(url):
    with pytest.raises(ValueError):
        origin(url)


@pytest.mark.parametrize("parts", [
    ("https://zgt.nl/", "zgt", CHALLENGE),            # not normalised
    ("https://zgt.nl|zgt", "zgt", CHALLENGE),         # a separator smuggled in
    ("https://zgt.nl", "zgt|mst", CHALLENGE),
    ("https://zgt.nl", "zgt", CHALLENGE + "|x"),
    ("https://zgt.nl", "zgt", "short"),
])
def test_no_part_can_shift_the_others(parts):
    with pytest.raises(ValueError):
        signed_message(*parts)


def test_valid_request():
    assert valid_request("zgt", CHALLENGE)
    assert not valid_request("ZGT", CHALLENGE) and not valid_request("zgt", None) and not valid_request(5, CHALLENGE)


def test_the_confirmation_code_is_short_stable_and_never_digits():
    code = confirmation_code(CHALLENGE)
    assert code == confirmation_code(CHALLENGE) and len(code) == 4 and set(code) <= set(CODE_LETTERS)
    assert not any(ch.isdigit() for ch in CODE_LETTERS)  # nobody types it where the PIN is asked
    codes = {confirmation_code(f"{CHALLENGE[:-3]}{n:03d}") for n in range(200)}
    assert len(codes) > 190
