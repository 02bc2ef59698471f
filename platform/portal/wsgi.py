"""Entry point for gunicorn: ``gunicorn -c config/gunicorn.conf.py portal.wsgi:application``."""
from .platform import create_platform

platform = create_platform()
application = platform.dispatcher
