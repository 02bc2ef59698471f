"""No route can show patient data without the access helper: walk every app's url_map."""
from portal.access.guard import MARK

#: Endpoints that show no patient data. Anything else must be wrapped by patient_view.
#: Adding an endpoint here is a review decision: it must never read EPD data of a patient.
NON_PATIENT_PREFIXES = ("core.", "auth.", "dezi.", "static", "audit_api.", "health.")  # dezi.: a way to log in
NON_PATIENT_ENDPOINTS = {
    "access.choose",            # stores a token's patient as candidate; shows nothing
    "access.resume",            # the same, for the patient of a page's context (conflict page)
    "search.search",            # result lists are filtered by guard.offer (tested there)
    "search.admitted_patients",
    "search.emergency_department",
    "search.recent_patients",
    "care_events.index",        # the menu "Naar welke pagina bent u op zoek?"; no patient data
    "launch.signed_launch",     # a HIS's launch: verified and parked; shows nothing
    "launch.smart_launch",      # a SMART launch: off to the EHR's authorization; shows nothing
    "launch.smart_return",      # the EHR's answer: verified and parked; shows nothing
    "launch.open_launch",       # decides (guard.decide_for), audits, selects, redirects to a guarded page
    "worklist.worklist",        # a patient list: decided per patient, audited, guard.offer (tested there)
    "worklist.open_item",       # decides (guard.decide_for), audits, selects, redirects to a guarded item page
    "worklist.static",          # the print button's script
    "notifications.settings",   # Meldingen: the provider's own address and frequency; no patient data
    "notifications.save",
    "notifications.confirm",
    "notifications.confirm_address",
}


def test_every_patient_route_goes_through_the_helper(platform):
    unguarded = []
    for tenant_id, app in platform.apps.items():
        for rule in app.url_map.iter_rules():
            endpoint = rule.endpoint
            if endpoint.startswith(NON_PATIENT_PREFIXES) or endpoint in NON_PATIENT_ENDPOINTS:
                continue
            view = app.view_functions[endpoint]
            if getattr(view, MARK, None) is None:
                unguarded.append(f"{tenant_id}: {rule.rule} ({endpoint})")
    assert unguarded == []


def test_the_walk_sees_patient_routes(platform):
    # Guards the test itself: it must find wrapped routes, or it proves nothing.
    guarded = [rule.endpoint for app in platform.apps.values() for rule in app.url_map.iter_rules()
               if getattr(app.view_functions[rule.endpoint], MARK, None) is not None]
    assert "access.confirm" in guarded


def test_no_route_takes_a_patient_identifier(platform):
    suspicious = ("bsn", "patient_number", "patient_id", "patientnummer")
    for app in platform.apps.values():
        for rule in app.url_map.iter_rules():
            assert not any(arg.lower() in suspicious for arg in rule.arguments), rule.rule
