"""Paging, document responses, the order form and EPD failures inside one section."""
from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from portal.core import sections
from portal.core.documents import document_response
from portal.core.paging import paginate
from portal.epd.errors import EpdUnavailable, ItemNotFound
from portal.epd.models import Document, OrderableTest
from portal.orders.forms import parse


def test_paginate_slices_and_clamps():
    items = list(range(60))
    page = paginate(items, 2, 25)
    assert (list(page.items), page.page, page.pages, page.total) == (list(range(25, 50)), 2, 3, 60)
    assert paginate(items, 99, 25).page == 3 and paginate(items, -1, 25).page == 1
    empty = paginate([], 1)
    assert (empty.pages, empty.total, list(empty.items), empty.has_next) == (1, 0, [], False)
    with pytest.raises(ValueError):
        paginate(items, 1, 0)


@pytest.mark.parametrize(("content_type", "sent", "disposition"), [
    ("application/pdf", "application/pdf", "inline"),
    ("text/plain; charset=utf-8", "text/plain; charset=utf-8", "inline"),
    ("text/plain", "text/plain; charset=utf-8", "inline"),
    ("image/png", "image/png", "inline"),
    ("text/html", "application/octet-stream", "attachment"),
    ("image/svg+xml", "application/octet-stream", "attachment"),
])
def test_documents_go_out_safely(platform, content_type, sent, disposition):
    with platform.apps["zgt"].test_request_context():
        response = document_response(Document(content_type=content_type, data=b"x", title='Brief "test"/..\\x'))
    assert response.headers["Content-Type"] == sent
    assert response.headers["Content-Disposition"].startswith(disposition + '; filename="Brief test..x')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


CATALOGUE = (OrderableTest("LAB-BB", "Bloedbeeld", "Laboratorium"),
             OrderableTest("RAD-THORAX", "X-thorax", "Radiologie"))
TODAY = date(2025, 6, 1)


def test_a_complete_order_form_is_valid():
    form = parse(MultiDict([("test", "LAB-BB"), ("test", "LAB-BB"), ("test", "RAD-THORAX"),
                            ("clinical_question", " Anemie? "),
                            ("urgent", "yes"), ("requested_date", "02-06-2025"), ("note", "")]), CATALOGUE, TODAY)
    assert form.valid, form.errors
    assert (form.test_codes, form.clinical_question, form.urgent, form.requested_date) == (
        ("LAB-BB", "RAD-THORAX"), "Anemie?", True, date(2025, 6, 2))


@pytest.mark.parametrize(("fields", "field", "message"), [
    ([("clinical_question", "x")], "test", "Kies ten minste één onderzoek."),
    ([("test", "LAB-XX"), ("clinical_question", "x")], "test", "Kies alleen onderzoeken uit de lijst."),
    ([("test", "LAB-BB")], "clinical_question", "Vul de vraagstelling in."),
    ([("test", "LAB-BB"), ("clinical_question", "x" * 2001)],
     "clinical_question", "De vraagstelling is te lang (maximaal 2000 tekens)."),
    ([("test", "LAB-BB"), ("clinical_question", "x"), ("requested_date", "31-05-2025")],
     "requested_date", "De gewenste datum ligt in het verleden."),
    ([("test", "LAB-BB"), ("clinical_question", "x"), ("requested_date", "morgen")],
     "requested_date", "Vul de gewenste datum in als dd-mm-jjjj."),
    ([("test", "LAB-BB"), ("clinical_question", "x"), ("requested_date", "2027-01-01")],
     "requested_date", "De gewenste datum ligt meer dan een jaar vooruit."),
])
def test_order_form_errors_are_dutch(fields, field, message):
    form = parse(MultiDict(fields), CATALOGUE, TODAY)
    assert not form.valid and form.errors[field] == message


def test_an_epd_failure_empties_only_its_section(caplog):
    epd = object()  # what read() is given: the connector

    def failing(connector):
        assert connector is epd
        raise EpdUnavailable("demo EPD: database error (OperationalError)")

    section = sections.load(failing, "list_allergies", epd)
    assert section.unavailable and section.items == ()
    assert "list_allergies" in caplog.text and "EpdUnavailable" in caplog.text
    assert sections.load(lambda _: [1, 2], "list_x", epd) == sections.Section((1, 2))
    with pytest.raises(ItemNotFound):
        sections.load(lambda _: (_ for _ in ()).throw(ItemNotFound("x")), "get_letter", epd)
