"""Uitslagen (manual 2.5) per tenant, against the demo EPD's generated data."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from markupsafe import escape

from portal.core.formatting import nl_number
from portal.epd.models import flag_for
from portal.results.classify import months_back
from support.access import selected_context
from support.demo_epd import add_record, lab_payload

#: Script in the page itself; the layout's static/print.js ("Afdrukken") is a file.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)", re.I)


def _html(client, path: str) -> str:
    """The page at ``path``; a graph (an item of the selected patient) is asked as its link
    on the patient's pages asks it, with their patient context."""
    if "/grafiek" in path:
        path += ("&" if "?" in path else "?") + "patient_context=" + selected_context(client)["patient_context"]
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _rows_of(html: str, test: str) -> list[str]:
    return re.findall(rf'<tr(?: class="row-[a-z]+")? data-test="{re.escape(str(escape(test)))}">(.*?)</tr>', html, re.S)


def test_overview_and_every_page_answer(patient_client):
    html = _html(patient_client, "/uitslagen/")
    for label in ("Recente uitslagen", "Labuitslagen", "Metingen", "Microbiologie", "Pathologie",
                  "Radiologie en Nucleaire onderzoeken"):
        assert label in html
    for path in ("/uitslagen/recent", "/uitslagen/lab", "/uitslagen/metingen", "/uitslagen/microbiologie",
                 "/uitslagen/pathologie", "/uitslagen/radiologie"):
        page = _html(patient_client, path)
        assert not INLINE_SCRIPT.search(page) and 'style="' not in page


def test_lab_shows_only_hospital_orders_colour_and_words(patient_client, connector, demo_patient):
    test = f"GP-only {uuid.uuid4().hex[:6]}"
    add_record(connector, demo_patient.patient_id, "lab",
               lab_payload(test, 9.9, 1.0, 2.0, datetime.now() - timedelta(days=1), ordered_by="gp"),
               datetime.now() - timedelta(days=1))
    hospital = connector.list_lab_results(demo_patient.patient_id)
    assert hospital and test not in {r.test for r in hospital}
    html = _html(patient_client, "/uitslagen/lab")
    assert test not in html
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr") == min(len(hospital), 50)
    for result in hospital[:50]:
        expected = flag_for(result.numeric_value, result.reference_low, result.reference_high)
        cell = f'<span class="result-value result-{expected.value}">' if expected else '<span class="result-value">'
        assert f"{cell}{escape(nl_number(result.value))}" in body


def test_colour_classification_at_the_range_boundaries(patient_client, connector, demo_patient):
    test = f"Grenstest {uuid.uuid4().hex[:6]}"
    base = datetime.now().replace(second=0, microsecond=0) - timedelta(days=3)
    for minutes, value in enumerate((3.9, 4.0, 6.0, 6.1)):
        moment = base + timedelta(minutes=minutes)
        add_record(connector, demo_patient.patient_id, "lab", lab_payload(test, value, 4.0, 6.0, moment), moment)
    html = _html(patient_client, "/uitslagen/lab")
    rows = {re.search(r'result-value[^>]*>([0-9,]+)', row).group(1): row for row in _rows_of(html, test)}
    assert set(rows) == {"3,9", "4,0", "6,0", "6,1"}  # Dutch notation, the lab's decimals kept
    assert 'class="result-value result-low"' in rows["3,9"] and "laag" in rows["3,9"]
    assert 'class="result-value result-high"' in rows["6,1"] and "hoog" in rows["6,1"]
    for at_limit in ("4,0", "6,0"):  # exactly at a limit is normal: no colour, no word
        assert 'class="result-value">' in rows[at_limit]
        assert "laag" not in rows[at_limit] and "hoog" not in rows[at_limit]
    assert html.count(f'href="/uitslagen/lab/grafiek?bepaling={test.replace(" ", "+")}&amp;patient_context=') == 4


