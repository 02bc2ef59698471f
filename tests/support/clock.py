"""Standing at a moment of the hospital's day, with the server in any zone."""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from datetime import datetime, timezone

#: Process zones the clock tests run in: a container's default, and the farthest ahead.
PROCESS_ZONES = ("UTC", "Pacific/Kiritimati")

#: (UTC instant, the hospital's date then): both sides of Dutch midnight, in winter and
#: summer time, and an instant where Kiritimati (UTC+14) is already a day ahead.
EDGES = (
    (datetime(2026, 3, 1, 22, 59, tzinfo=timezone.utc), (2026, 3, 1)),   # 23:59 CET
    (datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc), (2026, 3, 2)),   # 00:30 CET
    (datetime(2026, 6, 30, 21, 59, tzinfo=timezone.utc), (2026, 6, 30)),  # 23:59 CEST
    (datetime(2026, 6, 30, 22, 30, tzinfo=timezone.utc), (2026, 7, 1)),   # 00:30 CEST
    (datetime(2026, 3, 1, 10, 30, tzinfo=timezone.utc), (2026, 3, 1)),   # Kiritimati: 2 March 00:30
)


@contextmanager
def process_zone(name: str):
    """Run the process in zone ``name`` (TZ and tzset), as a server configured so would."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()
