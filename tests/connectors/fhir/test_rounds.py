"""A page's FHIR requests overlap: each screen below costs one round trip, not a chain.

No clock is read. Every request of the page waits at a barrier sized to the number of
requests the page makes: the barrier opens only when all of them are in flight together,
so a request issued after another one's answer (a second round) would leave the first ones
waiting and break the barrier.
"""
from __future__ import annotations

import threading

import pytest

from portal.epd.models import SearchCriteria
from portal_connectors.fhir import FhirConnector
from portal_connectors.fhir.testing import connector_settings

ONE_ROUND = {
    "Patiëntinformatie": lambda c: c.get_patient("pt-jansen"),
    "patient summary (access check)": lambda c: c.get_patient_summary("pt-jansen"),
    "Labuitslagen": lambda c: c.list_lab_results("pt-jansen", include_gp_orders=True),
    "Medicatie": lambda c: c.list_medication("pt-jansen"),
    "Radiologie": lambda c: c.list_imaging("pt-jansen"),
    "Operatieoverzicht": lambda c: c.list_operations("pt-jansen"),
}


@pytest.fixture(scope="module")
def connector(fhir_server, tmp_path_factory):
    made = FhirConnector(connector_settings(fhir_server, parallel_calls=16), tmp_path_factory.mktemp("fhir"))
    yield made
    made.close()


def _requests_of(connector, page) -> list[str]:
    """The requests ``page`` sends, in order (resource type and query)."""
    sent: list[str] = []
    send = connector.client._send

    def recording(method, url, what, **kwargs):
        sent.append(f"{method} {url} {kwargs.get('params')}")
        return send(method, url, what, **kwargs)

    connector.client._send = recording
    try:
        page(connector)
    finally:
        del connector.client._send
    return sent


def _all_at_once(connector, page, count: int, first_alone: bool = False) -> None:
    """Run ``page`` with each of its ``count`` requests held until all are in flight (all but
    the first when ``first_alone``: a search whose answer the others need)."""
    together = threading.Barrier(count - first_alone, timeout=15)
    send = connector.client._send
    started = iter(range(count + 1))

    def held(*args, **kwargs):
        if not (first_alone and next(started) == 0):
            together.wait()  # BrokenBarrierError here: a request waited for another's answer
        return send(*args, **kwargs)

    connector.client._send = held
    try:
        page(connector)
    finally:
        del connector.client._send


@pytest.mark.parametrize("name", list(ONE_ROUND))
def test_page_requests_are_one_round(connector, name):
    page = ONE_ROUND[name]
    sent = _requests_of(connector, page)
    # Referenced resources come by _include, not by a later "_id" search.
    assert not any("('_id'," in r and "_include" not in r for r in sent), sent
    _all_at_once(connector, page, len(sent))


def test_search_is_two_rounds_whatever_it_finds(connector):
    """The Patient search first, then the summaries' searches of the patients found, at once."""
    search = lambda c: c.search_patients(SearchCriteria.by_bsn("999999096"))  # noqa: E731
    sent = _requests_of(connector, search)
    assert sent[0].startswith("GET Patient ") and len(sent) > 2
    assert not any("('_id'," in r for r in sent[1:]), sent
    _all_at_once(connector, search, len(sent), first_alone=True)
