"""The ZorgNetOost file in the back office: kept server-side between its dry run and its
apply, and the dry run itself.

An upload is stored under a random id (``instance/backoffice-uploads/<tenant>/<id>.csv``,
owner-only) with its SHA-256; the page that shows the dry run carries the id and the hash,
and applying refuses unless the stored file still has that hash, so what is applied is
exactly what was checked. The dry run is the import itself (``parse_registration`` and
``apply_registration``, with the database's checks) in a transaction that is rolled back.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import Account
from ..accounts.registration import (
    ImportCounts,
    RegistrationFileError,
    RegistrationRow,
    apply_registration,
    parse_registration,
)

_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class UploadError(Exception):
    """The kept file is gone or changed (message in Dutch, for the screen)."""


def _folder(instance_dir: Path, tenant_id: str) -> Path:
    return instance_dir / "backoffice-uploads" / tenant_id


def keep(instance_dir: Path, tenant_id: str, content: bytes) -> tuple[str, str]:
    """Store an upload; returns its random id and SHA-256 (hex)."""
    folder = _folder(instance_dir, tenant_id)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    upload_id = secrets.token_urlsafe(24)
    fd = os.open(folder / f"{upload_id}.csv", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    return upload_id, hashlib.sha256(content).hexdigest()


def kept(instance_dir: Path, tenant_id: str, upload_id: str, digest: str) -> bytes:
    """The stored upload, refused unless it still has ``digest``."""
    if not _ID.match(upload_id):
        raise UploadError("Dit bestand is onbekend; laad het opnieuw.")
    try:
        content = (_folder(instance_dir, tenant_id) / f"{upload_id}.csv").read_bytes()
    except OSError:
        raise UploadError("Dit bestand is er niet meer (al verwerkt?); laad het opnieuw.") from None
    if not secrets.compare_digest(hashlib.sha256(content).hexdigest(), digest):
        raise UploadError("Het bestand is gewijzigd sinds de controle; er is niets veranderd. Laad het opnieuw.")
    return content


def forget(instance_dir: Path, tenant_id: str, upload_id: str) -> None:
    if _ID.match(upload_id):
        (_folder(instance_dir, tenant_id) / f"{upload_id}.csv").unlink(missing_ok=True)


@dataclass
class DryRun:
    """What applying the file would do: per line its change, or every problem."""

    problems: list[str] = field(default_factory=list)
    lines: list[tuple[RegistrationRow, str]] = field(default_factory=list)
    counts: ImportCounts | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def decode(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegistrationFileError([f"byte {exc.start}: the file is not UTF-8"]) from None


def dry_run(session: Session, tenant_id: str, content: bytes) -> DryRun:
    """The import's own validation and application, rolled back: nothing changes."""
    try:
        rows = parse_registration(decode(content))
        existing = {a.uzi_number: a.active for a in session.scalars(
            select(Account).where(Account.tenant_id == tenant_id,
                                  Account.uzi_number.in_([r.uzi_number for r in rows])))}
        counts = apply_registration(session, tenant_id, rows)
    except RegistrationFileError as exc:
        session.rollback()
        return DryRun(problems=list(exc.problems))
    session.rollback()
    lines = []
    for row in rows:
        if row.status == "afmelden":
            lines.append((row, "afmelden" if existing.get(row.uzi_number) else "al afgemeld"))
        else:
            lines.append((row, "bijwerken (als er iets verandert)" if row.uzi_number in existing else "nieuw"))
    return DryRun(lines=lines, counts=counts)


def apply(session: Session, tenant_id: str, content: bytes) -> ImportCounts:
    """Apply the file in the caller's transaction (the caller commits); raises
    ``RegistrationFileError`` before changing anything when a line is bad."""
    return apply_registration(session, tenant_id, parse_registration(decode(content)))
