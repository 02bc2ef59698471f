"""What the tests' OpenID Connect providers share: each is a node script around npm
oidc-provider (Dezi, the hospital's SSO, the SMART EHR) that prints ``ready <url>`` once it
accepts requests.

``node_problem(what)`` is the skip reason where node or oidc-provider is missing;
``NodeServer.run(script, args, name)`` runs one and stops it; ``walk`` is what a browser does
between the portal's redirect to a provider and the provider's redirect back."""
from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]


def node_problem(what: str) -> str | None:
    """Why a node OIDC provider cannot run here, as a skip reason naming ``what`` needs it; or None."""
    if shutil.which("node") is None:
        return f"node (Node.js) is not installed: {what} need it (make system-deps)"
    if not (REPO_ROOT / "node_modules" / "oidc-provider").is_dir():
        return "npm oidc-provider is not installed: run 'make node-deps' (npm ci at the repository root)"
    return None


class NodeServer:
    """A node script that prints ``ready <url>`` on its first line; ``url`` is that address."""

    def __init__(self, process: subprocess.Popen, url: str, errors) -> None:
        self.process, self.url, self.errors = process, url, errors

    @classmethod
    def run(cls, script: Path, args: list[str], name: str, env: dict[str, str] | None = None) -> "NodeServer":
        """Run ``node script args``; RuntimeError with the end of its stderr if it does not get ready."""
        errors = tempfile.TemporaryFile(mode="w+")
        process = subprocess.Popen(["node", str(script), *args], stdout=subprocess.PIPE, stderr=errors, text=True,
                                   env={**os.environ, **(env or {})})
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("ready "):
            process.kill()
            process.wait()
            process.stdout.close()
            errors.seek(0)
            problem = errors.read()[-2000:]
            errors.close()
            raise RuntimeError(f"{name} did not start: {line!r} {problem}")
        return cls(process, line.split()[1], errors)

    def stop(self) -> None:
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.errors.close()


def walk(location: str, back_to: str, name: str, ca_file: Path | None = None) -> str:
    """Follow a provider's redirects from ``location`` (its authorization URL) as a browser does,
    until one leads to ``back_to`` (the portal's redirect URI); returns that URL's path and query."""
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=str(ca_file)) if ca_file else True
    with httpx.Client(follow_redirects=False, timeout=10, verify=verify) as browser:
        for _ in range(10):
            if location.startswith(back_to):
                parts = urlsplit(location)
                return f"{parts.path}?{parts.query}"
            response = browser.get(location)
            assert response.status_code in (302, 303), (response.status_code, response.text[:500])
            location = str(response.url.join(response.headers["Location"]))
    raise AssertionError(f"{name} never sent the browser back")
