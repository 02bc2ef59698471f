"""``Database.autocommit()``: on PostgreSQL one connection serves a request's single
statements and goes back to the pool at teardown; elsewhere each call takes its own."""
from __future__ import annotations

import pytest
from sqlalchemy import select


def test_a_request_shares_one_connection_on_postgresql_only(app, platform):
    database = platform.database
    shared = database.dialect == "postgresql"
    with app.app_context():
        with database.autocommit() as first:
            assert first.execute(select(1)).scalar_one() == 1
        with database.autocommit() as second:
            assert (second is first) is shared
        assert first.closed is not shared  # held until teardown where shared, else returned at once
    assert first.closed and second.closed


def test_an_error_closes_the_held_connection_and_the_next_call_takes_a_fresh_one(app, platform):
    database = platform.database
    with app.app_context():
        with pytest.raises(ZeroDivisionError), database.autocommit() as broken:
            1 / 0
        assert broken.closed
        with database.autocommit() as fresh:
            assert fresh is not broken and fresh.execute(select(1)).scalar_one() == 1


def test_outside_an_app_of_the_database_each_call_has_its_own(platform):
    with platform.database.autocommit() as first:
        first.execute(select(1))
    assert first.closed
