"""Log review (privacy officer): searching the audit log, and the signals computed from it.

A search by patient is a POST (the BSN never in a URL); a signal's records are asked for by
the signal's id. Every search, every signal shown, recomputed or closed is audited first.
"""
from __future__ import annotations

from datetime import date, timedelta, timezone

from flask import Blueprint, abort, redirect, render_template, request, url_for

from .. import context
from ..audit.events import Action
from ..audit.inzagelog import InzagelogRequestError, valid_bsn
from ..core.freetext import normalise
from . import logreview, signals, staff, trail
from .logreview import Criteria
from .models import Signal
from .noodprocedure import period_bounds
from .staff import staff_view
from .trail import Concerning

bp = Blueprint("logboek", __name__, url_prefix="/logboek", template_folder="templates")
ROLES = ("privacy_officer",)
MIN_REMARK, MAX_REMARK = 5, 2000
DEFAULT_DAYS = 7


def _local(moment) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite hands stored UTC times back without a zone
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(context.clock().zone).strftime("%d-%m-%Y %H:%M:%S")


def _form_period(form) -> tuple[date, date, str | None]:
    today = context.clock().today()
    try:
        first = date.fromisoformat(form["van"]) if form.get("van") else today - timedelta(DEFAULT_DAYS)
        last = date.fromisoformat(form["tot"]) if form.get("tot") else today
    except ValueError:
        return today - timedelta(DEFAULT_DAYS), today, "Vul de datums in als JJJJ-MM-DD."
    if first > last:
        return last, first, "De begindatum lag na de einddatum; ze zijn omgedraaid."
    return first, last, None


def _render(form: dict, page=None, error: str | None = None, signal: Signal | None = None, status: int = 200):
    return render_template("backoffice/logboek.html", form=form, page=page, error=error, signal=signal,
                           actions=logreview.ACTIONS, local=_local), status


def _run(criteria: Criteria, first: date, last: date, page_number: int, signal: Signal | None = None):
    member = staff.current()
    with context.database().session() as db:
        page = logreview.search(db, context.tenant().id, criteria, page_number)
        db.expunge_all()
    # Audited before the records are shown, with the criteria (the BSN only in the details).
    trail.audit(member, Action.SEARCH, "log.search", "logboek doorzocht",
                details={**criteria.audit_details(first, last), "results": str(page.total), "page": str(page.number),
                         **({"signal_id": str(signal.id)} if signal else {})})
    return page


@bp.get("/")
@staff_view(*ROLES)
def index():
    """The search form; with ``signaal=<id>`` the records behind that signal."""
    signal_id = request.args.get("signaal", type=int)
    if signal_id is None:
        trail.audit(staff.current(), Action.VIEW, "log.form", "logboek geopend")
        return _render({})
    with context.database().session() as db:
        signal = db.get(Signal, signal_id)
        if signal is None or signal.tenant_id != context.tenant().id:
            abort(404)
        db.expunge(signal)
    start, end = period_bounds(signal.day, signal.day, context.clock().zone)
    provider = signal.provider_uzi or "" if signal.kind not in ("failed_logins", "emergency_practice") else ""
    criteria = Criteria(start, end, provider=provider,
                        action="login" if signal.kind == "failed_logins" else "",
                        organisation=signal.organisation or "" if signal.kind == "emergency_practice" else "",
                        first_seq=signal.first_seq, last_seq=signal.last_seq)
    page = _run(criteria, signal.day, signal.day, request.args.get("pagina", 1, type=int), signal)
    form = {"van": signal.day.isoformat(), "tot": signal.day.isoformat(), "provider": provider}
    return _render(form, page, signal=signal)


