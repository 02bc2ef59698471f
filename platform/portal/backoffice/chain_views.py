"""Chain status (privacy officer, application manager): the newest checkpoint that vouches for
this hospital's NEN 7513 chain (where a routine ``portal audit verify`` begins), and *Nu
controleren*, which runs that same routine verify (``audit.verify_run.run_verify``): it walks
the records since that checkpoint and, when this node holds the signing key and the chain is
intact, writes a new verified checkpoint at the head. The run is audited before it starts,
its result before it is shown."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template
from sqlalchemy.exc import SQLAlchemyError

from .. import context
from ..audit.checkpoints import ARCHIVE, Checkpoint, CheckpointError
from ..audit.events import Action
from ..audit.verify_run import VerifyRun, run_verify
from . import staff, trail
from .staff import staff_view

bp = Blueprint("keten", __name__, url_prefix="/keten", template_folder="templates")
ROLES = ("privacy_officer", "application_manager")


def _local(at: str) -> str:
    return datetime.fromisoformat(at).astimezone(context.clock().zone).strftime("%d-%m-%Y %H:%M:%S")


def _newest() -> tuple[Checkpoint | None, str | None]:
    """The tenant's newest vouching checkpoint, or why there is none to show (Dutch)."""
    checkpoints = context.database().checkpoints
    if checkpoints is None:
        return None, ("Er zijn geen checkpoints ingesteld (PORTAL_AUDIT_CHECKPOINTS): elke controle loopt de hele "
                      "keten na.")
    try:
        newest, _later = checkpoints.read_since_vouched(context.tenant().id)
    except (CheckpointError, OSError) as exc:
        return None, f"Het checkpointbestand is niet te vertrouwen of niet te lezen: {exc}"
    return newest, None if newest else "Nog geen gecontroleerd checkpoint: de eerste controle loopt de hele keten na."


def _render(run: VerifyRun | None = None, failure: str | None = None, status: int = 200):
    newest, note = _newest()
    return render_template("backoffice/keten.html", newest=newest, note=note, run=run, failure=failure,
                           local=_local, archive=ARCHIVE), status


@bp.get("/")
@staff_view(*ROLES)
def index():
    trail.audit(staff.current(), Action.VIEW, "chain.status", "status van de auditketen bekeken")
    return _render()


@bp.post("/controleren")
@staff_view(*ROLES)
def verify():
    """The routine verify, as ``portal audit verify --tenant`` runs it."""
    member = staff.current()
    tenant_id = context.tenant().id
    # Audited before it runs: the run may write a verified checkpoint.
    trail.audit(member, trail.CHANGE, "chain.verify", "controle van de auditketen gestart")
    database = context.database()
    run, failure = None, None
    try:
        run = run_verify(database, database.checkpoints, tenant_id)
    except CheckpointError as exc:
        failure = f"Het checkpointbestand is niet te vertrouwen: {exc}"
    except SQLAlchemyError:
        failure = "Het auditlog kon niet worden gelezen; probeer het later opnieuw."
    except OSError:
        failure = "Het gecontroleerde checkpoint kon niet worden geschreven."
    intact = run is not None and run.result.intact
    details = {"intact": "yes" if intact else "no"}
    if run is not None:
        details.update(head_seq=str(run.result.head_seq), records=str(run.result.records),
                       written=str(run.written.seq) if run.written else "")
        if run.result.problem:
            details["problem"] = run.result.problem
    elif failure:
        details["problem"] = failure
    trail.audit(member, Action.VIEW, "chain.verify.result",
                "auditketen intact" if intact else "auditketen NIET intact of niet te controleren",
                outcome="success" if intact else "failure", details=details)
    return _render(run, failure, 200 if intact else 409)
