"""The navigation bar marks the item holding the current page, and opens only its sub-menu."""
from __future__ import annotations

import re

from portal.core.navigation import navigation_for


def test_an_item_holds_itself_and_its_children_only(app):
    bar = {item.endpoint: item for item in navigation_for(app, app.extensions["portal.tenant"])}
    record = bar["record.index"]
    assert record.holds("record.index") and record.holds("record.allergies")
    assert not record.holds("search.search") and not record.holds(None)


def test_the_current_page_marks_its_item_and_opens_its_sub_menu(client, login_as):
    login_as(client)
    html = client.get("/patient-zoeken").get_data(as_text=True)
    active = re.findall(r'<li class="nav-item active">\s*<a href="([^"]+)"', html)
    assert active == ["/patient-zoeken"]
    sub_menus = re.findall(r'<ul class="sub-nav" aria-label="([^"]+)"', html)
    assert sub_menus == ["Patiënt zoeken"]


def _active(html: str) -> list[str]:
    return re.findall(r'<li class="nav-item active">\s*<a href="([^"]+)"', html)


def test_the_bar_is_rendered_once_per_endpoint_yet_marks_every_page(client, login_as, app):
    login_as(client)
    for path in ("/patient-zoeken", "/", "/patient-zoeken", "/"):
        assert _active(client.get(path).get_data(as_text=True)) == [path]
    cached = app.extensions["portal.navigation"]["html"]
    assert {"search.search", "core.home"} <= {endpoint for endpoint, _root in cached}
