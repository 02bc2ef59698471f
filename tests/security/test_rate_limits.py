"""Rate limits on login (per address, per card) and search (per provider), counted in the
portal database so that every worker and node shares them."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from portal.web import ratelimit
from support.hardening import token_on as csrf_token_of
from support.hardening import with_limits


def test_sliding_window_counts_the_previous_window_by_its_overlap(app, platform, db_session, monkeypatch):
    with_limits(monkeypatch, app, search_per_provider=(4, 60))
    with app.app_context():
        start = 60 * 1_000_000  # the start of a window
        assert all(ratelimit.hit("search_per_provider", "p1", now=start + 50).allowed for _ in range(4))
        assert not ratelimit.hit("search_per_provider", "p1", now=start + 55).allowed
        # Half of the next window later, half of the 5 previous hits still count: 2.5 + 1 <= 4
        assert ratelimit.hit("search_per_provider", "p1", now=start + 90).allowed
        assert not ratelimit.hit("search_per_provider", "p1", now=start + 90).allowed  # 2.5 + 2 > 4
        verdict = ratelimit.hit("search_per_provider", "p1", now=start + 90)
        assert 1 <= verdict.retry_after <= 30
        # Somebody else is not affected, nor the same subject in another scope.
        assert ratelimit.hit("search_per_provider", "p2", now=start + 90).allowed
        assert ratelimit.hit("login_per_card", "p1", now=start + 90).allowed


def test_counters_hold_no_addresses_or_numbers_in_clear(app, platform, db_session):
    with app.app_context():
        ratelimit.hit("login_per_address", "203.0.113.77")
    with platform.database.engine.connect() as conn:
        keys = conn.execute(text("SELECT key_hash FROM rate_limit_counters")).scalars().all()
    assert keys and all(len(k) == 64 and "203.0.113" not in k for k in keys)


def test_login_per_address(client, app, make_account, monkeypatch, db_session):
    with_limits(monkeypatch, app, login_per_address=(3, 300))
    account = make_account(tenant_id=app.extensions["portal.tenant"].id)
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    statuses = []
    for _ in range(5):
        token = csrf_token_of(client)
        statuses.append(client.post("/login/demo", data={"account_id": account.id, "csrf_token": token}).status_code)
        if statuses[-1] == 302:
            client.post("/logout", data={"csrf_token": csrf_token_of(client, "/")})
    assert statuses[:3] == [302, 302, 302] and statuses[3:] == [429, 429]
    refused = client.post("/login/demo", data={"account_id": account.id, "csrf_token": csrf_token_of(client)})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Te veel verzoeken" in refused.get_data(as_text=True)
    # Another address is not affected; a spoofed X-Forwarded-For from an untrusted peer does not help.
    refused = client.post("/login/uzi/challenge", headers={"X-CSRFToken": csrf_token_of(client),
                                                           "X-Forwarded-For": "192.0.2.99"})
    assert refused.status_code == 429 and refused.get_json()["code"] == "too_many_attempts"
    client.environ_base["REMOTE_ADDR"] = "198.51.100.8"
    assert client.post("/login/uzi/challenge", headers={"X-CSRFToken": csrf_token_of(client)}).status_code == 200


def test_login_per_card_is_refused_and_audited(client, app, platform, make_account, monkeypatch, db_session):
    with_limits(monkeypatch, app, login_per_card=(2, 300))
    tenant_id = app.extensions["portal.tenant"].id
    account = make_account(tenant_id=tenant_id)
    statuses = []
    for n in range(3):
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{20 + n}"  # a new address each time
        statuses.append(client.post("/login/demo", data={"account_id": account.id,
                                                         "csrf_token": csrf_token_of(client)}).status_code)
        if statuses[-1] == 302:
            client.post("/logout", data={"csrf_token": csrf_token_of(client, "/")})
    assert statuses == [302, 302, 429]
    since = datetime.now(timezone.utc) - timedelta(minutes=5)
    with platform.database.engine.connect() as conn:
        codes = conn.execute(text(
            "SELECT details FROM audit_log WHERE tenant_id = :t AND user_uzi = :u AND action = 'login' "
            "AND outcome = 'failure' AND occurred_at >= :s"), {"t": tenant_id, "u": account.uzi_number, "s": since}
        ).scalars().all()
    assert any("too_many_attempts" in str(c) for c in codes)


def test_search_per_provider(selected, app, monkeypatch):
    if "search.search" not in app.view_functions:
        pytest.skip("no search screen on this branch yet (search.search)")
    with_limits(monkeypatch, app, search_per_provider=(2, 300))
    client = selected.client
    token = csrf_token_of(client, "/")
    statuses = [client.post(_search_url(app), data={"csrf_token": token}).status_code
                for _ in range(4)]
    assert statuses[-1] == 429 and 429 not in statuses[:2]


def _search_url(app) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "search.search" and "POST" in r.methods)
    return rule.rule
