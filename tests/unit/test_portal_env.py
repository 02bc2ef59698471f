"""PORTAL_ENV is required: a deployment that forgets it refuses to start rather than becoming
a development server with demo login. Only ``portal run`` (the development server) may
assume development."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal.settings import Settings, SettingsError

REPO = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The test process's environment without PORTAL_ENV, on files of this test."""
    env = {key: value for key, value in os.environ.items() if key != "PORTAL_ENV"}
    env.update({"PORTAL_INSTANCE_DIR": str(tmp_path / "instance"),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite'}",
                "PORTAL_TENANTS_DIR": str(REPO / "tenants"), "PORTAL_THEMES_DIR": str(REPO / "themes"), **extra})
    return env


def _run(command: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int | None, str]:
    """Run ``command`` in a session of its own; (exit code or None when it was still running
    after ``timeout`` seconds and was stopped, its stderr)."""
    process = subprocess.Popen(command, env=env, cwd=env["PORTAL_INSTANCE_DIR"].rsplit("/", 1)[0],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, stderr = process.communicate(timeout=timeout)
        return process.returncode, stderr
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, stderr = process.communicate()
        return None, stderr


@pytest.mark.parametrize("value", [None, "", "  "])
def test_settings_refuse_a_missing_portal_env(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("PORTAL_ENV", raising=False)
    else:
        monkeypatch.setenv("PORTAL_ENV", value)
    with pytest.raises(SettingsError, match="PORTAL_ENV is not set") as info:
        Settings.from_env()
    assert "production" in str(info.value)


def test_an_explicit_environment_needs_no_variable(monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    assert Settings.from_env(environment="testing").environment == "testing"


@pytest.mark.parametrize("args", [("tenants", "check"), ("tenants", "list"), ("db", "upgrade"), ("routes",),
                                  ("demo", "accounts", "--tenant", "zgt"), ("auth", "refresh-crls")])
def test_portal_commands_refuse_without_portal_env(tmp_path, args):
    code, stderr = _run([sys.executable, "-m", "portal", *args], _environment(tmp_path))
    assert code not in (0, None), stderr
    assert "PORTAL_ENV is not set" in stderr and "Traceback" not in stderr, stderr
    assert not (tmp_path / "portal.sqlite").exists()  # nothing was done


def test_commands_that_read_no_configuration_work_without_portal_env(tmp_path):
    for args in (("--help",), ("tenants", "schema"), ("audit", "keygen")):
        code, stderr = _run([sys.executable, "-m", "portal", *args], _environment(tmp_path))
        assert code == 0, (args, stderr)


def test_gunicorn_refuses_without_portal_env(tmp_path):
    """What a systemd unit that forgets PORTAL_ENV gets: no server, a message naming it."""
    socket_path = tmp_path / "portal.sock"
    env = _environment(tmp_path, PORTAL_BIND=f"unix:{socket_path}", PORTAL_WORKERS="1")
    code, stderr = _run([str(GUNICORN), "-c", str(REPO / "config" / "gunicorn.conf.py"), "portal.wsgi:application"],
                        env, timeout=30)
    assert code not in (0, None), stderr[-2000:]
    assert "PORTAL_ENV is not set" in stderr, stderr[-2000:]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_portal_run_serves_for_development_without_portal_env(tmp_path):
    port = _free_port()
    env = _environment(tmp_path)
    process = subprocess.Popen([sys.executable, "-m", "portal", "run", "--port", str(port)], env=env, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        assert process.poll() is None, process.stderr.read()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert "PORTAL_ENV=development" in stderr, stderr
