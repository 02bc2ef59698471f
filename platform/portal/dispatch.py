"""WSGI dispatch on the Host header: each hostname belongs to exactly one tenant app."""
from __future__ import annotations

from collections.abc import Callable, Iterable

NOT_FOUND = (
    b"<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>Niet gevonden</title></head>"
    b"<body><h1>Niet gevonden</h1><p>Op dit adres is geen zorgverlenersportaal.</p></body></html>"
)


def normalise_host(raw: str) -> str:
    """``Zgt.Localhost:8000`` -> ``zgt.localhost``; IPv6 literals keep their brackets."""
    host = raw.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    return host.split(":", 1)[0].rstrip(".")


class HostDispatcher:
    """Routes a request to the app owning its Host; any other host gets a plain 404."""

    def __init__(self, apps_by_host: dict[str, Callable]):
        self.apps_by_host = dict(apps_by_host)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        app = self.apps_by_host.get(normalise_host(environ.get("HTTP_HOST", "")))
        if app is None:
            start_response("404 Not Found", [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(NOT_FOUND))),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
            ])
            return [NOT_FOUND]
        return app(environ, start_response)
