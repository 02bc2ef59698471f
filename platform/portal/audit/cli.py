"""``portal audit verify|export``: check a tenant's chain; write a patient's inzagelog.

Both refuse bad input with an English message and exit code 2 (click's usage error);
``verify`` exits 1 when the chain is broken, naming the first bad record.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from .. import context
from ..cli import get_platform, tenant_app
from . import Action, AuditEvent, AuditWriteError, record
from .checkpoints import CheckpointError, new_key_pair
from .export import to_csv, to_pdf
from .inzagelog import InzagelogRequestError, access_log, parse_period, valid_bsn
from .verify import Anchor, verify_chain


@click.group("audit", help="The NEN 7513 audit log: verify its hash chain and checkpoints, "
                           "export a patient's inzagelog.")
def audit_cli() -> None:
    pass


def _database_failed(exc: SQLAlchemyError) -> None:
    click.echo(f"Error: cannot read the audit log ({type(getattr(exc, 'orig', None) or exc).__name__}: "
               f"{str(getattr(exc, 'orig', None) or exc).splitlines()[0]}); is the database migrated "
               "('portal db upgrade') and reachable?", err=True)
    sys.exit(2)


def _anchor(_ctx, _param, value: str | None) -> Anchor | None:
    try:
        return Anchor.parse(value) if value else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _latest_checkpoint(tenant_id: str) -> tuple[Anchor | None, str]:
    """The newest signed checkpoint of the tenant as an anchor, and a line saying so.
    Exits 1 when the checkpoint file has an altered or forged line."""
    checkpoints = get_platform().database.checkpoints
    if checkpoints is None:
        return None, ("warning: no audit checkpoints configured (PORTAL_AUDIT_CHECKPOINTS): a chain rewritten "
                      "by someone holding the database would not be noticed")
    try:
        found = checkpoints.read(tenant_id)
    except CheckpointError as exc:
        click.echo(f"BROKEN: audit checkpoints cannot be trusted: {exc}", err=True)
        sys.exit(1)
    if not found:
        return None, f"no checkpoint of tenant '{tenant_id}' yet in {checkpoints.path}"
    newest = max(found, key=lambda c: c.seq)
    return Anchor(newest.seq, newest.record_hash), (f"checked against {len(found)} signed checkpoint(s); newest: "
                                                    f"record {newest.seq} at {newest.at}")


@audit_cli.command("verify")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. zgt")
@click.option("--anchor", callback=_anchor, metavar="SEQ:HASH",
              help="Also a seq and hash noted earlier by hand; must still be in the chain")
@with_appcontext
def verify_command(tenant_id: str, anchor: Anchor | None) -> None:
    """Re-check every record of the tenant's chain, and that it still holds the newest
    signed checkpoint (and ``--anchor``); exit 1 naming the first bad record."""
    tenant_app(tenant_id)
    checkpoint, said = _latest_checkpoint(tenant_id)
    anchors: list[Anchor | None] = [a for a in (checkpoint, anchor) if a is not None] or [None]
    try:
        results = [verify_chain(get_platform().database, tenant_id, a) for a in anchors]
    except SQLAlchemyError as exc:
        _database_failed(exc)
    for result in results:
        if not result.intact:
            click.echo(f"BROKEN: audit chain of tenant '{tenant_id}': {result.problem}", err=True)
            click.echo(f"{result.records} records before it are intact.", err=True)
            sys.exit(1)
    result = results[0]
    click.echo(f"ok: audit chain of tenant '{tenant_id}' is intact: {result.records} records")
    click.echo(said)
    click.echo(f"head: {result.head_seq}:{result.head_hash}")


@audit_cli.command("checkpoint")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. zgt")
@with_appcontext
def checkpoint_command(tenant_id: str) -> None:
    """Write a signed checkpoint of the tenant's chain head now (e.g. hourly from cron)."""
    tenant_app(tenant_id)
    checkpoints = get_platform().database.checkpoints
    if checkpoints is None or not checkpoints.can_sign:
        raise click.ClickException("set PORTAL_AUDIT_CHECKPOINTS and PORTAL_AUDIT_SIGNING_KEY first")
    try:
        result = verify_chain(get_platform().database, tenant_id)
    except SQLAlchemyError as exc:
        _database_failed(exc)
    if not result.intact:  # never sign a broken chain
        click.echo(f"BROKEN: audit chain of tenant '{tenant_id}': {result.problem}; no checkpoint written", err=True)
        sys.exit(1)
    if result.head_seq == 0:
        click.echo(f"tenant '{tenant_id}' has no records yet: nothing to anchor")
        return
    written = checkpoints.write(tenant_id, result.head_seq, result.head_hash)
    click.echo(f"checkpoint of tenant '{tenant_id}' at record {written.seq} written to {checkpoints.path}")


@audit_cli.command("keygen")
def keygen_command() -> None:
    """Print a new key pair for the checkpoints (keep the signing key secret)."""
    signing, verify = new_key_pair()
    click.echo(f"PORTAL_AUDIT_SIGNING_KEY={signing}")
    click.echo(f"PORTAL_AUDIT_VERIFY_KEY={verify}")


@audit_cli.command("export")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. zgt")
@click.option("--bsn", required=True, help="The patient's BSN (9 digits, passes the 11-proef)")
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD", help="First day (included)")
@click.option("--to", "end", required=True, metavar="YYYY-MM-DD", help="Last day (included)")
@click.option("--format", "fmt", type=click.Choice(["csv", "pdf"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output for csv; required for pdf)")
@with_appcontext
def export_command(tenant_id: str, bsn: str, start: str, end: str, fmt: str, output: Path | None) -> None:
    """Write the patient's inzagelog (Dutch): who looked at the record, when, emergency accesses marked."""
    app = tenant_app(tenant_id)
    try:
        bsn = valid_bsn(bsn)
        first, last = parse_period(start, end)
    except InzagelogRequestError as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "pdf" and output is None and sys.stdout.isatty():
        raise click.UsageError("a PDF needs --output FILE (or redirect standard output)")
    tenant = context.tenant_of(app)
    database = get_platform().database
    try:
        entries = access_log(database, tenant_id, bsn, first, last)
    except SQLAlchemyError as exc:
        _database_failed(exc)
    content = (to_csv(entries) if fmt == "csv" else
               to_pdf(entries, hospital=tenant.display_name, bsn=bsn, first=first, last=last))
    try:
        record(AuditEvent(Action.EXPORT, "success", tenant_id, user_name="functioneel beheer (portal audit export)",
                          patient_bsn=bsn, data="Inzagelog", grounds="patient_request",
                          details={"format": fmt, "from": first.isoformat(), "to": last.isoformat(),
                                   "entries": str(len(entries))},
                          system=tenant.audit.system_name), database)
    except AuditWriteError as exc:
        click.echo(f"Error: the export could not be logged, so nothing was written: {exc}", err=True)
        sys.exit(1)
    if output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(content)
        click.echo(f"wrote {len(entries)} entries to {output}", err=True)
