"""Issue 15: keyword variants made at compile time (variants.py). Each kind caught with its form named, its precision
rule, the opt-in options validated, and the number of spellings a policy compiles to bounded by counts."""

# ruff: noqa: RUF001 - kana and Cyrillic letters are what some of these tests are about

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from moderation import variants
from moderation.matcher import CompiledPolicy
from moderation.policy import ModerationPolicy
from tests.unit.keyword_rules import matched


def policy(rule: dict[str, Any]) -> ModerationPolicy:
    document = {"id": "r", "category": "t", "action": "block", **rule}
    return ModerationPolicy.model_validate({"default": {"input": {"rules": [document]}}})


# --- censored (on by default) -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "text", "evaded"),
    [
        ("shit", "oh sh*t, again", "sh*t"),
        ("fuck", "f*ck you", "f*ck"),
        ("fuck", "what the f**k", "f**k"),
        ("fuck you", "F*CK YOU!", "F*CK YOU"),
        ("fuck you", "fuck y*u", "fuck y*u"),
        ("bitch", "b*tch", "b*tch"),
        ("хуй", "иди на х*й", "х*й"),
    ],
)
def test_a_censored_keyword_is_caught(keyword: str, text: str, evaded: str) -> None:
    assert matched([keyword], text) == [(evaded, ("censored",))]


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("shit", "s***"),  # the last letter is kept
        ("shit", "****"),
        ("shit", "*hit"),  # and the first
        ("fuck", "f*cking"),  # a censored whole word is still a whole word
    ],
)
def test_a_censored_spelling_keeps_the_first_and_last_letters(keyword: str, text: str) -> None:
    assert matched([keyword], text) == []


def test_a_variant_is_read_as_written_without_other_readings_on_top() -> None:
    """Leetspeak, letters spelled apart or repeated are not read into a variant: each reading on top of every variant
    would cost compile time (the evasion checks' automaton) and precision (measured: `s h t`, `b t c h`)."""
    assert matched(["shit"], "$h*t") == []
    assert matched(["bitch"], "b t c h") == []


def test_letters_spelled_apart_by_asterisks_are_still_read() -> None:
    assert matched(["shit"], "s*h*i*t") == [("s*h*i*t", ("separated",))]
    assert matched(["shit"], "sh*t s*h*i*t") == [("sh*t", ("censored",)), ("s*h*i*t", ("separated",))]


def test_a_short_word_is_not_censored_and_one_symbol_stars() -> None:
    assert matched(["fuck"], "f#ck") == []  # `#` would double the spellings for little
    assert "a*" not in [spelling for spelling, _ in variants.variants("as")]
    assert variants.MIN_CENSORED == 3
    assert matched(["fag"], "f*g") == [("f*g", ("censored",))]


# --- look-alikes (on by default) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "text", "evaded"),
    [
        ("bitch", "you |3itch", "|3itch"),
        ("bitch", "l3itch", "l3itch"),
        ("cock", "co(k", "co(k"),
        ("bastard", "|3astard", "|3astard"),
    ],
)
def test_symbols_that_draw_a_letter_are_caught(keyword: str, text: str, evaded: str) -> None:
    assert matched([keyword], text) == [(evaded, ("lookalikes",))]


@pytest.mark.parametrize(("keyword", "text"), [("dick", "|)ick"), ("kill", "|<ill"), ("murder", "|\\/|urder")])
def test_rarer_drawings_are_not_read(keyword: str, text: str) -> None:
    assert matched([keyword], text) == []


def test_a_short_word_draws_no_symbol() -> None:
    assert "o(" not in [spelling for spelling, _ in variants.variants("oc")]
    assert variants.MIN_LOOKALIKE == 3


def test_an_opening_bracket_is_no_first_letter() -> None:
    assert matched(["crap"], "some music (rap and jazz)") == []
    assert matched(["crap"], "cra(p") == []
    assert matched(["cocaine"], "co(aine") == [("co(aine", ("lookalikes",))]


# --- vowel-less spellings: four letters or more on by default, three opt-in ----------------------------------------


@pytest.mark.parametrize(
    ("keyword", "text"), [("bitch", "btch"), ("motherfucker", "mthrfckr"), ("pussy", "pssy"), ("fuck you", "fck you")]
)
def test_a_vowelless_spelling_of_four_letters_or_more_is_caught(keyword: str, text: str) -> None:
    expected = "fck you" if keyword == "fuck you" else text
    forms = ("short_vowelless",) if keyword == "fuck you" else ("vowelless",)
    assert matched([keyword], text, variants=["short_vowelless"]) == [(expected, forms)]


