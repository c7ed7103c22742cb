"""Moderation speed against Dify's own keyword check, measured in the same run on this machine (`make bench`).

Dify's keyword moderation is `any(k.lower() in text.lower() for k in keywords)`. Targets (issue 3, where that loop
took ~280 ms): 10,000 keywords over 20 KB in <= 2 ms warm, and the whole series of output-moderation calls for a
streamed 10,000-character answer (one call per 300 new characters, each with the text so far, then the complete
answer) <= 30 ms, with a realistic policy (those keywords plus every built-in PII type). The gates are those ratios
to the loop measured here (2/280 and 30/280), so a slower machine moves both sides alike. Cost must also be linear
in the text's length. Issue 8 (keyword evasions, always on) adds: keywords + every PII type over 20 KB <= 3/280;
20 KB of mixed-language text (11 languages) <= 2/280 of the loop over that same text; loading a 10,000-keyword
policy <= 0.5 s. Exits 1 on a miss.
"""

# ruff: noqa: RUF001 - other scripts and look-alike letters are part of what is measured

from __future__ import annotations

import contextlib
import io
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.verdict import verdict
from dify_extension.endpoint import Endpoint
from dify_extension.keys import ApiKeyCache
from dify_extension.protocol import ModerationOutputParams, Point
from dify_extension.routes import MODERATION_PATH
from local_api.events import LambdaContext, dify_event
from moderation.decision import decide_output
from moderation.matcher import CompiledPolicy
from moderation.moderator import Moderator
from moderation.pii import PII_TYPES, luhn_valid
from moderation.policy import ModerationPolicy

KEYWORDS = 10_000
SIZES_KB = (5, 10, 20, 40)  # each twice the one before
ANSWER_CHARS = 10_000
STREAM_STEP = 300  # Dify's MODERATION_BUFFER_SIZE
MAX_KEYWORDS_RATIO = 2 / 280
MAX_SERIES_RATIO = 30 / 280
MAX_PII_RATIO = 3 / 280
MAX_LOAD_SECONDS = 0.5
MS = 1000
MAX_DOUBLING_RATIO = 2.6
"""Cost of twice the text over the cost of the text, at each step of SIZES_KB: 2 is linear, 4 quadratic."""
BENCH_KEY = "moderation-speed-bench-key"

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Answer-like prose the keywords never occur in (they contain "q"/"x"/"z", the prose has none), with dates, amounts,
# times and a reference number that fails the card check, so the PII detectors have candidates to reject. Every
# paragraph of every text has numbers of its own: the matcher remembers the numbers it has judged (output moderation
# resends them with every longer text), and a repeated number would measure that memory, not the work.
_PROSE = (
    "The river bends past the old mill, where children fish on warm evenings in late spring. "
    "Your invoice dated 2024-05-{day:02d} came to 1,{amount:03d}.40 EUR and was settled on the same day; the reference "
    "on the statement is 4111 1111 {reference} 1112, which our billing team can look up for you. "
    "The team meets at 10:{minute:02d} on the third floor, near the window overlooking the harbour and its cranes, and "
    "the notes go out the following morning. If the shipment is late, tell us the order number and the town it was "
    "sent to, and we will check where it is and when it should arrive. "
)
_PII = "Write to ana.lima{n}@example.com or call +44 20 7946 {phone}; card {card}. "


# Mixed-language prose (none of the keywords' q/x/z letters outside Latin words that lack them), one paragraph per
# language, each with a number of its own per text.
_MIXED = (
    "Le café est très bon aujourd'hui, dit-il à sa sœur, et le marché ouvre à {n} heures. ",
    "Грузовик едет по дороге в город, водитель везёт {n} ящиков яблок и груш. ",
    "今天天气很好，我们去公园散步吧，门票是{n}元。 我們明天去圖書館看書。 ",
    "Die Straße über den Fluss ist seit {n} Tagen gesperrt; Äpfel gibt es am Markt. ",
    "Η Ελλάδα είναι όμορφη χώρα με {n} νησιά και πολύ ήλιο το καλοκαίρι. ",
    "東京は日本の首都です。カタカナとひらがなで{n}文字を書きました。 ",
    "مرحبا بكم في المدينة، لدينا {n} غرفة متاحة الليلة. ",
    "Merhaba, bugün hava çok güzel ve ılık; {n} kişi parkta yürüyor. ",
    "नमस्ते दुनिया, आज बाज़ार में {n} लोग आए। ",
    "Xin chào các bạn, hôm nay trời đẹp và có {n} người đến thăm. ",
    "안녕하세요, 오늘 날씨가 좋아서 {n}명이 산책을 했어요. ",
)


