"""The canonical serialisation and hash of an audit record (format version 1).

A record's hash is ``sha256(canonical_bytes(fields)).hexdigest()`` where the canonical
bytes are the UTF-8 encoding of a JSON object with exactly the keys of ``HASHED_FIELDS``
plus ``"v": 1``, keys sorted, no whitespace (separators ``,`` and ``:``), non-ASCII
characters written as themselves (``ensure_ascii=False``), ``None`` as ``null``:

- ``tenant_id``, ``seq`` (integer), ``prev_hash`` (64 lowercase hex; 64 zeros for seq 1);
- ``occurred_at``: UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always 6 fraction digits);
- ``details``: a string, the stored canonical JSON text of the details object (string
  pairs, in this same canonical form, ``{}`` when empty);
- every other field: a string or ``null``.

Anybody can re-check a chain with this paragraph and a SHA-256 tool; ``verify`` does.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timezone

FORMAT_VERSION = 1
GENESIS_HASH = "0" * 64

HASHED_FIELDS = (
    "tenant_id", "seq", "prev_hash", "occurred_at", "action", "outcome", "system",
    "user_uzi", "user_name", "user_role", "user_agb", "user_organisation", "responsible_uzi",
    "network_address", "patient_bsn", "patient_number", "data", "grounds", "details",
)

_encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_time(value: datetime) -> str:
    """UTC with microseconds; a naive datetime is taken to be UTC already (SQLite
    hands stored values back without a zone)."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def canonical_details(details: dict[str, str]) -> str:
    """The stored form of ``details``: canonical JSON of string pairs."""
    return _encoder.encode(details)


def canonical_bytes(fields: dict) -> bytes:
    """The bytes that are hashed. ``fields`` holds every key of ``HASHED_FIELDS`` with
    ``occurred_at`` as a datetime and ``details`` as its stored JSON text."""
    document = {name: fields[name] for name in HASHED_FIELDS}
    document["occurred_at"] = canonical_time(fields["occurred_at"])
    document["v"] = FORMAT_VERSION
    return _encoder.encode(document).encode("utf-8")


def record_hash(fields: dict) -> str:
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


#: The fields only known while holding the chain head, in canonical (sorted) order.
CHAIN_FIELDS = ("occurred_at", "prev_hash", "seq")


def canonical_parts(fields: dict) -> list[str]:
    """The canonical text of a record whose ``CHAIN_FIELDS`` are not known yet, as the four
    pieces around them: ``parts[0] + occurred_at + parts[1] + prev_hash + parts[2] + seq +
    parts[3]`` (``occurred_at`` as ``canonical_time`` writes it, ``seq`` as decimal digits)
    is exactly the text ``canonical_bytes`` encodes. Lets PostgreSQL finish the hash while
    it holds the head (``portal.audit.writer``)."""
    marker = secrets.token_hex(16)  # letters and digits only: JSON leaves them as they are
    document = {name: fields[name] for name in HASHED_FIELDS if name not in CHAIN_FIELDS}
    document.update({name: f"{marker}{name}" for name in CHAIN_FIELDS})
    document["v"] = FORMAT_VERSION
    text = _encoder.encode(document)
    text = text.replace(f'"{marker}seq"', f"{marker}seq")  # a number: no quotes
    parts = []
    for name in CHAIN_FIELDS:
        before, found, text = text.partition(f"{marker}{name}")
        if not found:
            raise ValueError(f"canonical_parts: {name} not where the canonical order puts it")
        parts.append(before)
    return [*parts, text]
