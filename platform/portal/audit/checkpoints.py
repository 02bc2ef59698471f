"""Signed checkpoints of the audit chains, kept where the portal's database user cannot
change them.

The hash chain shows any change to a record *unless* the whole chain after it is rewritten,
which someone holding the database could do. A checkpoint fixes a chain's position
(tenant, seq, record hash) outside the database: a line in an append-only file (on Linux
``chattr +a``, or a file on a log host), signed with an Ed25519 key the database never sees.
``portal audit verify`` checks every checkpoint's signature and that the chain still holds
the latest one: a rewritten or truncated chain no longer matches.

Written automatically: after every ``every``-th record of a tenant's chain (the writer
calls ``after_append``), and by ``portal audit checkpoint`` (e.g. hourly from cron, so a
quiet chain is anchored too).

Settings (environment): ``PORTAL_AUDIT_CHECKPOINTS`` (the file), ``PORTAL_AUDIT_SIGNING_KEY``
(the private key, base64 of its 32 bytes; ``portal audit keygen`` makes one) on the portal's
nodes, ``PORTAL_AUDIT_VERIFY_KEY`` (the public key) wherever only ``verify`` runs.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

log = logging.getLogger(__name__)

#: A checkpoint after every this many records of a chain (and by ``portal audit checkpoint``).
DEFAULT_EVERY = 100


class CheckpointError(Exception):
    """A checkpoint setting is wrong, or the checkpoint file cannot be trusted (English)."""


@dataclass(frozen=True)
class Checkpoint:
    tenant_id: str
    seq: int
    record_hash: str
    at: str  # ISO 8601 UTC

    def message(self) -> bytes:
        """What is signed: every field, unambiguously separated."""
        return f"portal-audit-checkpoint|{self.tenant_id}|{self.seq}|{self.record_hash}|{self.at}".encode()


def _raw_key(value: str, name: str) -> bytes:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise CheckpointError(f"{name} must be the base64 of a 32-byte Ed25519 key ('portal audit keygen' makes one)")
    return raw


def new_key_pair() -> tuple[str, str]:
    """A new (signing key, verify key), each as base64 of its 32 raw bytes."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(private).decode(), base64.b64encode(public).decode()


class Checkpoints:
    """The checkpoint file of a deployment, with the key to sign (portal nodes) and/or to
    verify (anyone holding the public key)."""

    def __init__(self, path: Path, signing_key: str | None = None, verify_key: str | None = None,
                 every: int = DEFAULT_EVERY):
        self.path = Path(path)
        self.every = every
        self._signer = (Ed25519PrivateKey.from_private_bytes(_raw_key(signing_key, "PORTAL_AUDIT_SIGNING_KEY"))
                        if signing_key else None)
        if verify_key:
            self._verifier = Ed25519PublicKey.from_public_bytes(_raw_key(verify_key, "PORTAL_AUDIT_VERIFY_KEY"))
        elif self._signer is not None:
            self._verifier = self._signer.public_key()
        else:
            raise CheckpointError("PORTAL_AUDIT_CHECKPOINTS needs PORTAL_AUDIT_SIGNING_KEY or PORTAL_AUDIT_VERIFY_KEY")

    @classmethod
    def from_env(cls) -> "Checkpoints | None":
        """From the environment; None when ``PORTAL_AUDIT_CHECKPOINTS`` is not set."""
        path = os.environ.get("PORTAL_AUDIT_CHECKPOINTS", "").strip()
        if not path:
            return None
        every = os.environ.get("PORTAL_AUDIT_CHECKPOINT_EVERY", str(DEFAULT_EVERY)).strip()
        if not every.isdigit() or int(every) < 1:
            raise CheckpointError(f"PORTAL_AUDIT_CHECKPOINT_EVERY must be a positive number, not {every!r}")
        return cls(Path(path), os.environ.get("PORTAL_AUDIT_SIGNING_KEY") or None,
                   os.environ.get("PORTAL_AUDIT_VERIFY_KEY") or None, int(every))

    @property
    def can_sign(self) -> bool:
        return self._signer is not None

    def write(self, tenant_id: str, seq: int, record_hash: str) -> Checkpoint:
        """Append a signed checkpoint of (tenant, seq, hash): one ``write`` of one line to a
        file opened for appending, so lines of several processes never interleave."""
        if self._signer is None:
            raise CheckpointError("no PORTAL_AUDIT_SIGNING_KEY: this machine can only verify checkpoints")
        at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        checkpoint = Checkpoint(tenant_id, seq, record_hash, at)
        signature = base64.b64encode(self._signer.sign(checkpoint.message())).decode()
        line = json.dumps({"tenant": tenant_id, "seq": seq, "hash": record_hash, "at": at, "sig": signature},
                          separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return checkpoint

    def after_append(self, tenant_id: str, seq: int, record_hash: str) -> None:
        """Called by the writer after each record: a checkpoint at every ``every``-th. A
        checkpoint that cannot be written is logged loudly; the record itself stands."""
        if seq % self.every or self._signer is None:
            return
        try:
            self.write(tenant_id, seq, record_hash)
        except (OSError, CheckpointError) as exc:
            log.error("audit checkpoint of tenant %s at %d not written: %s", tenant_id, seq, exc)

    def read(self, tenant_id: str) -> list[Checkpoint]:
        """Every checkpoint of ``tenant_id``, in file order. Raises ``CheckpointError`` on a
        line that is not a checkpoint or whose signature does not verify: a file with a
        forged or altered line cannot be trusted at all."""
        if not self.path.exists():
            return []
        found = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                checkpoint = Checkpoint(str(data["tenant"]), int(data["seq"]), str(data["hash"]), str(data["at"]))
                self._verifier.verify(base64.b64decode(data["sig"], validate=True), checkpoint.message())
            except InvalidSignature:
                raise CheckpointError(
                    f"{self.path}:{number}: the signature does not match (altered or forged)") from None
            except (ValueError, KeyError, TypeError, binascii.Error):
                raise CheckpointError(f"{self.path}:{number}: not a checkpoint line") from None
            if checkpoint.tenant_id == tenant_id:
                found.append(checkpoint)
        return found
