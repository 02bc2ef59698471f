"""The EPD connector contract: how the portal reads a hospital's EPD.

- ``portal.epd.models``: the view models (frozen dataclasses) connectors return;
- ``portal.epd.contract``: ``EpdConnector``, the protocol with one method per kind of data;
- ``portal.epd.errors``: ``EpdError`` and its subclasses;
- ``portal.epd.registry``: finding and building connectors by entry-point name;
- ``portal.epd.testing``: what a connector package provides to the contract suite.

Connectors are plugins registered under the entry-point group ``portal.connectors``; a
tenant names one by entry-point name only, so YAML can never import arbitrary code.
"""
