"""Mijn patiënten in het ziekenhuis: the provider's own patients who are in the hospital now,
went home lately, were at the SEH, or have new letters and radiology reports."""
