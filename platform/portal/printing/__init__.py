"""Afdrukken: the print of a patient page, recorded in the audit log before the browser's
print dialog opens (NEN 7513 lists printing). See ``views``."""
