"""The manual's navigation bar, as data.

Every screen module registers its views under the endpoint named here; an item whose
endpoint does not exist yet, or whose menu the tenant has not enabled, is shown disabled
(never a dead link) or, for a disabled tenant menu, not at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, render_template, request
from markupsafe import Markup


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    children: tuple["NavItem", ...] = field(default=())
    menu: str | None = None  # tenant menu key (schema.MENU_ITEMS); None = always present
    group: str | None = None  # heading a child is listed under (Dossier's four groups)


@dataclass(frozen=True)
class NavEntry:
    """A NavItem resolved for one app: whether its endpoint exists."""

    label: str
    endpoint: str
    available: bool
    children: tuple["NavEntry", ...] = ()
    group: str | None = None

    def __post_init__(self) -> None:
        # Computed once per app (entries are cached): the bar asks on every page which item
        # holds the current endpoint; a filter over the children per item per page cost
        # more than the rest of the bar.
        object.__setattr__(self, "endpoints", frozenset({self.endpoint, *(c.endpoint for c in self.children)}))

    def holds(self, endpoint: str | None) -> bool:
        """Is ``endpoint`` this item or one of its children (the item is then active)?"""
        return endpoint in self.endpoints  # type: ignore[attr-defined]


def _items(*pairs: tuple[str, str], group: str | None = None) -> tuple[NavItem, ...]:
    return tuple(NavItem(label, endpoint, group=group) for label, endpoint in pairs)


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Home", "core.home"),
    NavItem("Patiënt zoeken", "search.search", menu="patient_search", children=_items(
        ("Patiënt zoeken", "search.search"),
        ("Klinische patiënten", "search.admitted_patients"),
        ("SEH overzicht", "search.emergency_department"),
        ("Recente", "search.recent_patients"),
    ) + (NavItem("Mijn patiënten in het ziekenhuis", "worklist.worklist", menu="worklist"),)),
    NavItem("Patiëntinformatie", "patient.info", menu="patient_info"),
    NavItem("Zorgmomenten", "care_events.index", menu="care_events", children=_items(
        ("Afspraken", "care_events.appointments"),
        ("Operatieoverzicht", "care_events.operations"),
        ("Opnameoverzicht", "care_events.admissions"),
        ("SEH-registraties", "care_events.emergency_department"),
        ("Verwijzingen", "care_events.referrals"),
    )),
    NavItem("Dossier", "record.index", menu="record", children=(
        *_items(("Allergieën", "record.allergies"),
                ("Aandoeningen", "record.conditions"),
                ("Alcohol, tabak en drugs", "record.substance_use"),
                ("Diagnoses", "record.diagnoses"),
                ("Implantaten", "record.implants"),
                ("Ingebrachte materialen", "record.inserted_materials"),
                ("Lichamelijke en geestelijke toestand", "record.state_observations"),
                ("Medicatie", "record.medication"),
                ("Medische hulpmiddelen", "record.medical_aids"), group="Medische gegevens"),
        *_items(("Behandelverslagen", "record.treatment_reports"),
                ("Brieven", "record.letters"),
                ("Signaleringen", "record.alerts"),
                ("Verrichtingen", "record.procedures"), group="Rapporten"),
        *_items(("Problemen, doelen en scores", "record.nursing_problems"),
                ("Verpleegkundig behandelplan", "record.nursing_care_plan"),
                ("Verpleegkundige verslagen", "record.nursing_reports"), group="Verpleegkundig dossier"),
        *_items(("Advies voor eten en drinken", "record.nutrition_advice"),
                ("Afspraken over eten en drinken", "record.nutrition_agreements"),
                ("Behandelbeperking", "record.treatment_restrictions"),
                ("MDO", "record.mdo"), group="Overig"),
    )),
    NavItem("Uitslagen", "results.index", menu="results", children=_items(
        ("Recente uitslagen", "results.recent"),
        ("Labuitslagen", "results.lab"),
        ("Metingen", "results.measurements"),
        ("Microbiologie", "results.microbiology"),
        ("Pathologie", "results.pathology"),
        ("Radiologie en Nucleaire onderzoeken", "results.imaging"),
    )),
    NavItem("Aanvragen", "orders.index", menu="orders"),
)


def _resolve(item: NavItem, app: Flask, tenant) -> NavEntry:
    return NavEntry(
        label=item.label,
        endpoint=item.endpoint,
        available=item.endpoint in app.view_functions,
        children=tuple(_resolve(child, app, tenant) for child in item.children
                       if child.menu is None or tenant.menu_enabled(child.menu)),
        group=item.group,
    )


def find(endpoint: str) -> NavItem:
    """The top-level item ``endpoint`` names (e.g. "record.index" for the Dossier overview)."""
    return next(item for item in NAVIGATION if item.endpoint == endpoint)


def navigation_for(app: Flask, tenant) -> tuple[NavEntry, ...]:
    """The navigation bar for ``app``: tenant-disabled menus left out, unbuilt screens disabled."""
    cache = app.extensions.setdefault("portal.navigation", {})
    if "bar" not in cache:
        cache["bar"] = tuple(_resolve(item, app, tenant) for item in NAVIGATION
                             if item.menu is None or tenant.menu_enabled(item.menu))
    return cache["bar"]


def sub_groups(children) -> list[tuple[str | None, list]]:
    """``children`` under their groups, in the navigation's order (Dossier: Medische
    gegevens, Rapporten, Verpleegkundig dossier, Overig); a group of None holds the
    ungrouped ones."""
    groups: dict[str | None, list] = {}
    for child in children:
        groups.setdefault(child.group, []).append(child)
    return list(groups.items())


def navigation_bar(app: Flask, tenant) -> Markup:
    """The bar rendered for this request's endpoint, once per endpoint and app.

    ``_navigation.html`` (a tenant may override it) may depend on ``navigation`` and
    ``request.endpoint`` only: it is the same for every user and patient, and rendering its
    ~50 links anew cost a sixth of a page's template time. Not cached while templates
    auto-reload (development), so edits show at once."""
    key = (request.endpoint, request.script_root)
    cache = app.extensions.setdefault("portal.navigation", {}).setdefault("html", {})
    html = cache.get(key)
    if html is None:
        html = Markup(render_template("_navigation.html", navigation=navigation_for(app, tenant),
                                      sub_groups=sub_groups))
        if not app.jinja_env.auto_reload:
            cache[key] = html
    return html
