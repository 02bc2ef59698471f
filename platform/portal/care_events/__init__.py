"""Zorgmomenten (manual 2.3): afspraken, operaties, opnames, SEH-registraties, verwijzingen."""
