import pytest

from portal.access.network import in_ranges

RANGES = ("10.88.0.0/16", "2001:db8:88::/48")


@pytest.mark.parametrize("address, expected", [
    ("10.88.1.2", True), ("10.89.0.1", False), ("::ffff:10.88.0.7", True), ("2001:db8:88::1", True),
    ("2001:db8:89::1", False), ("not-an-ip", False), ("", False), (None, False), ("10.88.1.2 ", False),
])
def test_in_ranges(address, expected):
    assert in_ranges(address, RANGES) is expected


def test_no_ranges_means_no_hap():
    assert in_ranges("10.88.1.2", ()) is False
