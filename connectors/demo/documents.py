"""Letters and images of the demo EPD, rendered on request (nothing large is stored).

Letters are plain UTF-8 text (the portal serves them as a download/inline text, never as
HTML). Images are deterministic grayscale PNGs resembling a radiograph, drawn from the
image id so the same id always gives the same picture.
"""
from __future__ import annotations

import math
import random
import struct
import zlib
from datetime import date

from portal.epd.models import Document, PatientSummary


def letter(summary: PatientSummary, payload: dict, letter_date: date, hospital: str) -> Document:
    title = payload["title"]
    lines = [
        hospital,
        "",
        f"Aan: {payload.get('addressee') or 'de huisarts'}",
        f"Datum: {letter_date.strftime('%d-%m-%Y')}",
        f"Betreft: {summary.display_name}, geboren {summary.birth_date.strftime('%d-%m-%Y')}",
        "",
        "Geachte collega,",
        "",
        f"Uw patiënt(e) werd gezien op de polikliniek {str(payload.get('specialty') or '').lower()}.",
        f"Diagnose: {payload.get('diagnosis') or 'zie eerdere correspondentie'}.",
        "Beleid: controle volgens afspraak; bij vragen kunt u contact met ons opnemen.",
        "",
        "Met vriendelijke groet,",
        "",
        payload.get("author") or "",
    ]
    return Document(content_type="text/plain; charset=utf-8", data="\n".join(lines).encode("utf-8"), title=title)


def image(image_id: str, title: str, size: int = 256) -> Document:
    """A ``size`` x ``size`` grayscale PNG: a soft oval 'bone' on noise, unique per id."""
    rng = random.Random(image_id)
    cx, cy = size * rng.uniform(0.35, 0.65), size * rng.uniform(0.35, 0.65)
    rx, ry = size * rng.uniform(0.12, 0.3), size * rng.uniform(0.25, 0.42)
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter type: none
        for x in range(size):
            d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2
            level = 40 + 20 * math.sin(x / 17.0) * math.cos(y / 23.0) + rng.randint(0, 18)
            if d < 1.0:
                level += 150 * (1.0 - d) ** 0.5
            rows.append(max(0, min(255, int(level))))
    return Document(content_type="image/png", data=_png(size, size, bytes(rows)), title=title)


def _png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grayscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
