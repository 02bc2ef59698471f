"""Every back office route but the login's passes the staff guard (roles named, refusals
audited), and none takes a patient identifier. (tests/functional/access/test_route_guard.py
walks the GP portals; the back office apps are walked here.)"""
from __future__ import annotations

from portal.backoffice.staff import OPEN_ENDPOINTS


def test_every_back_office_route_names_its_roles(bo_platform):
    assert bo_platform.backoffice_apps
    unguarded = [f"{tenant_id}: {rule.rule}" for tenant_id, app in bo_platform.backoffice_apps.items()
                 for rule in app.url_map.iter_rules()
                 if rule.endpoint not in OPEN_ENDPOINTS and rule.endpoint != "backoffice.logout"
                 and not getattr(app.view_functions[rule.endpoint], "staff_roles", None)]
    assert unguarded == []


def test_no_back_office_route_takes_a_patient_identifier(bo_platform):
    suspicious = ("bsn", "patient_number", "patient_id", "patientnummer")
    for app in bo_platform.backoffice_apps.values():
        for rule in app.url_map.iter_rules():
            assert not any(arg.lower() in suspicious for arg in rule.arguments), rule.rule
