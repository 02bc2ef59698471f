"""Rate limits on login (per client address and per card) and search (per provider).

Counters live in the portal database (``rate_limit_counters``), not in process memory,
so a limit holds across gunicorn workers and across machines behind the load balancer
without another service to run. (Flask-Limiter's storages are memory, Redis, Memcached,
MongoDB and etcd: memory does not hold across processes, the others are new services.)

Each hit is one atomic upsert (``INSERT .. ON CONFLICT DO UPDATE .. RETURNING``, which
also returns the previous window's count) on PostgreSQL and SQLite alike: one round trip.
The limit is a sliding window, estimated from the current and the previous fixed window
(the previous one weighted by how much of it still overlaps), which avoids the double
burst of plain fixed windows at their boundary.
Refused requests count too, so hammering keeps a client locked out.

The limits are the tenant's ``rate_limits`` (``portal tenants schema``).
"""
from __future__ import annotations

import hashlib
import logging
import math
import random
import time
from dataclasses import dataclass

from flask import Flask, jsonify, request
from flask_login import current_user
from sqlalchemy import bindparam, delete, select
from werkzeug.exceptions import TooManyRequests

from .. import context
from ..db import per_dialect, table_of
from ..tenants.schema import RateLimit
from .models import RateLimitCounter

log = logging.getLogger(__name__)
_table = table_of(RateLimitCounter)

#: Roughly one hit in this many also deletes expired counters.
PURGE_ONE_IN = 200
#: Dutch text of the refusal (HTML page and JSON alike).
MESSAGE = "U hebt dit te vaak achter elkaar geprobeerd. Wacht enkele minuten en probeer het opnieuw."


def _upsert(dialect):
    """Count a hit in the current window; return its count and the previous window's.

    Built once per dialect: a reused statement object spares SQLAlchemy building it and
    its cache key on every request."""
    previous = _table.alias("previous")
    previous_count = select(previous.c.count).where(previous.c.key_hash == bindparam("key"),
                                                    previous.c.window_index == bindparam("previous_window"))
    return (dialect.insert(_table)
            .values(key_hash=bindparam("key"), window_index=bindparam("window"), count=1,
                    expires_at=bindparam("expires"))
            .on_conflict_do_update(index_elements=["key_hash", "window_index"], set_={"count": _table.c.count + 1})
            .returning(_table.c.count, previous_count.scalar_subquery()))


_UPSERT = per_dialect(_upsert)
_PURGE = delete(_table).where(_table.c.expires_at < bindparam("now"))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the estimate falls below the limit (0 when allowed)


def _key(tenant_id: str, scope: str, who: str) -> str:
    return hashlib.sha256(f"{tenant_id}\x00{scope}\x00{who}".encode("utf-8", "replace")).hexdigest()


def hit(scope: str, who: str, now: float | None = None, limit: RateLimit | None = None) -> Verdict:
    """Count one request of ``who`` (an address, UZI number, account id) in ``scope`` (a
    field of the tenant's ``rate_limits``, or any name with an explicit ``limit``) and say
    whether it stays within the limit.
    Database errors propagate (the request then fails like any other without a database)."""
    tenant = context.tenant()
    limit = limit or getattr(tenant.rate_limits, scope)
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    key = _key(tenant.id, scope, who)
    database = context.database()
    # Autocommit: the upsert is atomic on its own, and the previous window is closed, so
    # reading it needs no shared transaction; this spares BEGIN and COMMIT round trips.
    with database.autocommit() as conn:
        current, previous = conn.execute(_UPSERT[database.dialect], {
            "key": key, "window": window, "previous_window": window - 1,
            "expires": (window + 2) * limit.seconds}).one()
        previous = previous or 0
        if random.randrange(PURGE_ONE_IN) == 0:
            conn.execute(_PURGE, {"now": int(now)})
    elapsed = (now % limit.seconds) / limit.seconds
    estimate = previous * (1 - elapsed) + current
    if estimate <= limit.count:
        return Verdict(True, 0)
    # The estimate drops as the previous window slides out; at the latest the next window starts.
    retry = limit.seconds - (now % limit.seconds)
    if previous and current <= limit.count:
        retry = min(retry, (estimate - limit.count) / previous * limit.seconds)
    return Verdict(False, max(1, math.ceil(retry)))


def _address() -> str:
    # remote_addr is the client's address as TrustedProxyFix established it: a client
    # cannot pick its own by sending X-Forwarded-For.
    return request.remote_addr or "unknown"


def _provider() -> str | None:
    return str(current_user.account_id) if current_user.is_authenticated else None


#: (endpoint, method) -> (scope, function giving who is counted). JSON endpoints answer
#: JSON; the rest the Dutch 429 page.
LIMITED = {
    ("auth.challenge", "POST"): ("login_per_address", _address),
    ("auth.response", "POST"): ("login_per_address", _address),
    ("auth.demo_login", "POST"): ("login_per_address", _address),
    ("auth.tls_login", "GET"): ("login_per_address", _address),
    ("dezi.start", "POST"): ("login_per_address", _address),
    ("dezi.callback", "GET"): ("login_per_address", _address),
    ("search.search", "POST"): ("search_per_provider", _provider),
    # A launch is a signed lookup by BSN: parked per address, opened per provider like a search.
    ("launch.signed_launch", "POST"): ("launch_per_address", _address),
    ("launch.smart_launch", "GET"): ("launch_per_address", _address),
    ("launch.open_launch", "GET"): ("search_per_provider", _provider),
}
JSON_ENDPOINTS = frozenset({"auth.challenge", "auth.response"})


def _enforce():
    rule = LIMITED.get((request.endpoint, request.method))
    if rule is None:
        return None
    scope, who = rule
    subject = who()
    if subject is None:
        return None  # not logged in: the login requirement answers instead
    verdict = hit(scope, subject)
    if verdict.allowed:
        return None
    log.warning("rate limit %s exceeded on %s", scope, request.endpoint)
    if request.endpoint in JSON_ENDPOINTS:
        response = jsonify(code="too_many_attempts", message=MESSAGE)
        response.status_code = 429
        response.headers["Retry-After"] = str(verdict.retry_after)
        return response
    raise TooManyRequests(retry_after=verdict.retry_after)


def init_app(app: Flask) -> None:
    app.before_request(_enforce)
