"""Uitslagen routes. Every route is behind the access helper; images are served through
the portal only (the EPD's own addresses never reach the browser)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import Blueprint, abort, render_template, request

from .. import context
from ..access import guard
from ..core import sections
from ..core.documents import document_response
from ..core.formatting import nl_number
from ..core.paging import paginate, requested_page
from ..epd.contract import PatientListMethod
from ..epd.errors import EpdError, ItemNotFound, PatientNotFound
from ..epd.models import PatientSummary
from . import charts
from .classify import classify, graph_results, graph_window, local, reference_band
from .cumulative import cumulative

bp = Blueprint("results", __name__, url_prefix="/uitslagen", template_folder="templates")

#: How many of each kind "Recente uitslagen" shows.
RECENT = 5
LAB_PER_PAGE = 50
#: Labuitslagen has two views, chosen by ``?weergave=``: the list (default) and per test.
VIEW_PARAMETER, LIST, CUMULATIVE = "weergave", "lijst", "cumulatief"


def _load(patient: PatientSummary, method: PatientListMethod) -> sections.Section:
    return sections.patient_list(method, patient.patient_id)


def _listing(patient: PatientSummary, method: PatientListMethod, template: str):
    """A paged list page of one kind of result."""
    section = _load(patient, method)
    return render_template(template, section=section, listing=paginate(section.items, requested_page()))


def _now() -> datetime:
    """Now as the hospital's wall time (the graphs' window ends here)."""
    return context.clock().local_now()


@bp.get("/")
@guard.patient_view("Uitslagen")
def index(patient: PatientSummary):
    return render_template("results/index.html")


@bp.get("/recent")
@guard.patient_view("Recente uitslagen")
def recent(patient: PatientSummary):
    """The newest results of each kind, each kind loaded on its own."""
    lab = _load(patient, "list_lab_results")
    kinds = {name: _load(patient, name) for name in ("list_microbiology", "list_pathology", "list_imaging")}
    newest_lab = lab.items[:RECENT * 2]
    return render_template("results/recent.html", lab=lab, newest_lab=newest_lab, classify=classify,
                           micro=kinds["list_microbiology"], pathology=kinds["list_pathology"],
                           imaging=kinds["list_imaging"], count=RECENT)


def _graphable(items, key: str) -> set[str]:
    """The tests (``key="test"``) or kinds (``"kind"``) with at least one numeric value (a
    blood pressure "120/80" counts: it is drawn as two lines)."""
    return {getattr(i, key) for i in items if i.numeric_value is not None or _pressure(i.value) is not None}


#: A blood pressure as recorded: systolic/diastolic.
_PRESSURE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)\s*")


def _pressure(value: str) -> tuple[float, float] | None:
    """(systolic, diastolic) of "120/80"; None for any other value."""
    match = _PRESSURE.fullmatch(value or "")
    return (float(match.group(1)), float(match.group(2))) if match else None


def _graph_choice(section, key: str, **page):
    """"Toon grafiek" without a choice yet: the list of what can be drawn."""
    return render_template("results/graph_choice.html", section=section,
                           choices=sorted(_graphable(section.items, key)), **page)


@bp.get("/lab")
@guard.patient_view("Labuitslagen")
def lab(patient: PatientSummary):
    """Only results the hospital ordered (the connector's default), colour and text coded."""
    section = _load(patient, "list_lab_results")
    if request.args.get(VIEW_PARAMETER) == CUMULATIVE:
        table = cumulative(section.items, requested_page())
        return render_template("results/lab_cumulative.html", section=section, table=table, classify=classify,
                               view=CUMULATIVE)
    listing = paginate(section.items, requested_page(), LAB_PER_PAGE)
    return render_template("results/lab.html", section=section, listing=listing, classify=classify, view=LIST)


@bp.get("/lab/grafiek")
@guard.patient_view(lambda: f"Labuitslagen grafiek {request.args.get('bepaling', '')[:80]}", item=True)
def lab_graph(patient: PatientSummary):
    """"Toon grafiek": the test's values of the last 12 months against its reference band."""
    test = request.args.get("bepaling", "").strip()
    section = _load(patient, "list_lab_results")
    if not test:
        return _graph_choice(section, "test", title="Labuitslagen", endpoint="results.lab_graph",
                             parameter="bepaling", back="results.lab")
    start, end = graph_window(_now())
    results = graph_results(section.items, test, end)
    unit = next((r.unit for r in reversed(results) if r.unit), None)
    band = reference_band(results)
    chart = None
    if results:
        points = [charts.ChartPoint(local(r.sampled_at), r.numeric_value, _with_unit(r.value, unit), classify(r))
                  for r in results if r.numeric_value is not None]
        chart = charts.line_chart(points, chart_id="labgrafiek", title=f"{test}: uitslagen van de afgelopen 12 maanden",
                                  description=_describe(points, unit, band), start=start, end=end, band=band)
    return render_template("results/lab_graph.html", section=section, test=test, results=results, unit=unit,
                           band=band, chart=chart, start=start, end=end, classify=classify)


@bp.get("/metingen")
@guard.patient_view("Metingen")
def measurements(patient: PatientSummary):
    section = _load(patient, "list_measurements")
    kinds: dict[str, list] = {}
    for item in section.items:
        kinds.setdefault(item.kind, []).append(item)
    graphable = _graphable(section.items, "kind")
    return render_template("results/measurements.html", section=section, kinds=kinds, graphable=graphable)


@bp.get("/metingen/grafiek")
@guard.patient_view(lambda: f"Metingen grafiek {request.args.get('soort', '')[:80]}", item=True)
def measurement_graph(patient: PatientSummary):
    kind = request.args.get("soort", "").strip()
    section = _load(patient, "list_measurements")
    if not kind:
        return _graph_choice(section, "kind", title="Metingen", endpoint="results.measurement_graph",
                             parameter="soort", back="results.measurements")
    items = sorted((i for i in section.items if i.kind == kind
                    and (i.numeric_value is not None or _pressure(i.value) is not None)),
                   key=lambda i: local(i.measured_at))
    unit = next((i.unit for i in reversed(items) if i.unit), None)
    chart = start = end = None
    if items:
        start = local(items[0].measured_at) - timedelta(days=15)
        end = local(items[-1].measured_at) + timedelta(days=15)
        title = f"{kind}: verloop van de metingen"
        pressures = [(i, _pressure(i.value)) for i in items]
        if all(pair is not None for _, pair in pressures):
            # Blood pressure: systolic and diastolic in one graph, two lines named in the legend.
            upper = [charts.ChartPoint(local(i.measured_at), pair[0], _with_unit(i.value, unit))
                     for i, pair in pressures if pair is not None]
            lower = [charts.ChartPoint(local(i.measured_at), pair[1], _with_unit(i.value, unit))
                     for i, pair in pressures if pair is not None]
            description = (f"Systolisch: {_describe(upper, unit, None)} "
                           f"Diastolisch: {_describe(lower, unit, None)}")
            chart = charts.line_chart(upper, chart_id="metinggrafiek", title=title, description=description,
                                      start=start, end=end, name="Systolisch (bovendruk)",
                                      second=charts.Series("Diastolisch (onderdruk)", lower))
        else:
            points = [charts.ChartPoint(local(i.measured_at), i.numeric_value, _with_unit(i.value, unit))
                      for i in items if i.numeric_value is not None]
            chart = charts.line_chart(points, chart_id="metinggrafiek", title=title,
                                      description=_describe(points, unit, None), start=start, end=end)
    return render_template("results/measurement_graph.html", section=section, kind=kind, items=items, unit=unit,
                           chart=chart)


@bp.get("/microbiologie")
@guard.patient_view("Microbiologie")
def microbiology(patient: PatientSummary):
    return _listing(patient, "list_microbiology", "results/microbiology.html")


@bp.get("/pathologie")
@guard.patient_view("Pathologie")
def pathology(patient: PatientSummary):
    return _listing(patient, "list_pathology", "results/pathology.html")


@bp.get("/radiologie")
@guard.patient_view("Radiologie en nucleaire onderzoeken")
def imaging(patient: PatientSummary):
    """All examinations, also those an external provider (a GP) requested."""
    return _listing(patient, "list_imaging", "results/imaging.html")


@bp.get("/radiologie/<report_id>")
@guard.patient_view(lambda report_id: f"Radiologieverslag {report_id}", item=True)
def imaging_report(patient: PatientSummary, report_id: str):
    """The report beside its images, series by series in the EPD's (or PACS's) order, each
    image through ``image``, bound to the page's patient."""
    try:
        reports = context.connector().list_imaging(patient.patient_id)
    except PatientNotFound:
        abort(404)
    except EpdError as error:
        return guard.epd_failure(error, "Radiologieverslag")
    report = next((r for r in reports if r.id == report_id), None)
    if report is None:
        abort(404)
    try:
        # The images by series, on their own: a PACS that is down leaves the report readable.
        series = sections.load(lambda epd: epd.list_image_series(patient.patient_id, report_id), "image series")
    except (ItemNotFound, PatientNotFound):  # gone between the two calls
        series = sections.Section(())
    return render_template("results/imaging_report.html", report=report, series=series)


@bp.get("/beelden/<image_id>")
@guard.patient_view(lambda image_id: f"Beeld {image_id}", item=True)
def image(patient: PatientSummary, image_id: str):
    """One image, fetched for the selected patient only (another patient's id: 404)."""
    try:
        document = context.connector().get_image(patient.patient_id, image_id)
    except (ItemNotFound, PatientNotFound):
        abort(404)
    except EpdError as error:
        return guard.epd_failure(error, "Beeld")
    if not document.content_type.lower().startswith("image/"):
        abort(404)
    return document_response(document)


def _with_unit(value: str, unit: str | None) -> str:
    """The value as the tables show it (Dutch notation), with the lab's unit."""
    shown = nl_number(value)
    return f"{shown} {unit}" if unit else shown


def _describe(points: list[charts.ChartPoint], unit: str | None,
              band: tuple[float | None, float | None] | None) -> str:
    """The chart's <desc>: what a sighted reader takes from it at a glance."""
    values = [p.value for p in points]
    unit_text = f" {unit}" if unit else ""
    text = (f"{len(points)} waarde(n) van {points[0].at:%d-%m-%Y} tot {points[-1].at:%d-%m-%Y}; "
            f"laagste {charts.number(min(values))}{unit_text}, hoogste {charts.number(max(values))}{unit_text}, "
            f"laatste {charts.number(values[-1])}{unit_text}.")
    if band is not None:
        low = charts.number(band[0]) if band[0] is not None else "–"
        high = charts.number(band[1]) if band[1] is not None else "–"
        text += f" Referentiewaarde {low} tot {high}{unit_text}."
    flagged = sum(1 for p in points if p.flag is not None)
    if flagged:
        text += f" {flagged} waarde(n) buiten de referentiewaarde."
    return text
