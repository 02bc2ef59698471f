"""The real-browser harness of tests/e2e: Chromium from the system, the portal on a loopback
port, axe-core for accessibility.

Chromium is the Debian package (``/usr/bin/chromium``, installed by
scripts/install-system-deps.sh); Playwright drives it and never downloads a browser of its
own. ``Browser.launch`` gives each launch a fresh temporary user-data-dir. Tenants are
reached by their ``<id>.localhost`` hostnames, which Chromium resolves to loopback itself.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import yaml
from werkzeug.serving import WSGIRequestHandler, make_server

from portal.tenants.loader import OVERLAY_FILE, TENANT_FILE, merge_overlay, tenant_document

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("PORTAL_E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    # Belt and braces: Chromium resolves *.localhost to loopback on its own.
    "--host-resolver-rules=MAP *.localhost 127.0.0.1",
]
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: The WCAG 2.1 level A and AA rules of axe-core.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORT = {"width": 1280, "height": 800}
#: Where the page tests photograph the main pages. A normal run writes to build/ (ignored
#: by git) so that running the suite leaves the work tree clean; `make screenshots`
#: points this at docs/screenshots to refresh the pictures the README shows.
SCREENSHOTS = Path(os.environ.get("PORTAL_SCREENSHOTS_DIR") or REPO_ROOT / "build" / "screenshots")


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return (f"Chromium not found at {CHROMIUM} (Debian packages chromium and chromium-driver; "
                "scripts/install-system-deps.sh installs them)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[test]')"
    return None


def axe_unavailable() -> str | None:
    if not AXE_SCRIPT.exists():
        return "axe-core is not installed (npm ci at the repository root; make install runs it)"
    return None


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request (the suite makes hundreds); errors are still logged."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def _buffered(app):
    """``app`` with each response body read whole and its iterable closed before anything is
    sent. werkzeug's development server closes the iterable only after draining the socket,
    and a browser that leaves a page mid-load makes that drain raise first: the file of a
    send_file response (a theme's logo) was then left open, a ResourceWarning in a later test.
    gunicorn, which production runs, closes it in any case."""

    def buffered(environ, start_response):
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    return buffered


class PortalServer:
    """A platform's host dispatcher served by werkzeug in a thread on 127.0.0.1."""

    def __init__(self, platform):
        self.platform = platform
        self._server = make_server("127.0.0.1", 0, _buffered(platform.dispatcher), threaded=True,
                                   request_handler=_QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="portal-e2e", daemon=True)

    def __enter__(self) -> "PortalServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()

    def url(self, tenant_id: str, path: str = "/") -> str:
        tenant = self.platform.tenants[tenant_id]
        host = next(h for h in tenant.hostnames if h.endswith(".localhost"))
        return f"http://{host}:{self.port}{path}"


def copy_tenants(target: Path, overrides: dict[str, object], *, development: bool = True) -> Path:
    """Copy the repository's tenant folders to ``target``, with ``overrides`` merged into every
    tenant.yaml as the development overlay is (mappings key by key, other values and the
    connector replaced), e.g. ``{"access": {"hap_ip_ranges": ["127.0.0.0/8"]}}``: a browser on
    loopback is at a huisartsenpost. Returns ``target``.

    ``development``: each tenant as development and the tests run it, its overlay merged in
    first (the overrides win over it); otherwise as production runs it, without the overlay.
    Either way the copy holds no overlay file, so any PORTAL_ENV reads it the same."""
    shutil.copytree(REPO_ROOT / "tenants", target)
    for path in target.glob(f"*/{TENANT_FILE}"):
        data = merge_overlay(tenant_document(path.parent, overlay=development), overrides)
        (path.parent / OVERLAY_FILE).unlink(missing_ok=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def recording_page(context):
    """A new page of ``context`` that records console errors, uncaught exceptions and failed
    requests in ``page.problems`` (the browser suites assert it stays empty)."""
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("response", lambda response: problems.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400 else None)
    page.problems = problems
    return page
