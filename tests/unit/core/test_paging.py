"""The shared paging helper: slices, clamping, and the page number from the query string."""
import pytest
from flask import Flask

from portal.core.paging import paginate, requested_page


def test_slices_a_list_into_pages():
    items = list(range(1, 61))
    page = paginate(items, 2, per_page=25)
    assert page.items == tuple(range(26, 51))
    assert (page.page, page.pages, page.total) == (2, 3, 60)
    assert (page.first, page.last) == (26, 50)
    assert page.has_previous and page.has_next


def test_last_page_holds_the_rest():
    page = paginate(list(range(60)), 3, per_page=25)
    assert len(page.items) == 10
    assert (page.first, page.last) == (51, 60)
    assert not page.has_next


@pytest.mark.parametrize("asked, expected", [(0, 1), (-4, 1), (99, 3)])
def test_out_of_range_pages_are_clamped(asked, expected):
    assert paginate(list(range(60)), asked, per_page=25).page == expected


def test_an_empty_list_is_one_empty_page():
    page = paginate([], 5)
    assert (page.items, page.page, page.pages, page.total, page.first, page.last) == ((), 1, 1, 0, 0, 0)
    assert not page.has_previous and not page.has_next


def test_per_page_must_be_positive():
    with pytest.raises(ValueError):
        paginate([1], 1, per_page=0)


@pytest.mark.parametrize("query, expected", [("", 1), ("?pagina=3", 3), ("?pagina=abc", 1), ("?pagina=-2", 1),
                                             ("?pagina=99999999999", 1)])
def test_requested_page_reads_the_query_string(query, expected):
    with Flask(__name__).test_request_context(f"/lijst{query}"):
        assert requested_page() == expected


def test_page_url_keeps_the_other_lists_page():
    from portal.core.paging import page_url

    app = Flask(__name__)
    app.add_url_rule("/lijst", "lijst", lambda: "")
    with app.test_request_context("/lijst?pagina=2&verleden=3"):
        url = page_url(4, "verleden")
    assert url == "/lijst?pagina=2&verleden=4"