def mixed_prose(chars: int, variant: int = 0) -> str:
    """`chars` characters of prose in eleven languages, taking turns paragraph by paragraph."""
    paragraphs: list[str] = []
    while sum(len(paragraph) for paragraph in paragraphs) < chars:
        n = variant * 10_000 + len(paragraphs)
        paragraphs.append(_MIXED[len(paragraphs) % len(_MIXED)].format(n=n))
    return "".join(paragraphs)[:chars]


def _evaded(word: str, how: int) -> str:
    """`word` as an evasion: spelled apart, in leetspeak, with Cyrillic look-alikes or repeated letters."""
    if how == 0:
        return ".".join(word)
    if how == 1:
        return word.translate(str.maketrans("aeios", "4310$"))
    if how == 2:
        return word.translate(str.maketrans("aceop", "асеор"))
    return word[0] + word[1] * 4 + word[2:]


def with_evasions(text: str, words: list[str], every: int = 1024) -> str:
    """`text` with an evaded keyword every `every` characters (so every check is done, not only the first)."""
    pieces = [text[start : start + every] for start in range(0, len(text), every)]
    return "".join(f"{piece} {_evaded(words[n], n % 4)} " for n, piece in enumerate(pieces))


def _luhn_card(serial: int) -> str:
    """A 16-digit Visa-like number that passes the Luhn check, grouped by four."""
    body = f"411111{serial:09d}"
    number = next(body + digit for digit in "0123456789" if luhn_valid(body + digit))
    return " ".join(number[start : start + 4] for start in range(0, 16, 4))


def keywords(count: int) -> list[str]:
    """Deterministic keywords of 5-12 letters, each with at least one of q, x, z."""
    generate = random.Random(3)  # noqa: S311 - repeatable test data, not security
    return [
        "".join(generate.choices(_LETTERS, k=generate.randint(4, 11))) + generate.choice("qxz") for _ in range(count)
    ]


def prose(chars: int, pii_every: int = 0, variant: int = 0) -> str:
    """`chars` characters of prose, with the PII sentence in every `pii_every`-th paragraph (0: never); texts of
    different `variant`s share no number."""
    paragraphs: list[str] = []
    while sum(len(paragraph) for paragraph in paragraphs) < chars:
        n = variant * 10_000 + len(paragraphs)
        with_pii = pii_every and len(paragraphs) % pii_every == pii_every - 1
        paragraph = _PROSE.format(day=n % 28 + 1, amount=n % 1000, reference=f"{n % 10_000:04d}", minute=n % 60)
        pii = _PII.format(n=n, phone=f"{n % 10_000:04d}", card=_luhn_card(n)) if with_pii else ""
        paragraphs.append(paragraph + pii)
    return "".join(paragraphs)[:chars]


def dify_loop(words: list[str], text: str) -> bool:
    return any(k.lower() in text.lower() for k in words)