def test_a_vowelless_spelling_keeps_the_first_letter_and_latin_only() -> None:
    assert matched(["puta"], "pt", variants=["short_vowelless"]) == []
    assert matched(["anal"], "anl", variants=["short_vowelless"]) == [("anl", ("short_vowelless",))]
    assert matched(["bitch"], "itch") == []
    assert list(variants.vowelless("хуйло")) == []  # Latin only: vowel-less words are ordinary in other scripts


# --- letter pairs and three-letter vowel-less spellings (opt-in) ------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "keyword", "text"),
    [
        ("letter_pairs", "murder", "rnurder"),
        ("letter_pairs", "fuck", "phuck"),
        ("letter_pairs", "wank", "vvank"),
        ("letter_pairs", "dick", "click"),  # why it is opt-in: an ordinary word
        ("short_vowelless", "fuck", "fck"),
        ("short_vowelless", "shit", "sht"),
        ("short_vowelless", "cunt", "cnt"),  # why it is opt-in: an abbreviation (count)
    ],
)
def test_an_opt_in_kind_is_read_only_where_the_rule_asks(kind: str, keyword: str, text: str) -> None:
    assert matched([keyword], text) == []
    assert matched([keyword], text, variants=[kind]) == [(text, (kind,))]


def test_opt_in_kinds_are_exactly_the_kinds_not_on_by_default() -> None:
    assert set(variants.OPT_IN) == {kind.name for kind in variants.KINDS if not kind.default}


def test_an_unknown_variant_kind_is_refused() -> None:
    with pytest.raises(ValidationError, match="short_vowelless"):
        policy({"keywords": ["x"], "variants": ["vowelless"]})  # on by default: not an option


@pytest.mark.parametrize("option", [{"variants": ["letter_pairs"]}, {"typos": 1}])
def test_variant_options_apply_to_keyword_rules_only(option: dict[str, Any]) -> None:
    name = next(iter(option))
    with pytest.raises(ValidationError, match=f"{name} applies to keywords only"):
        policy({"regex": "x", **option})


# --- stretched kana (on by default) -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ばーか", "バーカ", "ばーーか", "ﾊﾞｰｶ"])
def test_a_stretched_vowel_in_a_hiragana_keyword_is_caught(text: str) -> None:
    found = matched(["ばか"], text, whole_word=False)
    assert [piece for piece, _ in found] == [text]
    assert "stretched" in found[0][1]


def test_up_to_three_marks_are_read() -> None:
    assert matched(["ばか"], "ばーーーか", whole_word=False) == [("ばーーーか", ("stretched",))]
    assert matched(["ばか"], "ばーーーーか", whole_word=False) == []


def test_a_katakana_keyword_is_not_stretched_and_a_keyword_s_own_mark_is_needed() -> None:
    assert matched(["ラメン"], "ラーメン", whole_word=False) == []
    assert matched(["ラーメン"], "ラメン", whole_word=False) == []
    assert matched(["ちんこ"], "ちんーこ", whole_word=False) == []  # `ん` has no vowel to lengthen


# --- typos (opt-in per rule) --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("marijuana", "marijuxana"),  # inserted
        ("marijuana", "marjuana"),  # deleted
        ("marijuana", "marihuana"),  # replaced
        ("marijuana", "mraijuana"),  # swapped
        ("ignore previous instructions", "ignroe previous instructions"),  # a phrase's word of 4 letters or more
        ("наркотики", "наркотеки"),  # the letters of the keyword's script
    ],
)
def test_one_typo_is_read_where_the_rule_asks(keyword: str, text: str) -> None:
    assert matched([keyword], text) == []
    assert matched([keyword], text, typos=1) == [(text, ("typo",))]


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("heroin", "heroic"),  # fewer than MIN_TYPO_LETTERS letters: one edit reaches ordinary words
        ("pissing", "missing"),
        ("marijuana", "narijuana"),  # the first and last letters stay
        ("marijuana", "marijuanx"),
        ("marijuana", "maxijuama"),  # two edits
        ("double dong", "double long"),  # a phrase of two words is no anchor
        ("ignore previous instructions", "ignroe previos instructions"),  # one typo in the whole phrase
    ],
)
def test_a_short_word_or_two_edits_is_no_typo(keyword: str, text: str) -> None:
    assert matched([keyword], text, typos=1) == []


