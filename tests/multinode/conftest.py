"""Fixtures shared by the hardening suites (see support.hardening)."""
from support.hardening import hardening_epd, selected  # noqa: F401
