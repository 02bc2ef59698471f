"""``GET /bench/ceiling``: the cheapest reply the full stack can give, for ``make bench``.

It passes the dispatcher, the tenant app and every ``before_request``/``after_request``
hook (session, login check, headers) like any page, but reads no database, renders no
template and shows nothing of any patient or tenant: its throughput is the ceiling that
page throughput is compared with. It exists only when the deployment sets
``PORTAL_BENCH_CEILING=1`` (``portal.settings.Settings.bench_ceiling``); otherwise the URL
is an ordinary 404.
"""
from __future__ import annotations

from flask import Flask

from .. import context
from .security import public_endpoint

PATH = "/bench/ceiling"
ENDPOINT = "bench_ceiling"
_BODY = b"ok\n"


@public_endpoint
def ceiling():
    from flask import current_app

    return current_app.response_class(_BODY, mimetype="text/plain")


def init_app(app: Flask) -> None:
    if context.platform_of(app).settings.bench_ceiling:
        app.add_url_rule(PATH, ENDPOINT, ceiling, methods=["GET"])
