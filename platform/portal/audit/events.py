"""What callers hand to the audit log: ``AuditEvent`` with an ``Action``.

The fields follow NEN 7513 (see docs/domain.md, "NEN 7513 and the inzagelog"): what happened (``action``,
``outcome``), who (``user_*``) and on whose behalf (``responsible_uzi``), from where
(``network_address``), in which system (``tenant_id``, ``system``), which patient
(``patient_bsn``, ``patient_number``), which data (``data``) and on what grounds
(``grounds``). The time is added by ``record()`` when the record is appended.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

OUTCOMES = ("success", "failure", "denied")


class Action(str, enum.Enum):
    """The kinds of event the portal logs. The value is what is stored."""

    LOGIN = "login"
    LOGOUT = "logout"
    SEARCH = "search"
    #: A patient shown as a row of a list (search results, Klinische patiënten, SEH
    #: overzicht, Recente): one record per patient, so it is in that patient's inzagelog.
    LISTED = "listed"
    VIEW = "view"
    EXPORT = "export"
    PRINT = "print"
    EMERGENCY_ACCESS = "emergency_access"
    DEATH_NOTIFICATION = "death_notification"
    ORDER = "order"
    #: A change hospital staff made in the portal's own records from the back office (a
    #: noodprocedure verdict, a deactivated account, a processed death notification).
    CHANGE = "change"
    ACCESS_DENIED = "access_denied"

    def __str__(self) -> str:
        return self.value


class AuditWriteError(Exception):
    """The audit record could not be written. Callers must not show the patient data
    the event was about (fail closed)."""


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One event to log. All fields but ``action``, ``outcome`` and ``tenant_id`` are optional.

    - ``user_uzi``, ``user_name``, ``user_role`` (UZI role code, e.g. "01.015"), ``user_agb``:
      the provider who acted; ``user_organisation``: their practice/organisation name.
    - ``responsible_uzi``: the provider on whose behalf (N/M cards); None = self.
    - ``data``: what was concerned, e.g. "Labuitslagen" or "Brief 123".
    - ``grounds``: why access was allowed, e.g. "consent+registered_gp" or
      "emergency_access: <reason>".
    - ``details``: further string pairs, e.g. search criteria or a refusal code.
    - ``system``: the source system; None = the tenant's ``audit.system_name``.

    Raises ``ValueError`` for an unknown action or outcome, an empty tenant or
    non-string details.
    """

    action: Action
    outcome: str
    tenant_id: str
    user_uzi: str | None = None
    user_name: str | None = None
    user_role: str | None = None
    user_agb: str | None = None
    responsible_uzi: str | None = None
    network_address: str | None = None
    patient_bsn: str | None = None
    patient_number: str | None = None
    data: str | None = None
    grounds: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)
    user_organisation: str | None = None
    system: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", Action(self.action))
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {self.outcome!r}")
        if not self.tenant_id:
            raise ValueError("tenant_id is required")
        details = dict(self.details)
        for key, value in details.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise ValueError(f"details must map strings to strings (key {key!r})")
        object.__setattr__(self, "details", details)
