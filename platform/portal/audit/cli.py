"""``portal audit verify|checkpoint|archive|verify-archive|keygen|export``: check a tenant's
chain, archive old records, write a patient's inzagelog.

They refuse bad input with an English message and exit code 2 (click's usage error);
``verify`` exits 1 when the chain is broken, naming the first bad record.

Start-up: the commands build no web app (``setup.load_setup``: settings, tenant YAML,
database, checkpoints) and import the PDF library only for a PDF; given an app (the tests'
platform, ``portal shell``), they use that app's platform instead.
"""
from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import click
from flask import has_app_context
from flask.cli import ScriptInfo
from sqlalchemy.exc import SQLAlchemyError

from ..cli import create_root_app, get_platform
from ..settings import SettingsError
from ..tenants import TenantConfigError
from . import Action, AuditEvent, AuditWriteError, record
from .chain import canonical_time
from .checkpoints import CheckpointError, new_key_pair
from .inzagelog import InzagelogRequestError, parse_period, valid_bsn
from .setup import AuditSetup, load_setup
from .verify import Anchor
from .verify_run import VerifyRun, run_verify


@click.group("audit", help="The NEN 7513 audit log: verify its hash chain and checkpoints, "
                           "export a patient's inzagelog.")
def audit_cli() -> None:
    pass


def _setup() -> AuditSetup:
    """The command's setup, made once per command (see the module docstring)."""
    ctx = click.get_current_context()
    cached = ctx.meta.get("portal.audit.setup")
    if cached is not None:
        return cached
    info = ctx.find_object(ScriptInfo)
    if has_app_context() or (info is not None and info.create_app not in (None, create_root_app)):
        if not has_app_context():
            ctx.with_resource(info.load_app().app_context())  # type: ignore[union-attr]
        platform = get_platform()
        setup = AuditSetup(platform.database, platform.tenants)
    else:
        try:
            setup = load_setup()
        except (TenantConfigError, SettingsError) as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        ctx.call_on_close(setup.database.dispose)
    ctx.meta["portal.audit.setup"] = setup
    return setup


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


def _verify(tenant_id: str, full: bool, anchor: Anchor | None, write: bool = True) -> VerifyRun:
    """One verify run; exits 1 when the checkpoint file cannot be trusted or the chain is broken."""
    try:
        database = _setup().database
        run = run_verify(database, database.checkpoints, tenant_id, full=full, anchor=anchor, write=write)
    except CheckpointError as exc:
        click.echo(f"BROKEN: audit checkpoints cannot be trusted: {exc}", err=True)
        sys.exit(1)
    except SQLAlchemyError as exc:
        _database_failed(exc)
    except OSError as exc:
        click.echo(f"Error: the verified checkpoint could not be written: {exc}", err=True)
        sys.exit(2)
    click.echo(f"verify of tenant '{tenant_id}', {run.mode}")
    result = run.result
    if not result.intact:
        click.echo(f"BROKEN: audit chain of tenant '{tenant_id}': {result.problem}", err=True)
        click.echo(f"The {result.records} records walked before it are intact.", err=True)
        sys.exit(1)
    return run


def _report(tenant_id: str, run: VerifyRun) -> None:
    result = run.result
    walked = (f"{result.records} records checked ({result.first_seq}..{result.head_seq})" if result.records
              else "no records to check")
    click.echo(f"ok: audit chain of tenant '{tenant_id}' is intact: {walked}")
    if run.archived is not None:
        click.echo(f"records up to {run.archived.seq} are archived (archive checkpoint of {run.archived.at})")
    if run.checked:
        newest = max(run.checked, key=lambda c: c.seq)
        click.echo(f"checked against {len(run.checked)} signed checkpoint(s); newest: record {newest.seq} "
                   f"at {newest.at}")
    click.echo(f"head: {result.head_seq}:{result.head_hash}")
    if run.written is not None:
        click.echo(f"verified checkpoint written: record {run.written.seq}")
    if run.note:
        click.echo(run.note)


@audit_cli.command("verify")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. zgt")
@click.option("--full", is_flag=True, help="Walk every record and check every checkpoint, not only what is new "
                                           "since the last verified checkpoint (run it periodically)")
@click.option("--anchor", callback=_anchor, metavar="SEQ:HASH",
              help="Also a seq and hash noted earlier by hand; must still be in the chain")
def verify_command(tenant_id: str, full: bool, anchor: Anchor | None) -> None:
    """Re-check the tenant's chain: routinely from the last verified checkpoint on, with
    ``--full`` every record; then write a verified checkpoint at the head (when this machine
    holds the signing key). Exit 1 naming the first bad record."""
    _setup().tenant(tenant_id)
    _report(tenant_id, _verify(tenant_id, full, anchor))
    _retention_note(tenant_id)


def _retention_note(tenant_id: str) -> None:
    """Say so when records past the tenant's maximum retention are still in the database."""
    tenant = _setup().tenant(tenant_id)
    if tenant.audit.retention_max_years is None:
        return
    from ..clock import HospitalClock
    from .archive import oldest_record_at, years_before

    clock = HospitalClock(tenant.timezone)
    limit = years_before(clock.today(), tenant.audit.retention_max_years)
    oldest = oldest_record_at(_setup().database, tenant_id)
    if oldest is not None and oldest.astimezone(clock.zone).date() < limit:
        click.echo(f"note: records from {oldest.astimezone(clock.zone).date()} on are older than the maximum "
                   f"retention of {tenant.audit.retention_max_years} years (audit.retention_max_years): archive "
                   f"them with 'portal audit archive --tenant {tenant_id} --before {limit} --output FILE'")


