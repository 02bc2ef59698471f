"""Importing the ZorgNetOost registration file (aanmelden / afmelden).

Contract: ``parse_registration(text)`` returns the rows or raises ``RegistrationFileError``
listing every bad line (number and reason); ``apply_registration(session, tenant_id,
rows)`` validates the rows against the database (afmelden needs an existing account) and
only then creates, updates and deactivates, returning the counts. Deactivation ends that
provider's sessions in the same transaction, so it takes effect at once everywhere.

The header starts with the columns of ``HEADER``; any of ``OPTIONAL_COLUMNS`` may follow,
in any order. An optional column the file has sets that field (an empty cell clears it); one
it lacks leaves the field as it was, so files from before a column existed keep working.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.sessions import end_sessions
from .models import Account

HEADER = ("uzi_number", "agb_code", "name", "role", "practice_name", "practice_agb", "status")
STATUSES = ("aanmelden", "afmelden")
#: Optional column -> (its pattern, the problem when a non-empty cell does not match it).
OPTIONAL_COLUMNS: dict[str, tuple[str, str]] = {
    # The Dezi-nummer (logging in with Dezi); a concept of 2026, so any 1-32 digits.
    "dezi_number": (r"[0-9]{1,32}", "dezi_number must be 1-32 digits or empty"),
    # The URA (UZI-register abonneenummer) of the provider's organisation, checked at a Dezi login.
    "ura": (r"[0-9]{8}", "ura must be 8 digits or empty"),
    # Where the worklist's notification e-mail may go without a confirmation link (Meldingen).
    "email": (r"[^@\s<>\"(),;:]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}", "email is not an e-mail address"),
}


class RegistrationFileError(Exception):
    """The file cannot be imported; ``problems`` holds "line N: reason" for each bad line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class RegistrationRow:
    line: int
    uzi_number: str
    agb_code: str
    name: str
    role: str
    practice_name: str | None
    practice_agb: str | None
    status: str
    #: The optional columns the file has, each with its value (None: an empty cell).
    extra: dict[str, str | None] = field(default_factory=dict)


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0
    sessions_ended: int = 0
    changes: list[str] = field(default_factory=list)


def _problems_of(values: dict[str, str]) -> list[str]:
    problems = []
    if not re.fullmatch(r"[0-9]{9}", values["uzi_number"]):
        problems.append("uzi_number must be 9 digits")
    if not re.fullmatch(r"[0-9]{8}", values["agb_code"]):
        problems.append("agb_code must be 8 digits")
    if not values["name"]:
        problems.append("name is empty")
    elif len(values["name"]) > 200:
        problems.append("name is longer than 200 characters")
    if not re.fullmatch(r"[0-9]{2}\.[0-9]{3}", values["role"]):
        problems.append("role must look like 01.015")
    if values["practice_agb"] and not re.fullmatch(r"[0-9]{8}", values["practice_agb"]):
        problems.append("practice_agb must be 8 digits or empty")
    if len(values["practice_name"]) > 200:
        problems.append("practice_name is longer than 200 characters")
    if values["status"] not in STATUSES:
        problems.append(f"status must be aanmelden or afmelden, not {values['status']!r}")
    return problems


