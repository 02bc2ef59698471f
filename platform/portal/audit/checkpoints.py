"""Signed checkpoints of the audit chains, kept where the portal's database user cannot
change them.

The hash chain shows any change to a record *unless* the whole chain after it is rewritten,
which someone holding the database could do. A checkpoint fixes a chain's position
(tenant, seq, record hash) outside the database: a line in an append-only file (on Linux
``chattr +a``, or a file on a log host), signed with an Ed25519 key the database never sees.
``portal audit verify`` checks the checkpoints' signatures and that the chain still holds
them: a rewritten or truncated chain no longer matches.

Three kinds, named in the signed message (``Checkpoint.kind``):

- ``writer``: written after every ``every``-th record of a tenant's chain (the writer calls
  ``after_append``). It vouches only for the position: this record had this hash when it was
  appended. Lines written before kinds existed (no ``"v"`` in the line) are writer checkpoints,
  signed over the version 1 message, and stay readable.
- ``verified``: written by ``portal audit verify`` / ``checkpoint`` after it found records 1..seq
  intact (together with the verified checkpoint it started from). A routine verify starts at
  the newest one and checks only what came after it.
- ``archive``: written by ``portal audit archive`` before it removes records 1..seq from the
  database: they were intact and are in an archive file. The chain in the database starts after it.

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


#: The kinds of checkpoint, as named in the signed message (see the module docstring).
WRITER, VERIFIED, ARCHIVE = "writer", "verified", "archive"
KINDS = (WRITER, VERIFIED, ARCHIVE)
#: Checkpoints that vouch that every record up to theirs was intact: a routine verify starts there.
VOUCHING_KINDS = (VERIFIED, ARCHIVE)


@dataclass(frozen=True)
class Checkpoint:
    tenant_id: str
    seq: int
    record_hash: str
    at: str  # ISO 8601 UTC
    kind: str = WRITER
    #: 1: a line from before kinds existed (always a writer checkpoint); 2: kind is signed.
    version: int = 2

    def message(self) -> bytes:
        """What is signed: every field, unambiguously separated. Version 2 names the kind, so
        a writer checkpoint can never be passed off as a verified one (nor the other way)."""
        if self.version == 1:
            return f"portal-audit-checkpoint|{self.tenant_id}|{self.seq}|{self.record_hash}|{self.at}".encode()
        return (f"portal-audit-checkpoint/2|{self.kind}|{self.tenant_id}|{self.seq}|{self.record_hash}|"
                f"{self.at}").encode()

    @property
    def vouches(self) -> bool:
        """True when a verify or archive run vouched that records 1..seq were intact."""
        return self.kind in VOUCHING_KINDS


@dataclass(frozen=True)
class _Line:
    """A parsed, not yet verified line: the checkpoint, its signature and where it stood."""

    checkpoint: Checkpoint
    signature: bytes
    number: int  # its position in the file: a line number, or a byte offset (``where`` says which)
    where: str = ""


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

    def write(self, tenant_id: str, seq: int, record_hash: str, kind: str = WRITER) -> Checkpoint:
        """Append a signed checkpoint of (tenant, seq, hash): one ``write`` of one line to a
        file opened for appending, so lines of several processes never interleave. Raises
        ``OSError`` when the line cannot be written (and synced: an archive relies on it)."""
        if self._signer is None:
            raise CheckpointError("no PORTAL_AUDIT_SIGNING_KEY: this machine can only verify checkpoints")
        if kind not in KINDS:
            raise ValueError(f"unknown checkpoint kind {kind!r}")
        at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        checkpoint = Checkpoint(tenant_id, seq, record_hash, at, kind)
        signature = base64.b64encode(self._signer.sign(checkpoint.message())).decode()
        line = json.dumps({"v": 2, "kind": kind, "tenant": tenant_id, "seq": seq, "hash": record_hash, "at": at,
                           "sig": signature}, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            if os.write(fd, line.encode()) != len(line.encode()):
                raise OSError(f"short write to {self.path}")
            if kind != WRITER:  # rare, and a verify or an archive builds on it: make it durable
                os.fsync(fd)
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
        """Every checkpoint of ``tenant_id``, in file order, after checking the signature of
        every line of the file (every tenant's). Raises ``CheckpointError`` on a line that is
        not a checkpoint or whose signature does not verify: a file with a forged or altered
        line cannot be trusted at all."""
        lines = self._parse(None)
        for line in lines:
            self._check(line)
        return [line.checkpoint for line in lines if line.checkpoint.tenant_id == tenant_id]

    def read_since_vouched(self, tenant_id: str) -> tuple[Checkpoint | None, list[Checkpoint]]:
        """For a routine verify: the tenant's newest vouching (verified or archive) checkpoint
        and the tenant's checkpoints it has not vouched for yet (a higher seq, or written
        after it), each with its signature checked. Earlier lines were checked by the run that
        wrote that checkpoint, so they are parsed but not re-checked; ``read`` checks them all.
        Raises ``CheckpointError`` like ``read`` for any line it parses or checks."""
        lines = self._parse_tail(tenant_id)
        vouching = [line for line in lines if line.checkpoint.vouches]
        start = max(vouching, key=lambda line: (line.checkpoint.seq, line.number), default=None)
        if start is not None:
            self._check(start)
        later = [line for line in lines if start is None or line.number > start.number
                 or line.checkpoint.seq > start.checkpoint.seq]
        for line in later:
            self._check(line)
        return (start.checkpoint if start else None), [line.checkpoint for line in later]

    def _parse_tail(self, tenant_id: str, block: int = 1 << 16) -> list[_Line]:
        """The tenant's lines from its newest *verified* checkpoint on (the whole file when
        there is none), read backwards from the end: a routine verify parses the lines since
        the last run, not the 500 lines per 50,000 records the file grew by over the years.
        An archive checkpoint written after that verified one is among them."""
        if not self.path.exists():
            return []
        marker = f'"tenant":{json.dumps(tenant_id)}'.encode()
        found: list[_Line] = []
        with self.path.open("rb") as file:
            end = file.seek(0, os.SEEK_END)
            rest = b""
            while end > 0:
                start = max(0, end - block)
                file.seek(start)
                chunk = file.read(end - start) + rest
                lines = chunk.split(b"\n")
                rest = lines.pop(0) if start > 0 else b""  # maybe cut: completed by the next block
                offset = start + len(rest) + (1 if start > 0 else 0)
                parsed = []
                for raw in lines:
                    if marker in raw and raw.strip():
                        parsed.append(self._line(raw.decode("utf-8"), offset, f"byte {offset}"))
                    offset += len(raw) + 1
                found[:0] = [line for line in parsed if line.checkpoint.tenant_id == tenant_id]
                if any(line.checkpoint.kind == VERIFIED for line in parsed):
                    newest = max(n for n, line in enumerate(found) if line.checkpoint.kind == VERIFIED)
                    return found[newest:]
                end = start
        return found

    def _line(self, text: str, number: int, where: str) -> _Line:
        try:
            data = json.loads(text)
            version = int(data.get("v", 1))
            kind = str(data["kind"]) if version == 2 else WRITER
            if version not in (1, 2) or kind not in KINDS:
                raise ValueError(kind)
            checkpoint = Checkpoint(str(data["tenant"]), int(data["seq"]), str(data["hash"]), str(data["at"]), kind,
                                    version)
            signature = base64.b64decode(data["sig"], validate=True)
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            raise CheckpointError(f"{self.path} ({where}): not a checkpoint line") from None
        return _Line(checkpoint, signature, number, where)

    def _parse(self, tenant_id: str | None) -> list[_Line]:
        """The lines of ``tenant_id`` (every line for None), parsed but not checked. Lines of
        other tenants are skipped by a text match before any JSON is parsed: the file grows
        by a line per ``every`` records for years."""
        if not self.path.exists():
            return []
        marker = None if tenant_id is None else f'"tenant":{json.dumps(tenant_id)}'
        found = []
        with self.path.open(encoding="utf-8") as file:
            for number, line in enumerate(file, start=1):
                if not line.strip() or (marker is not None and marker not in line):
                    continue
                parsed = self._line(line, number, f"line {number}")
                if tenant_id is None or parsed.checkpoint.tenant_id == tenant_id:
                    found.append(parsed)
        return found

    def _check(self, line: _Line) -> None:
        try:
            self._verifier.verify(line.signature, line.checkpoint.message())
        except InvalidSignature:
            raise CheckpointError(
                f"{self.path} ({line.where}): the signature does not match (altered or forged)") from None


def deployment_checkpoints(production: bool) -> Checkpoints | None:
    """The checkpoints from the environment as a deployment uses them: ``CheckpointError``
    when a setting is wrong, and in production also when they are missing or cannot sign
    (``portal.platform`` applies the same rule when it builds the apps)."""
    checkpoints = Checkpoints.from_env()
    if production and (checkpoints is None or not checkpoints.can_sign):
        raise CheckpointError("PORTAL_ENV=production needs PORTAL_AUDIT_CHECKPOINTS (an append-only file outside the "
                              "database) and PORTAL_AUDIT_SIGNING_KEY ('portal audit keygen' makes one)")
    return checkpoints
