"""Innocent text, each item with its language: wordfreq's most frequent words, the gettext catalogs installed on this
machine and Django's translations. Read at run time from installed packages and files; nothing is committed."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from bench.precision.languages import language
from bench.precision.mo_file import translations

WORDFREQ_WORDS = 20_000
SYSTEM_LOCALES = Path("/usr/share/locale")


class Item(NamedTuple):
    language: str
    source: str
    text: str


def wordfreq_items(words: int = WORDFREQ_WORDS) -> Iterator[Item]:
    """The `words` most frequent words of every language wordfreq has (its 'best' list per language)."""
    import wordfreq  # noqa: PLC0415 - loads its data; only for building the corpus

    for code in sorted(wordfreq.available_languages("best")):
        text_language = language(code)
        for word in wordfreq.top_n_list(code, words, wordlist="best"):
            yield Item(text_language, "wordfreq", word)


def catalog_items(source: str, catalogs: Iterable[Path]) -> Iterator[Item]:
    """Every translation in the .mo files, in the language of the `<locale>/LC_MESSAGES/` folder that holds each."""
    for path in sorted(catalogs):
        if path.parent.name != "LC_MESSAGES":
            continue
        code = language(path.parent.parent.name)
        for text in translations(path):
            yield Item(code, source, text)


def system_catalogs() -> list[Path]:
    """The operating system's translations (Debian packages' .mo files); they vary with what is installed."""
    return sorted(SYSTEM_LOCALES.glob("*/LC_MESSAGES/*.mo"))


def django_catalogs() -> list[Path]:
    """Django's own translations and its contrib apps' (pinned in requirements/precision.txt)."""
    spec = importlib.util.find_spec("django")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("django is not installed (requirements/precision.txt)")
    return sorted(Path(spec.submodule_search_locations[0]).rglob("LC_MESSAGES/*.mo"))


def deduplicated(items: Iterable[Item]) -> list[Item]:
    """Each text once per language (the first source that has it)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for item in items:
        key = (item.language, item.text)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def all_items() -> list[Item]:
    """The whole corpus, before the plain-reading filter."""
    return deduplicated(
        [
            *wordfreq_items(),
            *catalog_items("system-gettext", system_catalogs()),
            *catalog_items("django", django_catalogs()),
        ]
    )