def best_of(action: Callable[[], Any], rounds: int) -> float:
    """The fastest of `rounds` runs, in seconds: the warm cost, least disturbed by other load on the machine."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def interleaved_best(actions: dict[int, Callable[[], Any]], rounds: int) -> dict[int, float]:
    """best_of for several actions, taking turns, so a burst of load elsewhere on the machine hits all alike."""
    times: dict[int, list[float]] = {name: [] for name in actions}
    for _ in range(rounds):
        for name, action in actions.items():
            times[name].append(best_of(action, 1))
    return {name: min(values) for name, values in times.items()}


def stream_prefixes(text: str) -> list[str]:
    return [text[:end] for end in range(STREAM_STEP, len(text), STREAM_STEP)] + [text]


def policy_document(words: list[str], pii: bool) -> dict[str, Any]:
    rules: list[dict[str, Any]] = [{"id": "keywords", "category": "bench", "action": "block", "keywords": words}]
    if pii:
        rules.append({"id": "pii", "category": "pii", "action": "mask", "pii": list(PII_TYPES)})
    return {"default": {"input": {"rules": rules}, "output": {"rules": rules}}}


def handler_series(policy: ModerationPolicy, answers: list[list[str]]) -> float:
    """The same series through the whole Lambda handler (auth, envelope, JSON, log line, metrics), output discarded:
    one new answer's prefixes per round."""
    with contextlib.redirect_stdout(io.StringIO()):
        keys = ApiKeyCache(lambda: (BENCH_KEY,), ttl_seconds=3600, refresh_interval_seconds=3600)
        moderator = Moderator(lambda: policy)
        endpoint = Endpoint(MODERATION_PATH, {Point.MODERATION_OUTPUT: moderator.moderate_output}, keys=keys)
        rounds = iter(
            [
                [
                    dify_event(
                        MODERATION_PATH,
                        {"point": "app.moderation.output", "params": {"app_id": "bench", "text": text}},
                        BENCH_KEY,
                    )
                    for text in prefixes
                ]
                for prefixes in answers
            ]
        )
        context = LambdaContext("bench")
        warm_up = dify_event(MODERATION_PATH, {"point": "ping"}, BENCH_KEY)
        endpoint.lambda_handler(warm_up, context)

        def series() -> None:
            for event in next(rounds):
                endpoint.lambda_handler(event, context)

        return best_of(series, len(answers))


def measure_evasions(policy: CompiledPolicy, words: list[str], dify: float) -> list[str]:
    """Prints the keyword-only cost over text in eleven languages (against the loop over that same text, and the
    English loop `dify`), and over text with an evaded keyword every 1 KB; returns the misses."""
    mixed_20kb = mixed_prose(20 * 1024)
    assert not dify_loop(words, mixed_20kb)
    dify_mixed = best_of(lambda: dify_loop(words, mixed_20kb), 3)
    mixed_texts = iter([ModerationOutputParams(app_id="bench", text=mixed_prose(20 * 1024, n)) for n in range(30)])
    keywords_mixed = best_of(lambda: decide_output(policy, next(mixed_texts)), 30)
    evasive_params = [
        ModerationOutputParams(app_id="bench", text=with_evasions(prose(20 * 1024, variant=n), words[n * 20 :]))
        for n in range(30)
    ]
    assert decide_output(policy, evasive_params[0])[0].evasions  # the evasions are found
    evasive = iter(evasive_params)
    keywords_evasive = best_of(lambda: decide_output(policy, next(evasive)), 30)
    print(f"  Dify-style loop, 20 KB in 11 languages:      {dify_mixed * MS:8.2f} ms")
    print(
        f"  ours, keywords only, 20 KB in 11 languages:  {keywords_mixed * MS:8.3f} ms"
        f"  ({keywords_mixed / dify_mixed:.5f}x that loop; target <= {MAX_KEYWORDS_RATIO:.5f}x;"
        f" {keywords_mixed / dify:.5f}x the English loop)"
    )
    print(f"  ours, keywords only, 20 KB with an evaded keyword every 1 KB: {keywords_evasive * MS:8.3f} ms")
    if keywords_mixed / dify_mixed > MAX_KEYWORDS_RATIO:
        return [f"10,000 keywords over 20 KB in 11 languages: {keywords_mixed / dify_mixed:.5f}x the loop"]
    return []


