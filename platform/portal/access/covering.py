"""Covering authorisations (waarneming): which other practices a provider may see patients of,
until which day. Shared by ``portal access cover`` and the back office's account screen; the
caller's session commits."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import CoveringAuthorisation


class CoveringError(ValueError):
    """The authorisation cannot be set (message in English)."""


def check_practice_agb(practice_agb: str) -> str:
    if not re.fullmatch(r"[0-9]{8}", practice_agb):
        raise CoveringError("the practice's AGB code must be 8 digits")
    return practice_agb


def of_account(session: Session, account_id: int) -> list[CoveringAuthorisation]:
    return list(session.scalars(select(CoveringAuthorisation).where(CoveringAuthorisation.account_id == account_id)
                                .order_by(CoveringAuthorisation.practice_agb)))


def _find(session: Session, account_id: int, practice_agb: str) -> CoveringAuthorisation | None:
    return session.execute(select(CoveringAuthorisation).where(
        CoveringAuthorisation.account_id == account_id,
        CoveringAuthorisation.practice_agb == practice_agb)).scalar_one_or_none()


def authorise(session: Session, account_id: int, practice_agb: str, until: date | None) -> CoveringAuthorisation:
    """Let the account cover ``practice_agb`` up to and including ``until`` (None: no end);
    an existing authorisation for that practice gets the new end date."""
    row = _find(session, account_id, check_practice_agb(practice_agb))
    if row is None:
        row = CoveringAuthorisation(account_id=account_id, practice_agb=practice_agb, valid_until=until)
        session.add(row)
    else:
        row.valid_until = until
    return row


def withdraw(session: Session, account_id: int, practice_agb: str) -> bool:
    """End the authorisation now; False if there was none."""
    row = _find(session, account_id, practice_agb)
    if row is None:
        return False
    session.delete(row)
    return True
