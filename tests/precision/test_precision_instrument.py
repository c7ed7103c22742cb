"""The precision corpus's own parts (bench/precision/): the plain reading every false positive is judged against,
the .mo reader, language codes, finding a match's keywords, and what the report counts."""

# ruff: noqa: RUF001 - other scripts are what these tests are about

from __future__ import annotations

import struct
from collections import Counter
from pathlib import Path

import pytest

from bench.precision import corpus, report
from bench.precision.flags import Checker, Flag, KeywordFinder
from bench.precision.languages import language
from bench.precision.mo_file import translations
from bench.precision.plain_reading import PlainReading
from bench.precision.run import Results, check_all
from bench.precision.texts import Item
from moderation.policy import Rule

READING = PlainReading(
    whole_words=["kill", "blow job", "@ss", "ass", "हो", "straße", "péter"], substrings=["死ね", "ควย"]
)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("I will kill it", "kill"),
        ("KILL!", "kill"),
        ("ｋｉｌｌ", "kill"),  # NFKC
        ("skill", None),
        ("killé", None),  # accents are kept
        ("kille\u0301", None),  # ... composed or not
        ("blow \n\t job", "blow job"),  # any whitespace run
        ("blowjob", None),
        ("hi @ss!", "@ss"),  # a keyword's own non-letters need no boundary
        ("assか", "ass"),  # Latin next to kana is a word boundary
        ("中文ass", "ass"),
        ("pass", None),
        ("हो गया", "हो"),
        ("होता", None),  # the vowel sign ो belongs to the word: हो is not a whole word in होता
        ("STRASSE", "strasse"),  # case folding both sides (the keyword is straße)
        ("Peter", None),  # péter with its accent only
        ("お前死ねよ", "死ね"),  # substrings anywhere
        ("ไอ้ควยเอ๊ย", "ควย"),
    ],
)
def test_plain_reading(text: str, found: str | None) -> None:
    assert READING.find(text) == found


def _mo(entries: list[tuple[bytes, bytes]], big_endian: bool = False) -> bytes:
    """A .mo file (GNU gettext's layout): header, the two tables of (length, offset), then the strings."""
    order = ">" if big_endian else "<"
    count = len(entries)
    originals, translated = 28, 28 + 8 * count
    offset = translated + 8 * count
    tables, strings = [b"", b""], b""
    for column in (0, 1):
        for entry in entries:
            tables[column] += struct.pack(order + "2I", len(entry[column]), offset + len(strings))
            strings += entry[column] + b"\0"
    header = struct.pack(order + "7I", 0x950412DE, 0, count, originals, translated, 0, 0)
    return header + tables[0] + tables[1] + strings


@pytest.mark.parametrize("big_endian", [False, True])
def test_mo_file_translations(tmp_path: Path, big_endian: bool) -> None:
    path = tmp_path / "x.mo"
    header = b"Content-Type: text/plain; charset=ISO-8859-1\n"
    entries = [(b"", header), (b"File", "Fichier é".encode("latin-1")), (b"one\0many", b"un\0des"), (b"x", b"")]
    path.write_bytes(_mo(entries, big_endian))
    assert translations(path) == ["Fichier é", "un", "des"]
    path.write_bytes(b"not a catalog at all")
    assert translations(path) == []


def test_language_codes() -> None:
    codes = ["pt_BR", "zh_TW", "zh-Hant", "sr@latin", "fr-CA-u-sd-caqc", "de.UTF-8", "nb", "en@quot", "tl"]
    assert [language(code) for code in codes] == ["pt", "zh", "zh", "sr", "fr", "de", "no", "en", "fil"]


def test_policy_splits_latin_entries_of_spaceless_languages() -> None:
    rules = corpus.policy_document({"zh": ["傻逼", "bo"], "en": ["kill"]})["default"]["input"]["rules"]
    assert [(rule["id"], rule["keywords"], rule["whole_word"]) for rule in rules] == [
        ("keywords-en", ["kill"], True),
        ("keywords-zh", ["傻逼"], False),
        ("keywords-zh-latin", ["bo"], True),
    ]
    assert [corpus.rule_language(rule["id"]) for rule in rules] == ["en", "zh", "zh"]


def test_keyword_finder_names_the_keywords_of_a_span_across_chunks() -> None:
    fillers = [f"filler{index}x" for index in range(KeywordFinder.CHUNK + 5)]
    keywords = [*fillers, "bad", "worse"]
    rules = [Rule(id="k", category="c", action="block", keywords=keywords, whole_word=True)]
    finder = KeywordFinder(rules)
    assert finder.keywords(0, "a bad day", 2, 5) == ("bad",)
    assert finder.keywords(0, "a bad day", 0, 5) == ()


def test_checker_leaves_out_plain_matches_and_reports_the_rest() -> None:
    keywords = {"en": ["bad"]}
    rules = corpus.policy(keywords).default.input.rules  # type: ignore[union-attr]
    checker = Checker(rules, corpus.plain_reading(keywords))
    assert checker.check(Item("en", "test", "a bad day")) is None
    assert checker.check(Item("en", "test", "a good day")) == []
    results = check_all([Item("en", "test", "a bad day"), Item("en", "test", "a good day")], checker)
    assert results.items == Counter({"en": 2})
    assert results.left_out == Counter({"en": 1})
    assert results.flags == []


def test_report_counts_chinese_variants_apart_and_names_unreported_readings() -> None:
    variant, unreported = Item("zh", "test", "无"), Item("pt", "test", "nao")
    flags = [Flag(variant, "zh", ("無",), "无", ("chinese_variant",)), Flag(unreported, "pt", ("não",), "nao", ())]
    summary = report.summary(Results(Counter({"zh": 10, "pt": 1000}), Counter({"pt": 500}), flags))
    assert summary["overall"]["kept"] == 510
    assert summary["overall"]["flagged"] == 1
    assert summary["overall"]["chinese_variant_only"] == 1
    assert summary["languages"]["pt"]["rate"] == pytest.approx(1 / 500)
    assert summary["languages"]["zh"]["flagged"] == 0
    assert summary["causes"][report.UNREPORTED] == {"matches": 1, "items": 1}
    assert "pt:não" in report.examples(flags)
