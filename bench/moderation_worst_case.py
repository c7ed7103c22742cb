"""The worst case of the largest request moderation accepts, against the function's timeout (`make bench`).

A policy's `limits.max_chars` is at most MAX_CHARS_CEILING characters per request (moderation/limits.py); past it a
request is refused unchecked. This bench sends requests of exactly that size, made to be expensive (PII-dense,
digit-dense runs, long runs of separators, many "@" and "::", IBAN look-alikes, keyword-dense, regex-hostile, texts
that need Unicode normalisation, many small inputs), through the whole Lambda handler with a demanding policy
(10,000 keywords, a catastrophic regex, every built-in PII type, all masking so every text is fully worked). Each
case is timed on new texts every round (the matcher remembers numbers it has judged) and the fastest round kept.
Gate: the slowest case <= 1/10 of the function's timeout (template.yaml), leaving the rest for a Lambda CPU slower
than this machine's (512 MB is about a third of a vCPU), the detectors and the network. It also times the largest
request Dify can send (5.9 MB of card numbers), refused at the limit. Exits 1 on a miss.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.moderation_speed import BENCH_KEY, _luhn_card, keywords
from bench.verdict import verdict
from dify_extension.endpoint import Endpoint
from dify_extension.keys import ApiKeyCache
from dify_extension.protocol import Point
from dify_extension.routes import MODERATION_PATH
from local_api.events import LambdaContext, dify_event
from local_api.template import read_functions
from moderation.limits import MAX_CHARS_CEILING
from moderation.moderator import Moderator
from moderation.pii import PII_TYPES
from moderation.policy import ModerationPolicy

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"
BUDGET_SHARE = 1 / 10
ROUNDS = 3
DIFY_LARGEST_CHARS = 5_900_000  # issue 9: a 5.9 MB query dense with card numbers took 4.65 s before the limit

Maker = Callable[[random.Random, int], str]
_LOOK_ALIKES = str.maketrans("aceopx", "\u0430\u0441\u0435\u043e\u0440\u0445")  # their Cyrillic look-alikes


def _filled(piece: Callable[[int], str], chars: int) -> str:
    parts: list[str] = []
    size = 0
    while size < chars:
        parts.append(piece(len(parts)))
        size += len(parts[-1])
    return "".join(parts)[:chars]


def _cases(words: list[str]) -> dict[str, Maker]:
    def combining(rng: random.Random) -> str:
        return "".join(chr(0x300 + rng.randrange(0x70)) for _ in range(3))

    return {
        "PII-dense (card, e-mail, phone, IBAN, IPv6 side by side)": lambda rng, n: _filled(
            lambda i: (
                f"{_luhn_card(rng.randrange(10**9))} ana{i}.{rng.randrange(10**6)}@example.com "
                f"+44 20 7946 {rng.randrange(10_000):04d} DE89 3704 0044 0532 0130 00 ::ffff:10.{i % 256}.0.1 "
            ),
            n,
        ),
        "one-digit groups (one long run of numbers)": lambda rng, n: _filled(lambda i: f"{rng.randrange(10)} ", n),
        "two-digit groups joined by dashes": lambda rng, n: _filled(lambda i: f"{rng.randrange(100)}-", n),
        "SSN-shaped numbers side by side": lambda rng, n: _filled(
            lambda i: f"{rng.randrange(100, 900)}-{rng.randrange(10, 100)}-{rng.randrange(1000, 10_000)} ", n
        ),
        "digits with every separator": lambda rng, n: _filled(
            lambda i: f"{rng.randrange(10_000)}{rng.choice([' ', '-', '.', '(', ')', '+', '  ', ' - '])}", n
        ),
        "one unbroken digit run": lambda rng, n: _filled(lambda i: str(rng.randrange(10)), n),
        "runs of separators": lambda rng, n: _filled(lambda i: rng.choice(["- ( ) . + ", "  --  ", "((((", "...."]), n),
        "many @": lambda rng, n: _filled(lambda i: rng.choice(["@", "a@b.cd ", "x" * 63 + "@", "a@" + "b." * 30]), n),
        "many ::": lambda rng, n: _filled(lambda i: rng.choice(["::", f"{rng.randrange(65536):x}:", "a::b "]), n),
        "IBAN look-alikes": lambda rng, n: _filled(
            lambda i: f"de{rng.randrange(10, 100)} 3704 0044 0532 0130 {rng.randrange(10, 100)} ", n
        ),
        "keyword-dense": lambda rng, n: _filled(lambda i: rng.choice(words) + " ", n),
        # Keywords glued into one long word: every candidate asks the script rule or the e-mail check about that word.
        "keywords with look-alike letters, one long word": lambda rng, n: _filled(
            lambda i: rng.choice(words).translate(_LOOK_ALIKES), n
        ),
        "keywords with @ for a, one long word": lambda rng, n: _filled(lambda i: "@" + rng.choice(words), n),
        "many right-to-left overrides": lambda rng, n: _filled(lambda i: f"\u202e{rng.choice(words)[::-1]}\u202c ", n),
        "regex-hostile (26 letters and ! per word)": lambda rng, n: _filled(lambda i: "a" * 26 + "! ", n),
        "regex-hostile (one long word)": lambda rng, n: "a" * (n - 1) + "!",
        "Unicode to normalise (Zalgo, half-width kana, full-width digits)": lambda rng, n: _filled(
            lambda i: chr(97 + i % 26) + combining(rng) + "ｶﾞ４１１１\uff0d" + chr(0x4E00 + rng.randrange(20_000)), n
        ),
    }


def _policy(words: list[str]) -> ModerationPolicy:
    rules: list[dict[str, Any]] = [
        {"id": "keywords", "category": "bench", "action": "mask", "keywords": words},
        {"id": "hostile-regex", "category": "bench", "action": "mask", "regex": r"^(\w+\s?)+$"},
        {"id": "ticket", "category": "bench", "action": "mask", "regex": r"\btkt-\d{6}\b"},
        {"id": "pii", "category": "pii", "action": "mask", "pii": list(PII_TYPES)},
    ]
    stages = {"input": {"rules": rules}, "output": {"rules": rules}}
    return ModerationPolicy.model_validate({"default": stages, "limits": {"max_chars": MAX_CHARS_CEILING}})


def _endpoint(policy: ModerationPolicy) -> Endpoint:
    keys = ApiKeyCache(lambda: (BENCH_KEY,), ttl_seconds=3600, refresh_interval_seconds=3600)
    moderator = Moderator(lambda: policy)
    return Endpoint(
        MODERATION_PATH,
        {Point.MODERATION_INPUT: moderator.moderate_input, Point.MODERATION_OUTPUT: moderator.moderate_output},
        keys=keys,
    )


def _input_event(query: str, inputs: dict[str, Any]) -> dict[str, Any]:
    payload = {"point": "app.moderation.input", "params": {"app_id": "bench", "inputs": inputs, "query": query}}
    return dify_event(MODERATION_PATH, payload, BENCH_KEY)


def _fastest(endpoint: Endpoint, events: list[dict[str, Any]]) -> float:
    context = LambdaContext("bench")
    times = []
    for event in events:
        started = time.perf_counter()
        response = endpoint.lambda_handler(event, context)
        times.append(time.perf_counter() - started)
        assert response["statusCode"] == 200, response
    return min(times)


def main() -> int:
    (function,) = [spec for spec in read_functions(TEMPLATE) if spec.logical_id == "ModerationFunction"]
    budget = function.timeout_seconds * BUDGET_SHARE
    words = keywords(10_000)
    policy = _policy(words)
    results: dict[str, float] = {}
    with contextlib.redirect_stdout(io.StringIO()):  # the log lines (the logger binds to stdout when made)
        endpoint = _endpoint(policy)
        endpoint.lambda_handler(dify_event(MODERATION_PATH, {"point": "ping"}, BENCH_KEY), LambdaContext("bench"))
        for number, (name, make) in enumerate(_cases(words).items()):
            seeds = [random.Random(number * 100 + n) for n in range(ROUNDS)]  # noqa: S311 - test data
            rounds = [make(seed, MAX_CHARS_CEILING) for seed in seeds]
            results[name] = _fastest(endpoint, [_input_event(text, {}) for text in rounds])
        # The same size spread over 1,000 inputs of 100 characters (each text has a cost of its own).
        spread = [
            {f"field{i}": make(random.Random(n * 7 + i), 100) for i in range(1_000)}  # noqa: S311
            for n, make in enumerate(
                [_cases(words)["PII-dense (card, e-mail, phone, IBAN, IPv6 side by side)"]] * ROUNDS
            )
        ]
        results["1,000 inputs of 100 characters, PII-dense"] = _fastest(
            endpoint, [_input_event("", inputs) for inputs in spread]
        )
        largest = ("4111 1111 1111 1111 " * (DIFY_LARGEST_CHARS // 20 + 1))[:DIFY_LARGEST_CHARS]
        refused = _fastest(endpoint, [_input_event(largest, {})] * ROUNDS)

    ms = 1000
    print(
        f"Moderation worst case: requests of {MAX_CHARS_CEILING:,} characters (the largest max_chars) through the "
        f"Lambda handler; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs"
    )
    print(f"  policy: 10,000 keywords, a catastrophic regex, every PII type; all masking; fastest of {ROUNDS} rounds")
    for name, seconds in sorted(results.items(), key=lambda item: -item[1]):
        print(f"    {name:66s} {seconds * ms:8.1f} ms")
    worst_name, worst = max(results.items(), key=lambda item: item[1])
    print(
        f"  worst: {worst * ms:.1f} ms ({worst_name}) = {worst / function.timeout_seconds:.3f}x the function's "
        f"{function.timeout_seconds} s timeout (target <= {BUDGET_SHARE:.3f}x, {budget * ms:.0f} ms)"
    )
    print(
        f"  largest request Dify can send ({DIFY_LARGEST_CHARS:,} characters of card numbers), refused at the limit: "
        f"{refused * ms:.1f} ms"
    )
    failures = []
    if worst > budget:
        failures.append(f"worst case {worst * ms:.1f} ms over the budget of {budget * ms:.0f} ms")
    if refused > budget:
        failures.append(f"refusing the largest request took {refused * ms:.1f} ms, over {budget * ms:.0f} ms")
    return verdict(failures, "the worst case of the largest accepted request is within its share of the timeout")


if __name__ == "__main__":
    sys.exit(main())
