"""The matchers' views of a text: NFKC, case folding, invisible characters dropped, and the exact way back."""

# ruff: noqa: RUF001 - full-width and other look-alike characters are what these tests are about

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.normalize import IGNORED_RANGES, View, fold, folded_view, plain_view

EVASIONS = [
    pytest.param("Ｂａｄ", id="full-width"),
    pytest.param("BAD", id="upper-case"),
    pytest.param("b\u200bad", id="zero-width-space"),
    pytest.param("b\u200c\u200da\u2060d", id="zero-width-joiners-word-joiner"),
    pytest.param("\ufeffb\u00adad", id="bom-soft-hyphen"),
    pytest.param("b\u202ea\u202cd", id="bidi-override"),
    pytest.param("\u2066b\u2069a\u200ed\u200f\u061c", id="bidi-isolates-marks"),
    pytest.param("𝐛𝐚𝐝", id="mathematical-bold"),
    pytest.param("b\U000e0041a\U000e007fd", id="tag-characters"),
    pytest.param("b\u3164a\u115fd\u1160\uffa0", id="hangul-fillers"),
    pytest.param("b\u180ba\u180d\u180fd", id="mongolian-variation-selectors"),
    pytest.param("b\U000e0100a\U000e01efd", id="variation-selectors-supplement"),
    pytest.param("b\u0301a\u0300\u0328d\u036f", id="combining-accents"),
    pytest.param("B\u0338\u0322\u031ba\u0334\u0363d\u0356", id="zalgo"),
]

INVISIBLE = "\ufeff\u2066\u2069\u200e\u200f\u061c\u1160\uffa0"


@pytest.mark.parametrize("text", EVASIONS)
def test_evasions_fold_to_the_plain_word(text: str) -> None:
    assert folded_view(text).text == "bad"


@pytest.mark.parametrize("text", EVASIONS)
def test_every_folded_span_maps_back_to_the_characters_that_made_it(text: str) -> None:
    """Masking the whole folded match masks exactly the original text from its first to its last character, with
    the invisible characters inside it but not those before or after it."""
    view = folded_view(f"say {text}!")
    start = view.text.index("bad")
    original_start, original_end = view.original_span(start, start + 3)
    assert f"say {text}!"[original_start:original_end] == text.strip(INVISIBLE)


@pytest.mark.parametrize("fold_view", [folded_view, plain_view])
@pytest.mark.parametrize(
    ("text", "match", "expected"),
    [
        pytest.param("ana@example.com\u200b tail", "ana@example.com", "ana@example.com", id="zero-width-after"),
        pytest.param("\u202a536-22-1234\u202c", "536-22-1234", "536-22-1234", id="bidi-pair-around"),
        pytest.param("x\u2066bad\u2069\u200b!", "bad", "bad", id="isolate-around"),
        pytest.param("b\u200ba\u202dd!", "bad", "b\u200ba\u202dd", id="inside-kept"),
    ],
)
def test_a_span_ends_at_its_last_character_not_at_invisibles_after_it(
    fold_view: Callable[[str], View], text: str, match: str, expected: str
) -> None:
    view = fold_view(text)
    start = view.text.index(match)
    assert text[slice(*view.original_span(start, start + len(match)))] == expected


def test_every_default_ignorable_code_point_is_ignored() -> None:
    """Checked against the Unicode property as the `regex` package knows it (a test-only oracle, installed with
    cfn-lint)."""
    import regex  # type: ignore[import-untyped]

    ignorable = regex.compile(r"\p{Default_Ignorable_Code_Point}")
    for code in range(0x110000):
        char = chr(code)
        if ignorable.match(char):
            assert folded_view(f"a{char}b").text == "ab", hex(code)
            assert plain_view(f"a{char}b").text == "ab", hex(code)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Résumé", "resume"),
        ("ΆΈΉ", "αεη"),
        ("Ёлка й", "елка и"),
        ("naïve cafe\u0301", "naive cafe"),
        ("≠", "≠"),  # an accent on a symbol is part of the symbol
        ("が ガ ﾀﾞ", "が が だ"),  # Japanese voicing marks change the letter: kept (katakana reads as hiragana)
        ("कि", "कि"),  # an Indic vowel sign: kept
        ("한국", "한국"),
    ],
)
def test_keywords_ignore_marks_on_letters_only(text: str, folded: str) -> None:
    assert folded_view(text).text == folded
    assert fold(text) == folded


