"""Record makers: one function per kind of clinical data.

Each maker gets the chunk (its ``rng``, ``at()``, ``anchor``), the patient context and the
repeat number, and yields ``(starts_at, ends_at, payload)`` rows. Payload keys are the view
model's field names (``portal.epd.models``); dates are ISO text. The ``KINDS`` table says
how likely a patient has data of each kind.
"""
from __future__ import annotations

from datetime import timedelta

from . import catalogue as cat


def _d(dt) -> str:
    return dt.date().isoformat() if hasattr(dt, "date") else dt.isoformat()


def _m(dt) -> str:
    return dt.isoformat(timespec="minutes")


def appointments(ch, ctx, n):
    rng = ch.rng
    future = rng.random() < 0.35
    start = ch.anchor + timedelta(days=rng.randint(1, 120), hours=rng.randint(8, 16)) if future else ch.at(900, 1)
    status = "planned" if future else rng.choice(("completed",) * 8 + ("cancelled", "no_show"))
    specialty = rng.choice(cat.SPECIALTIES)
    yield _m(start), None, {
        "start": _m(start), "end": _m(start + timedelta(minutes=rng.choice((10, 15, 20, 30)))),
        "specialty": specialty, "description": rng.choice(cat.APPOINTMENT_TYPES), "practitioner": ch.physician(),
        "location": f"Polikliniek {specialty}", "status": status}


def operations(ch, ctx, n):
    rng = ch.rng
    procedure, specialty = rng.choice(cat.OPERATIONS)
    listed = ch.at(400, 20)
    stage = 0.6 if ctx.rich and n == 0 else rng.random()
    called = None if stage < 0.25 else ch.not_after_today(listed + timedelta(days=rng.randint(5, 40)))
    planned = performed = None
    status = "waiting_list"
    if called is not None and stage > 0.5:
        planned = (ch.anchor + timedelta(days=rng.randint(3, 60)) if stage < 0.7
                   else called + timedelta(days=14)).replace(hour=rng.randint(8, 14), minute=0)
        status = "planned" if planned > ch.anchor else "post_operative"
        performed = planned if status == "post_operative" else None
    main = planned or listed
    yield _m(main), None, {
        "procedure": procedure, "specialty": specialty, "surgeon": ch.physician(), "status": status,
        "listed_on": _d(listed), "called_on": _d(called) if called else None,
        "planned_at": _m(planned) if planned else None, "performed_at": _m(performed) if performed else None,
        "location": "OK-complex"}


def admissions(ch, ctx, n):
    rng = ch.rng
    specialty = rng.choice(cat.SPECIALTIES)
    if n == 0 and ctx.admitted_now:
        start, end = ch.anchor - timedelta(days=rng.randint(0, 12), hours=rng.randint(1, 20)), None
    elif rng.random() < 0.1:
        start = ch.anchor + timedelta(days=rng.randint(2, 40), hours=8)
        end = start + timedelta(days=rng.randint(1, 5))
    else:
        start = ch.at(1500, 20)
        end = start + timedelta(days=rng.randint(1, 14), hours=rng.randint(1, 6))
    yield _m(start), _m(end) if end else None, {
        "admitted_at": _m(start), "discharged_at": _m(end) if end else None, "specialty": specialty,
        "department": f"Verpleegafdeling {specialty}", "practitioner": ch.physician(),
        "reason": rng.choice(cat.DIAGNOSES)[0], "room": f"{rng.randint(1, 6)}.{rng.randint(1, 40):02d}"}


def ed_visits(ch, ctx, n):
    rng = ch.rng
    complaint, specialty, triage = rng.choice(cat.COMPLAINTS)
    if n == 0 and ctx.recent_ed:
        start = ch.anchor - timedelta(minutes=rng.randint(90, 6 * 24 * 60))
    else:
        start = ch.at(2000, 8).replace(hour=rng.randint(0, 23))
    end = start + timedelta(minutes=rng.randint(60, 360))
    yield _m(start), _m(end), {
        "arrived_at": _m(start), "departed_at": _m(end), "complaint": complaint, "triage": triage,
        "specialty": specialty, "diagnosis": rng.choice(cat.DIAGNOSES)[0], "practitioner": ch.physician(),
        "discharge": rng.choice(cat.ED_DISCHARGE), "referred_by": rng.choice(cat.REFERRED_BY)}


