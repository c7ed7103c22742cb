"""Cold start of both functions against the naive Powertools anchor, in one run, on this machine (`make bench`).

Each sample is a fresh interpreter that imports a handler and answers one authenticated request, the key read from
Secrets Manager (moto, on loopback). Our functions get the environment template.yaml gives them; the anchor gets
what it needs. The external data tool answers the bundled weather_retrieve tool for real, over http, from a fake
Open-Meteo on loopback (the bundled tools.json with its URLs swapped, via EXTERNAL_DATA_TOOLS_FILE): no sample needs
the internet. Targets (issue 2): median wall time <= 0.35x the anchor's, peak RSS <= 40 MiB, for both functions.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.verdict import verdict
from local_api.environment import function_environment, lambda_runtime
from local_api.events import dify_event
from local_api.secrets_store import create_secret, local_secrets_manager
from local_api.template import read_functions
from tests.tools.fake_upstream import fake_upstream, serve_open_meteo, weather_tools_file

ROOT = Path(__file__).resolve().parents[1]
ANCHORS = Path(os.environ.get("ANCHORS_DIR", ROOT.parent / "shared" / "anchors"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
MAX_WALL_RATIO = 0.35
MAX_RSS_MIB = 40.0

WEATHER_QUERY = {
    "point": "app.external_data_tool.query",
    "params": {"app_id": "bench", "tool_variable": "weather_retrieve", "inputs": {"location": "London"}, "query": ""},
}
INPUT_MODERATION = {
    "point": "app.moderation.input",
    "params": {"app_id": "bench", "inputs": {"topic": "weather"}, "query": "What is the weather like in London?"},
}


@dataclass(frozen=True)
class Case:
    name: str
    handler: str
    python_path: list[Path]
    environment: dict[str, str]
    event: dict[str, Any]
    role: str = "ours"
    """"anchor" (what we are measured against), "floor" (the libraries alone, for reference) or "ours"."""


def _cases(runtime: Mapping[str, str], secret_name: str, api_key: str, tools_file: Path) -> list[Case]:
    anchor = Case(
        name="anchor: naive Powertools",
        handler="app:lambda_handler",
        python_path=[ANCHORS / "naive_powertools"],
        environment={**runtime, "API_KEY_SECRET_ID": secret_name},
        event=dify_event("/external-data-tool", WEATHER_QUERY, api_key),
        role="anchor",
    )
    payloads = {"/moderation": INPUT_MODERATION, "/external-data-tool": WEATHER_QUERY}
    local = {
        "/moderation": {},
        "/external-data-tool": {"EXTERNAL_DATA_TOOLS_FILE": str(tools_file)},
    }
    ours = []
    for function in read_functions(ROOT / "template.yaml"):
        (route,) = function.routes
        module, _, attribute = function.handler.rpartition(".")
        ours.append(
            Case(
                name=function.logical_id,
                handler=f"{module}:{attribute}",
                python_path=[*function.layer_dirs, function.code_uri],
                environment=function_environment(
                    function, local={**runtime, "API_KEY_SECRET_ID": secret_name, **local[route.path]}, shell={}
                ),
                event=dify_event(route.path, payloads[route.path], api_key),
            )
        )
    floor = Case(
        name="floor: pydantic + Powertools",
        handler="library_floor:lambda_handler",
        python_path=[Path(__file__).parent],
        environment=ours[0].environment,
        event=ours[0].event,
        role="floor",
    )
    return [anchor, floor, *ours]


def _jobs(cases: list[Case]) -> list[dict[str, Any]]:
    # Lambda imports from bytecode (our build ships it), so the first, unrecorded round must be able to write it.
    unwanted = ("AWS_", "POWERTOOLS_", "PYTHONDONTWRITEBYTECODE")
    base = {name: value for name, value in os.environ.items() if not name.startswith(unwanted)}
    return [
        {
            "argv": [sys.executable, str(Path(__file__).with_name("invoke_once.py")), case.handler],
            "env": {**base, **case.environment, "PYTHONPATH": os.pathsep.join(map(str, case.python_path))},
            "stdin": json.dumps(case.event),
        }
        for case in cases
    ]


def _measure(cases: list[Case]) -> dict[str, list[tuple[float, float]]]:
    """ROUNDS rounds, each running every case once (interleaved, so drifts in machine load hit all alike),
    after one unrecorded round that leaves every module's bytecode cached for all."""
    jobs = _jobs(cases)
    batch = jobs * (ROUNDS + 1)
    spawner = [sys.executable, str(Path(__file__).with_name("spawn.py"))]
    output = subprocess.run(spawner, input=json.dumps(batch), capture_output=True, text=True, check=True).stdout
    samples = json.loads(output)[len(jobs) :]
    results: dict[str, list[tuple[float, float]]] = {case.name: [] for case in cases}
    for index, (seconds, rss_kib) in enumerate(samples):
        results[cases[index % len(cases)].name].append((seconds, rss_kib / 1024))
    return results


def main() -> int:
    api_key = secrets.token_urlsafe(32)
    with local_secrets_manager() as endpoint, fake_upstream() as open_meteo, tempfile.TemporaryDirectory() as scratch:
        runtime = lambda_runtime(region="us-east-1", aws_endpoint=endpoint, log_level="INFO")
        # Measure what Lambda runs: metrics and logs on, as deployed.
        runtime.pop("POWERTOOLS_METRICS_DISABLED")
        secret_name = create_secret(runtime, api_key)
        serve_open_meteo(open_meteo)
        tools_file = weather_tools_file(Path(scratch), open_meteo.url)
        cases = _cases(runtime, secret_name, api_key, tools_file)
        results = _measure(cases)
        # Two requests (geocoding, forecast) per sample: the fallback text, also a 200, would measure the wrong path.
        if len(open_meteo.seen) != 2 * (ROUNDS + 1):
            raise SystemExit(f"the weather tool made {len(open_meteo.seen)} requests, not 2 per cold start")

    anchor_wall = statistics.median(seconds for seconds, _ in results[cases[0].name])
    python = sys.version.split()[0]
    print(f"Cold start: fresh process, import + one authenticated request; {ROUNDS} rounds; Python {python}")
    print(f"{'case':32} {'median wall':>12} {'vs anchor':>10} {'peak RSS':>10}")
    failures = []
    for case in cases:
        wall = statistics.median(seconds for seconds, _ in results[case.name])
        rss = max(mib for _, mib in results[case.name])
        ratio = wall / anchor_wall
        print(f"{case.name:32} {wall:>10.3f} s {ratio:>9.2f}x {rss:>6.1f} MiB")
        if case.role != "ours":
            continue
        if ratio > MAX_WALL_RATIO:
            failures.append(f"{case.name}: wall {ratio:.2f}x the anchor's (target <= {MAX_WALL_RATIO}x)")
        if rss > MAX_RSS_MIB:
            failures.append(f"{case.name}: peak RSS {rss:.1f} MiB (target <= {MAX_RSS_MIB:.0f} MiB)")
    return verdict(failures, f"both functions <= {MAX_WALL_RATIO}x the anchor's wall time and <= {MAX_RSS_MIB:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
