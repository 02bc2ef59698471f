"""Errors a connector may raise. Views catch ``EpdError`` and show a Dutch message.

Two classes of failure, told apart on screen and in the audit log: ``EpdUnavailable`` (and
``EpdTimeout``) mean the EPD could not be asked now, so "probeer het later opnieuw" is true;
``EpdBadData`` (and ``ItemUnusable``) mean the EPD answered with data that can never be shown,
so asking again will not help and the screen must not suggest it.

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


class ItemUnusable(EpdBadData):
    """One item (a letter, an image) exists and is the patient's, but can never be shown: a
    content type no browser shows (DICOM), content at an address outside the EPD, data that
    does not decode. The message names the cause, never the content or its address."""


class OrderRejected(EpdError):
    """The EPD refused a write (order or death notification); the message says why, in English."""