def referrals(ch, ctx, n):
    rng = ch.rng
    # A full record's first referral is still valid today (the screen lists valid ones).
    start = ch.at(300, 1) if ctx.rich and n == 0 else ch.at(500, 1)
    until = start + timedelta(days=365)
    status = "open" if (ctx.rich and n == 0) or rng.random() < 0.7 else "closed"
    yield _m(start), _d(until), {
        "referred_on": _d(start), "referrer_name": ctx.gp_name, "referrer_agb": None,
        "specialty": rng.choice(cat.SPECIALTIES), "reason": rng.choice(cat.DIAGNOSES)[0],
        "valid_until": _d(until), "status": status}


def allergies(ch, ctx, n):
    rng = ch.rng
    substance, category, reaction = rng.choice(cat.ALLERGIES)
    when = ch.at(4000, 1)
    yield _m(when), None, {
        "substance": substance, "category": category, "reaction": reaction,
        "severity": rng.choice(("Licht", "Matig", "Ernstig")), "criticality": rng.choice(("Laag", "Hoog", None)),
        "status": rng.choice(("Actief",) * 5 + ("Niet actief",)), "recorded_on": _d(when)}


def conditions(ch, ctx, n):
    rng = ch.rng
    onset = ch.at(5000, 30)
    ended = rng.random() < 0.2
    yield _m(onset), None, {
        "description": rng.choice(cat.CONDITIONS), "status": "Niet actueel" if ended else "Actueel",
        "onset": _d(onset),
        "end": _d(ch.not_after_today(onset + timedelta(days=rng.randint(30, 600)))) if ended else None,
        "specialty": rng.choice(cat.SPECIALTIES)}


def substance_use(ch, ctx, n):
    rng = ch.rng
    substance = ("alcohol", "tobacco", "drugs")[n % 3] if n < 3 else "alcohol"
    status = rng.choice(("Gebruikt", "Gestopt", "Nooit gebruikt"))
    amount = {"alcohol": f"{rng.randint(1, 4)} eenheden per dag", "tobacco": f"{rng.randint(5, 25)} sigaretten per dag",
              "drugs": "Cannabis, incidenteel"}[substance] if status != "Nooit gebruikt" else None
    when = ch.at(1500, 1)
    yield _m(when), None, {
        "substance": substance, "status": status, "amount": amount, "start": None,
        "stop": _d(when - timedelta(days=rng.randint(100, 3000))) if status == "Gestopt" else None,
        "note": None, "recorded_on": _d(when)}


def diagnoses(ch, ctx, n):
    rng = ch.rng
    description, code, specialty = rng.choice(cat.DIAGNOSES)
    when = ch.at(3000, 1)
    yield _m(when), None, {
        "description": description, "code": code, "code_system": "ICD-10",
        "status": rng.choice(("confirmed",) * 5 + ("working", "differential", "resolved", "refuted")),
        "diagnosed_on": _d(when), "specialty": specialty, "practitioner": ch.physician()}


def _device(ch, items, removable):
    rng = ch.rng
    description, site = rng.choice(items)
    start = ch.at(3000, 1)
    end = start + timedelta(days=rng.randint(2, 30)) if removable and rng.random() < 0.6 else None
    if end is not None and end > ch.anchor:
        end = None  # still in place today
    return _m(start), None, {"description": description, "body_site": site, "start": _d(start),
                             "end": _d(end) if end else None, "note": None,
                             "product_id": f"SN{rng.randrange(10 ** 7, 10 ** 8)}" if not removable else None}


def implants(ch, ctx, n):
    yield _device(ch, cat.IMPLANTS, False)


def inserted_materials(ch, ctx, n):
    yield _device(ch, cat.INSERTED, True)


def medical_aids(ch, ctx, n):
    yield _device(ch, cat.AIDS, True)


def states(ch, ctx, n):
    category, finding = ch.rng.choice(cat.STATES)
    when = ch.at(400, 0)
    yield _m(when), None, {"category": category, "finding": finding, "observed_on": _d(when),
                           "observer": ch.rng.choice(cat.NURSE_NAMES)}


def medication(ch, ctx, n):
    rng = ch.rng
    name, dosage, route, indication = rng.choice(cat.DRUGS)
    roll = rng.random()
    setting = "inpatient" if ctx.admitted_now and roll < 0.3 else "home"
    if roll < 0.08:
        start, end, stop = ch.anchor + timedelta(days=rng.randint(1, 30)), None, None  # planned
    else:
        start = ch.at(2000, 1)
        stop = rng.choice((None, None, None, "stopped", "ended", "suspended"))
        end = None if stop in (None, "suspended") else start + timedelta(days=rng.randint(5, 300))
        if end is not None and end > ch.anchor:
            end = ch.anchor - timedelta(days=1)
    yield _m(start), None, {
        "name": name, "dosage": dosage, "route": route, "start": _d(start), "end": _d(end) if end else None,
        "prescriber": ch.physician(), "indication": indication, "setting": setting, "stop_type": stop,
        "stop_reason": {"stopped": "Bijwerkingen", "ended": "Kuur voltooid",
                        "suspended": "Tijdelijk gestopt rond ingreep"}.get(stop or "")}


