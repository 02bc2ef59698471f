"""Aanvragen: diagnostic requests (lab, radiology, ...) an external provider sends to the
hospital for the selected patient, and their status. Only for tenants enabling the
``orders`` menu; elsewhere the blueprint is not registered (404)."""
