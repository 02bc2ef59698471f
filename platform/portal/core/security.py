"""Which endpoints may be reached without logging in.

Every endpoint requires a logged-in provider (``portal.auth`` enforces it before each
request) unless it is in ``PUBLIC_ENDPOINTS`` or its view is decorated with
``@public_endpoint``. Keep both short: anything public is reachable by anyone.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask

F = TypeVar("F", bound=Callable)

#: Endpoints of the foundation that are public by nature.
PUBLIC_ENDPOINTS = frozenset({"static", "core.login_help", "core.theme_file"})


def public_endpoint(view: F) -> F:
    """Mark a view as reachable without login (login pages, health checks)."""
    view.public_endpoint = True  # type: ignore[attr-defined]
    return view


def is_public(app: Flask, endpoint: str | None) -> bool:
    if endpoint is None:
        return False
    if endpoint in PUBLIC_ENDPOINTS:
        return True
    return bool(getattr(app.view_functions.get(endpoint), "public_endpoint", False))
