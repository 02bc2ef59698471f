"""Secrets of at least 32 bytes of entropy (``portal.secrets_policy``): what the usual
generators make passes; short, low-variety or typed-in values do not."""
from __future__ import annotations

import base64
import os
import secrets

import pytest

from portal.secrets_policy import MIN_ENTROPY_BITS, entropy_bits, secret_problem


@pytest.mark.parametrize("make", [
    lambda: secrets.token_urlsafe(32),                       # the README's command
    lambda: secrets.token_hex(32),                           # openssl rand -hex 32
    lambda: base64.b64encode(os.urandom(32)).decode(),       # openssl rand -base64 32
    lambda: base64.b32encode(os.urandom(35)).decode().rstrip("="),
    lambda: secrets.token_urlsafe(48),
])
def test_generated_secrets_of_32_bytes_pass(make):
    for _ in range(50):  # random values: no unlucky draw may fail
        value = make()
        assert secret_problem(value) is None, value


@pytest.mark.parametrize("value", [
    "", "geheim", "changeme", secrets.token_urlsafe(16), secrets.token_hex(16), secrets.token_hex(31),
    "k" * 48, "ab" * 40, "0123456789" * 6, "1234567890123456789012345678901234567890",
])
def test_short_or_monotonous_secrets_are_refused(value):
    problem = secret_problem(value)
    assert problem is not None and "32 bytes" in problem and "token_urlsafe(32)" in problem


def test_no_secret_at_all_is_a_problem():
    assert "not set" in secret_problem(None)


def test_estimate_by_alphabet():
    assert entropy_bits(secrets.token_hex(32)) == pytest.approx(256)
    assert entropy_bits("7" * 100) == 0
    assert entropy_bits(secrets.token_urlsafe(32)) >= MIN_ENTROPY_BITS == 256


def test_the_problem_never_contains_the_secret():
    value = "Zomer2025!Zomer2025!"
    assert value not in secret_problem(value)
