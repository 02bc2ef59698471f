"""Demo GP accounts: one ``portal.accounts.models.Account`` per demo GP and elderly-care
physician of a tenant's demo EPD, so a newcomer can log in and find their patients."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Account

from .connector import DemoConnector
from .schema import providers

ROLES = {"gp": "01.015", "elderly_care_physician": "01.047"}


def sync_accounts(connector: DemoConnector, session: Session) -> int:
    """Create or update an active account for every demo GP and elderly-care physician of
    ``connector``'s EPD (matched on tenant and UZI number); returns how many."""
    with connector.engine.connect() as conn:
        rows = conn.execute(select(providers).where(providers.c.kind.in_(tuple(ROLES))).order_by(providers.c.id)).all()
    existing = {a.uzi_number: a for a in session.scalars(
        select(Account).where(Account.tenant_id == connector.tenant_id,
                              Account.uzi_number.in_([r.uzi_number for r in rows])))}
    for row in rows:
        account = existing.get(row.uzi_number) or Account(tenant_id=connector.tenant_id, uzi_number=row.uzi_number)
        account.agb_code = row.agb_code
        account.name = row.name
        account.role = ROLES[row.kind]
        account.practice_name = row.practice_name
        account.practice_agb = row.practice_agb
        account.active = True
        session.add(account)
    return len(rows)


def demo_accounts(connector: DemoConnector, session: Session) -> list[Account]:
    """The tenant's accounts whose UZI number belongs to a demo provider of this EPD."""
    with connector.engine.connect() as conn:
        uzis = [u for (u,) in conn.execute(select(providers.c.uzi_number).where(providers.c.kind.in_(tuple(ROLES))))]
    return list(session.scalars(select(Account)
                                .where(Account.tenant_id == connector.tenant_id, Account.uzi_number.in_(uzis))
                                .order_by(Account.role, Account.name)))
