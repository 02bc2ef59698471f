"""Patiënt zoeken (manual 2.1): the search form, Klinische patiënten, SEH overzicht and Recente.

Every list shows only patients the provider may open — now, or at a huisartsenpost through
the noodprocedure — via ``guard.offer``; every search and list is audited with its criteria.
"""
