"""``/gezondheid``: public, reveals nothing, 503 when the database or the EPD fails or hangs."""
import time

import pytest
from sqlalchemy import create_engine

from portal.epd.errors import EpdUnavailable
from portal.web import health


def test_healthy(client):
    response = client.get("/gezondheid")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # no session is started for a probe


def test_the_epd_down(client, app, monkeypatch):
    def down():
        raise EpdUnavailable("connection refused by 10.1.2.3:5432")

    monkeypatch.setattr(app.extensions["portal.connector"], "check_available", down)
    response = client.get("/gezondheid")
    assert response.status_code == 503 and response.get_data(as_text=True) == "niet beschikbaar\n"


def test_the_epd_hanging_is_cut_short(client, app, monkeypatch):
    monkeypatch.setattr(health, "TIMEOUT", 0.3)
    monkeypatch.setattr(app.extensions["portal.connector"], "check_available", lambda: time.sleep(1.5))
    started = time.monotonic()
    assert client.get("/gezondheid").status_code == 503
    assert time.monotonic() - started < 1.2
    # A probe while the hanging check still runs fails at once instead of piling up threads.
    assert client.get("/gezondheid").status_code == 503
    time.sleep(1.3)


def test_the_database_down(client, platform, monkeypatch, tmp_path):
    dead = create_engine(f"sqlite:///{tmp_path}/missing/dir/x.sqlite")
    monkeypatch.setattr(platform.database, "engine", dead)
    response = client.get("/gezondheid")
    assert response.status_code == 503 and response.get_data(as_text=True) == "niet beschikbaar\n"
    dead.dispose()


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get(client, method):
    assert getattr(client, method)("/gezondheid").status_code in (400, 405)
