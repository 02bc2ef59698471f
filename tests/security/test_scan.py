"""sqlmap and wapiti against the portal on loopback, logged in: nothing exploitable.

Slow (minutes), so it runs by ``make scan`` (PORTAL_SCAN=1) rather than in every
``make test``; without the tools it skips and says so. The portal (tenant zgt, a GP
logged in with a patient selected, the session cookie handed to both tools) is served
by werkzeug on 127.0.0.1 only. Logout is excluded from crawling so the session lasts.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading

import pytest
from werkzeug.serving import make_server

pytestmark = [
    pytest.mark.scan,
    pytest.mark.skipif(os.environ.get("PORTAL_SCAN") != "1", reason="slow scan: run by 'make scan' (PORTAL_SCAN=1)"),
]


@pytest.fixture
def served(app, selected, db_session):
    """The tenant app on a loopback port (any Host header reaches it), and the GP's cookie."""
    app.config["WTF_CSRF_SSL_STRICT"] = False
    def without_logout(environ, start_response):
        # The crawlers submit every form they find; a logout would end the scan's session.
        if environ.get("PATH_INFO") == "/logout":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not during the scan"]
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, without_logout, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    cookie = selected.client.get_cookie(cookie_name, domain=selected.client.host)
    yield f"http://127.0.0.1:{server.server_port}", f"{cookie_name}={cookie.value}"
    server.shutdown()
    thread.join(5)


@pytest.mark.parametrize("tenant_id", ["zgt"], indirect=True)
def test_sqlmap_finds_no_injection(served, tmp_path):
    if shutil.which("sqlmap") is None:
        pytest.skip("sqlmap is not installed (Debian package sqlmap; scripts/install-system-deps.sh --scan)")
    base, cookie = served
    common = ["--cookie", cookie, "--csrf-token", "csrf_token", "--csrf-url", base + "/", "--batch", "--level=2",
              "--risk=1", "--time-sec=2", "--output-dir", str(tmp_path), "--flush-session", "--disable-coloring"]
    # Every form the crawl finds (the screens' forms), then the patient choice explicitly.
    crawl = _sqlmap(["-u", base + "/", "--forms", "--crawl=2", "--crawl-exclude", "logout", *common])
    choice = _sqlmap(["-u", base + "/patient/kiezen", "--data", "patient=tok&csrf_token=x", "-p", "patient", *common])
    (tmp_path / "sqlmap.txt").write_text(crawl + choice)
    for output in (crawl, choice):
        assert "identified the following injection point" not in output, output[-3000:]
        assert "is vulnerable" not in output
    # It must really have tested something (not stopped on an option).
    assert "do not appear to be injectable" in choice or "does not seem to be injectable" in choice, choice[-3000:]


def _sqlmap(arguments: list[str]) -> str:
    run = subprocess.run(["sqlmap", *arguments], capture_output=True, text=True, timeout=1500)
    return run.stdout + run.stderr


@pytest.mark.parametrize("tenant_id", ["zgt"], indirect=True)
def test_wapiti_finds_nothing_exploitable(served, tmp_path):
    if shutil.which("wapiti") is None:
        pytest.skip("wapiti is not installed (Debian package wapiti; scripts/install-system-deps.sh --scan)")
    base, cookie = served
    report = tmp_path / "wapiti.json"
    run = subprocess.run(
        ["wapiti", "-u", base + "/", "-H", f"Cookie: {cookie}", "--scope", "folder",
         "-m", "sql,blindsql,xss,permanentxss,exec,file,crlf,redirect,xxe,ssrf", "-d", "3",
         "--max-scan-time", "600", "--flush-session", "-f", "json", "-o", str(report)],
        capture_output=True, text=True, timeout=900)
    assert report.exists(), run.stdout[-2000:] + run.stderr[-2000:]
    result = json.loads(report.read_text())
    findings = {kind: items for kind, items in result["vulnerabilities"].items() if items}
    assert findings == {}, findings
    assert result["infos"]["target"].startswith(base)
