"""Fixtures shared by every test folder, and the Hypothesis profiles every property test runs under."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from moto.server import ThreadedMotoServer


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """AWS (Secrets Manager, IAM) as moto serves it on loopback, for the whole session; state is shared, so tests
    use names of their own."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


# Property tests (Hypothesis): `make test` runs the bounded default profile; HYPOTHESIS_PROFILE=fuzz (`make fuzz`)
# runs long, FUZZ_EXAMPLES examples per test. Large generated events (the handlers' fuzz) may be slow to build.
_SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "default", max_examples=150, deadline=None, database=None, print_blob=True, suppress_health_check=_SLOW_DATA
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "20000")),
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_DATA,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