def treatment_reports(ch, ctx, n):
    rng = ch.rng
    description, _code, specialty = rng.choice(cat.DIAGNOSES)
    when = ch.at(900, 1)
    yield _m(when), None, {
        "written_at": _m(when), "title": rng.choice(("Poliklinisch consult", "Visite", "Telefonisch consult")),
        "author": ch.physician(), "specialty": specialty, "sections": [
            {"heading": "Anamnese", "text": f"Patiënt komt voor controle in verband met {description.lower()}."},
            {"heading": "Lichamelijk onderzoek",
             "text": f"RR {rng.randint(110, 160)}/{rng.randint(60, 95)} mmHg, "
                     f"pols {rng.randint(55, 95)}/min regulair."},
            {"heading": "Conclusie", "text": f"{description}, stabiel."},
            {"heading": "Beleid",
             "text": rng.choice(("Controle over 3 maanden.", "Medicatie ongewijzigd.", "Terug naar huisarts."))}]}


def letters(ch, ctx, n):
    rng = ch.rng
    when = ch.at(1200, 1)
    yield _m(when), None, {"date": _d(when), "title": rng.choice(cat.LETTER_TYPES), "author": ch.physician(),
                           "specialty": rng.choice(cat.SPECIALTIES), "addressee": ctx.gp_name,
                           "diagnosis": rng.choice(cat.DIAGNOSES)[0]}


def alerts(ch, ctx, n):
    kind, description = ch.rng.choice(cat.ALERTS)
    start = ch.at(2000, 1)
    yield _m(start), None, {"kind": kind, "description": description, "start": _d(start), "end": None, "note": None}


def procedures(ch, ctx, n):
    description, specialty = ch.rng.choice(cat.PROCEDURES)
    when = ch.at(1500, 1)
    yield _m(when), None, {"performed_on": _d(when), "description": description, "code": None, "specialty": specialty,
                           "performer": ch.physician(), "location": f"Functieafdeling {specialty}"}


def nursing_problems(ch, ctx, n):
    rng = ch.rng
    nanda, problem, noc, outcome, *_ = rng.choice(cat.NURSING)
    when = ch.at(10, 0)
    baseline = rng.randint(1, 3)
    yield _m(when), None, {"nanda_code": nanda, "problem": problem, "status": "Actueel", "recorded_on": _d(when),
                           "outcomes": [{"noc_code": noc, "outcome": outcome, "baseline_score": baseline,
                                         "target_score": rng.randint(baseline + 1, 5),
                                         "current_score": baseline + rng.randint(0, 1),
                                         "scored_on": _d(ch.not_after_today(when + timedelta(days=1)))}]}


def nursing_interventions(ch, ctx, n):
    rng = ch.rng
    *_, problem, _noc, _outcome, nic, intervention, frequency = rng.choice(cat.NURSING)
    when = ch.at(10, 0)
    yield _m(when), None, {"nic_code": nic, "intervention": intervention, "problem": problem, "frequency": frequency,
                           "start": _d(when), "end": None}


def nursing_reports(ch, ctx, n):
    rng = ch.rng
    when = ch.at(10, 0).replace(hour=rng.choice((7, 15, 23)))
    yield _m(when), None, {
        "written_at": _m(when), "title": "Verpleegkundige rapportage", "author": rng.choice(cat.NURSE_NAMES),
        "specialty": "Verpleegafdeling", "sections": [
            {"heading": "Rapportage", "text": rng.choice((
                "Rustige dienst gehad. Pijnscore 3, paracetamol gegeven. Mobiliseert met hulp.",
                "Patiënt heeft goed gegeten en gedronken. Wond droog en schoon.",
                "Patiënt 's nachts onrustig, georiënteerd na geruststelling. Vochtbalans in evenwicht."))}]}


def nutrition(ch, ctx, n):
    rng = ch.rng
    kind = "advice" if n % 2 == 0 else "agreement"
    start = ch.at(200, 0)
    yield _m(start), None, {
        "kind": kind, "description": rng.choice(cat.DIET_ADVICE if kind == "advice" else cat.DIET_AGREEMENTS),
        "start": _d(start), "end": None, "author": "Diëtist " + rng.choice(cat.PHYSICIAN_NAMES).split()[-1]}


