"""Fixtures shared by every test folder, and the Hypothesis profiles every property test runs under.

Profiles (HYPOTHESIS_PROFILE picks one; `make test` uses "ci", `make fuzz` uses "fuzz"):
- "ci": few examples, the same ones on every run (derandomized), so `make test` stays quick and repeatable;
- "fuzz": many random examples, for a long hunt (`make fuzz`; FUZZ_EXAMPLES sets how many per test).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from moto.server import ThreadedMotoServer

settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "5000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """AWS (Secrets Manager, IAM) as moto serves it on loopback, for the whole session; state is shared, so tests
    use names of their own."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