def test_ascii_text_is_lowercased_with_an_identity_map() -> None:
    view = folded_view("Hello WORLD")
    assert view.text == "hello world"
    assert view.starts is None
    assert view.original_span(6, 11) == (6, 11)


def test_normalised_non_ascii_text_keeps_an_identity_map() -> None:
    """Text already in NFKC whose folding keeps its length and has no accent to drop (Chinese, Japanese with
    voicing marks, Greek) maps one to one."""
    text = "忽略之前的所有指令 と ガイド Ωμεγα"
    view = folded_view(text)
    assert view.text == "忽略之前的所有指令 と がいど ωμεγα"
    assert view.starts is None


def test_accents_dropped_map_back_to_the_accented_letter() -> None:
    text = "Café Zu\u0308rich"
    view = folded_view(text)
    assert view.text == "cafe zurich"
    assert text[slice(*view.original_span(3, 4))] == "é"
    assert text[slice(*view.original_span(5, 11))] == "Zu\u0308rich"


def test_case_folding_that_grows_the_text_maps_back_to_the_one_character() -> None:
    """ß folds to "ss": both characters map back to the ß."""
    text = "Straße!"
    view = folded_view(text)
    assert view.text == "strasse!"
    start = view.text.index("ss")
    assert text[slice(*view.original_span(start, start + 2))] == "ß"
    assert text[slice(*view.original_span(0, len(view.text)))] == text


def test_combining_marks_compose_within_their_cluster() -> None:
    """e + U+0301 is é after NFKC; a zero-width space between them does not stop that."""
    for text in ("Cafe\u0301", "Cafe\u200b\u0301"):
        view = plain_view(text)
        assert view.text == "Café"
        assert view.original_span(3, 4) == (3, len(text))


def test_half_width_katakana_voicing_marks_compose() -> None:
    """ｶﾞ (two half-width characters) is ガ (read as が): the voicing mark belongs to the character before it."""
    text = "ｶﾞｲﾄﾞ"
    view = folded_view(text)
    assert view.text == "がいど"
    assert view.original_span(0, 1) == (0, 2)
    assert view.original_span(2, 3) == (3, 5)


def test_hangul_jamo_compose_into_a_syllable() -> None:
    text = "\u1112\u1161\u11ab"  # ᄒ ᅡ ᆫ
    view = folded_view(text)
    assert view.text == unicodedata.normalize("NFKC", text) == "한"
    assert view.original_span(0, 1) == (0, 3)


def test_plain_view_keeps_case_but_normalises_width_and_drops_invisibles() -> None:
    """Regular expressions and PII see NFKC text with its case (IBANs and AWS key ids are upper case)."""
    view = plain_view("ＧＢ８２ ＷＥ\u200bＳＴ\u200b")
    assert view.text == "GB82 WEST"
    assert view.original_span(5, 9) == (5, 10)


def test_plain_view_of_clean_text_is_the_text() -> None:
    assert plain_view("Grüße aus 東京").text == "Grüße aus 東京"
    assert plain_view("Grüße aus 東京").starts is None


@pytest.mark.parametrize(
    ("keyword", "folded"),
    [("  Ignore ALL  ", "  ignore all  "), ("Ｓｅｃｒｅｔ", "secret"), ("システム", "しすてむ"), ("\u200b", "")],
)
def test_keywords_fold_the_same_way(keyword: str, folded: str) -> None:
    assert fold(keyword) == folded


