"""Paging for every list of the portal: one helper, one macro (templates/_paging.html).

The page number travels as the query parameter ``pagina`` (never a patient identifier).
Out-of-range or malformed page numbers are clamped, so a stale link never fails.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import Flask, request, url_for

T = TypeVar("T")

#: Rows per page unless a list asks for another number.
PER_PAGE = 25
PAGE_PARAMETER = "pagina"


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list. ``page`` is 1-based; ``pages`` is at least 1, also for an empty list."""

    items: tuple[T, ...]
    page: int
    pages: int
    total: int
    per_page: int = PER_PAGE

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first(self) -> int:
        """1-based position in the whole list of this page's first row (0 for an empty list)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        """1-based position in the whole list of this page's last row (0 for an empty list)."""
        return self.first + len(self.items) - 1 if self.items else 0


def paginate(items: Sequence[T], page: int, per_page: int = PER_PAGE) -> Page[T]:
    """The ``page``-th slice of ``items`` (1-based), clamped to the pages that exist."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    total = len(items)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    return Page(items=tuple(items[start:start + per_page]), page=page, pages=pages, total=total, per_page=per_page)


def requested_page(parameter: str = PAGE_PARAMETER) -> int:
    """The page number of the current request (``?pagina=``; a page with two lists names a
    second parameter); 1 when absent or malformed."""
    value = request.args.get(parameter, "")
    return int(value) if value.isdigit() and len(value) < 7 else 1


def page_url(number: int, parameter: str = PAGE_PARAMETER) -> str:
    """The current page's URL showing page ``number`` of the list paged by ``parameter``;
    the other query parameters (another list's page) are kept."""
    args = {**(request.view_args or {}), **request.args.to_dict(), parameter: number}
    return url_for(request.endpoint or "", **args)


def init_app(app: Flask) -> None:
    app.add_template_global(page_url)
