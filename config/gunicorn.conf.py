"""gunicorn settings for production: ``gunicorn -c config/gunicorn.conf.py portal.wsgi:application``.

Every value can be overridden by environment variables (PORTAL_BIND, PORTAL_WORKERS, ...).
"""
import multiprocessing
import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
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
# The proxy (nginx) terminates TLS; only it may set forwarded headers.
forwarded_allow_ips = os.environ.get("PORTAL_PROXY_IPS", "127.0.0.1")
accesslog = "-"
# No query strings in the access log (they never carry patient identifiers, but be sure).
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
errorlog = "-"


def post_fork(server, worker):
    # Connections opened before the fork must not be shared between workers.
    from portal.wsgi import platform

    platform.database.engine.dispose(close=False)
