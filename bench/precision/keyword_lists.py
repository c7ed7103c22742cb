"""The keyword lists, as a user loads them from their packages, merged per language.

npm: glin-profanity, @2toad/profanity and naughty-words, installed by `make` into NPM_MODULES (versions pinned in
the Makefile) and read through Node (npm_lists.cjs). PyPI: better-profanity's default list (English).
"""

from __future__ import annotations

import json
import subprocess
from importlib import resources
from pathlib import Path

from bench.precision.languages import language

ROOT = Path(__file__).resolve().parents[2]
NPM_MODULES = ROOT / ".cache" / "precision" / "npm" / "node_modules"
NPM_PACKAGES = ("glin-profanity", "@2toad/profanity", "naughty-words")

# glin-profanity names its languages in English (its `Language` type); its Filter loads one list per name.
GLIN_LANGUAGES = {
    "arabic": "ar",
    "chinese": "zh",
    "czech": "cs",
    "danish": "da",
    "dutch": "nl",
    "english": "en",
    "esperanto": "eo",
    "finnish": "fi",
    "french": "fr",
    "german": "de",
    "hindi": "hi",
    "hungarian": "hu",
    "italian": "it",
    "japanese": "ja",
    "korean": "ko",
    "norwegian": "no",
    "persian": "fa",
    "polish": "pl",
    "portuguese": "pt",
    "russian": "ru",
    "spanish": "es",
    "swedish": "sv",
    "thai": "th",
    "turkish": "tr",
}


class MissingLists(RuntimeError):
    """The npm lists are not installed: `make precision` or `make test` installs them."""


def npm_lists() -> dict[str, dict[str, list[str]]]:
    """{package: {list code: keywords}} straight from the installed npm packages."""
    missing = [name for name in NPM_PACKAGES if not (NPM_MODULES / name / "package.json").is_file()]
    if missing:
        raise MissingLists(f"npm packages not installed in {NPM_MODULES}: {', '.join(missing)} (run make precision)")
    script = Path(__file__).with_name("npm_lists.cjs")
    output = subprocess.run(
        ["node", str(script), str(NPM_MODULES), *GLIN_LANGUAGES],  # noqa: S607 - node from PATH, as make runs npm
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lists: dict[str, dict[str, list[str]]] = json.loads(output)
    lists["glin-profanity"] = {GLIN_LANGUAGES[name]: words for name, words in lists["glin-profanity"].items()}
    return lists


def better_profanity_list() -> list[str]:
    """better-profanity's default word list (what `profanity.load_censor_words()` loads)."""
    text = resources.files("better_profanity").joinpath("profanity_wordlist.txt").read_text(encoding="utf-8")
    return text.splitlines()


def merged_keywords() -> dict[str, list[str]]:
    """{language: keywords}: every package's list for that language, without empty entries or duplicates, sorted."""
    merged: dict[str, set[str]] = {}
    sources = [*npm_lists().values(), {"en": better_profanity_list()}]
    for lists in sources:
        for code, keywords in lists.items():
            merged.setdefault(language(code), set()).update(keyword.strip() for keyword in keywords if keyword.strip())
    return {code: sorted(keywords) for code, keywords in sorted(merged.items()) if keywords}
