"""``GET /gezondheid``: is this node fit to serve? For load balancers and monitoring.

Public and deliberately uninformative: ``200 ok`` or ``503 niet beschikbaar``, nothing
about versions, tenants, hosts or which part failed (that goes to the log). It checks
that the portal database answers and that the tenant's EPD connector answers
(``check_available``), each within ``TIMEOUT`` seconds; a check still running from an
earlier probe counts as failed rather than piling up threads.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flask import Blueprint, current_app
from sqlalchemy import text

from .. import context
from ..core.security import public_endpoint

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__, template_folder="templates")

#: Seconds each check may take.
TIMEOUT = 2.0
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="health")
_running: set[tuple[str, str]] = set()
_lock = threading.Lock()


def _database(database) -> None:
    with database.engine.connect() as conn:
        conn.execute(text("SELECT 1")).scalar_one()


def _connector(connector) -> None:
    connector.check_available()


def _run(name: str, tenant_id: str, check, argument) -> bool:
    key = (tenant_id, name)
    with _lock:
        if key in _running:
            log.warning("health: %s check of %s still running from an earlier probe", name, tenant_id)
            return False
        _running.add(key)

    def task():
        try:
            check(argument)
        finally:
            with _lock:
                _running.discard(key)

    future = _executor.submit(task)
    try:
        future.result(timeout=TIMEOUT)
    except FutureTimeout:
        log.warning("health: %s check of %s took longer than %ss", name, tenant_id, TIMEOUT)
        return False
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health: %s check of %s failed: %s", name, tenant_id, type(exc).__name__)
        return False
    return True


@bp.get("/gezondheid")
@public_endpoint
def check():
    tenant_id = context.tenant().id
    healthy = (_run("database", tenant_id, _database, context.database())
               and _run("epd", tenant_id, _connector, context.connector()))
    body, status = ("ok", 200) if healthy else ("niet beschikbaar", 503)
    return current_app.response_class(body + "\n", status=status, mimetype="text/plain")
