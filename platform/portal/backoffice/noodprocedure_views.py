"""Noodprocedure review (privacy officer): the list, one noodprocedure with what was viewed
during it, the verdict, and the report per period (CSV)."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from .. import context
from ..audit.events import Action
from ..core.freetext import normalise, spreadsheet_safe
from . import noodprocedure, staff, trail
from .models import VERDICTS
from .noodprocedure import EmergencyCase
from .staff import staff_view
from .trail import Concerning

bp = Blueprint("noodprocedures", __name__, url_prefix="/noodprocedures", template_folder="templates")
ROLES = ("privacy_officer",)
MIN_REMARK, MAX_REMARK = 5, 2000
DEFAULT_DAYS = 31


def _period() -> tuple[date, date, str | None]:
    """The period asked for (``van``/``tot``, YYYY-MM-DD), by default the last month."""
    today = context.clock().today()
    try:
        first = date.fromisoformat(request.args["van"]) if request.args.get("van") else today - timedelta(DEFAULT_DAYS)
        last = date.fromisoformat(request.args["tot"]) if request.args.get("tot") else today
    except ValueError:
        return today - timedelta(DEFAULT_DAYS), today, "Vul de datums in als JJJJ-MM-DD."
    if first > last:
        return last, first, "De begindatum lag na de einddatum; ze zijn omgedraaid."
    return first, last, None


def _cases(first: date, last: date, only_open: bool) -> list[EmergencyCase]:
    start, end = noodprocedure.period_bounds(first, last, context.clock().zone)
    with context.database().session() as db:
        return noodprocedure.cases(db, context.tenant().id, start=start, end=end, only_open=only_open)


def _local(case: EmergencyCase) -> str:
    return case.granted_at.astimezone(context.clock().zone).strftime("%d-%m-%Y %H:%M")


@bp.get("/")
@staff_view(*ROLES)
def index():
    first, last, error = _period()
    only_open = request.args.get("status", "open") == "open"
    found = _cases(first, last, only_open)
    member = staff.current()
    trail.write([trail.event(member, Action.LISTED, "emergency.list", "noodprocedures getoond",
                             concerning=Concerning(patient_number=c.patient_number, account=c.provider_uzi))
                 for c in found] or [trail.event(member, Action.VIEW, "emergency.list", "noodprocedures getoond")])
    return render_template("backoffice/noodprocedures.html", cases=found, first=first, last=last, error=error,
                           only_open=only_open, local=_local)


@bp.get("/<int:case_id>")
@staff_view(*ROLES)
def show(case_id: int):
    return _show(case_id)


def _show(case_id: int, error: str | None = None, remark: str = "", verdict: str = "", status: int = 200):
    with context.database().session() as db:
        found = noodprocedure.cases(db, context.tenant().id, case_id=case_id, with_viewed=True)
    if not found:
        abort(404)
    case = found[0]
    trail.audit(staff.current(), Action.VIEW, "emergency.show", f"noodprocedure {case.id} bekeken",
                concerning=Concerning(patient_bsn=case.patient_bsn, patient_number=case.patient_number,
                                      account=case.provider_uzi))
    zone = context.clock().zone
    return render_template("backoffice/noodprocedure.html", case=case, verdicts=VERDICTS, error=error, remark=remark,
                           verdict=verdict, local=lambda moment: moment.astimezone(zone).strftime("%d-%m-%Y %H:%M"),
                           min_remark=MIN_REMARK), status


@bp.post("/<int:case_id>/oordeel")
@staff_view(*ROLES)
def judge(case_id: int):
    verdict = request.form.get("verdict", "")
    remark = normalise(request.form.get("remark", ""))
    if verdict not in VERDICTS:
        return _show(case_id, "Kies een oordeel.", remark, verdict, 400)
    if not MIN_REMARK <= len(remark) <= MAX_REMARK:
        return _show(case_id, f"Licht het oordeel toe (minimaal {MIN_REMARK}, maximaal {MAX_REMARK} tekens).",
                     remark, verdict, 400)
    member = staff.current()
    assert member is not None
    tenant_id = context.tenant().id
    with context.database().session() as db:
        found = noodprocedure.cases(db, tenant_id, case_id=case_id, with_viewed=True)
        if not found:
            abort(404)
        case = found[0]
        # Audited first: a verdict that cannot be logged is not kept.
        trail.audit(member, trail.CHANGE, "emergency.verdict", f"oordeel noodprocedure {case.id}: {VERDICTS[verdict]}",
                    concerning=Concerning(patient_bsn=case.patient_bsn, patient_number=case.patient_number,
                                          account=case.provider_uzi),
                    details={"emergency_access_id": str(case.id), "verdict": verdict})
        noodprocedure.record_verdict(db, tenant_id, case.id, verdict, remark, reviewer=member.name,
                                     subject=member.subject)
        db.commit()
    return redirect(url_for("noodprocedures.show", case_id=case_id))


REPORT_COLUMNS = ("Datum", "Zorgverlener", "UZI-nummer", "Praktijk", "Patiëntnummer", "Reden", "Adres",
                  "Patiënt bericht gestuurd", "Oordeel", "Toelichting", "Beoordeeld door")


def report_csv(cases: list[EmergencyCase], local) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(REPORT_COLUMNS)
    for c in cases:
        sent = c.notified_at.strftime("%d-%m-%Y") if c.notified_at else ("nee" if c.notification_queued else "-")
        writer.writerow(tuple(spreadsheet_safe(str(v or "")) for v in (
            local(c), c.provider_name, c.provider_uzi, c.practice, c.patient_number, c.reason, c.network_address,
            sent, c.verdict_name, c.remark, c.reviewer)))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@bp.get("/rapport.csv")
@staff_view(*ROLES)
def report():
    """Every noodprocedure of the period with its verdict, for the privacy officer's report."""
    first, last, _error = _period()
    found = _cases(first, last, only_open=False)
    member = staff.current()
    trail.write([trail.event(member, Action.EXPORT, "emergency.report", f"rapport noodprocedures {first} - {last}",
                             concerning=Concerning(patient_number=c.patient_number, account=c.provider_uzi))
                 for c in found] or [trail.event(member, Action.EXPORT, "emergency.report",
                                                 f"rapport noodprocedures {first} - {last}")])
    name = f"noodprocedures-{context.tenant().id}-{first:%Y%m%d}-{last:%Y%m%d}.csv"
    return Response(report_csv(found, _local), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
