"""The fhir connector's PACS images against a real PACS (Orthanc with DICOMweb) and a real
FHIR server: series and instances in order, rendered images that are real JPEG/PNG at full
size, only studies the EPD offers for this patient, only addresses on the tenant's list."""
from __future__ import annotations

import struct

import pytest

from portal.epd.errors import EpdBadData, EpdUnavailable, ItemNotFound
from portal_connectors.fhir import FhirConnector
from portal_connectors.fhir.testing import connector_settings
from support.pacs_case import DEVRIES, DEVRIES_CT, DEVRIES_MR, JANSEN, Answer, RecordingServer


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame segment."""
    at = 2
    while at < len(data):
        marker, length = data[at + 1], struct.unpack(">H", data[at + 2:at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        at += 2 + length
    raise AssertionError("no start-of-frame in the JPEG")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_series_and_instances_in_pacs_order(connector):
    series = connector.list_image_series(DEVRIES, "dr-devries-ct")
    assert [s.number for s in series] == [1, 2, 3], "by series number, though uploaded in reverse"
    assert [s.description for s in series] == ["Thorax", "Abdomen", ""]
    assert all(s.modality == "CT" for s in series)
    assert [len(s.images) for s in series] == [len(s.instance_uids) for s in DEVRIES_CT.series]
    assert [i.title for i in series[0].images] == ["Thorax, beeld 1", "Thorax, beeld 2", "Thorax, beeld 3"]
    assert series[2].images[0].title == "Serie 3, beeld 1"
    ids = [i.id for s in series for i in s.images]
    assert len(set(ids)) == len(ids)
    assert not any(uid in image_id for image_id in ids for uid in (DEVRIES_CT.uid, DEVRIES_CT.series[0].uid)), \
        "item ids, not DICOM UIDs"


def test_rendered_images_are_real_jpegs_at_full_size(connector):
    series = connector.list_image_series(DEVRIES, "dr-devries-ct")
    seen = set()
    for image in (series[0].images[0], series[0].images[2], series[1].images[1]):
        document = connector.get_image(DEVRIES, image.id)
        assert document.content_type == "image/jpeg" and document.data.startswith(b"\xff\xd8\xff")
        assert _jpeg_size(document.data) == (64, 48), "the image as stored, not a thumbnail"
        assert document.title == image.title
        seen.add(document.data)
    assert len(seen) == 3, "each id opens its own instance"


def test_png_when_the_tenant_asks_for_png(make_connector):
    connector = make_connector(rendered_type="image/png")
    first = connector.list_image_series(DEVRIES, "dr-devries-mr")[0].images[0]
    document = connector.get_image(DEVRIES, first.id)
    assert document.content_type == "image/png" and _png_size(document.data) == (64, 48)


def test_a_study_without_endpoint_is_read_from_the_first_configured_pacs(connector):
    [series] = connector.list_image_series(DEVRIES, "dr-devries-mr")
    assert series.description == "Knie sagittaal" and len(series.images) == len(DEVRIES_MR.series[0].instance_uids)


def test_the_list_says_which_reports_have_pacs_images(connector):
    reports = {r.id: r for r in connector.list_imaging(DEVRIES)}
    assert reports["dr-devries-ct"].study_images and reports["dr-devries-mr"].study_images
    assert "dr-devries-draft" not in reports and "dr-jansen-dx" not in reports


def test_a_study_of_another_patient_is_refused(connector):
    with pytest.raises(ItemNotFound):
        connector.list_image_series(DEVRIES, "dr-jansen-dx")
    own = connector.list_image_series(JANSEN, "dr-jansen-dx")[0].images[0]
    with pytest.raises(ItemNotFound):
        connector.get_image(DEVRIES, own.id)
    # pt-devries's report naming pt-jansen's study: the study is not pt-devries's, so nothing.
    assert connector.list_image_series(DEVRIES, "dr-devries-foreign") == ()
    with pytest.raises(ItemNotFound):
        connector.get_image(DEVRIES, "dr-devries-foreign_1_1_1")


def test_unapproved_reports_and_unknown_positions_are_refused(connector):
    with pytest.raises(ItemNotFound):
        connector.list_image_series(DEVRIES, "dr-devries-draft")
    for image_id in ("dr-devries-draft_1_1_1", "dr-devries-ct_2_1_1", "dr-devries-ct_1_4_1", "dr-devries-ct_1_1_4",
                     "dr-devries-ct_1_1_0", "../dr-devries-ct_1_1_1"):
        with pytest.raises(ItemNotFound):
            connector.get_image(DEVRIES, image_id)


def test_an_endpoint_outside_the_allow_list_is_refused_unasked(world, connector):
    before = len(world.outside.requests)
    with pytest.raises(EpdBadData):
        connector.list_image_series(DEVRIES, "dr-devries-outside")
    with pytest.raises(EpdBadData):
        connector.get_image(DEVRIES, "dr-devries-outside_1_1_1")
    assert len(world.outside.requests) == before, "the portal never asked the address outside the list"


def test_a_pacs_answering_garbage_is_bad_data(world, tmp_path):
    garbage = RecordingServer(Answer(200, "text/html", b"<html>storing</html>"))
    try:
        settings = connector_settings(world.fhir, pacs={"base_urls": [garbage.url + "/dicom-web"]})
        connector = FhirConnector(settings, tmp_path)
        try:
            with pytest.raises(EpdBadData):
                connector.list_image_series(DEVRIES, "dr-devries-mr")
            with pytest.raises(EpdBadData):
                connector.get_image(DEVRIES, "dr-devries-mr_1_1_1")
            garbage.answer = Answer(200, "application/dicom+json", b"[]")
            assert connector.list_image_series(DEVRIES, "dr-devries-mr") == ()
        finally:
            connector.close()
    finally:
        garbage.close()
    assert garbage.requests and all(p.startswith("/dicom-web/studies/2.25.") for p, _ in garbage.requests)


def test_a_bearer_token_from_the_environment_is_sent(world, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_PACS_TOKEN", "token-uit-de-omgeving")
    pacs = RecordingServer(Answer(200, "application/dicom+json", b"[]"))
    try:
        bearer = {"method": "bearer", "token_env": "PORTAL_TEST_PACS_TOKEN"}
        settings = connector_settings(world.fhir, pacs={"base_urls": [pacs.url], "auth": bearer})
        connector = FhirConnector(settings, tmp_path)
        try:
            connector.list_image_series(DEVRIES, "dr-devries-mr")
        finally:
            connector.close()
    finally:
        pacs.close()
    [(path, headers)] = pacs.requests
    assert headers.get("Authorization") == "Bearer token-uit-de-omgeving"
    assert path.startswith("/studies/2.25.1000002/series?")


def test_wrong_credentials_make_the_pacs_unavailable(make_connector, monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_PACS_WRONG", "niet-het-wachtwoord")
    connector = make_connector(auth={"method": "basic", "username": "portal", "password_env": "PORTAL_TEST_PACS_WRONG"})
    with pytest.raises(EpdUnavailable):
        connector.list_image_series(DEVRIES, "dr-devries-ct")


def test_orthanc_stopped_means_unavailable(world, connector):
    image = connector.list_image_series(DEVRIES, "dr-devries-ct")[0].images[0]
    world.orthanc.pause()
    try:
        with pytest.raises(EpdUnavailable):
            connector.list_image_series(DEVRIES, "dr-devries-ct")
        with pytest.raises(EpdUnavailable):
            connector.get_image(DEVRIES, image.id)
        # The report itself comes from the EPD and is still there.
        assert any(r.id == "dr-devries-ct" for r in connector.list_imaging(DEVRIES))
    finally:
        world.orthanc.resume()
    assert connector.get_image(DEVRIES, image.id).data.startswith(b"\xff\xd8")
