"""Opening a patient from the provider's own system: a signed launch context POSTed by a
HIS (``signed.py``) or an HL7 SMART App Launch by an EHR (``smart.py``), both ending in the
portal's own login, identity check, patient lookup and access decision (``views.py``)."""
