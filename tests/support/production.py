"""The production stack of tests/production, on loopback: nginx from the example site in front of
gunicorn (config/gunicorn.conf.py, ``PORTAL_ENV=production``) on its Unix socket.

- ``nginx_conf`` turns ``config/nginx/zorgverlenersportaal.conf`` into a runnable nginx.conf by
  replacing its ports, certificate paths and socket only; every replaced directive must occur
  exactly once, so the test fails rather than silently testing something else when the
  example changes shape.
- ``Processes`` starts each server in a session of its own and stops exactly those.
- ``LoopbackTransport`` lets httpx reach ``https://zgt.localhost:<port>`` (no resolver here
  knows ``*.localhost``; Chromium maps it to loopback itself).
"""
from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SITE = REPO_ROOT / "config" / "nginx" / "zorgverlenersportaal.conf"
GUNICORN_CONF = REPO_ROOT / "config" / "gunicorn.conf.py"
#: The socket the example site and config/gunicorn.conf.py agree on.
PRODUCTION_SOCKET = "/run/zorgverlenersportaal/portal.sock"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
GUNICORN = Path(sys.executable).with_name("gunicorn")
HELPER = Path(sys.executable).with_name("portal-uzi-login")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
#: The GP's card on the suite's SoftHSM2 token.
CARD_LABEL = "UZI-PRODUCTIE"
CARD_PIN = "135790"
#: How the helper is told to name the hospital in its PIN question (``--portal NAME=URL``).
HOSPITAL = "Ziekenhuisgroep Twente"


def postgres_server() -> str:
    """The PostgreSQL server the suite creates its database on: DATABASE_URL when it names
    one, else the local server (production refuses SQLite, so this suite never uses it)."""
    configured = os.environ.get("DATABASE_URL", "")
    return configured if configured.startswith("postgresql") else DEFAULT_POSTGRES


