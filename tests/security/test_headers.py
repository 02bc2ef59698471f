"""Security headers on every page, no-store after login, and no inline script or style
anywhere (so the strict Content-Security-Policy breaks nothing)."""
import re

import pytest

from support.hardening import page_urls

INLINE = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[^>]+\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}
STATIC = {"static", "core.theme_file"}


def check_headers(response, endpoint: str) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                      "form-action 'self'", "base-uri 'none'"):
        assert directive in csp, (endpoint, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    # The referrer stays within the portal; with no-referrer browsers send "Origin: null".
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in headers["Permissions-Policy"]
    if endpoint not in STATIC:
        assert headers["Cache-Control"] == "no-store", endpoint


def check_no_inline_code(html: str, endpoint: str) -> None:
    for what, pattern in INLINE.items():
        match = pattern.search(html)
        assert match is None, f"{endpoint}: {what}: {match.group(0) if match else ''}"


def test_every_page_after_login(selected, app):
    seen = 0
    for endpoint, url in page_urls(app):
        response = selected.client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        check_headers(response, endpoint)
        if response.mimetype == "text/html":
            check_no_inline_code(response.get_data(as_text=True), endpoint)
            seen += 1
    assert seen >= 3  # the walk must have rendered real pages


def test_pages_without_login(client):
    for path in ("/login", "/problemen-met-inloggen", "/", "/bestaat-niet"):
        response = client.get(path)
        check_headers(response, "core.home")
        if response.mimetype == "text/html":
            check_no_inline_code(response.get_data(as_text=True), path)


def test_static_files_stay_cacheable(client):
    response = client.get("/static/portal.css")
    assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/static/auth/login.js"])
def test_the_login_script_reaches_only_the_local_helper(client, app, path):
    port = app.extensions["portal.tenant"].auth.helper_port
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert f"connect-src 'self' http://127.0.0.1:{port}" in csp
    assert client.get(path).status_code == 200