def test_graph_shows_the_last_twelve_months_against_the_band(patient_client, connector, demo_patient):
    test = f"Grafiektest {uuid.uuid4().hex[:6]}"
    now = datetime.now().replace(second=0, microsecond=0)
    inside = [now - timedelta(days=20), months_back(now, 12) + timedelta(days=2)]
    outside = [months_back(now, 12) - timedelta(days=2), now - timedelta(days=500)]
    for moment, value in zip(inside + outside, (5.5, 7.5, 1.1, 1.2)):
        add_record(connector, demo_patient.patient_id, "lab", lab_payload(test, value, 4.0, 6.0, moment), moment)
    response = patient_client.get("/uitslagen/lab/grafiek",
                                  query_string={"bepaling": test, **selected_context(patient_client)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and 'aria-labelledby="labgrafiek-title labgrafiek-desc"' in svg
    assert f'<title id="labgrafiek-title">{test}: uitslagen van de afgelopen 12 maanden</title>' in svg
    assert "Referentiewaarde 4 tot 6 mmol/l" in svg
    assert svg.count("<circle") == 2 and 'class="chart-band"' in svg
    assert 'class="chart-point chart-point-high"' in svg  # 7.5 is above the band
    table = html.split('<table class="chart-data">')[1].split("</table>")[0]
    assert table.count("<tr>") == 3  # header + the two results inside the window
    assert "7,5 mmol/l" in table and "5,5 mmol/l" in table and "1,1" not in table and "1,2" not in table
    assert not INLINE_SCRIPT.search(html) and 'style="' not in html


def test_graph_of_an_unknown_test_says_so(patient_client):
    html = _html(patient_client, "/uitslagen/lab/grafiek?bepaling=Bestaat+niet")
    assert "geen uitslagen" in html and "<svg" not in html
    choice = _html(patient_client, "/uitslagen/lab/grafiek")  # no test chosen yet: the tests to choose from
    assert "Toon grafiek" in choice and 'href="/uitslagen/lab/grafiek?bepaling=' in choice


def test_measurements_with_graphs(patient_client, connector, demo_patient):
    now = datetime.now().replace(second=0, microsecond=0)
    for days, value in ((40, 80.5), (10, 79.0)):
        moment = now - timedelta(days=days)
        add_record(connector, demo_patient.patient_id, "measurement", {
            "kind": "Gewicht", "value": f"{value}", "numeric_value": value, "unit": "kg", "measured_at": moment},
            moment)
    measurements = connector.list_measurements(demo_patient.patient_id)
    html = _html(patient_client, "/uitslagen/metingen")
    for kind in {m.kind for m in measurements}:
        assert f"<h2>{escape(kind)}</h2>" in html
    assert 'href="/uitslagen/metingen/grafiek?soort=Gewicht&amp;patient_context=' in html
    graph = _html(patient_client, "/uitslagen/metingen/grafiek?soort=Gewicht")
    weights = [m for m in measurements if m.kind == "Gewicht" and m.numeric_value is not None]
    assert graph.count("<circle") == len(weights) >= 2
    assert 'role="img"' in graph and "<desc" in graph
    assert "79,0 kg" in graph and "80,5 kg" in graph  # the table beside the graph, in Dutch notation


def test_blood_pressure_graph_draws_systolic_and_diastolic_with_a_legend(patient_client, connector, demo_patient):
    now = datetime.now().replace(second=0, microsecond=0)
    for days, value in ((30, "150/95"), (20, "138/88"), (5, "126/81")):
        moment = now - timedelta(days=days)
        add_record(connector, demo_patient.patient_id, "measurement", {
            "kind": "Bloeddruk", "value": value, "numeric_value": None, "unit": "mmHg", "measured_at": moment},
            moment)
    pressures = [m for m in connector.list_measurements(demo_patient.patient_id) if m.kind == "Bloeddruk"]
    html = _html(patient_client, "/uitslagen/metingen")
    assert 'href="/uitslagen/metingen/grafiek?soort=Bloeddruk&amp;patient_context=' in html
    graph = _html(patient_client, "/uitslagen/metingen/grafiek?soort=Bloeddruk")
    assert not INLINE_SCRIPT.search(graph) and 'style="' not in graph
    svg = graph.split("<svg", 1)[1].split("</svg>")[0]
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 2 * len(pressures)
    assert ">Systolisch (bovendruk)</text>" in svg and ">Diastolisch (onderdruk)</text>" in svg
    assert 'stroke-dasharray="6 4"' in svg  # the second line differs in style, not in colour alone
    table = graph.split('<table class="chart-data">')[1].split("</table>")[0]
    assert "150/95 mmHg" in table and table.count("<tr>") == len(pressures) + 1


def test_microbiology_and_pathology_show_their_conclusions(patient_client, connector, demo_patient):
    micro = connector.list_microbiology(demo_patient.patient_id)
    pathology = connector.list_pathology(demo_patient.patient_id)
    assert micro and pathology
    html = _html(patient_client, "/uitslagen/microbiologie")
    assert all(str(escape(r.conclusion)) in html for r in micro)
    html = _html(patient_client, "/uitslagen/pathologie")
    assert all(str(escape(r.conclusion)) in html for r in pathology)


def test_recent_results_show_the_newest_of_each_kind(patient_client, connector, demo_patient):
    html = _html(patient_client, "/uitslagen/recent")
    newest = connector.list_imaging(demo_patient.patient_id)[0]
    assert f'href="/uitslagen/radiologie/{newest.id}?patient_context=' in html
    assert str(escape(connector.list_microbiology(demo_patient.patient_id)[0].conclusion)) in html


def test_cumulative_view_per_test_newest_first_coloured_and_paged(patient_client, connector, demo_patient):
    test = f"Cumulatieftest {uuid.uuid4().hex[:6]}"
    base = datetime.now().replace(second=0, microsecond=0) - timedelta(days=1)
    # Sampled a minute after each other, later than any demo value: the newest moments of the patient.
    values = (3.5, 5.0, 7.25)
    for minutes, value in enumerate(values):
        moment = base + timedelta(minutes=minutes)
        add_record(connector, demo_patient.patient_id, "lab", lab_payload(test, value, 4.0, 6.0, moment), moment)
    listing = _html(patient_client, "/uitslagen/lab")
    assert 'href="/uitslagen/lab?weergave=cumulatief"' in listing
    assert '<span aria-current="page">Lijst</span>' in listing
    html = _html(patient_client, "/uitslagen/lab?weergave=cumulatief")
    assert not INLINE_SCRIPT.search(html) and 'style="' not in html
    assert '<span aria-current="page">Cumulatief per bepaling</span>' in html and 'href="/uitslagen/lab"' in html
    assert '<th scope="rowgroup"' in html  # the group's name heads its rows and "Klinische chemie" in html
    row = re.search(rf'<tr data-test="{re.escape(test)}"><th scope="row">{re.escape(test)}</th>(.*?)</tr>', html, re.S)
    assert row, "the test has a row of its own"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    # Newest first: 7,25 (high), 5,0 (normal), 3,5 (low); then unit and reference range.
    assert [re.sub(r"<[^>]+>|\s+", " ", c).split()[0] if c else "" for c in cells[:3]] == ["7,25", "5,0", "3,5"]
    assert 'class="cell-high"' in row.group(1) and 'class="cell-low"' in row.group(1)
    assert "↑" in cells[0] and "hoog" in cells[0] and "↓" in cells[2] and "laag" in cells[2]
    assert "↑" not in cells[1] and "↓" not in cells[1]
    assert cells[-2] == "mmol/l" and cells[-1] == "4,0 – 6,0"
    moments = re.findall(r'<th scope="col" class="moment">(.*?)</th>', html)
    assert len(moments) <= 8 and base.strftime("%d-%m-%Y") in moments[0]
    # The demo patient has more moments than one page; the next page keeps the view.
    assert "weergave=cumulatief" in re.search(r'<a href="([^"]+)" rel="next"', html).group(1)
    older = _html(patient_client, "/uitslagen/lab?weergave=cumulatief&pagina=2")
    assert f'data-test="{test}"' not in older and '<th scope="col" class="moment">' in older


def test_microbiology_mic_in_dutch_notation(patient_client, connector, demo_patient):
    moment = datetime.now().replace(second=0, microsecond=0) - timedelta(days=2)
    organism = f"Escherichia coli {uuid.uuid4().hex[:6]}"
    add_record(connector, demo_patient.patient_id, "microbiology", {
        "test": "Urinekweek", "material": "Urine", "sampled_at": moment, "reported_at": moment,
        "conclusion": f"Groei van {organism}.", "organisms": [{"name": organism, "quantity": "10^5 kve/ml",
            "susceptibilities": [{"antibiotic": "Amoxicilline", "result": "S", "mic": "<=0.25"},
                                 {"antibiotic": "Ciprofloxacine", "result": "R", "mic": "4"}]}]}, moment)
    html = _html(patient_client, "/uitslagen/microbiologie")
    assert "<td>&lt;=0,25</td>" in html and "<td>4</td>" in html and "0.25" not in html
