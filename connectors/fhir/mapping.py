"""``map_each``: the one way the connector turns the resources of an answer into view models.

A hospital's FHIR server holds data the connector never saw in testing: one resource
without what its screen needs must not blank the whole list (a GP would see "niet
beschikbaar" for every admitted patient because of one odd Encounter of someone else). So
each resource is mapped on its own; one that cannot be mapped is left out and logged with
its type and id and the reason (an English sentence naming the element, never a value);
only when resources came, some failed and none could be shown does the list fail, with
``EpdBadData``, because an empty list would then claim the patient has no such data.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from portal.epd.errors import EpdBadData, EpdError

from .patients import Unmappable

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

#: Resource types whose id is a key to a person: logged by type only (ordinary logs carry
#: no patient identifiers, and a Patient's id is the connector's patient key).
_ID_NOT_LOGGED = frozenset({"Patient", "RelatedPerson", "Person"})


def resource_label(resource: object) -> str:
    """"Type/id" of a resource for a log line, never its content ("Patient" alone)."""
    if not isinstance(resource, dict):
        return "a malformed resource"
    kind = resource.get("resourceType")
    kind = kind if isinstance(kind, str) and kind.isalpha() else "resource"
    rid = resource.get("id")
    if kind in _ID_NOT_LOGGED or not isinstance(rid, str) or not rid.replace("-", "").replace(".", "").isalnum():
        return kind
    return f"{kind}/{rid[:64]}"


def map_each(resources: Iterable[R], mapper: Callable[[R], T | None], kind: str,
             resource_of: Callable[[R], object] | None = None) -> list[T]:
    """Map every item with ``mapper``; a ``None`` answer means "not for this screen" (a draft,
    another kind) and is skipped silently. An item whose mapping raises is left out and
    logged (``kind``, type/id of ``resource_of(item)`` — the item itself by default — and
    the reason). Raises ``EpdBadData`` only when at least one item failed and none mapped.

    ``EpdError`` from a mapper (a connector call inside it) is not bad data of one item and
    propagates unchanged.
    """
    mapped: list[T] = []
    failed = 0
    for item in resources:
        try:
            model = mapper(item)
        except EpdError:
            raise
        except Exception as exc:  # noqa: BLE001 - any defect of one resource must stay local to it
            failed += 1
            # Only Unmappable messages are written to be logged; other exceptions may quote values.
            reason = str(exc) if isinstance(exc, Unmappable) else f"mapping failed ({type(exc).__name__})"
            label = resource_label(resource_of(item) if resource_of else item)
            log.warning("FHIR %s left out, %s: %s", kind, label, reason)
            continue
        if model is not None:
            mapped.append(model)
    if failed and not mapped:
        raise EpdBadData(f"no {kind} the FHIR server returned could be used ({failed} unusable)")
    return mapped
