"""Covering authorisations are read with the session row at the start of every request:
a change by the hospital counts from the provider's next request, an ended one no more."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from portal.access import facts
from portal.access.models import CoveringAuthorisation
from portal.clock import DEFAULT as CLOCK


def _covered(app, client) -> frozenset[str]:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain=client.host)
    with app.test_request_context("/", headers={"Cookie": f"{cookie.key}={cookie.value}"}):
        return facts.provider_facts().covered_practice_agbs


def test_covering_authorisations_follow_the_database_between_requests(app, client, login_as, platform):
    account = login_as(client)
    assert _covered(app, client) == frozenset()
    today = CLOCK.today()
    with platform.database.session() as db:
        db.add_all([CoveringAuthorisation(account_id=account.id, practice_agb="01999991", valid_until=None),
                    CoveringAuthorisation(account_id=account.id, practice_agb="01999992", valid_until=today),
                    CoveringAuthorisation(account_id=account.id, practice_agb="01999993",
                                          valid_until=today - timedelta(days=1))])
    assert _covered(app, client) == {"01999991", "01999992"}  # the expired one does not count
    with platform.database.session() as db:
        db.execute(delete(CoveringAuthorisation).where(CoveringAuthorisation.account_id == account.id))
    assert _covered(app, client) == frozenset()
