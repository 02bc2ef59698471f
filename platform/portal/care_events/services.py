"""Ordering of care events: what is still to come first (soonest first), then what has
taken place (newest first)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TypeVar

from .. import context

T = TypeVar("T")


def hospital_now() -> datetime:
    """Now in hospital local time, naive — the EPD's naive datetimes mean local time."""
    return context.clock_or_default().local_now()


def local(moment: datetime | date) -> datetime:
    """A naive local datetime for comparing: aware moments converted, dates at midnight."""
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day)
    return context.clock_or_default().to_local(moment)


def split_by_time(items: Iterable[T], when: Callable[[T], datetime | date], is_future: Callable[[T], bool],
                  ) -> tuple[list[T], list[T]]:
    """(future items soonest first, past items newest first)."""
    future: list[T] = []
    past: list[T] = []
    for item in items:
        (future if is_future(item) else past).append(item)
    future.sort(key=lambda item: local(when(item)))
    past.sort(key=lambda item: local(when(item)), reverse=True)
    return future, past
