"""``flask.session`` stored server-side in the portal database.

The cookie holds only a random token (256 bits); the row is keyed by its SHA-256. A row
dies at ``expires_at`` = min(last activity + the tenant's idle timeout, creation + the
tenant's absolute lifetime). Deleting the row (logout, deactivation of the account) ends
the session in every process at once; a save never re-creates a row that another process
deleted. ``session.regenerate()`` gives a new id (used at login against fixation).
The session's row is read together with its account (``session.account``) in one query,
as every request needs both. Its data is stored as plain JSON when it holds only JSON's
own types (``SessionSerializer``), which every request reads at C speed.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from flask import Flask, Request, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import ColumnElement, Select, bindparam, delete, insert, select, update
from werkzeug.datastructures import CallbackDict

from .. import context
from ..accounts.models import Account
from ..db import table_of
from .models import SessionRecord

#: Activity is written back at most this often (not on every request), which bounds the
#: error of the idle timeout while sparing the database a write per page view.
TOUCH_INTERVAL = timedelta(seconds=30)
_table = table_of(SessionRecord)
_accounts = table_of(Account)
#: The logged-in account comes with the session row (one query for both): Flask-Login asks
#: for it on every request (``portal.auth._load_provider``).
ACCOUNT_FIELDS = ("id", "tenant_id", "uzi_number", "name", "role", "agb_code", "practice_agb", "practice_name",
                  "active")
#: More per-account values a feature needs on every request, read with the session: name ->
#: function of the account id column giving a correlated scalar subquery; the value lands on
#: ``session.account.<name>``. Handed to ``DatabaseSessionInterface`` by ``create_app``.
AccountExtras = Mapping[str, Callable[[ColumnElement], ColumnElement]]


def _open_statement(extras: AccountExtras) -> Select:
    """The session row (by ``id_hash`` and ``tenant_id`` parameters) with its account and
    ``extras``, in one SELECT. Built once per session interface and reused: SQLAlchemy keeps
    a statement object's cache key, so it costs no Python construction per request."""
    columns = [_accounts.c[name].label(f"account__{name}") for name in ACCOUNT_FIELDS]
    columns += [extra(_accounts.c.id).label(f"account__{name}") for name, extra in extras.items()]
    return select(_table, *columns).select_from(
        _table.outerjoin(_accounts, _accounts.c.id == _table.c.account_id)).where(
        _table.c.id_hash == bindparam("id_hash"), _table.c.tenant_id == bindparam("tenant_id"))


_DELETE = delete(_table).where(_table.c.id_hash == bindparam("key"))
#: The columns to set are the parameters given besides ``key`` (SQLAlchemy's own rule).
_UPDATE = update(_table).where(_table.c.id_hash == bindparam("key"))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


class SessionSerializer(TaggedJSONSerializer):
    """Flask's tagged JSON, except that data of JSON's own types only (str, int, float,
    bool, None, lists and dicts with str keys) is stored as plain JSON behind a marker.

    Every request reads the session: Flask's serializer walks each value in Python (a
    session holding the patient contexts and offered tokens is a few hundred values),
    ``json.loads`` parses it in C. Anything else (a flash message's tuple, bytes,
    datetimes, Markup), or a dict whose one key looks like a tag, is stored tagged as
    before; rows written before this format read as they always did."""

    PLAIN = "J"  # tagged JSON of a session (a dict) always starts with "{"

    def _plain(self, value, depth: int = 0) -> bool:
        kind = type(value)
        if kind is str or kind is int or kind is float or kind is bool or value is None:
            return True
        if depth > 20:
            return False
        if kind is list:
            return all(self._plain(item, depth + 1) for item in value)
        if kind is dict:
            if len(value) == 1 and next(iter(value)) in self.tags:
                return False
            return all(type(k) is str and self._plain(v, depth + 1) for k, v in value.items())
        return False

    def dumps(self, value) -> str:
        if self._plain(value):
            return self.PLAIN + json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return super().dumps(value)

    def loads(self, value: str):
        if value.startswith(self.PLAIN):
            return json.loads(value[1:])
        return super().loads(value)


class ServerSession(CallbackDict, SessionMixin):
    """A session whose data lives in ``auth_sessions``; ``token`` is None until first saved."""

    def __init__(self, initial=None, token: str | None = None, created_at: datetime | None = None,
                 last_seen_at: datetime | None = None):
        def on_update(self_) -> None:
            self_.modified = True
            self_.accessed = True

        super().__init__(initial, on_update)
        self.token = token
        self.created_at = created_at
        self.last_seen_at = last_seen_at
        self.modified = False
        self.accessed = False
        self.rotate = False
        #: The account row of ``account_id`` as read with the session (None: none then).
        self.account: SimpleNamespace | None = None

    @property
    def new(self) -> bool:  # type: ignore[override]
        return self.token is None

    def regenerate(self) -> None:
        """Give this session a new id (and a new start for the absolute lifetime)."""
        self.rotate = True
        self.modified = True


