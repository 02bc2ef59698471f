"""EPD connector plugins (import name ``portal_connectors``).

Each connector registers under the entry-point group ``portal.connectors`` in setup.cfg.
Connectors never import Flask: they turn EPD data into the portal's view models.
"""