def main() -> int:
    words = keywords(KEYWORDS)
    started = time.perf_counter()
    keyword_policy = CompiledPolicy(ModerationPolicy.model_validate(policy_document(words, pii=False)))
    load_ms = (time.perf_counter() - started) * 1000
    realistic = CompiledPolicy(ModerationPolicy.model_validate(policy_document(words, pii=True)))

    text_20kb = prose(20 * 1024)
    assert not dify_loop(words, text_20kb)
    dify = best_of(lambda: dify_loop(words, text_20kb), 3)

    def ours(policy: CompiledPolicy, chars: int, rounds: int) -> Callable[[], Any]:
        """One call per round, each on a text never seen before (see _PROSE)."""
        texts = iter([ModerationOutputParams(app_id="bench", text=prose(chars, variant=n)) for n in range(rounds)])
        return lambda: decide_output(policy, next(texts))

    keywords_20kb = best_of(ours(keyword_policy, 20 * 1024, 30), 30)
    realistic_20kb = best_of(ours(realistic, 20 * 1024, 30), 30)
    by_size = interleaved_best({kb: ours(realistic, kb * 1024, 30) for kb in SIZES_KB}, 30)

    def series_of(pii_every: int, variants: range) -> tuple[list[list[str]], Callable[[], Any]]:
        """One streamed answer per round, each new (see _PROSE): its prefixes, as Dify sends them."""
        answers = [stream_prefixes(prose(ANSWER_CHARS, pii_every, variant=n)) for n in variants]
        series_params = iter([[ModerationOutputParams(app_id="bench", text=t) for t in a] for a in answers])

        def series() -> None:
            for params in next(series_params):
                decide_output(realistic, params)

        return answers, series

    # An answer with PII in a few places (every 5th paragraph), and one with it in every paragraph.
    sample = ModerationOutputParams(app_id="bench", text=prose(ANSWER_CHARS, pii_every=5, variant=99))
    assert decide_output(realistic, sample)[1].flagged is True  # the PII is masked
    answers, series = series_of(pii_every=5, variants=range(5))
    series_total = best_of(series, 5)
    dense_total = best_of(series_of(pii_every=1, variants=range(5, 10))[1], 5)
    handler_total = handler_series(realistic.policy, series_of(pii_every=5, variants=range(10, 15))[0])

    print(f"Moderation speed: {KEYWORDS:,} keywords; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
    print(f"  policy load and compile (10,000 keywords): {load_ms:.1f} ms (target <= {MAX_LOAD_SECONDS * 1000:.0f} ms)")
    print(f"  Dify-style loop, 20 KB:                      {dify * MS:8.2f} ms")
    print(
        f"  ours, keywords only, 20 KB:                  {keywords_20kb * MS:8.3f} ms"
        f"  ({keywords_20kb / dify:.5f}x the loop; target <= {MAX_KEYWORDS_RATIO:.5f}x)"
    )
    print(
        f"  ours, keywords + all PII types, 20 KB:       {realistic_20kb * MS:8.3f} ms"
        f"  ({realistic_20kb / dify:.5f}x the loop; target <= {MAX_PII_RATIO:.5f}x)"
    )
    failures = measure_evasions(keyword_policy, words, dify)
    print("  cost by text length (keywords + all PII types):")
    doubling = [by_size[kb] / by_size[kb // 2] for kb in SIZES_KB if kb // 2 in by_size]
    for kb, seconds in by_size.items():
        step = f"  ({seconds / by_size[kb // 2]:.2f}x the {kb // 2} KB cost)" if kb // 2 in by_size else ""
        print(f"    {kb:3d} KB: {seconds * MS:7.3f} ms  ({seconds / kb * 1e6:6.1f} us per KB){step}")
    print(
        f"  streamed {ANSWER_CHARS:,}-character answer, {len(answers[0])} output calls (text so far each time):\n"
        f"    through decision.decide_output:       {series_total * MS:7.2f} ms in total"
        f"  ({series_total / dify:.4f}x the loop; target <= {MAX_SERIES_RATIO:.4f}x)\n"
        f"    the same with PII in every paragraph (for reference): {dense_total * MS:7.2f} ms in total\n"
        f"    through the Lambda handler (auth, JSON, log line, metrics): {handler_total * MS:7.2f} ms in total"
    )

    if keywords_20kb / dify > MAX_KEYWORDS_RATIO:
        failures.append(f"10,000 keywords over 20 KB: {keywords_20kb / dify:.5f}x the loop")
    if realistic_20kb / dify > MAX_PII_RATIO:
        failures.append(f"keywords + every PII type over 20 KB: {realistic_20kb / dify:.5f}x the loop")
    if load_ms > MAX_LOAD_SECONDS * 1000:
        failures.append(f"loading 10,000 keywords took {load_ms:.0f} ms")
    if series_total / dify > MAX_SERIES_RATIO:
        failures.append(f"streamed answer series: {series_total / dify:.4f}x the loop")
    if max(doubling) > MAX_DOUBLING_RATIO:
        failures.append(f"doubling the text multiplied the cost by {max(doubling):.2f} (limit {MAX_DOUBLING_RATIO})")
    return verdict(failures, "keyword, PII, mixed-language, load and streaming targets met, cost linear in text length")


if __name__ == "__main__":
    sys.exit(main())