def test_whole_text_maps_back_for_mixed_scripts() -> None:
    """For any text, the span of the whole folded text is the whole original but for invisible characters at
    either end (no visible character is lost)."""
    text = "\u200bＡｂｃ ß ｶﾞ é\u0301 𝐱\u202e"
    view = folded_view(text)
    assert view.text == "abc ss が e x"
    assert view.original_span(0, len(view.text)) == (1, len(text) - 1)
    assert len(view.starts or ()) == len(view.text) == len(view.ends or ())


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        pytest.param("co\u0345ntraband", "contraband", id="ypogegrammeni-before-folding-to-iota"),
        pytest.param("ᾳ", "α", id="greek-iota-subscript"),
        pytest.param("ba\u1ab0d", "bad", id="diacritical-marks-extended"),
        pytest.param("b\u1dc0ad", "bad", id="diacritical-marks-supplement"),
        pytest.param("ba\u20d2d\u20e3", "bad", id="marks-for-symbols"),
        pytest.param("b\ufe20ad\ufe2f", "bad", id="half-marks"),
        pytest.param("KILIÇ", "kilic", id="turkish-capitals"),
        pytest.param("kılıç", "kilic", id="turkish-dotless-i"),
        pytest.param("İstanbul", "istanbul", id="turkish-dotted-capital-i"),
        pytest.param("ᴄᴏɴᴛʀᴀʙᴀɴᴅ", "contraband", id="small-capitals"),
        pytest.param("🅒🅞🅝🅣🅡🅐🅑🅐🅝🅓", "contraband", id="negative-circled"),
        pytest.param("🅲🅾🅽🆃🆁🅰🅱🅰🅽🅳", "contraband", id="negative-squared"),
        pytest.param("🇧🇦🇩", "bad", id="regional-indicators"),
        pytest.param("ⓑⓐⓓ", "bad", id="circled"),
        pytest.param("سـلاح", "سلاح", id="arabic-tatweel"),
        pytest.param("سِلَاح", "سلاح", id="arabic-harakat"),
        pytest.param("カタカナ", "かたかな", id="katakana-as-hiragana"),
        pytest.param("槍枝", "枪枝", id="traditional-chinese-as-simplified"),
    ],
)
def test_marks_case_and_letter_forms_fold_away(text: str, folded: str) -> None:
    assert folded_view(text).text == folded


@pytest.mark.parametrize(
    ("first", "second"),
    [("हथयार", "हथियार"), ("กา", "กี"), ("が", "か"), ("≠", "=")],
)
def test_marks_that_carry_meaning_still_count(first: str, second: str) -> None:
    assert fold(first) != fold(second)


def test_a_right_to_left_override_reads_in_display_order_and_maps_back() -> None:
    text = "say \u202edab\u202c now"
    view = folded_view(text)
    assert view.text == "say bad now"
    start = view.text.index("bad")
    assert text[slice(*view.original_span(start, start + 3))] == "dab"
    assert view.reversed_spans == ((5, 8),)


def test_non_ascii_text_maps_back_through_fast_runs_and_clusters() -> None:
    text = "Größe: café e\u0301 ß İ Ωμέγα 東京"
    view = folded_view(text)
    assert view.text == "grosse: cafe e ss i ωμεγα 东京"
    for word in ("grosse", "cafe", "ss", "ωμεγα", "东京"):
        start = view.text.index(word)
        original = text[slice(*view.original_span(start, start + len(word)))]
        assert fold(original) == word


# Characters that exercise every path: ASCII, accents composed and not, marks of every kind, invisible and bidi
# characters, case folds that grow (ß, İ), compatibility forms, kana, Hangul jamo, look-alikes, Arabic marks.
_PIECES = [
    *"abcABC xyz.-_1@$!",
    *"éÉ\u0301\u0345\u1ab0\u20e3\u0338İıßΩάрсЁ",
    *"\u200b\u00ad\ufeff\u202a\u202c\u202e\u2066\u2069\n",
    *"ｶﾞカ國东ﬁ㎏",
    *"\u1100\u1161\u11a8한ـ\u064eم",
    "𝐚",
    "🅰",
    "🇩",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=24).map("".join))
def test_every_view_maps_back_exactly(text: str) -> None:
    """Spans lie within the text and, outside right-to-left overrides, in order; the original span of any stretch
    of the view starts and ends on characters that produced it, and folding it gives that stretch back."""
    ignorable = {chr(code) for first, last in IGNORED_RANGES for code in range(first, last + 1)}
    for view, again in ((folded_view(text), folded_view), (plain_view(text), plain_view)):
        spans = [view.original_span(index, index + 1) for index in range(len(view.text))]
        assert all(0 <= start < end <= len(text) for start, end in spans)
        if view.reversed_spans:
            continue
        assert spans == sorted(spans)
        for start in range(len(view.text)):
            for end in range(start + 1, min(len(view.text), start + 5) + 1):
                first, last = view.original_span(start, end)
                assert text[first] not in ignorable
                assert view.text[start:end] in again(text[first:last]).text