#: ``note`` of a Behandelbeperking that a later decision replaced; the current one says so too.
RESTRICTION_SUPERSEDED = "Vervallen: vervangen door een later besluit."
RESTRICTION_CURRENT = "Geldend besluit."


def restrictions(ch, ctx, n):
    """The first decision is the one that holds (the newest); every further one is older and
    marked as superseded, so a patient never has two decisions that both seem to hold."""
    treatment, decision = ch.rng.choice(cat.RESTRICTIONS)
    when = ch.at(300, 1) if n == 0 else ch.at(1500 + 300 * n, 320 + 300 * n)
    yield _m(when), None, {"treatment": treatment, "decision": decision, "decided_on": _d(when),
                           "discussed_with": ch.rng.choice(("Patiënt", "Patiënt en partner",
                                                            "Wettelijk vertegenwoordiger")),
                           "note": RESTRICTION_CURRENT if n == 0 else RESTRICTION_SUPERSEDED}


def mdo(ch, ctx, n):
    rng = ch.rng
    description, _code, specialty = rng.choice(cat.DIAGNOSES)
    when = ch.at(600, 1)
    yield _m(when), None, {
        "written_at": _m(when), "title": f"MDO {specialty}", "author": ch.physician(), "specialty": specialty,
        "sections": [{"heading": "Vraagstelling", "text": f"Beleid bij {description.lower()}?"},
                     {"heading": "Deelnemers", "text": ", ".join(rng.sample(cat.PHYSICIAN_NAMES, 3))},
                     {"heading": "Conclusie", "text": rng.choice(("Operatie geïndiceerd.", "Conservatief beleid.",
                                                                  "Aanvullend onderzoek: PET-CT."))}]}


#: Tests a GP follows over time: a patient with a full record has a series of each.
COMMON_LAB_TESTS = ("Hemoglobine", "Natrium", "Kalium", "Kreatinine", "eGFR (CKD-EPI)", "Glucose (nuchter)",
                    "HbA1c", "LDL-cholesterol")


def lab(ch, ctx, n):
    if ctx.rich and n == 0:
        yield from _lab_series(ch)
        return
    rng = ch.rng
    sampled = ch.at(700, 0)
    ordered_by = "gp" if rng.random() < 0.15 else "hospital"
    for test, group, unit, low, high, mean, spread, loinc in rng.sample(cat.LAB_TESTS, rng.randint(3, 6)):
        value = max(0.1, rng.gauss(mean, spread))
        reported = ch.not_after_today(sampled + timedelta(hours=rng.randint(1, 30)))
        yield _m(sampled), None, _lab_row(test, group, unit, low, high, loinc, value, sampled, reported, ordered_by)


def _lab_series(ch):
    """6 to 10 samples over the last 12 months, each with every common test, values drifting
    so a graph shows a trend (the patient's two other lab orders add at most two values)."""
    rng = ch.rng
    tests = [t for t in cat.LAB_TESTS if t[0] in COMMON_LAB_TESTS]
    days = sorted(rng.sample(range(1, 360), rng.randint(6, 10)), reverse=True)
    drift = {t[0]: rng.uniform(-1.0, 1.0) * t[6] for t in tests}
    for step, days_back in enumerate(days):
        sampled = (ch.anchor - timedelta(days=days_back)).replace(hour=rng.randint(8, 11),
                                                                  minute=rng.choice((0, 15, 30, 45)))
        reported = ch.not_after_today(sampled + timedelta(hours=rng.randint(2, 8)))
        for test, group, unit, low, high, mean, spread, loinc in tests:
            value = max(0.1, mean + drift[test] * (step / len(days) - 0.5) * 2 + rng.gauss(0, spread / 3))
            yield _m(sampled), None, _lab_row(test, group, unit, low, high, loinc, value, sampled, reported, "hospital")


def _lab_row(test, group, unit, low, high, loinc, value, sampled, reported, ordered_by) -> dict:
    text = f"{value:.1f}" if value < 100 else f"{value:.0f}"
    reference = f"{low if low is not None else ''} - {high if high is not None else ''}".strip(" -")
    return {"test": test, "group": group, "value": text, "numeric_value": float(text), "unit": unit,
            "reference_low": low, "reference_high": high,
            "reference_text": (reference if low is not None and high is not None
                               else (f"< {high}" if high else f"> {low}")),
            "sampled_at": _m(sampled), "reported_at": _m(reported), "ordered_by": ordered_by, "code": loinc}


