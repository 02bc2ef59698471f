"""Dossier (manual 2.4): medische gegevens, rapporten, verpleegkundig dossier and overig,
each item its own page, and the letters served through the portal."""
