"""Hospital events around today for each demo GP's patients ("Mijn patiënten in het ziekenhuis").

The ordinary record makers spread admissions, SEH visits and letters over years, so a demo GP
would often see nothing happen this week. Per chunk, each GP's first consenting living
patients get one role each, in this order:

1. ``discharged``: admitted a few days ago, went home yesterday; the discharge letter
   (ontslagbrief) and a radiology report of the stay are there;
2. ``admitted``: in a ward now, since one to four days;
3. ``awaiting_letter``: went home two days ago, no discharge letter yet (over the 24 hours);
4. ``seen_at_ed``: at the SEH yesterday evening, sent home, the SEH letter written that night.

Only the fourth adds an SEH visit: the ordinary makers already fill the SEH overzicht.
Everything is dated relative to the anchor (today) and drawn from the chunk's own worklist
``random.Random``, so the rest of the generated EPD is the same as without these rows.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from . import catalogue as cat

ROLES = ("discharged", "admitted", "awaiting_letter", "seen_at_ed")
#: Title of a discharge letter; the connector links it to its admission by ``admission``.
DISCHARGE_LETTER = "Ontslagbrief"


def _m(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


def records(rng: random.Random, anchor: datetime, role: str,
            gp_name: str) -> Iterator[tuple[str, str, str | None, dict]]:
    """The rows of ``role``: (kind, starts_at, ends_at, payload), approved all."""
    specialty = rng.choice(cat.SPECIALTIES)
    physician = rng.choice(cat.PHYSICIAN_NAMES)
    complaint, ed_specialty, triage = rng.choice(cat.COMPLAINTS)
    diagnosis = rng.choice(cat.DIAGNOSES)[0]
    if role == "seen_at_ed":
        arrived = (anchor - timedelta(days=1)).replace(hour=rng.randint(18, 20), minute=rng.choice((5, 25, 40)))
        yield from _ed_visit(arrived, complaint, ed_specialty, triage, diagnosis, physician, "Naar huis")
        written = arrived + timedelta(hours=3)
        yield "letter", _m(written), None, _letter(written, "Verslag SEH-bezoek", physician, ed_specialty, gp_name,
                                                    diagnosis)
        return
    if role == "admitted":
        admitted = (anchor - timedelta(days=rng.randint(1, 4))).replace(hour=rng.randint(9, 20), minute=15)
        discharged = None
    elif role == "discharged":
        discharged = (anchor - timedelta(days=1)).replace(hour=rng.randint(10, 14), minute=30)
        admitted = discharged - timedelta(days=rng.randint(2, 4), hours=rng.randint(1, 5))
    else:  # awaiting_letter
        discharged = (anchor - timedelta(days=2)).replace(hour=rng.randint(10, 15), minute=0)
        admitted = discharged - timedelta(days=rng.randint(2, 6), hours=rng.randint(1, 5))
    yield "admission", _m(admitted), _m(discharged) if discharged else None, {
        "admitted_at": _m(admitted), "discharged_at": _m(discharged) if discharged else None,
        "specialty": specialty, "department": f"Verpleegafdeling {specialty}", "practitioner": physician,
        "reason": diagnosis, "room": f"{rng.randint(1, 6)}.{rng.randint(1, 40):02d}"}
    if role == "discharged" and discharged is not None:
        written = discharged + timedelta(hours=rng.randint(2, 6))
        yield "letter", _m(written), None, {**_letter(written, DISCHARGE_LETTER, physician, specialty, gp_name,
                                                      diagnosis), "admission": _m(admitted)}
        modality, title, conclusion = "CT", "CT thorax", "Geen longembolie. Geen infiltraten."
        performed = admitted + timedelta(hours=20)
        yield "imaging", _m(performed), None, {
            "discipline": "radiology", "modality": modality, "title": title, "performed_at": _m(performed),
            "reported_at": _m(performed + timedelta(hours=4)), "requester": physician,
            "text": f"Onderzoek: {title}. Vergeleken met eerder onderzoek.", "conclusion": conclusion,
            "radiologist": rng.choice(cat.PHYSICIAN_NAMES),
            "images": [{"n": 0, "title": f"{title} beeld 1", "content_type": "image/png"}]}


def _ed_visit(arrived: datetime, complaint, specialty, triage, diagnosis, physician, follow_up):
    departed = arrived + timedelta(hours=2, minutes=40)
    yield "ed_visit", _m(arrived), _m(departed), {
        "arrived_at": _m(arrived), "departed_at": _m(departed), "complaint": complaint, "triage": triage,
        "specialty": specialty, "diagnosis": diagnosis, "practitioner": physician, "discharge": follow_up,
        "referred_by": "Huisarts"}


def _letter(written: datetime, title: str, author: str, specialty: str, addressee: str, diagnosis: str) -> dict:
    return {"date": written.date().isoformat(), "title": title, "author": author, "specialty": specialty,
            "addressee": addressee, "diagnosis": diagnosis}
