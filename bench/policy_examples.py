"""What running a policy's examples adds to a cold start (`python -m bench.policy_examples`).

The moderation function is started in fresh processes as `make bench` starts it (import, the key from Secrets
Manager on loopback, one request), its policy from a file (as from SSM or S3: the examples run before the policy is
used), with and without the policy's examples, for the bundled and the example policy, interleaved. A measurement
with no target: the bundled policy's examples do not run at start (the tests prove them).
"""

from __future__ import annotations

import json
import secrets
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from bench.cold_start import ROOT, ROUNDS, Case, _cases, _measure
from local_api.environment import lambda_runtime
from local_api.secrets_store import create_secret, local_secrets_manager

POLICIES = {
    "bundled policy": ROOT / "functions/moderation/moderation/policy.json",
    "example policy": ROOT / "functions/moderation/examples/moderation-policy.json",
}


def _policy_files(scratch: Path) -> dict[str, tuple[Path, Path, int]]:
    """Per policy: a copy with its examples, one without, and how many examples it has."""
    files = {}
    for label, path in POLICIES.items():
        document = json.loads(path.read_text(encoding="utf-8"))
        document.pop("$schema", None)
        with_examples = scratch / f"{path.stem}-with.json"
        with_examples.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        examples = document.pop("examples")
        without = scratch / f"{path.stem}-without.json"
        without.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        files[label] = (with_examples, without, len(examples))
    return files


def main() -> int:
    api_key = secrets.token_urlsafe(32)
    with local_secrets_manager() as endpoint, tempfile.TemporaryDirectory() as scratch:
        runtime = lambda_runtime(region="us-east-1", aws_endpoint=endpoint, log_level="INFO")
        runtime.pop("POWERTOOLS_METRICS_DISABLED")
        secret_name = create_secret(runtime, api_key)
        (moderation,) = [
            case for case in _cases(runtime, secret_name, api_key, Path(scratch)) if case.name == "ModerationFunction"
        ]
        files = _policy_files(Path(scratch))
        cases: list[Case] = []
        for label, (with_examples, without, _) in files.items():
            for name, path in ((f"{label}, no examples", without), (f"{label}, examples", with_examples)):
                environment = {**moderation.environment, "MODERATION_POLICY_FILE": str(path)}
                cases.append(replace(moderation, name=name, environment=environment))
        results = _measure(cases)

    print(f"Cold start of the moderation function with its policy from a file; {ROUNDS} rounds; median wall")
    for label, (_, _, count) in files.items():
        plain, proven = (
            statistics.median(seconds for seconds, _ in results[name])
            for name in (f"{label}, no examples", f"{label}, examples")
        )
        added = (proven - plain) * 1000
        print(f"{label:16} no examples {plain:.3f} s, its {count} examples {proven:.3f} s: {added:+.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