@bp.post("/")
@staff_view(*ROLES)
def search():
    form = {name: normalise(request.form.get(name, ""))[:200] for name in ("van", "tot", "provider", "bsn", "action")}
    first, last, error = _form_period(form)
    form.update(van=first.isoformat(), tot=last.isoformat())
    if form["action"] and form["action"] not in logreview.ACTIONS:
        return _render(form, error="Kies een bestaande actie.", status=400)
    bsn = ""
    if form["bsn"]:
        try:
            bsn = valid_bsn(form["bsn"])
        except InzagelogRequestError:
            return _render(form, error="Dit is geen geldig BSN (de elfproef klopt niet).", status=400)
    start, end = period_bounds(first, last, context.clock().zone)
    criteria = Criteria(start, end, provider=form["provider"], bsn=bsn, action=form["action"])
    page = _run(criteria, first, last, request.form.get("pagina", 1, type=int))
    return _render(form, page, error=error)


@bp.get("/signalen")
@staff_view(*ROLES)
def signal_list():
    only_open = request.args.get("status", "open") == "open"
    with context.database().session() as db:
        found = signals.listed(db, context.tenant().id, only_open=only_open)
        db.expunge_all()
    trail.audit(staff.current(), Action.VIEW, "signal.list", "signalen getoond", details={"count": str(len(found))})
    return render_template("backoffice/signalen.html", signals=found, only_open=only_open,
                           explanations=signals.EXPLANATIONS, computed=request.args.get("berekend", type=int))


@bp.post("/signalen/berekenen")
@staff_view(*ROLES)
def recompute():
    """"Opnieuw berekenen": the same computation as ``portal backoffice signals`` (audited first)."""
    tenant = context.tenant()
    trail.audit(staff.current(), trail.CHANGE, "signal.compute", "signalen opnieuw berekend")
    with context.database().session() as db:
        new = signals.compute(db, tenant.id, tenant.backoffice.signals, context.clock().today(), context.clock().zone)
        db.commit()
    return redirect(url_for("logboek.signal_list", berekend=len(new)))


@bp.get("/signalen/<int:signal_id>")
@staff_view(*ROLES)
def show(signal_id: int):
    return _show(signal_id)


def _signal(signal_id: int) -> Signal:
    with context.database().session() as db:
        signal = db.get(Signal, signal_id)
        if signal is None or signal.tenant_id != context.tenant().id:
            abort(404)
        db.expunge(signal)
    return signal


def _concerning(signal: Signal) -> Concerning:
    number = signal.subject.partition("/")[2] if signal.kind == "watch_list" else None
    return Concerning(patient_number=number, account=signal.provider_uzi or None)


def _show(signal_id: int, error: str | None = None, remark: str = "", status: int = 200):
    signal = _signal(signal_id)
    trail.audit(staff.current(), Action.VIEW, "signal.show", f"signaal {signal.id} bekeken",
                concerning=_concerning(signal), details={"signal_id": str(signal.id), "kind": signal.kind})
    return render_template("backoffice/signaal.html", signal=signal, explanation=signals.EXPLANATIONS[signal.kind],
                           error=error, remark=remark, min_remark=MIN_REMARK, local=_local), status


@bp.post("/signalen/<int:signal_id>/sluiten")
@staff_view(*ROLES)
def close(signal_id: int):
    remark = normalise(request.form.get("remark", ""))
    if not MIN_REMARK <= len(remark) <= MAX_REMARK:
        return _show(signal_id, f"Licht het sluiten toe (minimaal {MIN_REMARK}, maximaal {MAX_REMARK} tekens).",
                     remark, 400)
    member = staff.current()
    assert member is not None
    with context.database().session() as db:
        signal = db.get(Signal, signal_id)
        if signal is None or signal.tenant_id != context.tenant().id:
            abort(404)
        if signal.closed_at is None:
            # Audited first: a closing that cannot be logged is not kept.
            trail.audit(member, trail.CHANGE, "signal.close", f"signaal {signal.id} gesloten",
                        concerning=_concerning(signal), details={"signal_id": str(signal.id), "kind": signal.kind})
            signals.close(signal, remark, member.name)
            db.commit()
    return redirect(url_for("logboek.show", signal_id=signal_id))
