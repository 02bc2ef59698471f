"""What a connector package gives the contract suite (tests/contract/).

Each connector registers, besides its class under ``portal.connectors``, a factory under
the entry-point group ``portal.connector_tests`` with the same name::

    [options.entry_points]
    portal.connector_tests =
        demo = portal_connectors.demo.testing:contract_fixture

The factory is a context manager function ``contract_fixture(tmp_path) -> ContractFixture``
(use ``contextlib.contextmanager``): it sets up the connector with data it knows (a small
generated database, a FHIR server loaded with test resources, ...), yields the fixture and
cleans up afterwards. It may ``pytest.skip`` only when a system tool it needs is missing,
saying which. A registered connector without a factory fails the suite.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .contract import PATIENT_LIST_METHODS, EpdConnector
from .models import Sex


@dataclass(frozen=True)
class KnownPatient:
    """A patient the connector is known to hold, with the values the suite searches by."""

    patient_id: str
    patient_number: str
    bsn: str
    birth_name: str
    birth_date: date
    sex: Sex
    postcode: str
    house_number: int
    consent: bool
    partner_name: str | None = None
    #: AGB codes of open relations the summary must carry (subset check).
    relation_agb_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ContractFixture:
    """A ready connector plus what the suite may expect of it."""

    connector: EpdConnector
    #: A patient with consent, a partner name and an accented or prefixed name if possible.
    patient: KnownPatient
    #: A patient without consent.
    patient_without_consent: KnownPatient
    #: A patient id the connector does not know.
    unknown_patient_id: str
    #: A patient with data of every kind in ``PATIENT_LIST_METHODS`` (except ``missing_kinds``)
    #: and with unapproved (draft) items of several kinds.
    rich_patient_id: str
    #: Text present only in unapproved items (drafts): it must never appear in any returned
    #: model, of any patient.
    draft_markers: tuple[str, ...]
    #: Per-patient list methods for which the rich patient has no data in this connector.
    missing_kinds: frozenset[str] = frozenset()
    #: Whether submit_order / submit_death_notification / list_orders are supported.
    supports_writes: bool = True
    #: Extra patient ids whose data the draft check also walks.
    other_patient_ids: tuple[str, ...] = field(default_factory=tuple)
    #: AGB codes whose patients had, in the last 14 days, a discharge with its discharge
    #: letter and new letters and imaging reports ("Mijn patiënten in het ziekenhuis").
    worklist_agb_codes: frozenset[str] = frozenset()

    def expected_kinds(self) -> tuple[str, ...]:
        return tuple(m for m in PATIENT_LIST_METHODS if m not in self.missing_kinds)
