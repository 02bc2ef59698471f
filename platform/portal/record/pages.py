"""The Dossier's pages as data: which connector method fills each page and how it shows.

Labels and groups come from the navigation (``portal.core.navigation``), so the menu, the
overview table and the page headings cannot drift apart. Explanatory sentences are the
manual's (2.4.1 - 2.4.4) where it has one.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.formatting import nl_date, nl_label
from ..epd import models as m
from ..epd.contract import PatientListMethod


@dataclass(frozen=True, slots=True)
class Column:
    heading: str
    value: Callable[[Any], str]


def attr(name: str) -> Callable[[Any], str]:
    return lambda item: "" if getattr(item, name) is None else str(getattr(item, name))


def date_of(name: str) -> Callable[[Any], str]:
    return lambda item: nl_date(getattr(item, name))


def label_of(name: str) -> Callable[[Any], str]:
    return lambda item: nl_label(getattr(item, name))


def period(item) -> str:
    if item.start is None and item.end is None:
        return ""
    return f"{nl_date(item.start) or '?'} – {nl_date(item.end)}".rstrip(" –")


@dataclass(frozen=True, slots=True)
class RecordPage:
    """One Dossier page: ``endpoint`` (without "record."), URL ``path``, the connector
    ``method`` filling it, the ``template`` showing it (``columns`` for the shared table
    template), the manual's ``intro`` and an optional ``keep`` filter on the items."""

    endpoint: str
    path: str
    method: PatientListMethod
    template: str = "record/table.html"
    columns: tuple[Column, ...] = ()
    intro: str | None = None
    keep: Callable[[Any], bool] | None = None
    paged: bool = True


DEVICE_COLUMNS = (Column("Omschrijving", attr("description")), Column("Locatie", attr("body_site")),
                  Column("Periode", period), Column("Opmerking", attr("note")))

