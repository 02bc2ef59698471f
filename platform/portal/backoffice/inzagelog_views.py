"""Inzagelog requests (privacy officer): a patient asks who looked at their record; the
officer enters the request (BSN and period, posted, never in a URL), downloads the CSV or PDF
exactly as ``portal audit export`` makes it (``audit.export.inzagelog_file``), and the list
shows each request with its delivery. Entering, viewing and every download are audited first.
"""
from __future__ import annotations

from datetime import timezone

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import context
from ..audit.events import Action
from ..audit.export import inzagelog_file
from ..audit.inzagelog import InzagelogRequestError, parse_period, valid_bsn
from ..core.freetext import normalise
from . import staff, trail
from .models import InzagelogRequest
from .staff import staff_view
from .trail import Concerning

bp = Blueprint("inzagelog", __name__, url_prefix="/inzagelog", template_folder="templates")
ROLES = ("privacy_officer",)
FORMATS = {"pdf": "PDF (om te versturen)", "csv": "CSV (spreadsheet)"}
LIST_SIZE = 100


def _local(moment) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite hands stored UTC times back without a zone
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(context.clock().zone).strftime("%d-%m-%Y %H:%M")


def _render(form: dict, error: str | None = None, status: int = 200):
    with context.database().session() as db:
        requests = list(db.scalars(select(InzagelogRequest).where(InzagelogRequest.tenant_id == context.tenant().id)
                                   .order_by(InzagelogRequest.requested_at.desc(), InzagelogRequest.id.desc())
                                   .limit(LIST_SIZE)))
        db.expunge_all()
    member = staff.current()
    trail.write([trail.event(member, Action.LISTED, "inzagelog.list", "inzagelogverzoeken getoond",
                             concerning=Concerning(patient_bsn=r.patient_bsn), details={"request_id": str(r.id)})
                 for r in requests] or [trail.event(member, Action.VIEW, "inzagelog.list",
                                                    "inzagelogverzoeken getoond")])
    return render_template("backoffice/inzagelog.html", requests=requests, form=form, error=error, formats=FORMATS,
                           local=_local), status


@bp.get("/")
@staff_view(*ROLES)
def index():
    return _render({"format": "pdf"})


@bp.post("/")
@staff_view(*ROLES)
def create():
    """Enter a request: the BSN must pass the 11-proef, the period be two dates in order."""
    form = {name: normalise(request.form.get(name, ""))[:20] for name in ("bsn", "van", "tot", "format")}
    if form["format"] not in FORMATS:
        return _render(form, "Kies PDF of CSV.", 400)
    try:
        bsn = valid_bsn(form["bsn"])
    except InzagelogRequestError:
        return _render(form, "Dit is geen geldig BSN (de elfproef klopt niet).", 400)
    try:
        first, last = parse_period(form["van"], form["tot"])
    except InzagelogRequestError:
        return _render(form, "Vul een periode in: twee datums (JJJJ-MM-DD), de eerste niet na de laatste.", 400)
    if last > context.clock().today():
        return _render(form, "De periode kan niet in de toekomst eindigen.", 400)
    member = staff.current()
    assert member is not None
    # Audited first (before the row exists, so without its id): a request that cannot be logged is not kept.
    trail.audit(member, trail.CHANGE, "inzagelog.request", "inzagelogverzoek ingevoerd",
                concerning=Concerning(patient_bsn=bsn),
                details={"from": first.isoformat(), "to": last.isoformat(), "format": form["format"]})
    with context.database().session() as db:
        entered = InzagelogRequest(tenant_id=context.tenant().id, patient_bsn=bsn, first_day=first, last_day=last,
                                   file_format=form["format"], requested_by=member.name,
                                   requested_by_subject=member.subject, downloads=0)
        db.add(entered)
        db.commit()
        request_id = entered.id
    return redirect(url_for("inzagelog.show", request_id=request_id))


def _request(db, request_id: int) -> InzagelogRequest:
    found = db.get(InzagelogRequest, request_id)
    if found is None or found.tenant_id != context.tenant().id:
        abort(404)
    return found


@bp.get("/<int:request_id>")
@staff_view(*ROLES)
def show(request_id: int):
    with context.database().session() as db:
        found = _request(db, request_id)
        db.expunge(found)
    trail.audit(staff.current(), Action.VIEW, "inzagelog.show", f"inzagelogverzoek {found.id} bekeken",
                concerning=Concerning(patient_bsn=found.patient_bsn), details={"request_id": str(found.id)})
    return render_template("backoffice/inzagelog_verzoek.html", item=found, formats=FORMATS, local=_local)


@bp.post("/<int:request_id>/bestand")
@staff_view(*ROLES)
def download(request_id: int):
    """The file, made as ``portal audit export`` makes it; audited before it is handed out,
    then the delivery is recorded."""
    member = staff.current()
    assert member is not None
    tenant = context.tenant()
    with context.database().session() as db:
        found = _request(db, request_id)
        db.expunge(found)
    produced = inzagelog_file(context.database(), tenant.id, tenant.display_name, found.patient_bsn,
                              found.first_day, found.last_day, found.file_format)
    trail.audit(member, Action.EXPORT, "inzagelog.export", f"inzagelog verstrekt (verzoek {found.id})",
                concerning=Concerning(patient_bsn=found.patient_bsn),
                details={"request_id": str(found.id), "format": found.file_format,
                         "from": found.first_day.isoformat(), "to": found.last_day.isoformat(),
                         "entries": str(produced.entries), "grounds": "patient_request"})
    with context.database().session() as db:
        kept = _request(db, request_id)
        kept.entries = produced.entries
        kept.downloads = (kept.downloads or 0) + 1
        kept.delivered_by = member.name
        kept.delivered_at = context.clock().now()
        db.commit()
    name = f"inzagelog-{tenant.id}-{found.id}-{found.first_day:%Y%m%d}-{found.last_day:%Y%m%d}.{found.file_format}"
    return Response(produced.content, mimetype=produced.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
