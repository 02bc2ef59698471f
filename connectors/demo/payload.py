"""Turning stored JSON payloads into view models, shifting dates onto today.

The generator writes dates around a fixed anchor date; the connector adds ``shift`` (today
minus the anchor) to every date and moment it returns, so the demo always looks current.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime, timedelta
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from portal.epd.errors import EpdBadData

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


@cache
def _fields(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name], f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
                 for f in dataclasses.fields(cls))


def build(cls: type[T], payload: dict, shift: timedelta, what: str) -> T:
    """``cls(**payload)`` with types converted; ``EpdBadData`` naming ``what`` and the field
    (never the value, which may be patient data) when a value does not fit."""
    values = {}
    for name, hint, required in _fields(cls):
        if name not in payload:
            if required and not _optional(hint):
                raise EpdBadData(f"{what}: missing field '{name}'")
            if not required:
                continue
        try:
            values[name] = _convert(hint, payload.get(name), shift, what)
        except EpdBadData:
            raise
        except (ValueError, TypeError, KeyError, AttributeError):
            raise EpdBadData(f"{what}: invalid value in field '{name}'") from None
    return cls(**values)


def _optional(hint) -> bool:
    return type(None) in typing.get_args(hint)


def _convert(hint, value, shift: timedelta, what: str):
    if value is None:
        if _optional(hint) or hint is Any:
            return None
        raise ValueError("required")
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
        origin = typing.get_origin(hint)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_convert(item, v, shift, what) for v in value)
    if hint is datetime:
        return datetime.fromisoformat(value) + shift
    if hint is date:
        return date.fromisoformat(value) + shift
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return build(hint, value, shift, what)
    if hint is float:
        return float(value)
    if hint is int:
        return int(value)
    if hint is bool:
        return bool(value)
    if hint is str:
        if not isinstance(value, str):
            raise TypeError("not text")
        return value
    return value
