"""What the access rule needs to know of the logged-in provider, from the portal's database:
the practices the hospital authorised them to cover, their emergency accesses (noodprocedure
grants), and the patients they opened lately (Recente).

Every function reads the request context (``portal.context``); "now" and "today" are the
hospital clock's, so a covering authorisation ends at the end of its last Dutch day and an
emergency access after its minutes, whatever zone the server runs in.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from flask import session
from sqlalchemy import ColumnElement, String, bindparam, cast, func, select

from .. import context
from ..db import per_dialect, table_of
from .decision import ProviderFacts
from .models import CoveringAuthorisation, EmergencyAccess, RecentPatient


def covering_column(account_id: ColumnElement) -> ColumnElement:
    """The account's covering authorisations as one text, ``agb:yyyy-mm-dd`` (or ``agb:``
    without an end) joined by commas: read with the session row (``create_app`` hands it to
    the session interface as the account extra ``covering_practices``), as every patient
    page needs it."""
    c = table_of(CoveringAuthorisation).c
    pair = c.practice_agb + ":" + func.coalesce(cast(c.valid_until, String), "")
    return select(func.aggregate_strings(pair, ",")).where(c.account_id == account_id).scalar_subquery()


#: The session's account extras this module needs (see ``auth.sessions``).
SESSION_ACCOUNT_EXTRAS = {"covering_practices": covering_column}


def _covering_rows() -> list[tuple[str, date | None]]:
    provider = context.provider()
    account = getattr(session, "account", None)
    if account is not None and account.id == provider.account_id and hasattr(account, "covering_practices"):
        pairs = [item.split(":", 1) for item in (account.covering_practices or "").split(",") if item]
        return [(agb, date.fromisoformat(until[:10]) if until else None) for agb, until in pairs]
    with context.database().autocommit() as conn:
        return [(row[0], row[1]) for row in conn.execute(
            select(CoveringAuthorisation.practice_agb, CoveringAuthorisation.valid_until)
            .where(CoveringAuthorisation.account_id == provider.account_id))]


def provider_facts() -> ProviderFacts:
    """The logged-in provider, with the practices they may cover today (as of the start of
    this request; an authorisation's last day counts in full)."""
    today = context.clock().today()
    provider = context.provider()
    covered = frozenset(agb for agb, until in _covering_rows() if until is None or until >= today)
    return ProviderFacts(agb_code=provider.agb_code, practice_agb=provider.practice_agb,
                         covered_practice_agbs=covered)


_GRANTS = select(EmergencyAccess.patient_id).where(
    EmergencyAccess.tenant_id == bindparam("tenant"), EmergencyAccess.account_id == bindparam("account"),
    EmergencyAccess.patient_id.in_(bindparam("ids", expanding=True)), EmergencyAccess.expires_at > bindparam("now"))


def emergency_grants(patient_ids: Iterable[str]) -> set[str]:
    """Which of ``patient_ids`` this provider holds an unexpired emergency access to."""
    ids = list(patient_ids)
    if not ids:
        return set()
    with context.database().autocommit() as conn:
        return set(conn.execute(_GRANTS, {"tenant": context.tenant().id, "account": context.provider().account_id,
                                          "ids": ids, "now": context.clock().utcnow()}).scalars())


def emergency_expiry() -> datetime:
    """When an emergency access granted now ends (the tenant's ``emergency_access_minutes``)."""
    return context.clock().utcnow() + timedelta(minutes=context.tenant().access.emergency_access_minutes)


def _remember(dialect):
    table = table_of(RecentPatient)
    return (dialect.insert(table)
            .values(account_id=bindparam("account"), patient_id=bindparam("patient"), opened_at=bindparam("now"))
            .on_conflict_do_update(index_elements=["account_id", "patient_id"],
                                   set_={"opened_at": bindparam("now")}))


#: One atomic upsert per dialect (a second tab opening the same patient cannot collide).
_REMEMBER = per_dialect(_remember)


def recent_write(patient_id: str) -> tuple[Any, dict]:
    """The statement and parameters that record the provider opening this patient now
    (``remember_recent``), for a caller that runs it in a transaction of its own."""
    return _REMEMBER[context.database().dialect], {"account": context.provider().account_id,
                                                   "patient": patient_id, "now": context.clock().utcnow()}


def remember_recent(patient_id: str) -> None:
    """Record that the provider opened this patient now ("Recente")."""
    database = context.database()
    with database.autocommit() as conn:
        conn.execute(_REMEMBER[database.dialect], {"account": context.provider().account_id, "patient": patient_id,
                                                   "now": context.clock().utcnow()})