def _lifetimes(app: Flask) -> tuple[timedelta, timedelta]:
    config = context.tenant_of(app).sessions
    return timedelta(minutes=config.idle_timeout_minutes), timedelta(hours=config.absolute_lifetime_hours)


def _account_id(session: ServerSession) -> int | None:
    value = session.get("_user_id")
    return int(value) if value is not None and str(value).isdigit() else None


class DatabaseSessionInterface(SessionInterface):
    serializer = SessionSerializer()

    def __init__(self, account_extras: AccountExtras | None = None):
        self.account_extras = dict(account_extras or {})
        self._open = _open_statement(self.account_extras)

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if not token or len(token) > 128:
            return ServerSession()
        tenant_id = context.tenant_of(app).id
        database = context.platform_of(app).database
        now = utcnow()
        # One statement (two for an expired session, each complete on its own): autocommit.
        with database.autocommit() as conn:
            row = conn.execute(self._open, {"id_hash": token_hash(token), "tenant_id": tenant_id}).first()
            if row is None:
                return ServerSession()
            if aware(row.expires_at) <= now:
                conn.execute(_DELETE, {"key": row.id_hash})
                return ServerSession()
        try:
            data = self.serializer.loads(row.data)
        except ValueError:
            data = {}
        opened = ServerSession(data, token=token, created_at=aware(row.created_at),
                               last_seen_at=aware(row.last_seen_at))
        if row.account__id is not None:
            opened.account = SimpleNamespace(**{name: getattr(row, f"account__{name}")
                                                for name in (*ACCOUNT_FIELDS, *self.account_extras)})
        return opened

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        database = context.platform_of(app).database
        if session.accessed:
            response.vary.add("Cookie")
        if not session:
            if session.token is not None:  # emptied: logout
                with database.engine.begin() as conn:
                    conn.execute(_DELETE, {"key": token_hash(session.token)})
                response.delete_cookie(name, domain=domain, path=path, secure=self.get_cookie_secure(app),
                                       httponly=True, samesite=self.get_cookie_samesite(app))
            return
        idle, lifetime = _lifetimes(app)
        now = utcnow()
        if session.rotate or session.token is None:
            self._create(app, session, response, now, idle, lifetime)
            return
        if not session.modified and session.last_seen_at and now - session.last_seen_at < TOUCH_INTERVAL:
            return
        started = session.created_at or now
        values = dict(key=token_hash(session.token), last_seen_at=now, expires_at=min(now + idle, started + lifetime))
        if session.modified:
            values.update(data=self.serializer.dumps(dict(session)), account_id=_account_id(session))
        # A single UPDATE: autocommit spares the transaction's round trips.
        with database.autocommit() as conn:
            updated = conn.execute(_UPDATE, values).rowcount
        if not updated:  # ended elsewhere (logout in another tab, deactivation): stay ended
            response.delete_cookie(name, domain=domain, path=path)

    def _create(self, app: Flask, session: ServerSession, response: Response, now: datetime, idle: timedelta,
                lifetime: timedelta) -> None:
        """Store a new session (or the same data under a new id) and set its cookie."""
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        with context.platform_of(app).database.engine.begin() as conn:
            if session.rotate and session.token is not None:
                conn.execute(_DELETE, {"key": token_hash(session.token)})
                session.token = None
            session.token = secrets.token_urlsafe(32)
            session.created_at = now
            conn.execute(insert(_table).values(
                id_hash=token_hash(session.token), tenant_id=context.tenant_of(app).id,
                account_id=_account_id(session), data=self.serializer.dumps(dict(session)),
                created_at=now, last_seen_at=now, expires_at=min(now + idle, now + lifetime)))
        response.set_cookie(name, session.token, domain=domain, path=path, secure=self.get_cookie_secure(app),
                            httponly=True, samesite=self.get_cookie_samesite(app))
        session.rotate = False

def end_sessions(conn, account_ids: list[int]) -> int:
    """Delete every session of these accounts (any tenant); returns how many ended."""
    if not account_ids:
        return 0
    return conn.execute(delete(_table).where(_table.c.account_id.in_(account_ids))).rowcount


def purge_expired(conn, now: datetime | None = None) -> int:
    return conn.execute(delete(_table).where(_table.c.expires_at <= (now or utcnow()))).rowcount
