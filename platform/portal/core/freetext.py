"""Free text as it will be stored and shown: what a provider typed, nothing hidden in it.

A reason or remark goes into the audit log and to the hospital's staff. Unicode offers
many ways to make text look other than it is (compatibility forms, invisible format
characters such as right-to-left overrides and zero-width joiners, control characters),
so every free-text field is normalised before its length is checked and before it is
stored.
"""
from __future__ import annotations

import unicodedata

#: Unicode categories removed: controls (Cc), format characters (Cf), unassigned (Cn),
#: private use (Co), surrogates (Cs). Line breaks are kept where ``multiline``.
_REMOVED = {"Cc", "Cf", "Cn", "Co", "Cs"}


def normalise(value: object, *, multiline: bool = False) -> str:
    """NFKC, without control and format characters; runs of spaces become one space and
    the ends are stripped (per line when ``multiline``, keeping the line breaks)."""
    text = unicodedata.normalize("NFKC", str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(ch for ch in text if (multiline and ch == "\n") or unicodedata.category(ch) not in _REMOVED
                   or ch in " \t")
    if multiline:
        lines = [" ".join(line.split()) for line in kept.split("\n")]
        return "\n".join(lines).strip("\n")
    return " ".join(kept.split())


#: What a spreadsheet reads as the start of a formula (or, after a tab or line break, of a
#: cell that becomes one): =, +, -, @, tab and carriage return.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading apostrophe before anything it
    would take for a formula (OWASP's advice on CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value
