"""The inzagelog as a file for the patient: CSV (for a spreadsheet) or PDF (to send).

Both are in Dutch. CSV uses ``;`` and a UTF-8 byte-order mark, as Dutch spreadsheet
programs expect. The PDF embeds DejaVu Sans when installed (Debian: fonts-dejavu-core) so
every character of a reason prints; without it, the built-in Helvetica is used and
characters outside Latin-1 are replaced by "?".
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

from ..core.freetext import spreadsheet_safe
from ..db import Database
from .inzagelog import LOCAL_ZONE, AccessLogEntry, access_log

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
COLUMNS = ("Datum", "Tijd", "Organisatie / praktijk", "Functie", "Wat is ingezien", "Noodprocedure",
           "Reden noodprocedure")
EMERGENCY_NOTE = ("Noodprocedure: een dienstdoende huisarts op een huisartsenpost heeft uw dossier geopend zonder "
                  "bekende behandelrelatie, met opgave van de reden die hierboven staat.")


def _cells(entry: AccessLogEntry) -> tuple[str, ...]:
    return (entry.occurred_at.strftime("%d-%m-%Y"), entry.occurred_at.strftime("%H:%M"), entry.organisation,
            entry.function, entry.activity, "ja" if entry.emergency else "nee", entry.emergency_reason or "")


def to_csv(entries: list[AccessLogEntry]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    # Reasons and practice names are typed by people: never let a spreadsheet run them.
    writer.writerows(tuple(spreadsheet_safe(cell) for cell in _cells(e)) for e in entries)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _dutch_date(value: date) -> str:
    return value.strftime("%d-%m-%Y")


@cache
def _document_class() -> Any:
    """The PDF document class, made at the first PDF: the PDF library takes a quarter of a
    second to import, which a CSV export or any other audit command need not pay."""
    from fpdf import FPDF

    class _Document(FPDF):
        def __init__(self, hospital: str):
            super().__init__(orientation="landscape", format="A4")
            self.hospital = hospital
            self.unicode = (FONT_DIR / "DejaVuSans.ttf").exists() and (FONT_DIR / "DejaVuSans-Bold.ttf").exists()
            if self.unicode:
                self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
                self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.family = "DejaVu" if self.unicode else "Helvetica"
            self.set_auto_page_break(True, margin=15)
            self.alias_nb_pages()

        def text_of(self, value: str) -> str:
            return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(self.family, "", 8)
            self.cell(0, 5, self.text_of(f"{self.hospital} — inzagelog — pagina {self.page_no()} van {{nb}}"),
                      align="C")

    return _Document


def archived_note(archived_until: date) -> str:
    """The sentence that says which period is no longer in the database (archived)."""
    return (f"Gegevens tot en met {_dutch_date(archived_until)} zijn gearchiveerd en staan niet in dit overzicht; "
            "het ziekenhuis kan ze op verzoek uit het archief opvragen.")


def to_pdf(entries: list[AccessLogEntry], *, hospital: str, bsn: str, first: date, last: date,
           created: datetime | None = None, archived_until: date | None = None) -> bytes:
    """The inzagelog as a PDF. ``archived_until``: the last day of records archived out of the
    database, said in the overview when the period reaches back to it."""
    created = (created or datetime.now(LOCAL_ZONE)).astimezone(LOCAL_ZONE)
    from fpdf.fonts import FontFace

    pdf = _document_class()(hospital)
    pdf.set_title(f"Inzagelog {hospital}")
    pdf.set_creator("zorgverlenersportaal")
    pdf.add_page()
    t = pdf.text_of
    pdf.set_font(pdf.family, "B", 16)
    pdf.cell(0, 10, t("Inzagelog: wie heeft uw dossier geraadpleegd?"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 10)
    for line in (f"Ziekenhuis: {hospital}", f"BSN: {bsn}",
                 f"Periode: {_dutch_date(first)} tot en met {_dutch_date(last)}",
                 f"Opgemaakt op: {created.strftime('%d-%m-%Y %H:%M')}",
                 "Dit overzicht toont welke zorgverleners buiten het ziekenhuis (functienaam en praktijk) via het "
                 "zorgverlenersportaal uw gegevens hebben geraadpleegd. Tijden zijn Nederlandse tijd.",
                 *([archived_note(archived_until)] if archived_until is not None and first <= archived_until else [])):
        pdf.multi_cell(0, 5, t(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if not entries:
        pdf.set_font(pdf.family, "B", 11)
        pdf.cell(0, 8, t("In deze periode heeft geen zorgverlener uw gegevens geraadpleegd."))
        return bytes(pdf.output())
    pdf.set_font(pdf.family, "", 8.5)
    heading = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))
    with pdf.table(col_widths=(20, 12, 52, 38, 70, 22, 63), headings_style=heading, line_height=4.5,
                   text_align="LEFT", repeat_headings=1) as table:
        table.row([t(c) for c in COLUMNS])
        for entry in entries:
            table.row([t(c) for c in _cells(entry)])
    if any(e.emergency for e in entries):
        pdf.ln(3)
        pdf.multi_cell(0, 5, t(EMERGENCY_NOTE))
    return bytes(pdf.output())


@dataclass(frozen=True)
class InzagelogFile:
    """One patient's inzagelog as ``portal audit export`` and the back office make it."""

    content: bytes
    fmt: str  # "csv" or "pdf"
    entries: int
    archived_until: date | None  # the last archived day, when the period reaches back to it

    @property
    def media_type(self) -> str:
        return "text/csv" if self.fmt == "csv" else "application/pdf"


def archived_day(database: Database, tenant_id: str) -> date | None:
    """The Dutch day of the newest archived record of the tenant, if any were archived."""
    from .archive import archived_until

    until = archived_until(database, tenant_id)
    if until is None:
        return None
    return (until.replace(tzinfo=timezone.utc) if until.tzinfo is None else until).astimezone(LOCAL_ZONE).date()


def inzagelog_file(database: Database, tenant_id: str, hospital: str, bsn: str, first: date, last: date,
                   fmt: str) -> InzagelogFile:
    """The patient's inzagelog over ``first``..``last`` as a CSV or PDF. ``bsn`` must be valid
    already (``inzagelog.valid_bsn``). Writes no audit record: the caller audits the export
    before handing the file out (raises ``SQLAlchemyError`` when the database fails)."""
    if fmt not in ("csv", "pdf"):
        raise ValueError(f"unknown format {fmt!r}")
    entries = access_log(database, tenant_id, bsn, first, last)
    archived = archived_day(database, tenant_id)
    content = (to_csv(entries) if fmt == "csv" else
               to_pdf(entries, hospital=hospital, bsn=bsn, first=first, last=last, archived_until=archived))
    return InzagelogFile(content, fmt, len(entries),
                         archived if archived is not None and first <= archived else None)