@audit_cli.command("checkpoint")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. zgt")
def checkpoint_command(tenant_id: str) -> None:
    """Verify what is new (a routine verify) and write a verified checkpoint of the head now
    (e.g. hourly from cron, so a quiet chain is anchored too)."""
    checkpoints = _setup().database.checkpoints
    _setup().tenant(tenant_id)
    if checkpoints is None or not checkpoints.can_sign:
        raise click.ClickException("set PORTAL_AUDIT_CHECKPOINTS and PORTAL_AUDIT_SIGNING_KEY first")
    run = _verify(tenant_id, False, None)  # never sign a broken chain: exits 1 first
    if run.result.head_seq == 0:
        click.echo(f"tenant '{tenant_id}' has no records yet: nothing to anchor")
    elif run.written is None:
        click.echo(f"tenant '{tenant_id}' is anchored at record {run.result.head_seq} already")
    else:
        click.echo(f"checkpoint of tenant '{tenant_id}' at record {run.written.seq} written to {checkpoints.path}")


@audit_cli.command("archive")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. zgt")
@click.option("--before", required=True, metavar="YYYY-MM-DD",
              help="Archive the records written before this day (the hospital's midnight)")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The archive file to write (JSON lines; never overwritten)")
def archive_command(tenant_id: str, before: str, output: Path) -> None:
    """Move the records before a day, past the minimum retention, to an archive file: the
    file and a signed archive checkpoint are written first, then the records are removed
    from the database in one transaction. Nothing is removed when anything fails."""
    from ..clock import HospitalClock
    from .archive import ArchiveError, archive_before

    tenant = _setup().tenant(tenant_id)
    try:
        day = date.fromisoformat(before)
    except ValueError:
        raise click.BadParameter(f"'{before}' is not a date (YYYY-MM-DD)", param_hint="--before") from None
    clock = HospitalClock(tenant.timezone)
    database = _setup().database
    try:
        done = archive_before(database, database.checkpoints, tenant_id, day, today=clock.today(), zone=clock.zone,
                              minimum_years=tenant.audit.retention_years, output=output)
    except ArchiveError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except CheckpointError as exc:
        click.echo(f"BROKEN: audit checkpoints cannot be trusted, nothing archived: {exc}", err=True)
        sys.exit(1)
    except SQLAlchemyError as exc:
        click.echo(f"Error: the archive and its checkpoint were written, but the records could not be removed "
                   f"(nothing was removed; archiving again writes a new file): "
                   f"{type(getattr(exc, 'orig', None) or exc).__name__}", err=True)
        sys.exit(1)
    click.echo(f"archived records {done.first_seq}..{done.last_seq} of tenant '{tenant_id}' "
               f"({canonical_time(done.first_at)} .. {canonical_time(done.last_at)}) to {done.path}")
    click.echo(f"archive checkpoint: {done.last_seq}:{done.last_hash}; the records are removed from the database")


@audit_cli.command("verify-archive")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_archive_command(file: Path) -> None:
    """Re-check an archive file: every record's hash and link, and that its last record is
    the one a signed archive checkpoint names (needs PORTAL_AUDIT_CHECKPOINTS and a key)."""
    from .archive import verify_archive
    from .checkpoints import Checkpoints

    try:
        checked = verify_archive(file, Checkpoints.from_env())
    except CheckpointError as exc:
        click.echo(f"BROKEN: audit checkpoints cannot be trusted: {exc}", err=True)
        sys.exit(1)
    except (ValueError, OSError) as exc:
        raise click.UsageError(str(exc)) from None
    if not checked.intact:
        click.echo(f"BROKEN: archive {file} of tenant '{checked.tenant_id}': {checked.problem}", err=True)
        sys.exit(1)
    click.echo(f"ok: archive {file} of tenant '{checked.tenant_id}' is intact: records "
               f"{checked.first_seq}..{checked.last_seq} ({checked.first_at} .. {checked.last_at})")
    if checked.checkpoint is not None:
        click.echo(f"its last record is the one the archive checkpoint of {checked.checkpoint.at} names")
    if checked.note:
        click.echo(checked.note)


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
def export_command(tenant_id: str, bsn: str, start: str, end: str, fmt: str, output: Path | None) -> None:
    """Write the patient's inzagelog (Dutch): who looked at the record, when, emergency accesses marked."""
    tenant = _setup().tenant(tenant_id)
    try:
        bsn = valid_bsn(bsn)
        first, last = parse_period(start, end)
    except InzagelogRequestError as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "pdf" and output is None and sys.stdout.isatty():
        raise click.UsageError("a PDF needs --output FILE (or redirect standard output)")
    database = _setup().database
    from .export import inzagelog_file  # the PDF library only when exporting

    try:
        produced = inzagelog_file(database, tenant_id, tenant.display_name, bsn, first, last, fmt)
    except SQLAlchemyError as exc:
        _database_failed(exc)
    if produced.archived_until is not None:
        click.echo(f"note: the records up to {produced.archived_until} are archived (portal audit archive): this "
                   f"export covers {produced.archived_until + timedelta(days=1)} to {last} only", err=True)
    content, entries = produced.content, produced.entries
    try:
        record(AuditEvent(Action.EXPORT, "success", tenant_id, user_name="functioneel beheer (portal audit export)",
                          patient_bsn=bsn, data="Inzagelog", grounds="patient_request",
                          details={"format": fmt, "from": first.isoformat(), "to": last.isoformat(),
                                   "entries": str(entries)},
                          system=tenant.audit.system_name), database)
    except AuditWriteError as exc:
        click.echo(f"Error: the export could not be logged, so nothing was written: {exc}", err=True)
        sys.exit(1)
    if output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(content)
        click.echo(f"wrote {entries} entries to {output}", err=True)
