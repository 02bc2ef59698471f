"""Meldingen: a provider may ask for an e-mail when "Mijn patiënten in het ziekenhuis" has
news. The e-mail says only that there is news and links to the portal: no name, no BSN, no
diagnosis, nothing that identifies a patient."""