PAGES: tuple[RecordPage, ...] = (
    # ---------------------------------------------------------------- Medische gegevens (2.4.1)
    RecordPage("allergies", "allergieen", "list_allergies", columns=(
        Column("Stof", attr("substance")), Column("Categorie", attr("category")), Column("Reactie", attr("reaction")),
        Column("Ernst", attr("severity")), Column("Kriticiteit", attr("criticality")), Column("Status", attr("status")),
        Column("Vastgelegd", date_of("recorded_on"))),
        intro="Hieronder vindt u een overzicht en informatie over alle bekende en geaccordeerde allergieën."),
    RecordPage("conditions", "aandoeningen", "list_conditions", columns=(
        Column("Aandoening", attr("description")), Column("Status", attr("status")),
        Column("Begin", date_of("onset")), Column("Einde", date_of("end")), Column("Specialisme", attr("specialty")))),
    RecordPage("substance_use", "alcohol-tabak-drugs", "list_substance_use", columns=(
        Column("Middel", label_of("substance")), Column("Status", attr("status")),
        Column("Hoeveelheid", attr("amount")),
        Column("Gestopt", date_of("stop")), Column("Opmerking", attr("note")),
        Column("Vastgelegd", date_of("recorded_on")))),
    RecordPage("diagnoses", "diagnoses", "list_diagnoses", columns=(
        Column("Diagnose", attr("description")),
        Column("Code", lambda d: " ".join(filter(None, (d.code_system, d.code)))),
        Column("Status", label_of("status")), Column("Datum", date_of("diagnosed_on")),
        Column("Specialisme", attr("specialty")), Column("Behandelaar", attr("practitioner")))),
    RecordPage("implants", "implantaten", "list_implants",
               columns=DEVICE_COLUMNS + (Column("Product-id", attr("product_id")),)),
    RecordPage("inserted_materials", "ingebrachte-materialen", "list_inserted_materials", columns=DEVICE_COLUMNS),
    RecordPage("state_observations", "lichamelijke-en-geestelijke-toestand", "list_state_observations", columns=(
        Column("Onderdeel", attr("category")), Column("Bevinding", attr("finding")),
        Column("Datum", date_of("observed_on")), Column("Door", attr("observer")))),
    RecordPage("medication", "medicatie", "list_medication", template="record/medication.html", paged=False,
               intro="Hieronder vindt u een overzicht van alle medicatie die in het ziekenhuis bekend is."),
    RecordPage("medical_aids", "medische-hulpmiddelen", "list_medical_aids", columns=DEVICE_COLUMNS),
    # ---------------------------------------------------------------- Rapporten (2.4.2)
    RecordPage("treatment_reports", "behandelverslagen", "list_treatment_reports", template="record/reports.html",
               intro="Hier staan de consultonderdelen uit dossiervoering van behandelaar."),
    RecordPage("letters", "brieven", "list_letters", template="record/letters.html",
               intro="Hieronder vindt u een overzicht van alle brieven over de medische situatie van deze patiënt "
                     "die zijn verstuurd naar diverse zorgverleners. U kunt op de specifieke brief klikken om de "
                     "brief te openen."),
    RecordPage("alerts", "signaleringen", "list_alerts", template="record/alerts.html",
               intro="Hieronder staan besmettingsrisico's en aandoeningen."),
    RecordPage("procedures", "verrichtingen", "list_procedures", columns=(
        Column("Datum", date_of("performed_on")), Column("Verrichting", attr("description")),
        Column("Specialisme", attr("specialty")), Column("Uitgevoerd door", attr("performer")),
        Column("Locatie", attr("location")))),
    # ---------------------------------------------------------------- Verpleegkundig dossier (2.4.3)
    RecordPage("nursing_problems", "problemen-doelen-en-scores", "list_nursing_problems",
               template="record/nursing_problems.html"),
    RecordPage("nursing_care_plan", "verpleegkundig-behandelplan", "list_nursing_care_plan", columns=(
        Column("NIC", attr("nic_code")), Column("Interventie", attr("intervention")),
        Column("Probleem", attr("problem")),
        Column("Frequentie", attr("frequency")), Column("Periode", period))),
    RecordPage("nursing_reports", "verpleegkundige-verslagen", "list_nursing_reports", template="record/reports.html"),
    # ---------------------------------------------------------------- Overig (2.4.4)
    RecordPage("nutrition_advice", "advies-voor-eten-en-drinken", "list_nutrition",
               keep=lambda e: e.kind is m.NutritionKind.ADVICE, columns=(
                   Column("Advies", attr("description")), Column("Periode", period), Column("Door", attr("author")))),
    RecordPage("nutrition_agreements", "afspraken-over-eten-en-drinken", "list_nutrition",
               keep=lambda e: e.kind is m.NutritionKind.AGREEMENT, columns=(
                   Column("Afspraak", attr("description")), Column("Periode", period), Column("Door", attr("author")))),
    RecordPage("treatment_restrictions", "behandelbeperking", "list_treatment_restrictions", columns=(
        Column("Behandeling", attr("treatment")), Column("Besluit", label_of("decision")),
        Column("Datum", date_of("decided_on")), Column("Besproken met", attr("discussed_with")),
        Column("Opmerking", attr("note"))),
        intro="Hieronder vindt u, indien bekend, de afspraken m.b.t. behandelbeperking."),
    RecordPage("mdo", "mdo", "list_mdo_reports", template="record/reports.html"),
)

#: The manual's introduction of each group (2.4.3 has one of its own).
GROUP_INTROS = {
    "Verpleegkundig dossier": "Hieronder staat de verpleegkundige informatie. Beiden ziekenhuizen werken met de "
                              "Nanda NOC NIC methodologie. De classificaties Nanda, NIC en NOC ondersteunen het "
                              "volledige proces van verpleegkundig redeneren: van anamnese en diagnose tot uitvoering "
                              "en evaluatie. Met het gebruik van Nanda NOC NIC wordt verpleegkundige zorg inzichtelijk "
                              "en meetbaar.",
}
