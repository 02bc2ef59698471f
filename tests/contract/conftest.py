"""Parametrizes the contract suite over every registered connector (see README.md here).

The ``contract`` fixture is module-scoped: each connector's factory runs once per test
module, as setting up its data (generating a database, loading a FHIR server) is slow.
"""
from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from portal.epd.registry import TESTING_GROUP, available_connectors
from portal.epd.testing import ContractFixture

CONNECTORS = sorted(available_connectors())


@pytest.fixture(scope="module", params=CONNECTORS)
def contract(request, tmp_path_factory) -> ContractFixture:
    name = request.param
    factories = {ep.name: ep for ep in entry_points(group=TESTING_GROUP)}
    if name not in factories:
        pytest.fail(f"connector '{name}' registers no contract fixture under '{TESTING_GROUP}' "
                    "(see tests/contract/README.md)")
    factory = factories[name].load()
    with factory(tmp_path_factory.mktemp(f"contract-{name}")) as fixture:
        yield fixture
