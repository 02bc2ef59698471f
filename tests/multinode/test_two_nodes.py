"""Two portal nodes (gunicorn, 2 workers each) behind nginx on loopback, one shared database.

This is how a hospital outgrows one machine: sessions, logout, rate limits and the audit
chain all live in the shared database, so any node can serve any request. Checked here:
a session started on one node works on the other, logout on one ends it on both, and the
audit chain stays one unforked chain under concurrent logins and logouts on both nodes.
Runs when nginx and gunicorn are installed (Debian package nginx), loopback only.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import text

from portal.audit.verify import verify_chain
from portal.tenants.loader import tenant_document
from support.access import PRIVATE_PAGE

REPO = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
GUNICORN = Path(sys.executable).with_name("gunicorn")
HOST = "zgt.localhost"
pytestmark = [
    pytest.mark.multinode,
    pytest.mark.skipif(NGINX is None,
                       reason="nginx is not installed (Debian package nginx; scripts/install-system-deps.sh)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, headers={"Host": HOST}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not come up within {seconds}s")


@pytest.fixture(scope="module")
def cluster(platform, settings, tmp_path_factory):
    """Ports of node A, node B and nginx in front of both; stopped afterwards."""
    root = tmp_path_factory.mktemp("cluster")
    tenants = root / "tenants" / "zgt"
    tenants.mkdir(parents=True)
    config = tenant_document(REPO / "tenants" / "zgt", overlay=True)  # as the tests run it (PORTAL_ENV=testing)
    config["auth"]["trusted_proxies"] = ["127.0.0.1/32"]
    config["rate_limits"] = {"login_per_address": {"count": 10_000, "seconds": 60},
                             "login_per_card": {"count": 10_000, "seconds": 60}}
    (tenants / "tenant.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    env = {**os.environ, "PORTAL_ENV": "testing", "DATABASE_URL": settings.database_url,
           "PORTAL_INSTANCE_DIR": str(root / "instance"), "PORTAL_TENANTS_DIR": str(root / "tenants"),
           "PORTAL_THEMES_DIR": str(REPO / "themes"), "PORTAL_WORKERS": "2", "PORTAL_THREADS": "2",
           "PORTAL_ZGT_SECRET_KEY": "k" * 48}
    processes, ports, logs = [], {}, []
    try:
        for node in ("a", "b"):
            ports[node] = free_port()
            processes.append(subprocess.Popen(
                [str(GUNICORN), "-c", str(REPO / "config" / "gunicorn.conf.py"), "portal.wsgi:application"],
                env={**env, "PORTAL_BIND": f"127.0.0.1:{ports[node]}"}, cwd=root,
                stdout=subprocess.DEVNULL, stderr=_log(logs, root / f"gunicorn-{node}.log"), start_new_session=True))
        ports["nginx"] = free_port()
        conf = root / "nginx.conf"
        conf.write_text(f"""
