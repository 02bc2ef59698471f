"""How strong a secret from the environment must be: at least 32 bytes (256 bits) of entropy.

One rule for every secret the portal checks at start-up (a tenant's session key, the
inzagelog API token); ``portal.production`` applies it, and any other code that accepts a
secret calls ``secret_problem`` too, so the rule and its message stay in one place.

Entropy cannot be measured from one value; the estimate is an upper bound that the usual
generators meet and that typed or patterned values do not:

- length times log2 of the smallest common alphabet holding every character (digits,
  hexadecimal, base32, lower- or upper-case alphanumeric, alphanumeric, base64/base64url,
  printable ASCII; trailing base64 ``=`` padding does not count), and
- at most what the value compresses to (zlib, its fixed overhead subtracted), which catches
  repetition: ``"k" * 64`` or ``"abcdefgh" * 10`` are long but say little.

``secrets.token_urlsafe(32)``, ``secrets.token_hex(32)``, ``openssl rand -hex 32`` and
``openssl rand -base64 32`` all pass. A chosen phrase of the right length may pass too: the
check stops mistakes, it cannot tell a random value from a clever one.
"""
from __future__ import annotations

import math
import string
import zlib

MIN_ENTROPY_BITS = 256
#: The command every refusal suggests.
GENERATE = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"

_ALPHANUMERIC = string.ascii_letters + string.digits
#: Smallest first: a value is judged by the first alphabet holding all its characters.
_ALPHABETS = [frozenset(chars) for chars in (
    string.digits,
    "0123456789abcdef", "0123456789ABCDEF",
    string.ascii_uppercase + "234567",
    string.ascii_lowercase + string.digits, string.ascii_uppercase + string.digits,
    _ALPHANUMERIC,
    _ALPHANUMERIC + "-_", _ALPHANUMERIC + "+/",
)]
#: Anything else counts as printable ASCII (94 visible characters and the space).
_PRINTABLE = 95
#: Bytes zlib adds to any input (header, checksum, block framing).
_ZLIB_OVERHEAD = len(zlib.compress(b"", 9))


def entropy_bits(value: str) -> float:
    """An upper estimate of the bits of entropy in ``value`` (see the module docstring)."""
    body = value.rstrip("=") or value
    if not body:
        return 0.0
    characters = set(body)
    size = next((len(alphabet) for alphabet in _ALPHABETS if characters <= alphabet), _PRINTABLE)
    by_alphabet = len(body) * math.log2(size) if len(characters) > 1 else 0.0
    by_compression = 8 * (len(zlib.compress(body.encode("utf-8"), 9)) - _ZLIB_OVERHEAD)
    return max(0.0, min(by_alphabet, by_compression))


def secret_problem(value: str | None) -> str | None:
    """``None`` when ``value`` is strong enough; otherwise what is wrong and what to do, in
    English, never quoting the value. Callers add which variable and setting they read."""
    if not value:
        return f"is not set: put a random value of at least 32 bytes in it ({GENERATE})"
    bits = entropy_bits(value)
    if bits < MIN_ENTROPY_BITS:
        return (f"holds at most about {int(bits)} bits of entropy, fewer than 32 bytes ({MIN_ENTROPY_BITS} bits): "
                f"replace it with a random value ({GENERATE})")
    return None
