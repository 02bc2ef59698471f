"""Test identifiers that pass the checks but can't belong to anyone."""
from __future__ import annotations

import random


def make_bsn() -> str:
    """A BSN that passes the 11-proef and cannot be real (9999xxxxx, see docs/domain.md)."""
    while True:
        digits = [9, 9, 9, 9] + [random.randrange(10) for _ in range(4)]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1))) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)
