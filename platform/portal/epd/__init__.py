"""The EPD connector contract: how the portal reads a hospital's EPD.

Connectors are plugins registered under the entry-point group ``portal.connectors``; a
tenant names one by entry-point name only, so YAML can never import arbitrary code.
"""
