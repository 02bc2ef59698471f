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
    """The SHA-256 of ``canonical_bytes(fields)``, lowercase hex."""
    return hashlib.sha256(canonical_text(fields).encode("utf-8")).hexdigest()


#: The fields only known while holding the chain head, in canonical (sorted) order.
CHAIN_FIELDS = ("occurred_at", "prev_hash", "seq")

# The fast path. Every append and every record verify serialises one record; building a
# dict and letting the JSON encoder sort and walk it cost more than the hash. The key order
# is fixed (sorted HASHED_FIELDS plus "v"), so the text is the keys' fixed prefixes joined
# with each value encoded on its own: a string by the same C routine the encoder uses
# (ensure_ascii=False), None as null, an int as its digits, anything else by the encoder.
# ``canonical_bytes`` above stays the definition; tests hold the two equal.
_SORTED_KEYS = tuple(sorted((*HASHED_FIELDS, "v")))
_encode_string = json.encoder.encode_basestring


def _value(value) -> str:
    kind = type(value)
    if kind is str:
        return _encode_string(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    return _encoder.encode(value)


def _segments(names: tuple[str, ...], first: bool) -> list[tuple[str, str]]:
    return [(("" if first and n == 0 else ",") + f'"{name}":', name) for n, name in enumerate(names)]


def _split_keys() -> list[list[tuple[str, str]]]:
    """The sorted keys in four runs around the chain fields (which come one in each gap)."""
    runs: list[list[str]] = [[]]
    for name in _SORTED_KEYS:
        if name in CHAIN_FIELDS:
            runs.append([])
        else:
            runs[-1].append(name)
    return [_segments(tuple(run), n == 0) for n, run in enumerate(runs)]


_RUNS = _split_keys()
_ALL = _segments(_SORTED_KEYS, True)


def _run_text(run: list[tuple[str, str]], fields: dict) -> str:
    return "".join([prefix + ("1" if name == "v" else _value(fields[name])) for prefix, name in run])


def canonical_text(fields: dict) -> str:
    """``canonical_bytes(fields)`` as text, built without the JSON encoder's dict walk."""
    return "{" + "".join([prefix + ('"' + canonical_time(fields[name]) + '"' if name == "occurred_at" else
                                    "1" if name == "v" else _value(fields[name]))
                          for prefix, name in _ALL]) + "}"


def canonical_parts(fields: dict) -> list[str]:
    """The canonical text of a record whose ``CHAIN_FIELDS`` are not known yet, as the four
    pieces around them: ``parts[0] + occurred_at + parts[1] + prev_hash + parts[2] + seq +
    parts[3]`` (``occurred_at`` as ``canonical_time`` writes it, ``prev_hash`` as its 64 hex
    digits, ``seq`` as decimal digits) is exactly the text ``canonical_bytes`` encodes. Lets
    PostgreSQL finish the hash while it holds the head (``portal.audit.writer``)."""
    r0, r1, r2, r3 = _RUNS
    return ["{" + _run_text(r0, fields) + ',"occurred_at":"',
            '"' + _run_text(r1, fields) + ',"prev_hash":"',
            '"' + _run_text(r2, fields) + ',"seq":',
            _run_text(r3, fields) + "}"]
