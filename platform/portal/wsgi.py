"""Entry point for gunicorn: ``gunicorn -c config/gunicorn.conf.py portal.wsgi:application``.

A configuration problem (no PORTAL_ENV, a tenant production refuses, ...) ends the process
with its message on stderr and exit status 2, not a traceback: gunicorn then stops.
"""
import sys

from .app import compile_templates
from .platform import create_platform
from .settings import SettingsError
from .tenants import TenantConfigError

try:
    platform = create_platform()
except (SettingsError, TenantConfigError) as exc:
    print(f"Error: the portal does not start: {exc}", file=sys.stderr, flush=True)
    raise SystemExit(2) from None
application = platform.dispatcher
# With preload_app the master imports this module before forking: compiled here, the
# templates are shared by every worker (see compile_templates).
for _app in platform.apps.values():
    compile_templates(_app)