def parse_registration(text: str) -> list[RegistrationRow]:
    """Every line checked before anything is used; raises ``RegistrationFileError``."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise RegistrationFileError(["line 1: the file is empty"]) from None
    except csv.Error as exc:
        raise RegistrationFileError([f"line 1: {exc}"]) from None
    names = tuple(h.strip() for h in header)
    optional = names[len(HEADER):]
    if names[:len(HEADER)] != HEADER or len(set(optional)) != len(optional) \
            or any(name not in OPTIONAL_COLUMNS for name in optional):
        raise RegistrationFileError([f"line 1: header must be {','.join(HEADER)}, optionally followed by any of "
                                     f"{','.join(OPTIONAL_COLUMNS)}"])
    columns = HEADER + optional
    rows: list[RegistrationRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(columns):
                problems.append(f"line {line}: expected {len(columns)} fields, found {len(record)}")
                continue
            values = {key: cell.strip() for key, cell in zip(columns, record)}
            found = _problems_of(values)
            for name in optional:
                pattern, problem = OPTIONAL_COLUMNS[name]
                if values[name] and not re.fullmatch(pattern, values[name]):
                    found.append(problem)
            if values["uzi_number"] in seen:
                found.append(f"uzi_number {values['uzi_number']} also on line {seen[values['uzi_number']]}")
            seen.setdefault(values["uzi_number"], line)
            dezi = values.get("dezi_number")
            if dezi and f"dezi:{dezi}" in seen:
                found.append(f"dezi_number {dezi} also on line {seen[f'dezi:{dezi}']}")
            if dezi:
                seen.setdefault(f"dezi:{dezi}", line)
            problems.extend(f"line {line}: {reason}" for reason in found)
            if not found:
                rows.append(RegistrationRow(
                    line=line, uzi_number=values["uzi_number"], agb_code=values["agb_code"], name=values["name"],
                    role=values["role"], practice_name=values["practice_name"] or None,
                    practice_agb=values["practice_agb"] or None, status=values["status"],
                    extra={name: values[name] or None for name in optional}))
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc}")
    if problems:
        raise RegistrationFileError(problems)
    return rows


def apply_registration(session: Session, tenant_id: str, rows: list[RegistrationRow]) -> ImportCounts:
    """Apply validated rows in the caller's transaction; raises before changing anything
    if an afmelden line names no account."""
    existing = {a.uzi_number: a for a in session.scalars(
        select(Account).where(Account.tenant_id == tenant_id, Account.uzi_number.in_([r.uzi_number for r in rows])))}
    missing = [f"line {r.line}: afmelden for UZI number {r.uzi_number}, which has no account at {tenant_id}"
               for r in rows if r.status == "afmelden" and r.uzi_number not in existing]
    if missing:
        raise RegistrationFileError(missing)
    _check_dezi_numbers(session, tenant_id, rows)
    counts, ended = ImportCounts(), []
    for row in rows:
        account = existing.get(row.uzi_number)
        if row.status == "afmelden":
            assert account is not None  # checked above: afmelden of an unknown account is refused
            if account.active:
                account.active = False
                ended.append(account.id)
                counts.deactivated += 1
            else:
                counts.unchanged += 1
            continue
        fields = dict(agb_code=row.agb_code, name=row.name, role=row.role, practice_name=row.practice_name,
                      practice_agb=row.practice_agb, active=True, **row.extra)
        if account is None:
            session.add(Account(tenant_id=tenant_id, uzi_number=row.uzi_number, **fields))
            counts.created += 1
        elif any(getattr(account, key) != value for key, value in fields.items()):
            for key, value in fields.items():
                setattr(account, key, value)
            counts.updated += 1
        else:
            counts.unchanged += 1
    session.flush()
    counts.sessions_ended = end_sessions(session, ended)
    return counts


def _check_dezi_numbers(session: Session, tenant_id: str, rows: list[RegistrationRow]) -> None:
    """A Dezi-nummer names one account per tenant: refuse (before any change) a row giving
    one that another account holds and keeps after this file."""
    given = {r.extra["dezi_number"]: r for r in rows if r.extra.get("dezi_number")}
    if not given:
        return
    changing = {r.uzi_number for r in rows if "dezi_number" in r.extra and r.status == "aanmelden"}
    holders = session.scalars(select(Account).where(Account.tenant_id == tenant_id,
                                                    Account.dezi_number.in_(list(given))))
    clashes = [f"line {given[a.dezi_number].line}: dezi_number {a.dezi_number} belongs to UZI number "
               f"{a.uzi_number} at {tenant_id}" for a in holders
               if a.dezi_number and a.uzi_number != given[a.dezi_number].uzi_number and a.uzi_number not in changing]
    if clashes:
        raise RegistrationFileError(clashes)
