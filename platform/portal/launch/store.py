"""Launches in the portal database (``models.Launch``), and the browser cookie that finds one.

A launch reaches the portal in one request and is used in a later one, perhaps after the
UZI-pas login. It cannot wait in ``flask.session``: the HIS's POST comes from another site,
so the browser sends no session cookie with it (SameSite=Lax), and login starts a fresh
session with nothing carried over (``auth.service.start_session``). So the verified launch
waits in its row, and the browser that brought it holds the only key to it: a random
cookie of its own (``cookie_name``: HttpOnly, SameSite=Lax, the session cookie's
Secure/__Host- rules, ``PENDING`` long), whose SHA-256 is ``handle_hash``. Login never
touches that cookie, so the launch survives it; the row is used once (``stage`` moves on
with a conditional UPDATE, so two tabs or nodes cannot both take it).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from flask import Flask, Response, current_app, request
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .. import context
from ..db import table_of
from .claims import LaunchContext
from .models import Launch
from .refusals import LaunchRefused

#: How long a verified launch waits for its browser (a UZI-pas login included).
PENDING = timedelta(minutes=10)
_table = table_of(Launch)

AUTHORISING, READY, EXCHANGING, USED = "authorising", "ready", "exchanging", "used"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _hash(handle: str) -> bytes:
    return hashlib.sha256(handle.encode("ascii", "replace")).digest()


def cookie_name(app: Flask) -> str:
    return f"{app.config['SESSION_COOKIE_NAME']}_launch"


def set_cookie(response: Response, handle: str) -> None:
    app = current_app
    response.set_cookie(cookie_name(app), handle, max_age=int(PENDING.total_seconds()), path="/",
                        secure=bool(app.config["SESSION_COOKIE_SECURE"]), httponly=True, samesite="Lax")


def clear_cookie(response: Response) -> None:
    app = current_app
    response.delete_cookie(cookie_name(app), path="/", secure=bool(app.config["SESSION_COOKIE_SECURE"]),
                           httponly=True, samesite="Lax")


def browser_handle() -> str | None:
    handle = request.cookies.get(cookie_name(current_app))
    return handle if handle and len(handle) <= 128 else None


def accept(kind: str, issuer: str, launch_id: str, stage: str, context_json: str | None,
           keep_until: datetime) -> str:
    """Store a launch and return the browser's handle to it. ``LaunchRefused("replayed")``
    when (tenant, issuer, launch id) was accepted before — by any process or node: the
    unique constraint decides, so of two racing inserts exactly one wins."""
    now = utcnow()
    handle = secrets.token_urlsafe(32)
    tenant_id = context.tenant().id
    try:
        with context.database().engine.begin() as conn:
            conn.execute(delete(_table).where(_table.c.keep_until < now))
            conn.execute(insert(_table).values(
                tenant_id=tenant_id, kind=kind, issuer=issuer, launch_id=launch_id, stage=stage,
                handle_hash=_hash(handle), context=context_json, created_at=now, expires_at=now + PENDING,
                keep_until=max(keep_until, now + PENDING)))
    except IntegrityError:
        raise LaunchRefused("replayed", issuer=issuer, launch_id=launch_id) from None
    return handle


def take(handle: str | None, stage: str, next_stage: str) -> tuple[int, str, str | None] | None:
    """Move this browser's launch from ``stage`` to ``next_stage`` (only one request can);
    returns (row id, launch id, context JSON), or None: no such launch, another stage, or expired.
    Leaving for ``USED``, the context (the BSN) is cleared from the row."""
    if handle is None:
        return None
    tenant_id = context.tenant().id
    with context.database().engine.begin() as conn:
        row = conn.execute(select(_table.c.id, _table.c.launch_id, _table.c.context, _table.c.expires_at).where(
            _table.c.handle_hash == _hash(handle), _table.c.tenant_id == tenant_id,
            _table.c.stage == stage)).first()
        if row is None or _aware(row.expires_at) <= utcnow():
            return None
        values: dict[str, object] = {"stage": next_stage}
        if next_stage == USED:
            values["context"] = None
        taken = conn.execute(update(_table).where(_table.c.id == row.id, _table.c.stage == stage)
                             .values(**values)).rowcount
    return (row.id, row.launch_id, row.context) if taken == 1 else None


def ready(row_id: int, launch: LaunchContext) -> None:
    """A SMART launch whose EHR answered: its context is complete, waiting for the browser."""
    with context.database().engine.begin() as conn:
        conn.execute(update(_table).where(_table.c.id == row_id, _table.c.stage == EXCHANGING)
                     .values(stage=READY, context=launch.to_json()))


def spent(row_id: int) -> None:
    """A launch that failed half way: never usable again, nothing of it kept."""
    with context.database().engine.begin() as conn:
        conn.execute(update(_table).where(_table.c.id == row_id).values(stage=USED, context=None))
