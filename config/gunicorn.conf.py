"""gunicorn settings for production: ``gunicorn -c config/gunicorn.conf.py portal.wsgi:application``.

Every value can be overridden by environment variables (PORTAL_BIND, PORTAL_WORKERS, ...).
Each node runs this behind nginx (config/nginx/zorgverlenersportaal.conf); all nodes share
one PostgreSQL, which holds sessions, rate-limit counters and the audit chain.
"""
import multiprocessing
import os

# A Unix socket by default: only the proxy can connect to it (see umask below), so no other
# process on the machine can reach gunicorn and pose as the proxy. The tenant lists "unix"
# in auth.trusted_proxies. PORTAL_BIND takes one address or several separated by spaces
# (unix:PATH, HOST:PORT); a node behind a proxy on another machine binds its internal
# address instead and must accept connections from that proxy alone (README, "Deploy").
bind = os.environ.get("PORTAL_BIND", "unix:/run/zorgverlenersportaal/portal.sock").split()
# The socket is created srwxrwx---: the service user and its group, of which nginx's user
# is a member, and nobody else.
umask = 0o007
workers = int(os.environ.get("PORTAL_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("PORTAL_THREADS", 4))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Tenant apps are built before forking: workers share the parsed configuration.
preload_app = True
max_requests = 5000
max_requests_jitter = 500
# Forwarded headers are the portal's business alone (portal.core.security.TrustedProxyFix,
# driven by each tenant's auth.trusted_proxies): gunicorn must not act on them itself —
# neither on the scheme headers nor on SCRIPT_NAME/PATH_INFO headers, which gunicorn
# would otherwise accept from any peer on a Unix socket.
forwarded_allow_ips = ""
secure_scheme_headers = {}
forwarder_headers = ""
# Request limits well above what the portal needs; the app refuses bodies over 256 KiB.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 16384  # a URL-encoded UZI certificate header fits
# The control socket defaults to one path per user, which two instances on one machine
# would share; name one per instance (PORTAL_CONTROL_SOCKET) or leave it off.
control_socket = os.environ.get("PORTAL_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
accesslog = "-"
# No query strings in the access log (they never carry patient identifiers, but be sure).
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
errorlog = "-"


def post_fork(server, worker):
    # Connections opened before the fork must not be shared between workers.
    from portal.wsgi import platform

    platform.database.engine.dispose(close=False)
