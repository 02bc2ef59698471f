"""Dossier routes: the overview (record.index), one page per item, and the letters."""
from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template

from .. import context
from ..access import guard
from ..core import sections
from ..core.documents import document_response, is_inline, text_of
from ..core.navigation import find
from ..core.paging import paginate, requested_page
from ..epd.errors import EpdError, ItemNotFound, PatientNotFound
from ..epd.models import MedicationCategory, PatientSummary
from ..web.headers import allow_own_frames
from .pages import GROUP_INTROS, PAGES, RecordPage

bp = Blueprint("record", __name__, url_prefix="/dossier", template_folder="templates")

#: Dossier labels and groups, as the navigation names them.
MENU = {item.endpoint: item for item in find("record.index").children}


def _groups() -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for item in MENU.values():
        groups.setdefault(item.group or "", []).append(item)
    return list(groups.items())


@bp.get("/")
@guard.patient_view("Dossier")
def index(patient: PatientSummary):
    """The manual's table of the four groups, each item linking to its page."""
    groups = _groups()
    rows = max(len(items) for _, items in groups)
    return render_template("record/index.html", groups=groups, rows=rows, intros=GROUP_INTROS)


def _page_view(page: RecordPage):
    item = MENU[f"record.{page.endpoint}"]

    def view(patient: PatientSummary):
        section = sections.patient_list(page.method, patient.patient_id)
        items = [i for i in section.items if page.keep is None or page.keep(i)]
        listing = paginate(items, requested_page()) if page.paged else None
        return render_template(page.template, page=page, label=item.label, group=item.group,
                               intro=page.intro or GROUP_INTROS.get(item.group or ""), items=items, listing=listing,
                               unavailable=section.unavailable, endpoint=f"record.{page.endpoint}",
                               categories=list(MedicationCategory))

    view.__name__ = page.endpoint
    return guard.patient_view(item.label)(view)


for _page in PAGES:
    bp.add_url_rule(f"/{_page.path}", endpoint=_page.endpoint, view_func=_page_view(_page), methods=["GET"])


@bp.get("/brieven/<letter_id>")
@guard.patient_view(lambda letter_id: f"Brief {letter_id}", item=True)
def letter(patient: PatientSummary, letter_id: str):
    """The letter in a portal page (patient bar, title, author, date, the way back to
    Brieven), fetched from the EPD for the selected patient only: an id of another
    patient's letter is unknown here (404). A text letter is shown as text in the page;
    a PDF in a frame of ``letter_file``; any other type only as a download."""
    # The letter and the list naming it, at the same time (``sections.load_many``): the
    # page waits for the slower of the two. Without the list's entry the letter is still
    # shown (info None); without the letter the page is the EPD failure.
    try:
        got = sections.load_many({
            "document": (lambda epd: (epd.get_letter(patient.patient_id, letter_id),), "letter"),
            "letters": (lambda epd: epd.list_letters(patient.patient_id), "list_letters")})
    except (ItemNotFound, PatientNotFound):
        abort(404)
    if got["document"].error is not None:
        return guard.epd_failure(got["document"].error, "Brief")
    document = got["document"].items[0]
    info = next((i for i in got["letters"].items if i.id == letter_id), None)
    text = text_of(document)
    embedded = text is None and is_inline(document)
    response = make_response(render_template("record/letter.html", info=info, document=document, text=text,
                                             embedded=embedded, letter_id=letter_id))
    return allow_own_frames(response) if embedded else response


@bp.get("/brieven/<letter_id>/bestand")
@guard.patient_view(lambda letter_id: f"Brief {letter_id} (bestand)", item=True)
def letter_file(patient: PatientSummary, letter_id: str):
    """The letter's bytes, as the EPD gave them (a PDF), for the frame of the letter page
    and its download link; like every item route it needs the page's patient context."""
    try:
        document = context.connector().get_letter(patient.patient_id, letter_id)
    except (ItemNotFound, PatientNotFound):
        abort(404)
    except EpdError as error:
        return guard.epd_failure(error, "Brief")
    return document_response(document, embedded=True)
