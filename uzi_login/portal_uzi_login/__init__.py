"""``portal-uzi-login``: the zorgverlenersportaal's card helper on the GP's PC.

A package of its own, installable alone (``pip install ./uzi_login``): it imports neither
Flask nor the portal, only click, httpx, cryptography and python-pkcs11. Modules:

- ``message``: what the card signs at login (shared with the portal, standard library only);
- ``card``: the UZI-pas through PKCS#11, one logged-in session per signature;
- ``prompt``: the card holder's PIN, asked for every login in the helper's own window;
- ``service``: ``serve``, the loopback signing service for the login page's button;
- ``exchange``: ``login URL``, the whole login exchange from the command line;
- ``cli``: the ``portal-uzi-login`` command.
"""

__version__ = "0.2.0"
