"""Fault injection around a real EPD connector: ``FaultyConnector(real, faults)``.

``faults`` maps a method name to a kind: ``"slow"`` (waits, then raises ``EpdTimeout`` as a
connector with a timeout does), ``"down"`` (``EpdUnavailable``) or ``"garbage"``
(``EpdBadData``). Every other method passes through. ``calls`` records what was called.
"""
from __future__ import annotations

import time

from portal.epd.errors import EpdBadData, EpdTimeout, EpdUnavailable

KINDS = ("slow", "down", "garbage")
SLOW_SECONDS = 0.2


def raise_fault(kind: str, method: str):
    if kind == "slow":
        time.sleep(SLOW_SECONDS)
        raise EpdTimeout(f"{method}: no answer within the timeout")
    if kind == "down":
        raise EpdUnavailable(f"{method}: connection refused")
    raise EpdBadData(f"{method}: answer is not valid")


class FaultyConnector:
    def __init__(self, real, faults: dict[str, str] | None = None):
        self._real = real
        self.faults = dict(faults or {})
        self.calls: list[str] = []

    def __getattr__(self, name):
        attribute = getattr(self._real, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute

        def call(*args, **kwargs):
            self.calls.append(name)
            if name in self.faults:
                raise_fault(self.faults[name], name)
            return attribute(*args, **kwargs)

        return call
