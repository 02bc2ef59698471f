"""``python -m portal_uzi_login``: the same as the ``portal-uzi-login`` command."""
from .cli import main

main()
