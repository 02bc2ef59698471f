"""Keep patient identifiers out of ordinary logs (the audit log is the place for them).

``install()`` wraps the logging record factory, so every record of every logger —
the portal's, Flask's, SQLAlchemy's, gunicorn's — is scrubbed when it is made, before
any handler or formatter sees it: the formatted message and any traceback text have
BSN-like numbers (nine digits, also written 1234.56.789) and patient-number-like values
(seven to ten digits, optionally after up to three capitals) replaced by ``[nummer]``.
That takes UZI numbers and AGB codes along too, which is no loss in an ordinary log.
"""
from __future__ import annotations

import logging
import re
import traceback

REPLACEMENT = "[nummer]"
_IDENTIFIER = re.compile(r"(?<![\w.])(?:[A-Z]{1,3})?\d{7,10}(?![\w])|(?<![\w.])\d{4}[. ]\d{2}[. ]\d{3}(?![\w])")
_MARK = "_portal_scrubbed"


def scrub(text: str) -> str:
    """``text`` with identifier-like numbers replaced."""
    return _IDENTIFIER.sub(REPLACEMENT, text)


def _scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string must not lose the record
        message = f"{record.msg!r} {record.args!r}"
    record.msg, record.args = scrub(message), None
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        # Formatters print exc_text when set; keeping exc_info would not print it twice, but
        # handlers that re-format (e.g. pytest's) must not see the unscrubbed original.
        record.exc_info = None
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    return record


def install() -> None:
    """Scrub every log record from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, _MARK, False):
        return

    def scrubbing_factory(*args, **kwargs):
        return _scrub_record(factory(*args, **kwargs))

    setattr(scrubbing_factory, _MARK, True)
    logging.setLogRecordFactory(scrubbing_factory)
