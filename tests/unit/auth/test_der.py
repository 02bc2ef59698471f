"""The strict DER IA5String decoder of the 2.5.5.5 otherName."""
import pytest

from portal.auth.cards import ia5string_der
from portal.auth.uzi import decode_ia5string

PRODUCTION = "2.16.528.1.1003.1.3.5.5.2-1-123456789-Z-12345678-01.015-12345678"  # 64 characters


@pytest.mark.parametrize("text", ["", "a", "x" * 127, PRODUCTION, "y" * 128, "z" * 300])
def test_round_trip_short_and_long_form(text):
    assert decode_ia5string(ia5string_der(text)) == text


@pytest.mark.parametrize("der, why", [
    (b"\x0c\x03abc", "UTF8String tag"),
    (b"\x16\x81\x03abc", "long form for a short length"),
    (b"\x16\x82\x00\x80" + b"a" * 128, "leading zero length octet"),
    (b"\x16\x80abc", "indefinite length"),
    (b"\x16\x04abc", "length beyond the content"),
    (b"\x16\x02abc", "trailing octets"),
    (b"\x16\x03a\x00c", "control character"),
    (b"\x16\x03a\xe9c", "not ASCII"),
    (b"\x16", "no length"),
])
def test_malformed_encodings_are_refused(der, why):
    with pytest.raises(ValueError):
        decode_ia5string(der)
