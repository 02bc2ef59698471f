"""Where a request comes from: is it a huisartsenpost (HAP) of this tenant?"""
from __future__ import annotations

import ipaddress
from functools import lru_cache


@lru_cache(maxsize=64)
def _networks(ranges: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(r, strict=False) for r in ranges)


def in_ranges(address: str | None, ranges: tuple[str, ...]) -> bool:
    """True when ``address`` lies in one of ``ranges``; malformed or missing addresses never do."""
    if not address or not ranges:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in _networks(ranges))
