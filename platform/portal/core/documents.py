"""Sending a letter or image of the EPD to the browser, through the portal only.

The EPD's own addresses never reach the browser: views fetch the bytes with the connector
and answer with ``document_response``. Only content types a browser shows safely are sent
as they are; anything else (HTML, SVG, scripts) goes out as an opaque download, so a
document can never run code in the portal's origin.
"""
from __future__ import annotations

import re

from flask import Response

from ..epd.models import Document

#: Types shown in the browser as they are ("inline").
INLINE_TYPES = frozenset({"application/pdf", "text/plain", "image/png", "image/jpeg", "image/gif", "image/webp"})


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _filename(title: str, media_type: str) -> str:
    """An ASCII file name for Content-Disposition (quotes and separators removed)."""
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "", title).strip(" .") or "document"
    extension = {"application/pdf": ".pdf", "text/plain": ".txt", "image/png": ".png", "image/jpeg": ".jpg",
                 "image/gif": ".gif", "image/webp": ".webp"}.get(media_type, ".bin")
    return stem[:80] + extension


def is_inline(document: Document) -> bool:
    """Whether the browser shows ``document`` itself (and a page may embed it)."""
    return _media_type(document.content_type) in INLINE_TYPES


def text_of(document: Document) -> str | None:
    """The text of a text/plain document (its charset, else UTF-8; undecodable bytes
    replaced), or None for any other type: what a portal page may show as text."""
    if _media_type(document.content_type) != "text/plain":
        return None
    charset = re.search(r"charset=\"?([A-Za-z0-9_.:-]{1,40})", document.content_type)
    try:
        return document.data.decode(charset.group(1) if charset else "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return document.data.decode("utf-8", errors="replace")


def document_response(document: Document, *, embedded: bool = False) -> Response:
    """The response carrying ``document``: its own Content-Type when safe (inline), else
    application/octet-stream as an attachment; never cached, never sniffed, sandboxed.

    ``embedded``: the document is shown in a frame of a portal page of the same origin
    (a PDF letter), so it may be framed by the portal itself (``frame-ancestors 'self'``,
    X-Frame-Options SAMEORIGIN), never by another site."""
    media_type = _media_type(document.content_type)
    if media_type in INLINE_TYPES:
        content_type = media_type
        if media_type == "text/plain":
            charset = re.search(r"charset=\"?([A-Za-z0-9_.:-]{1,40})", document.content_type)
            content_type = f"text/plain; charset={charset.group(1) if charset else 'utf-8'}"
        disposition = "inline"
    else:
        content_type, disposition = "application/octet-stream", "attachment"
    response = Response(document.data, content_type=content_type)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{_filename(document.title, media_type)}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    ancestors = "'self'" if embedded else "'none'"
    if media_type != "application/pdf":
        # Browsers' PDF viewers do not run in a sandbox; every other document can.
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; img-src 'self'; frame-ancestors {ancestors}; sandbox")
    else:
        response.headers["Content-Security-Policy"] = f"default-src 'none'; frame-ancestors {ancestors}"
    if embedded:
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
