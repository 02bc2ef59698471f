"""Marks shared by the feature modules for request-level security checks.

``public_endpoint`` marks a view that must be reachable without a provider login (the
login pages themselves, token-authenticated APIs such as the inzagelog API). The login
requirement (``portal.auth``) lets such views through; the view then authenticates the
request itself or serves nothing private. Use it sparingly: every use is a door.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask

PUBLIC_ATTRIBUTE = "portal_public_endpoint"

View = TypeVar("View", bound=Callable)


def public_endpoint(view: View) -> View:
    """Mark ``view`` as reachable without login. Its place among the route decorators
    does not matter: it sets an attribute on the function object Flask registers."""
    setattr(view, PUBLIC_ATTRIBUTE, True)
    return view


def is_public_endpoint(app: Flask, endpoint: str | None) -> bool:
    """True when ``endpoint`` names a view marked with ``public_endpoint``."""
    view = app.view_functions.get(endpoint or "")
    return bool(view is not None and getattr(view, PUBLIC_ATTRIBUTE, False))