def postgres_unavailable(url: str) -> str | None:
    import psycopg

    try:
        psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), connect_timeout=3).close()
    except psycopg.Error as exc:
        return (f"PostgreSQL is not reachable at {url.split('@')[-1]} ({type(exc).__name__}); the production "
                "suite needs it (Debian package postgresql, trust for user postgres on 127.0.0.1)")
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_conf(root: Path, *, socket_path: Path, https_port: int, http_port: int, server_names: list[str],
               certificate: Path, key: Path, client_ca: Path, crl: Path) -> str:
    """A complete nginx.conf around the example site, its files and logs under ``root``."""
    replacements = [
        (f"unix:{PRODUCTION_SOCKET}", f"unix:{socket_path}"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("server_name zorgverleners.zgt.nl;", f"server_name zorgverleners.zgt.nl {' '.join(server_names)};"),
        ("/etc/ssl/zorgverlenersportaal/zorgverleners.zgt.nl.fullchain.pem", str(certificate)),
        ("/etc/ssl/private/zorgverleners.zgt.nl.key", str(key)),
        ("/etc/ssl/uzi/uzi-ca-bundle.pem", str(client_ca)),
        ("/etc/ssl/uzi/uzi-crls.pem", str(crl)),
        ("/var/log/nginx/zorgverlenersportaal.access.log", str(root / "nginx-access.log")),
    ]
    site = EXAMPLE_SITE.read_text(encoding="utf-8")
    for old, new in replacements:
        count = site.count(old)
        assert count == 1, f"{EXAMPLE_SITE.name} holds {old!r} {count} times, the production tests expect once"
        site = site.replace(old, new)
    # Started as root, nginx would run its workers as 'nobody', outside the socket's group;
    # here they run as the user and group gunicorn runs as (the documented group set-up).
    user = ""
    if os.geteuid() == 0:
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    return f"""{user}
daemon off; worker_processes 1; pid {root}/nginx.pid; error_log {root}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off; client_body_temp_path {root}/body; proxy_temp_path {root}/proxy;
  fastcgi_temp_path {root}/fcgi; uwsgi_temp_path {root}/uwsgi; scgi_temp_path {root}/scgi;
{site}
}}
"""


class Processes:
    """Servers started for the suite; ``stop`` ends them (and their children) by process group."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.started: list[subprocess.Popen] = []
        self._handles: list = []

    def start(self, name: str, argv: list[str], **kwargs) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        self._handles.append(log)
        kwargs.setdefault("stdout", log)
        process = subprocess.Popen(argv, stderr=log, start_new_session=True, **kwargs)
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for process in self.started:
            if process.stdin is not None:
                process.stdin.close()
        for handle in self._handles:
            handle.close()


def wait_until(check, what: str, process: subprocess.Popen | None = None, seconds: float = 60) -> None:
    """Poll ``check()`` until it is true; fail naming ``what`` (early if ``process`` died)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process ended with {process.returncode}")
        try:
            if check():
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what}: not ready within {seconds}s")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class LoopbackTransport(httpx.HTTPTransport):
    """Sends every request to 127.0.0.1 while keeping its Host header and TLS server name
    (SNI, certificate check), so the client behaves as if ``*.localhost`` resolved."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # A copy goes out; the client keeps the original, so cookies stay with the real host.
        outgoing = httpx.Request(request.method, request.url.copy_with(host="127.0.0.1"),
                                 headers=request.headers, stream=request.stream,
                                 extensions={**request.extensions, "sni_hostname": request.url.host})
        return super().handle_request(outgoing)


@dataclass(frozen=True)
class HelperPrompt:
    """One PIN question the helper showed in its window."""

    hospital: str
    address: str
    code: str


_PROMPT = re.compile(r"Inlogverzoek voor het zorgverlenersportaal van (?P<hospital>[^\n]+)\n"
                     r"  adres: +(?P<address>\S+)\n  controlecode: (?P<code>[A-Z]+)")


class HelperWindow:
    """The window of ``portal-uzi-login serve`` as the card holder sees it: what the helper
    printed there (its log) and what they type into it (its stdin)."""

    def __init__(self, process: subprocess.Popen, log: Path):
        self.process = process
        self.log = log

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def prompts(self) -> list[HelperPrompt]:
        return [HelperPrompt(**m.groupdict()) for m in _PROMPT.finditer(self.text())]

    def wait_for_prompt(self, seen: int, seconds: float = 20) -> HelperPrompt:
        """The question after the first ``seen`` ones (fails if none comes)."""
        found: list[HelperPrompt] = []

        def asked() -> bool:  # the question is written in one piece, after older input was dropped
            found[:] = self.prompts()
            return len(found) > seen

        wait_until(asked, "the helper's PIN question", self.process, seconds)
        return found[seen]

    def type(self, line: str) -> None:
        """The card holder types ``line`` and Enter in the helper's window."""
        self.process.stdin.write(f"{line}\n".encode())
        self.process.stdin.flush()


def login_with_card(page, stack, pin: str = CARD_PIN) -> None:
    """The login page's "Inloggen met UZI-pas": the page fetches a challenge, the helper
    (``portal-uzi-login serve``) asks the PIN in its own window, naming the hospital, the
    portal's address and the code the page shows; the card holder checks and types it; the
    card signs. Ends on the page after login."""
    from playwright.sync_api import expect

    seen = len(stack.helper.prompts())
    page.goto(stack.url(path="/login"))
    page.get_by_role("button", name="Inloggen met UZI-pas", exact=True).click()
    prompt = stack.helper.wait_for_prompt(seen)
    assert (prompt.hospital, prompt.address) == (HOSPITAL, stack.base_url), prompt
    expect(page.get_by_test_id("login-status")).to_contain_text(prompt.code)
    stack.helper.type(pin)
    expect(page.get_by_test_id("provider-name")).to_have_text(stack.case.account_name)
