"""One way to split long lists into pages, shared by every list screen.

The page number travels as the query parameter ``pagina`` (a position in a list, never a
patient identifier); the macro in templates/_paging.html renders the links.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import request

PAGE_PARAMETER = "pagina"


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its ``items``, its number (1-based), the number of ``pages``
    (at least 1, also for an empty list) and the ``total`` number of items."""

    items: Sequence[Any]
    page: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(items: Sequence, page: int, per_page: int = 25) -> Page:
    """The ``page``-th slice of ``items``; a page number out of range gives the nearest page."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    total = len(items)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    return Page(items=items[start:start + per_page], page=page, pages=pages, total=total)


def requested_page() -> int:
    """The page number asked for in the query string; 1 when absent or not a number."""
    value = request.args.get(PAGE_PARAMETER, "1")
    return int(value) if value.isdigit() and len(value) < 7 else 1
