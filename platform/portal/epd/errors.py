"""Errors a connector may raise. Views catch ``EpdError`` and show a Dutch message.

Messages never contain patient data (no BSN, patient number, name or clinical content):
they end up in ordinary logs. Name the kind of data and the technical cause instead.
"""
from __future__ import annotations


class EpdError(Exception):
    """Base class of every error a connector raises on purpose."""


class PatientNotFound(EpdError):
    """The ``patient_id`` is unknown to the EPD (or no longer exists)."""


class ItemNotFound(EpdError):
    """A letter, image or order id is unknown, not approved, or belongs to another patient.

    Connectors must raise this (never return the item) when the item exists but belongs to a
    different patient than the ``patient_id`` asked for.
    """


class EpdUnavailable(EpdError):
    """The EPD cannot be reached, refused the connection or answered with a server error."""


class EpdTimeout(EpdUnavailable):
    """The EPD did not answer within the connector's timeout."""


class EpdBadData(EpdError):
    """The EPD answered something the connector cannot turn into view models.

    The message says what was wrong ("lab result without a value", "invalid date in
    admission"), never the patient data itself.
    """


class OrderRejected(EpdError):
    """The EPD refused a write (order or death notification); the message says why, in English."""
