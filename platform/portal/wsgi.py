"""Entry point for gunicorn: ``gunicorn -c config/gunicorn.conf.py portal.wsgi:application``."""
from .app import compile_templates
from .platform import create_platform

platform = create_platform()
application = platform.dispatcher
# With preload_app the master imports this module before forking: compiled here, the
# templates are shared by every worker (see compile_templates).
for _app in platform.apps.values():
    compile_templates(_app)
