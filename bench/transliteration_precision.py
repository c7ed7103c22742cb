"""How often the Latin spellings of non-Latin keywords are ordinary words of Latin-script languages (the table in
docs/evasions.md#other-alphabets).

The keywords: the precision corpus's keyword lists (bench/precision: the npm lists), those not in ASCII. The words:
wordfreq's 20,000 most frequent of each Latin-script language. Per threshold, the chance that an item of 15 words
holds one of the words a spelling (or skeleton) equals, from the words' frequencies. With `--corpus`: per language,
the share of the precision corpus's items (bench/precision/texts.py) in which a Latin spelling of those keywords
matches, by default and with `"transliterate": true`. Run after `make precision` has installed the lists:

    PYTHONPATH=layers/shared:functions/moderation:. .venv/bin/python bench/transliteration_precision.py [--corpus]
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from functools import partial

from wordfreq import available_languages, top_n_list, word_frequency

from bench.precision.keyword_lists import merged_keywords
from bench.precision.texts import all_items
from moderation.matcher import StageMatcher
from moderation.normalize import fold
from moderation.policy import Rule
from moderation.transliterate import _vowelled, arabic_skeletons, latin_spellings, skeleton

WORDS_PER_ITEM = 15
OTHER_SCRIPTS = {
    "ar",
    "bg",
    "bn",
    "el",
    "fa",
    "he",
    "hi",
    "ja",
    "ko",
    "mk",
    "mr",
    "ru",
    "sr",
    "ta",
    "th",
    "uk",
    "ur",
    "zh",
}


def main() -> None:
    if "--corpus" in sys.argv:
        corpus()
        return
    keywords = sorted({word for words in merged_keywords().values() for word in words if not word.isascii()})
    spellings = {spelling for keyword in keywords for spelling in latin_spellings(fold(keyword), every=True)}
    skeletons = {bare for keyword in keywords for bare in arabic_skeletons(fold(keyword), every=True)}
    print(f"{len(keywords)} keywords not in ASCII: {len(spellings)} Latin spellings, {len(skeletons)} skeletons")
    thresholds: dict[str, Callable[[str], bool]] = {
        f"spellings of {least}+ letters": partial(_spelled, spellings=spellings, least=least) for least in (4, 5, 6, 7)
    }
    for least in (3, 4, 5):
        thresholds[f"skeletons of {least}+"] = partial(_skeleton_of, skeletons=skeletons, least=least, digit=False)
    thresholds["skeletons with a digit, 3+"] = partial(_skeleton_of, skeletons=skeletons, least=3, digit=True)
    languages = [code for code in sorted(available_languages()) if code not in OTHER_SCRIPTS]
    vocabularies = {code: [fold(word) for word in top_n_list(code, 20000) if word.isascii()] for code in languages}
    for name, matches in thresholds.items():
        rates = []
        for code, words in vocabularies.items():
            if len(words) < 5000:
                continue
            hits = [word for word in words if matches(word)]
            share = sum(word_frequency(word, code) for word in hits)
            rates.append((1 - (1 - share) ** WORDS_PER_ITEM, code, hits[:5]))
        rates.sort(reverse=True)
        mean = sum(rate for rate, _, _ in rates) / len(rates)
        worst = ", ".join(f"{code} {rate:.3%} {hits}" for rate, code, hits in rates[:3])
        print(f"{name}: mean {mean:.4%} over {len(rates)} languages; worst: {worst}")


def corpus() -> None:
    by_language = {code: [word for word in words if not word.isascii()] for code, words in merged_keywords().items()}
    items = list(all_items())
    print(f"{sum(map(len, by_language.values()))} keywords not in ASCII, {len(items):,} items")
    for transliterate in (None, True):
        rules = [
            Rule(id=code, category="c", action="block", keywords=words, transliterate=transliterate)
            for code, words in by_language.items()
            if words
        ]
        matcher = StageMatcher(rules)
        kept: Counter[str] = Counter(item.language for item in items)
        flagged: Counter[str] = Counter()
        examples: dict[str, list[str]] = {}
        for item in items:
            spelled = [found for found in matcher.find(item.text) if "transliterated" in found.evasions]
            if spelled:
                flagged[item.language] += 1
                examples.setdefault(item.language, []).append(item.text[spelled[0].start : spelled[0].end])
        total = sum(flagged.values())
        print(f"transliterate={transliterate}: {total:,} items = {total / len(items):.4%} of all")
        worst = sorted(flagged, key=lambda code: -flagged[code] / kept[code])[:8]
        for code in worst:
            print(f"  {code}: {flagged[code]}/{kept[code]} = {flagged[code] / kept[code]:.3%} {examples[code][:6]}")


def _spelled(word: str, spellings: set[str], least: int) -> bool:
    return word in spellings and len(word) >= least


def _skeleton_of(word: str, skeletons: set[str], least: int, digit: bool) -> bool:
    bare = skeleton(word)
    shaped = bare in skeletons and len(bare) >= least and _vowelled(word)
    return shaped and (not digit or any(char.isdigit() for char in bare))


if __name__ == "__main__":
    main()
