"""Templates are compiled once, before gunicorn forks its workers (``portal.wsgi``)."""
from __future__ import annotations

from portal.app import compile_templates


def test_every_template_is_compiled_into_the_cache(app, monkeypatch):
    names = app.jinja_env.list_templates()
    assert compile_templates(app) == len(names) and "layout.html" in names

    def no_source(*args, **kwargs):
        raise AssertionError("a template was loaded again after compile_templates")

    # From the cache: not one template needs its source again.
    monkeypatch.setattr(app.jinja_env.loader, "get_source", no_source)
    for name in names:
        assert app.jinja_env.get_template(name).name == name
