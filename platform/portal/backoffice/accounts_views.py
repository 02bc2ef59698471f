"""Accounts (application manager; the service desk may list and search): the ZorgNetOost file
checked line by line before anything changes (a dry run of the import itself), then applied
exactly as checked; deactivating an account (its sessions end at once); the practices an
account may cover for, with their end dates. Every change is audited before it is kept."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select

from .. import context
from ..access import covering
from ..accounts.models import Account
from ..accounts.registration import RegistrationFileError
from ..audit.events import Action
from ..auth.sessions import end_sessions
from ..core.freetext import normalise
from . import accounts, staff, trail
from .staff import staff_view
from .trail import Concerning

bp = Blueprint("accounts", __name__, url_prefix="/accounts", template_folder="templates")
MANAGE = ("application_manager",)
READ = ("application_manager", "service_desk")
LIST_SIZE = 200


def _instance():
    return context.platform().settings.instance_dir


@bp.get("/")
@staff_view(*READ)
def index():
    """The accounts, searched by UZI number, AGB code or part of a name or practice."""
    query_text = normalise(request.args.get("zoek", ""))[:100]
    query = select(Account).where(Account.tenant_id == context.tenant().id)
    if query_text:
        like = query_text.lower()
        query = query.where(or_(Account.uzi_number == query_text, Account.agb_code == query_text,
                                func.lower(Account.name).contains(like, autoescape=True),
                                func.lower(Account.practice_name).contains(like, autoescape=True)))
    with context.database().session() as db:
        found = list(db.scalars(query.order_by(Account.name, Account.uzi_number).limit(LIST_SIZE)))
        db.expunge_all()
    trail.audit(staff.current(), Action.SEARCH if query_text else Action.VIEW, "accounts.list", "accounts getoond",
                details={"query": query_text, "results": str(len(found))})
    return render_template("backoffice/accounts.html", accounts=found, query=query_text)


@bp.post("/bestand")
@staff_view(*MANAGE)
def upload():
    """Keep the file and show what applying it would do; nothing changes yet."""
    sent = request.files.get("bestand")
    content = sent.read() if sent else b""
    if not content:
        return render_template("backoffice/accounts_check.html", dry=None, error="Kies een bestand."), 400
    upload_id, digest = accounts.keep(_instance(), context.tenant().id, content)
    with context.database().session() as db:
        dry = accounts.dry_run(db, context.tenant().id, content)
    trail.audit(staff.current(), Action.VIEW, "accounts.check", "accountbestand gecontroleerd",
                details={"sha256": digest, "lines": str(len(dry.lines)), "problems": str(len(dry.problems))})
    if not dry.ok:
        accounts.forget(_instance(), context.tenant().id, upload_id)
    return render_template("backoffice/accounts_check.html", dry=dry, upload_id=upload_id, digest=digest,
                           error=None), 200 if dry.ok else 400


@bp.post("/bestand/toepassen")
@staff_view(*MANAGE)
def apply():
    """Apply the file checked before, if it is still exactly that file."""
    tenant_id = context.tenant().id
    upload_id, digest = request.form.get("upload", ""), request.form.get("sha256", "")
    try:
        content = accounts.kept(_instance(), tenant_id, upload_id, digest)
    except accounts.UploadError as exc:
        return render_template("backoffice/accounts_check.html", dry=None, error=str(exc)), 409
    member = staff.current()
    # Audited first: an import that cannot be logged is not applied.
    trail.audit(member, trail.CHANGE, "accounts.import", "accountbestand toegepast", details={"sha256": digest})
    try:
        with context.database().session() as db:
            counts = accounts.apply(db, tenant_id, content)
    except RegistrationFileError as exc:
        from .accounts import DryRun

        return render_template("backoffice/accounts_check.html", dry=DryRun(problems=exc.problems), error=None), 400
    accounts.forget(_instance(), tenant_id, upload_id)
    return render_template("backoffice/accounts_done.html", counts=counts)


def _account(db, account_id: int) -> Account:
    found = db.get(Account, account_id)
    if found is None or found.tenant_id != context.tenant().id:
        abort(404)
    return found


@bp.get("/<int:account_id>")
@staff_view(*READ)
def show(account_id: int):
    return _show(account_id)


def _show(account_id: int, error: str | None = None, status: int = 200):
    with context.database().session() as db:
        account = _account(db, account_id)
        covers = covering.of_account(db, account.id)
        db.expunge_all()
    trail.audit(staff.current(), Action.VIEW, "accounts.show", f"account {account.uzi_number} bekeken",
                concerning=Concerning(account=account.uzi_number))
    return render_template("backoffice/account.html", account=account, covers=covers, error=error,
                           today=context.clock().today()), status


@bp.post("/<int:account_id>/afmelden")
@staff_view(*MANAGE)
def deactivate(account_id: int):
    """Deactivate the account; its sessions end in the same transaction."""
    with context.database().session() as db:
        account = _account(db, account_id)
        uzi = account.uzi_number
        active = account.active
    if active:
        trail.audit(staff.current(), trail.CHANGE, "accounts.deactivate", f"account {uzi} afgemeld",
                    concerning=Concerning(account=uzi))
        with context.database().session() as db:
            account = _account(db, account_id)
            account.active = False
            db.flush()
            end_sessions(db, [account.id])
    return redirect(url_for("accounts.show", account_id=account_id))


@bp.post("/<int:account_id>/waarneming")
@staff_view(*MANAGE)
def cover(account_id: int):
    """Let the account cover another practice, up to and including an end date (or none)."""
    practice = normalise(request.form.get("practice_agb", ""))[:8]
    until_text = request.form.get("until", "").strip()
    try:
        covering.check_practice_agb(practice)
        until = date.fromisoformat(until_text) if until_text else None
    except (covering.CoveringError, ValueError):
        return _show(account_id, "Vul een AGB-code van 8 cijfers in en eventueel een einddatum (JJJJ-MM-DD).", 400)
    with context.database().session() as db:
        uzi = _account(db, account_id).uzi_number
    trail.audit(staff.current(), trail.CHANGE, "accounts.cover", f"waarneming praktijk {practice} vastgelegd",
                concerning=Concerning(account=uzi),
                details={"practice_agb": practice, "until": until.isoformat() if until else ""})
    with context.database().session() as db:
        covering.authorise(db, account_id, practice, until)
    return redirect(url_for("accounts.show", account_id=account_id))


@bp.post("/<int:account_id>/waarneming/beeindigen")
@staff_view(*MANAGE)
def end_cover(account_id: int):
    practice = normalise(request.form.get("practice_agb", ""))[:8]
    with context.database().session() as db:
        uzi = _account(db, account_id).uzi_number
    trail.audit(staff.current(), trail.CHANGE, "accounts.uncover", f"waarneming praktijk {practice} beëindigd",
                concerning=Concerning(account=uzi), details={"practice_agb": practice})
    with context.database().session() as db:
        covering.withdraw(db, account_id, practice)
    return redirect(url_for("accounts.show", account_id=account_id))
