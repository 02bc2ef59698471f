"""The embedded demo EPD: a synthetic Dutch hospital in a database of its own.

``portal demo generate --tenant <id> --patients N`` fills it (``generator``); the
``DemoConnector`` (``connector``) serves it through the EPD contract. Runtime modules import
no Flask; only ``cli`` and ``accounts`` touch the portal's own database.
"""
from .connector import DemoConnector, DemoSettings

__all__ = ["DemoConnector", "DemoSettings"]