def measurements(ch, ctx, n):
    rng = ch.rng
    when = ch.at(700, 0)
    kind, unit, mean, spread, decimals = rng.choice(cat.MEASUREMENTS)
    value = round(rng.gauss(mean, spread), decimals)
    yield _m(when), None, {"kind": kind, "value": f"{value:.{decimals}f}", "numeric_value": value, "unit": unit,
                           "measured_at": _m(when)}
    systolic = rng.randint(105, 170)
    yield _m(when), None, {"kind": "Bloeddruk", "value": f"{systolic}/{systolic - rng.randint(35, 60)}",
                           "numeric_value": None, "unit": "mmHg", "measured_at": _m(when)}


def microbiology(ch, ctx, n):
    rng = ch.rng
    test, material, organism, quantity = rng.choice(cat.MICRO)
    sampled = ch.at(900, 0)
    organisms = []
    if organism:
        organisms.append({"name": organism, "quantity": quantity, "susceptibilities": [
            {"antibiotic": ab, "result": rng.choice("SSSSIR"), "mic": None} for ab in rng.sample(cat.ANTIBIOTICS, 4)]})
    yield _m(sampled), None, {"test": test, "material": material, "sampled_at": _m(sampled),
                              "reported_at": _m(ch.not_after_today(sampled + timedelta(days=rng.randint(1, 4)))),
                              "conclusion": f"Groei van {organism}." if organism else "Geen pathogenen gekweekt.",
                              "organisms": organisms}


def pathology(ch, ctx, n):
    rng = ch.rng
    title, material, conclusion = rng.choice(cat.PATHOLOGY)
    sampled = ch.at(1500, 3)
    yield _m(sampled), None, {"title": title, "material": material, "sampled_at": _m(sampled),
                              "reported_at": _m(ch.not_after_today(sampled + timedelta(days=rng.randint(3, 10)))),
                              "text": f"Macroscopie: ontvangen {material.lower()}. Microscopie: zie conclusie.",
                              "conclusion": conclusion, "pathologist": ch.physician()}


def imaging(ch, ctx, n):
    rng = ch.rng
    discipline, modality, title, conclusion = rng.choice(cat.IMAGING)
    when = ch.at(1500, 0)
    images = [{"n": i, "title": f"{title} beeld {i + 1}", "content_type": "image/png"}
              for i in range(rng.choice((0, 1, 2, 3)))]
    yield _m(when), None, {"discipline": discipline, "modality": modality, "title": title, "performed_at": _m(when),
                           "reported_at": _m(ch.not_after_today(when + timedelta(hours=rng.randint(2, 48)))),
                           "requester": rng.choice((ctx.gp_name, ch.physician())),
                           "text": f"Onderzoek: {title}. Vergelijking met eerder onderzoek niet beschikbaar.",
                           "conclusion": conclusion, "radiologist": ch.physician(), "images": images}


def _old(p_young: float, p_old: float):
    return lambda ctx: p_old if ctx.age >= 65 else p_young


def _inpatient(p: float):
    return lambda ctx: 1.0 if ctx.admitted_now else p


#: (stored kind, probability per patient (or a function of the context), maker)
KINDS = [
    ("appointment", 0.9, appointments),
    ("operation", 0.06, operations),
    ("admission", lambda ctx: 1.0 if ctx.admitted_now else 0.12, admissions),
    ("ed_visit", lambda ctx: 1.0 if ctx.recent_ed else 0.1, ed_visits),
    ("referral", 0.2, referrals),
    ("allergy", 0.15, allergies),
    ("condition", _old(0.1, 0.35), conditions),
    ("substance_use", 0.4, substance_use),
    ("diagnosis", 0.45, diagnoses),
    ("implant", _old(0.01, 0.08), implants),
    ("inserted_material", _inpatient(0.03), inserted_materials),
    ("state", _inpatient(0.05), states),
    ("medical_aid", _old(0.02, 0.12), medical_aids),
    ("medication", _old(0.3, 0.6), medication),
    ("treatment_report", 0.45, treatment_reports),
    ("letter", 0.5, letters),
    ("alert", 0.05, alerts),
    ("procedure", 0.15, procedures),
    ("nursing_problem", _inpatient(0.02), nursing_problems),
    ("nursing_intervention", _inpatient(0.02), nursing_interventions),
    ("nursing_report", _inpatient(0.03), nursing_reports),
    ("nutrition", _inpatient(0.04), nutrition),
    ("restriction", _old(0.005, 0.12), restrictions),
    ("mdo", 0.02, mdo),
    ("lab", 0.45, lab),
    ("measurement", 0.3, measurements),
    ("microbiology", 0.06, microbiology),
    ("pathology", 0.04, pathology),
    ("imaging", 0.25, imaging),
]