daemon off; pid {root}/nginx.pid; error_log {root}/nginx-error.log warn; worker_processes 1;
events {{ worker_connections 256; }}
http {{
  access_log off; client_body_temp_path {root}/body; proxy_temp_path {root}/proxy;
  fastcgi_temp_path {root}/fcgi; uwsgi_temp_path {root}/uwsgi; scgi_temp_path {root}/scgi;
  upstream portal {{ server 127.0.0.1:{ports['a']}; server 127.0.0.1:{ports['b']}; }}
  server {{
    listen 127.0.0.1:{ports['nginx']};
    client_max_body_size 256k;
    location / {{
      proxy_pass http://portal;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-SSL-Client-Cert "";
    }}
  }}
}}""")
        processes.append(subprocess.Popen([NGINX, "-c", str(conf), "-p", str(root)], stdout=subprocess.DEVNULL,
                                          stderr=_log(logs, root / "nginx.log"), start_new_session=True))
        for node in ("a", "b", "nginx"):
            wait_for(f"http://127.0.0.1:{ports[node]}/login")
        yield {node: f"http://127.0.0.1:{port}" for node, port in ports.items()}
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for handle in logs:
            handle.close()


def _log(logs: list, path: Path):
    handle = open(path, "w")
    logs.append(handle)
    return handle


def _token(client: httpx.Client, base: str, path: str) -> str:
    html = client.get(base + path, headers={"Host": HOST}).text
    return re.search(r'name="csrf[-_]token" (?:content|value)="([^"]+)"', html).group(1)


def login(client: httpx.Client, base: str, account_id: int) -> None:
    token = _token(client, base, "/login")
    answer = client.post(base + "/login/demo", data={"account_id": account_id, "csrf_token": token},
                         headers={"Host": HOST})
    assert answer.status_code == 302, answer.text[-300:]


def logout(client: httpx.Client, base: str) -> None:
    token = _token(client, base, "/")
    assert client.post(base + "/logout", data={"csrf_token": token}, headers={"Host": HOST}).status_code == 302


def logged_in(client: httpx.Client, base: str) -> bool:
    """A page behind the login sends an anonymous client to /login (the home page is public)."""
    response = client.get(base + PRIVATE_PAGE, headers={"Host": HOST})
    return not (response.status_code == 302 and response.headers["location"].endswith("/login"))


def test_a_session_lives_in_the_shared_database(cluster, make_account):
    account = make_account(tenant_id="zgt")
    with httpx.Client(timeout=10) as browser:
        login(browser, cluster["a"], account.id)
        assert logged_in(browser, cluster["a"]) and logged_in(browser, cluster["b"])
        assert account.name in browser.get(cluster["b"] + "/", headers={"Host": HOST}).text
        logout(browser, cluster["b"])
        assert not logged_in(browser, cluster["a"]) and not logged_in(browser, cluster["b"])


def test_nginx_replaces_a_spoofed_forwarded_address(cluster, platform, make_account):
    """A client's own X-Forwarded-For does not survive nginx: the audit log records the
    address nginx saw. (Nodes must accept connections from the proxy alone: a trusted
    peer's forwarded headers are believed.)"""
    account = make_account(tenant_id="zgt")
    with httpx.Client(timeout=10, headers={"X-Forwarded-For": "203.0.113.66"}) as browser:
        login(browser, cluster["nginx"], account.id)
    with platform.database.engine.connect() as conn:
        addresses = conn.execute(text("SELECT network_address FROM audit_log WHERE tenant_id = 'zgt' AND "
                                      "user_uzi = :u AND action = 'login'"), {"u": account.uzi_number}).scalars().all()
    assert addresses == ["127.0.0.1"]


def test_one_unforked_audit_chain_under_load_on_both_nodes(cluster, platform, make_account):
    accounts = [make_account(tenant_id="zgt") for _ in range(6)]
    before = verify_chain(platform.database, "zgt")
    assert before.intact
    rounds = 5

    def work(n: int) -> int:
        base = (cluster["a"], cluster["b"], cluster["nginx"])[n % 3]
        other = (cluster["b"], cluster["nginx"], cluster["a"])[n % 3]
        with httpx.Client(timeout=20) as browser:
            for _ in range(rounds):
                login(browser, base, accounts[n].id)
                logout(browser, other)
        return rounds * 2  # a login and a logout record per round

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(accounts)) as pool:
        written = sum(pool.map(work, range(len(accounts))))
    assert time.monotonic() - started < 120
    after = verify_chain(platform.database, "zgt")
    assert after.intact, after.problem
    assert after.records == before.records + written
    with platform.database.engine.connect() as conn:
        seqs = conn.execute(text("SELECT seq FROM audit_log WHERE tenant_id = 'zgt' ORDER BY seq")).scalars().all()
    assert seqs == list(range(1, len(seqs) + 1))  # no gaps, no duplicates: one chain
