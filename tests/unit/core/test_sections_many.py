"""``sections.load_many``: several sections of a page, concurrently for a connector that
asks for it, each failing on its own."""
from __future__ import annotations

import threading

import pytest

from portal.core import sections
from portal.epd.errors import EpdBadData, EpdTimeout, ItemNotFound


class Epd:
    """A connector whose two reads meet at a barrier: they pass only when run at once."""

    def __init__(self, concurrent: bool, meet: bool = True):
        self.concurrent_calls = concurrent
        self.meet = concurrent and meet
        self.barrier = threading.Barrier(2, timeout=5)
        self.threads: set[str] = set()

    def read(self, value):
        self.threads.add(threading.current_thread().name)
        if self.meet:
            self.barrier.wait()
        return [value]


def test_reads_run_at_the_same_time_when_the_connector_asks_for_it():
    epd = Epd(concurrent=True)
    got = sections.load_many({"a": (lambda c: c.read(1), "list_a"), "b": (lambda c: c.read(2), "list_b")}, epd)
    assert got == {"a": sections.Section((1,)), "b": sections.Section((2,))}
    assert all(name.startswith("portal-sections") for name in epd.threads)


def test_reads_run_one_by_one_in_the_request_thread_otherwise():
    epd = Epd(concurrent=False)
    got = sections.load_many({"a": (lambda c: c.read(1), "list_a"), "b": (lambda c: c.read(2), "list_b")}, epd)
    assert got == {"a": sections.Section((1,)), "b": sections.Section((2,))}
    assert epd.threads == {threading.current_thread().name}


@pytest.mark.parametrize("concurrent", [True, False])
def test_a_failing_read_fails_its_own_section_only(concurrent):
    epd = Epd(concurrent, meet=False)

    def timeout(_):
        raise EpdTimeout("slow")

    def unusable(_):
        raise EpdBadData("bad")

    got = sections.load_many({"ok": (lambda c: c.read(1), "list_ok"), "slow": (timeout, "list_slow"),
                              "bad": (unusable, "list_bad")}, epd)
    assert got["ok"] == sections.Section((1,))
    assert got["slow"].unavailable and not got["slow"].unusable and isinstance(got["slow"].error, EpdTimeout)
    assert got["bad"].unavailable and got["bad"].unusable and isinstance(got["bad"].error, EpdBadData)


def test_an_unknown_item_propagates_after_every_concurrent_read_ended():
    epd = Epd(True, meet=False)
    ended = threading.Event()

    def missing(_):
        raise ItemNotFound("no such letter")

    def slow(c):
        threading.Event().wait(0.05)
        ended.set()
        return [1]

    with pytest.raises(ItemNotFound):
        sections.load_many({"document": (missing, "get_letter"), "letters": (slow, "list_letters")}, epd)
    assert ended.is_set()