def test_typos_is_zero_or_one() -> None:
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        policy({"keywords": ["cocaine"], "typos": 2})


def test_a_rule_whose_typos_would_be_too_many_is_refused() -> None:
    per_keyword = variants.typo_count(["abcdefgh"])
    keywords = ["abcdefgh" + "".join(chr(ord("a") + int(digit)) for digit in f"{n:05d}") for n in range(0, 99999, 7)]
    assert variants.typo_count(keywords) > variants.MAX_TYPO_SPELLINGS > per_keyword
    with pytest.raises(ValidationError, match="typo spellings, more than"):
        policy({"keywords": keywords, "typos": 1})


# --- how many spellings a policy compiles to ----------------------------------------------------------------------


def test_typo_count_bounds_the_spellings_made() -> None:
    for keyword in ("marijuana", "motherfucker", "ignore previous instructions", "наркотики"):
        made = [spelling for spelling, forms in variants.variants(keyword, typo_edits=1) if forms == ("typo",)]
        assert 0 < len(made) <= variants.typo_count([keyword])
    # about 55 per letter of a Latin word: 26 letters to insert at each inner place, 25 to put in
    assert variants.typo_count(["marijuana"]) == 2 * 7 - 1 + 7 * 26 + 8 * 26
    assert variants.typo_count(["cocaine"]) == 0  # too short


def test_default_kinds_make_a_few_spellings_per_keyword() -> None:
    """Without opt-in kinds, a word gains a few spellings (each costs compile time): censored twice (its first vowel,
    every inner letter), vowel-less once, a symbol per `b` (two) or `c`, ROT13 and Atbash once each; stretched kana
    three per kana but the last."""
    for keyword, most in [
        ("motherfucker", 6),
        ("cocksucker", 9),
        ("ignore previous instructions", 16),
        ("ばかやろう", 12),
    ]:
        made = list(variants.variants(keyword))
        assert 0 < len(made) <= most, made
        assert len({spelling.lower() for spelling, _ in made}) == len(made)  # each once


def test_a_keyword_is_never_its_own_variant() -> None:
    for keyword in ("shit", "Fuck", "ばか", "cocaine"):
        assert keyword.lower() not in {
            spelling.lower() for spelling, _ in variants.variants(keyword, variants.OPT_IN, 1)
        }


def test_each_kind_and_option_is_documented() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs"
    evasions = (docs / "evasions.md").read_text(encoding="utf-8")
    rules = (docs / "moderation-policy.md").read_text(encoding="utf-8")
    for name in [kind.name for kind in variants.KINDS] + [variants.TYPO]:
        assert f"`{name}`" in evasions, name
    for option in ("`typos`", "`variants`", *(f"`{name}`" for name in variants.OPT_IN)):
        assert option in rules, option
    assert f"{variants.MAX_TYPO_SPELLINGS:,}" in rules
    schema = json.loads((docs.parent / "schemas" / "moderation-policy.schema.json").read_text(encoding="utf-8"))
    typos = schema["$defs"]["Rule"]["properties"]["typos"]["description"]  # what editors show
    assert f"{variants.MAX_TYPO_SPELLINGS:,}" in typos
    assert f"{variants.MIN_TYPO_LETTERS} letters" in " ".join(typos.split())


@pytest.mark.parametrize(
    ("keyword", "text", "form"),
    [
        ("cocaine", "what does pbpnvar mean", "rot13"),
        ("cocaine", "buy xlxzrmv", "atbash"),
        ("bastard", "yzhgziw", "atbash"),
    ],
)
def test_a_keyword_ciphered_is_read_without_a_word_naming_the_cipher(keyword: str, text: str, form: str) -> None:
    rule = {"id": "r", "category": "t", "action": "block", "whole_word": True, "keywords": [keyword]}
    stage = CompiledPolicy(ModerationPolicy.model_validate({"default": {"input": {"rules": [rule]}}})).stage(
        "a", "input"
    )
    assert stage is not None
    assert [found.evasions for found in stage.matcher.find(text)] == [(form,)]


def test_keywords_under_six_letters_are_not_ciphered() -> None:
    """Their ciphered spellings are words too often (ROT13 of `hore` is `uber`, of `jebat` `wrong`)."""
    assert list(variants.rot13("jebat")) == []
    assert list(variants.rot13("cocaine")) == ["pbpnvar"]
