"""Patiëntinformatie (manual 2.2) and "Melden overlijden patiënt"."""
