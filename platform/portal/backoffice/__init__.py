"""The back office: the hospital's own staff (privacy officer, application managers, service
desk) on a hostname of their own per tenant, behind the hospital's single sign-on.

A second Flask app per tenant (``app.create_backoffice_app``), with its own cookie and secret:
a GP's session is worthless here and a staff session worthless in the GP portal. Every screen
names the roles that may use it (``staff.staff_view``) and every staff action is written to the
tenant's NEN 7513 chain (``trail``) before its result is shown or its change is kept.
"""
