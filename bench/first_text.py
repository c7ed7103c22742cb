"""The first text in a fresh process (`make bench`): nothing a keyword check needs may be built on first use at a cost
that grows with the policy (issue 14: precise checks compiled per keyword made the first 100 KB text of near-misses
take 3 s with 10,000 keywords).

Each case runs in a new Python process: the 10,000-keyword policy of the worst-case bench is compiled (not timed),
then the first text of 100,000 characters dense with near-misses of the keywords is matched (timed), then a second
such text (for comparison). Gate: the first text at most FIRST_TEXT_BUDGET seconds on this machine.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.verdict import verdict

FIRST_TEXT_BUDGET = 0.5
CHARS = 100_000
ROOT = Path(__file__).resolve().parents[1]

_LOOK_ALIKES = str.maketrans("aceopx", "\u0430\u0441\u0435\u043e\u0440\u0445")
_LEET = str.maketrans("aeios", "4310$")


def _near_misses(words: list[str], evade: Callable[[str], str], seed: int) -> str:
    """`CHARS` characters of evaded keywords, each one letter short of a match (its last letter dropped), with
    one in eight whole: every candidate is checked, most fail late."""
    rng = random.Random(seed)  # noqa: S311 - test data
    pieces: list[str] = []
    size = 0
    while size < CHARS:
        word = rng.choice(words)
        piece = evade(word if len(pieces) % 8 == 0 else word[:-1]) + " "
        pieces.append(piece)
        size += len(piece)
    return "".join(pieces)[:CHARS]


CASES: dict[str, Callable[[str], str]] = {
    "look-alike letters": lambda word: word.translate(_LOOK_ALIKES),
    "leetspeak": lambda word: word.translate(_LEET),
    "letters spelled apart": ".".join,
    "repeated letters": lambda word: word[0] + word[1] * 4 + word[2:],
    "look-alikes glued into one long word": lambda word: word.translate(_LOOK_ALIKES).rstrip(),
}


def _child(case: str) -> None:
    from bench.moderation_speed import keywords  # noqa: PLC0415 - in the child only
    from moderation.matcher import CompiledPolicy  # noqa: PLC0415
    from moderation.policy import ModerationPolicy  # noqa: PLC0415

    words = keywords(10_000)
    rule = {"id": "k", "category": "bench", "action": "block", "keywords": words}
    stage = CompiledPolicy(ModerationPolicy.model_validate({"default": {"input": {"rules": [rule]}}})).stage(
        "bench", "input"
    )
    assert stage is not None
    glue = "" if case.endswith("long word") else " "
    texts = [_near_misses(words, CASES[case], seed).replace(" ", glue) for seed in (1, 2)]
    times = []
    for text in texts:
        started = time.perf_counter()
        stage.matcher.find(text)
        times.append(time.perf_counter() - started)
    print(json.dumps(times))


def main() -> int:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("layers/shared", "functions/moderation", ".")),
    }
    python = sys.version.split()[0]
    print(f"First text in a fresh process: 10,000 keywords, {CHARS:,} characters of near-misses; Python {python}")
    failures = []
    for case in CASES:
        result = subprocess.run(
            [sys.executable, "-m", "bench.first_text", "--child", case],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=ROOT,
        )
        first, second = json.loads(result.stdout.splitlines()[-1])
        print(f"    {case:40s} first {first * 1000:7.1f} ms   second {second * 1000:7.1f} ms")
        if first > FIRST_TEXT_BUDGET:
            failures.append(
                f"{case}: the first text took {first * 1000:.0f} ms, over {FIRST_TEXT_BUDGET * 1000:.0f} ms"
            )
    return verdict(failures, f"every first text within {FIRST_TEXT_BUDGET * 1000:.0f} ms")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2])
    else:
        sys.exit(main())
