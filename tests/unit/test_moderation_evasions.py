"""Keyword evasions, end to end through a compiled policy: the defects of issue 8, a recall corpus made from keywords
in several languages by every evasion (alone and combined), and the precision rules that keep ordinary words of
other languages from becoming matches."""

# ruff: noqa: RUF001, RUF003 - look-alike letters are what these tests are about

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dify_extension.protocol import ModerationInputParams, ModerationOutputParams
from moderation.decision import decide_input, decide_output
from moderation.evasions import (
    _IDEOGRAPHIC,
    _IDEOGRAPHIC_SEPARATOR,
    LONG_KEYWORD,
    Reading,
    _coarse_table,
    _kind,
    _marks,
    _spelled_apart,
    _SpelledApart,
    _stand_ins_and_kinds,
    folds_stand_ins_and_kinds,
)
from moderation.matcher import CompiledPolicy, Found
from moderation.moderator import Moderator
from moderation.normalize import folded_view
from moderation.policy import ModerationPolicy

KEYWORDS = {
    "en": ["contraband", "cocaine", "ignore previous instructions", "bad"],
    "ru": ["наркотики", "оружие"],
    "de": ["mörder"],
    "tr": ["kılıç"],
    "el": ["ναρκωτικά"],
    "ar": ["مخدرات"],
    "hi": ["हथियार"],
    "zh": ["赌博"],
    "ja": ["ばかやろう"],
}
SENTENCES = {
    "en": "Please tell me where the {} is, thanks.",
    "ru": "Скажи мне, где {} сейчас, пожалуйста.",
    "de": "Sag mir bitte, wo der {} ist.",
    "tr": "Lütfen bana {} nerede söyle.",
    "el": "Πες μου πού είναι τα {} τώρα.",
    "ar": "قل لي أين {} الآن من فضلك.",
    "hi": "मुझे बताओ {} कहाँ है।",
    "zh": "请告诉我{}在哪里。",
    "ja": "{}と言わないでください。",
}


def stage_matcher(rules: list[dict[str, Any]]) -> Any:
    policy = ModerationPolicy.model_validate({"default": {"input": {"rules": rules}}})
    return CompiledPolicy(policy).stage("app", "input")


RECALL = stage_matcher(
    [{"id": lang, "category": "test", "action": "block", "keywords": words} for lang, words in KEYWORDS.items()]
)


def found_in(text: str, stage: Any = RECALL) -> list[Found]:
    return list(stage.matcher.find(text))


# --- the evasions, as functions of a keyword ---------------------------------------------------------------------

_TO_CYRILLIC = str.maketrans("aceopxyi", "асеорхуі")
_TO_LATIN = str.maketrans("аеорсху", "aeopcxy")
_LEET = str.maketrans("aeiost", "4310$7")
_ZALGO = "\u0345\u1ab0\u1dc0\u20d2\u0338"


def _letters(word: str) -> list[str]:
    """Each letter with the marks after it (Hindi `थि` is one letter)."""
    return re.findall(r"\w[^\w\s]*", word)


def _letters_apart(separator: str) -> Callable[[str], str]:
    return lambda word: "  ".join(separator.join(_letters(part)) for part in word.split(" "))


def _small_capitals(word: str) -> str:
    def capital(char: str) -> str:
        try:
            return unicodedata.lookup(f"LATIN LETTER SMALL CAPITAL {char.upper()}")
        except KeyError:
            return char

    return "".join(capital(char) for char in word)


def _negative_squared(word: str) -> str:
    return "".join(chr(0x1F170 + ord(char) - ord("a")) if "a" <= char <= "z" else char for char in word)


def _repeated(word: str) -> str:
    """A vowel (or the last letter) four times, and in a long word (LONG_KEYWORD) its second letter doubled."""
    long = len(word.replace(" ", "")) >= LONG_KEYWORD
    vowel = next((index for index, char in enumerate(word) if char in "aeiouаеиоуыαοι"), len(word) - 1)
    word = word[:vowel] + word[vowel] * 3 + word[vowel:]
    return word[:2] + word[1] + word[2:] if long else word


EVASIONS: dict[str, tuple[Callable[[str], str], tuple[str, ...]]] = {
    "upper": (str.upper, ()),
    "spaces": (lambda word: word.replace(" ", "\n \t "), ("latin-phrase",)),
    "apart-space": (_letters_apart(" "), ("spaced-script",)),
    "apart-dot": (_letters_apart("."), ("spaced-script",)),
    "apart-dash": (_letters_apart("-"), ("spaced-script",)),
    "apart-underscore": (_letters_apart("_"), ("spaced-script",)),
    "apart-asterisk": (_letters_apart("*"), ("spaced-script",)),
    "apart-slash": (_letters_apart("/"), ("spaced-script",)),
    "leetspeak": (lambda word: word.translate(_LEET), ("latin",)),
    "repeated": (_repeated, ("alphabet",)),
    "cyrillic-look-alikes": (lambda word: word.translate(_TO_CYRILLIC), ("latin",)),
    "latin-look-alikes": (lambda word: word.translate(_TO_LATIN), ("cyrillic",)),
    "bidi-override": (lambda word: f"\u202e{word[::-1]}\u202c", ()),
    "small-capitals": (_small_capitals, ("latin",)),
    "negative-squared": (_negative_squared, ("latin-word",)),
    "full-width": (lambda word: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word), ("latin",)),
    "zalgo": (lambda word: "".join(char + _ZALGO[index % 5] for index, char in enumerate(word)), ("alphabet",)),
    "invisible": ("\u200b".join, ()),
    "apart-and-leetspeak": (lambda word: ".".join(word.translate(_LEET)), ("latin-word",)),
    "look-alikes-and-repeated": (lambda word: _repeated(word).translate(_TO_CYRILLIC), ("latin",)),
    "upper-invisible-leetspeak": (lambda word: "\u2060".join(word.translate(_LEET).upper()), ("latin-word",)),
    "zalgo-and-apart": (lambda word: " ".join(char + "\u1dc0" for char in word), ("latin-word",)),
}


def _applies(lang: str, keyword: str, needs: tuple[str, ...]) -> bool:
    latin = lang in ("en", "de", "tr")
    kinds = {
        "latin": latin,
        "latin-word": latin and keyword.isalpha(),
        "latin-phrase": latin and " " in keyword,
        "cyrillic": lang == "ru",
        "alphabet": lang in ("en", "de", "tr", "ru", "el"),
        "spaced-script": True,
    }
    return all(kinds[need] for need in needs)


CASES = [
    (lang, keyword, name)
    for lang, words in KEYWORDS.items()
    for keyword in words
    for name, (_, needs) in EVASIONS.items()
    if _applies(lang, keyword, needs)
]
# Evasions of one script: kana, Chinese variants, Arabic marks, German and Turkish spellings.
SCRIPT_CASES = [
    ("ja", "バカヤロウ"),
    ("ja", "ﾊﾞｶﾔﾛｳ"),
    ("zh", "賭博"),
    ("ar", "مخـدرات"),
    ("ar", "مُخَدِّرَات"),
    ("de", "moerder"),
    ("de", "MOERDER"),
    ("tr", "KILIÇ"),
    ("en", "cocain℮"),
    ("en", "¢ocain€"),
    ("en", "\u249d\u249c\u249f"),  # parenthesized letters: (b)(a)(d)
    ("en", "b\u0489a\u0489d"),
    ("en", "co\u0345ntraband"),
    ("en", "c\u1ab0o\u1dc0n\u20d2t\ufe20raband"),
]


@pytest.mark.parametrize(("lang", "keyword", "evasion"), CASES, ids=[f"{name}-{word}" for _, word, name in CASES])
def test_every_evasion_of_every_keyword_is_caught(lang: str, keyword: str, evasion: str) -> None:
    evaded = EVASIONS[evasion][0](keyword)
    text = SENTENCES[lang].format(evaded)
    assert any(found.rule == list(KEYWORDS).index(lang) for found in found_in(text)), (evaded, text)


@pytest.mark.parametrize(("lang", "evaded"), SCRIPT_CASES)
def test_script_spellings_are_caught(lang: str, evaded: str) -> None:
    found = found_in(SENTENCES[lang].format(evaded))
    assert [found.rule for found in found] == [list(KEYWORDS).index(lang)]


def test_recall_over_the_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    """The recall figure docs/evasions.md quotes: every case of the two corpora above."""
    texts = [SENTENCES[lang].format(EVASIONS[name][0](keyword)) for lang, keyword, name in CASES]
    texts += [SENTENCES[lang].format(evaded) for lang, evaded in SCRIPT_CASES]
    caught = sum(bool(found_in(text)) for text in texts)
    with capsys.disabled():
        print(f"\nkeyword recall over {len(texts)} evasions: {caught / len(texts):.3f}")
    assert caught == len(texts)


@pytest.mark.parametrize(
    ("text", "evaded", "forms"),
    [
        ("buy c.0.n.t.r.@.b.a.n.d now", "c.0.n.t.r.@.b.a.n.d", ("leetspeak", "separated")),
        ("buy соntrаbаnd now", "соntrаbаnd", ("confusable",)),
        ("send the baaaad news", "baaaad", ("repeated",)),
        ("say \u202edab\u202c now", "dab", ("bidi",)),
        ("Ｃｏｎｔｒａｂａｎｄ!", "Ｃｏｎｔｒａｂａｎｄ", ("width",)),
        ("co\u200bntraband", "co\u200bntraband", ("invisible",)),
        ("ignore  previous\ninstructions", "ignore  previous\ninstructions", ("spaces",)),
        ("Moerder", "Moerder", ("umlaut",)),
        ("バカヤロウ!", "バカヤロウ", ("kana",)),
        ("賭博", "賭博", ("chinese_variant",)),
    ],
)
def test_a_match_covers_the_original_characters_and_names_its_forms(
    text: str, evaded: str, forms: tuple[str, ...]
) -> None:
    (found,) = found_in(text)
    assert text[found.start : found.end] == evaded
    assert found.evasions == forms
    assert found.pii_type is None


def test_text_inside_a_bidi_override_matches_as_typed_too() -> None:
    """People see an override's text in display order, a model reads it as typed: both are checked."""
    text = "say \u202econtraband\u202c now"
    (found,) = found_in(text)
    assert text[found.start : found.end] == "contraband"
    assert found.evasions == ()


# --- precision ---------------------------------------------------------------------------------------------------

PRECISION = stage_matcher(
    [
        {
            "id": "en",
            "category": "t",
            "action": "block",
            "keywords": ["contraband", "shit", "asin", "cop", "poc", "bad"],
        },
        {"id": "en-words", "category": "t", "action": "block", "whole_word": True, "keywords": ["god", "ass"]},
        {"id": "ru", "category": "t", "action": "block", "whole_word": True, "keywords": ["наркотики"]},
    ]
)
RUSSIAN = stage_matcher([{"id": "ru", "category": "t", "action": "block", "whole_word": True, "keywords": ["рос"]}])


@pytest.mark.parametrize(
    "text",
    [
        "this hit the spot",
        "it was a sin to waste it",
        "good morning, goodness me",
        "a bass passage to assess",
        "В углу был сор, а на окне рос цветок.",  # Russian words: not `cop`, and Russian text stays Russian
        "Η Ελλάδα είναι μια χώρα με καλό καιρό και κόσμο.",
        "mp3, h2o, covid19, 4x4, v1.2.3, ISO 9001, 1337",
        "a / b / c testing and x = a + b",
        "b a n d s and a d s",
        "Mail ana@example.com or bob_a_b@example.org",
    ],
)
def test_ordinary_words_do_not_become_matches(text: str) -> None:
    assert found_in(text, PRECISION) == []


def test_a_keyword_double_letter_is_needed_and_short_keywords_take_no_double() -> None:
    assert found_in("as", PRECISION) == []
    assert [text for text in ("asss!", "gooood", "godd", "assss") if found_in(text, PRECISION)] == [
        "asss!",
        "gooood",
        "assss",
    ]  # `god` and `ass` are whole-word rules: a doubled last letter is an ordinary spelling, three or more not
    assert found_in("baad", PRECISION) == []  # a double letter in a short keyword: an ordinary spelling


def test_look_alikes_count_in_a_mixed_word_or_a_word_of_another_script() -> None:
    assert found_in("this соp", PRECISION)  # Cyrillic о in a Latin word
    assert found_in("the сор arrived", PRECISION)  # a Cyrillic word in English text: the Latin cop
    assert found_in("Это poc, а не что-то другое.", RUSSIAN)  # a Latin word in Russian text: the Russian рос
    assert found_in("the poc of the project met", RUSSIAN) == []  # Latin text stays Latin


# --- through the moderator: the log line names the evasion forms, never the text ----------------------------------


def test_the_decision_log_names_the_evasion_forms(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Powertools Logger reuses the logging.Logger an earlier one made, bound to an earlier test's stdout.
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if getattr(logger, "powertools_handler", None) is not None:
            monkeypatch.delitem(logging.Logger.manager.loggerDict, name)
    policy = ModerationPolicy.model_validate(
        {"default": {"input": {"rules": [{"id": "c", "category": "t", "action": "block", "keywords": ["contraband"]}]}}}
    )
    moderator = Moderator(lambda: policy)
    capsys.readouterr()
    answer = moderator.moderate_input(
        ModerationInputParams(app_id="a", inputs={"note": "с.о.n.t.r.a.b.a.n.d"}, query="hello")
    )
    assert answer.flagged is True
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "moderation decision" in line]
    assert lines[0]["evasions"] == ["confusable", "separated"]
    assert "с.о.n" not in json.dumps(lines, ensure_ascii=False)


def test_defects_of_issue_8_through_a_policy() -> None:
    policy = CompiledPolicy(
        ModerationPolicy.model_validate(
            {
                "default": {
                    "input": {
                        "rules": [
                            {"id": "c", "category": "t", "action": "block", "keywords": ["contraband", "kılıç"]},
                            {"id": "hi", "category": "t", "action": "block", "keywords": ["हथियार"]},
                        ]
                    }
                }
            }
        )
    )

    def blocked(query: str) -> bool:
        return decide_input(policy, ModerationInputParams(app_id="a", inputs={}, query=query))[1].flagged

    assert blocked("co\u0345ntraband")
    assert blocked("co\u1ab0ntra\u1dc0ba\u20d2nd\ufe20")
    assert blocked("KILIÇ")
    assert not blocked("KİLİÇ")  # İ is the capital of i, and `ı` and `i` are two letters (issue 14)
    assert not blocked("kiliç")
    assert not blocked("हथयार")


# --- letters spelled apart next to a leet symbol, with ß, beside a one-letter word --------------------------------

RED_TEAM = stage_matcher(
    [
        {"id": "part", "category": "t", "action": "block", "keywords": ["contraband", "straße"]},
        {
            "id": "word",
            "category": "t",
            "action": "block",
            "whole_word": True,
            "keywords": ["shit", "ass", "cop", "poc", "god", "mierda", "scheiße", "сука", "asin"],
        },
    ]
)


def caught(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """Each match as (its rule's id, the original characters it covers, its evasion forms)."""
    return [
        (RED_TEAM.rules[found.rule].id, text[found.start : found.end], found.evasions)
        for found in found_in(text, RED_TEAM)
    ]


@pytest.mark.parametrize(
    ("text", "rule", "evaded"),
    [
        ("c o n t r a b a n d!", "part", "c o n t r a b a n d"),
        ("c o n t r a b a n d!!", "part", "c o n t r a b a n d"),
        ("c o n t r a b a n d1", "part", "c o n t r a b a n d"),
        ("c o n t r a b a n d$", "part", "c o n t r a b a n d"),
        ("c o n t r a b a n d|", "part", "c o n t r a b a n d"),
        ("c.o.n.t.r.a.b.a.n.d!", "part", "c.o.n.t.r.a.b.a.n.d"),
        ("!c o n t r a b a n d", "part", "c o n t r a b a n d"),
        ("1c o n t r a b a n d", "part", "c o n t r a b a n d"),
        ("s h i t!", "word", "s h i t"),
        ("s.h.i.t!", "word", "s.h.i.t"),
        ("s-h-i-t!", "word", "s-h-i-t"),
        ('"s h i t!"', "word", "s h i t"),
        ("s h i t!?", "word", "s h i t"),
        ("a s s!!", "word", "a s s"),
        ("c.o.p!", "word", "c.o.p"),
        ("g o d!", "word", "g o d"),
        ("m i e r d a!", "word", "m i e r d a"),
        ("¡m i e r d a!", "word", "m i e r d a"),
        # caught before, still caught
        ("c o n t r a b a n d ?", "part", "c o n t r a b a n d"),
        ("s h i t.", "word", "s h i t"),
    ],
)
def test_a_leet_symbol_glued_to_the_edge_of_letters_spelled_apart_is_punctuation(
    text: str, rule: str, evaded: str
) -> None:
    assert caught(text) == [(rule, evaded, ("separated",))]


def test_long_rows_of_leet_symbols_do_not_hang() -> None:
    """Rows of symbols that could each be a run's edge are read in time linear in their length (was quadratic)."""
    started = time.monotonic()
    assert found_in("!" * 50_000 + " " + "1!" * 25_000 + " " + "a!" * 25_000, RED_TEAM) == []
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "piece",
    [
        "b\u0430d",  # a look-alike in every candidate of one long word: the script rule asks about that word
        "b@d",  # an @ in every candidate of one long word: the e-mail check asks about that stretch
        "\u202edab\u202c ",  # many right-to-left overrides
        "\u03b2ad",  # a look-alike only in another case (β for b): the word's scripts asked about that word
    ],
)
def test_many_candidates_in_one_word_or_many_overrides_are_read_in_linear_time(piece: str) -> None:
    """Each word's (or override's) answer is worked out once, not once per candidate (both were quadratic: 20,000
    candidates took minutes)."""
    started = time.monotonic()
    assert len(found_in(piece * 20_000)) == 20_000
    assert time.monotonic() - started < 5


def test_a_leet_symbol_glued_to_a_letter_spelled_apart_is_still_read_as_a_letter() -> None:
    assert caught("sh!t!") == [("word", "sh!t", ("leetspeak",))]
    assert caught("c o n t r @b a n d") == [("part", "c o n t r @b a n d", ("leetspeak", "separated"))]
    assert caught("a s$") == [("word", "a s$", ("leetspeak", "separated"))]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("s c h e i ß e", "word"),
        ("s.c.h.e.i.ß.e", "word"),
        ("s-c-h-e-i-ß-e", "word"),
        ("S C H E I ß E", "word"),
        ("s c h e i ẞ e", "word"),
        ("s t r a ß e", "part"),
    ],
)
def test_sharp_s_spelled_apart_is_one_letter(text: str, rule: str) -> None:
    assert (rule, text, ("separated",)) in caught(f"das ist {text} hier")[-1:]


def test_a_keyword_sharp_s_may_be_written_ss() -> None:
    assert ("word", "s c h e i s s e", ("eszett", "separated")) in caught("das ist s c h e i s s e hier")
    assert ("word", "Scheisse", ("eszett",)) in caught("das ist Scheisse")


def test_sharp_s_is_one_letter_a_whole_word_cannot_end_inside_it() -> None:
    def whole(keyword: str) -> Any:
        return stage_matcher(
            [{"id": "w", "category": "t", "action": "block", "whole_word": True, "keywords": [keyword]}]
        )

    assert found_in("h e i ß", whole("heis")) == []
    assert [(found.start, found.end) for found in found_in("h e i ß", whole("heiss"))] == [(0, 7)]


@pytest.mark.parametrize(
    ("text", "evaded"),
    [
        ("what a s h i t", "s h i t"),
        ("this is a s h i t", "s h i t"),
        ("s h i t a lot", "s h i t"),
        ("I said c o p a lot", "c o p"),
        ("es una m i e r d a y ya", "m i e r d a"),
        ("с у к а и все", "с у к а"),
    ],
)
def test_a_whole_word_spelled_apart_next_to_a_one_letter_word_is_caught(text: str, evaded: str) -> None:
    assert caught(text) == [("word", evaded, ("separated",))]


@pytest.mark.parametrize("text", ["was a sin", "it was a sin to waste it", "this hit", "this hit the spot", "as"])
def test_a_whole_word_still_needs_its_boundaries_in_ordinary_words(text: str) -> None:
    assert caught(text) == []


# --- a word of its own script ---------------------------------------------------------------------------------

_LATIN_WORDS = CompiledPolicy(
    ModerationPolicy.model_validate(
        {
            "default": {
                stage: {
                    "rules": [
                        {"id": "w", "category": "t", "action": "block", "whole_word": True, "keywords": ["cop", "poc"]}
                    ]
                }
                for stage in ("input", "output")
            }
        }
    )
)


@pytest.mark.parametrize("text", ["сор", "рос", "рос.", "Рос!", "СОР", "сор 123", "сор :)", "ρος", "ΡΟΣ", "Σορ"])
def test_a_word_alone_in_its_own_script_is_that_language(text: str) -> None:
    """Russian and Greek words with no letters of another script around them: not the Latin keywords they look like."""
    query = decide_input(_LATIN_WORDS, ModerationInputParams(app_id="a", inputs={"note": text}, query=text))[1]
    answer = decide_output(_LATIN_WORDS, ModerationOutputParams(app_id="a", text=text))[1]
    assert (query.flagged, answer.flagged) == (False, False)


def test_a_word_of_another_script_than_the_text_around_it_is_still_a_look_alike() -> None:
    answer = decide_output(_LATIN_WORDS, ModerationOutputParams(app_id="a", text="call the сор now"))[1]
    assert answer.flagged
    assert found_in("this соp", PRECISION)  # a mixed word needs no text around it


# Pieces of text that make every evasion path run: keywords' letters spelled apart, in leetspeak, with look-alikes,
# repeated, with marks and invisible characters, between ordinary words.
_EVASIVE_PIECES = [
    "bad", "b a d", "b.a.d", "b4d", "baaad", "bаd", "ᴄᴏɴᴛʀᴀʙᴀɴᴅ", "contraband", "c0ntr@band", "conntraband",
    "оружие", "oружие", "KILIÇ", "co\u0345ntraband", "b\u200bad", "ﾊﾞｶﾔﾛｳ", " ", ". ", "the ", "x", "ß", "é", "1",
    "!", "a ", "b a d!",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_EVASIVE_PIECES), min_size=1, max_size=12).map("".join))
def test_a_match_span_holds_exactly_what_matched(text: str) -> None:
    """Every keyword match lies within the text, and the characters of its span alone match the same rule again (an
    accent that decorates a word needs text without accents around it to say so: there, in such text)."""
    for found in found_in(text):
        assert 0 <= found.start < found.end <= len(text)
        alone = text[found.start : found.end]
        if "accents" in found.evasions:
            alone = f"we read {alone} here"
        assert found.rule in {again.rule for again in found_in(alone)}, found


# What spelled-apart runs are made of in every script, to alternate: single letters, letters with marks (Hindi,
# Zalgo), words, ideographs and kana, characters of other planes (emoji, ideographs of plane 2), leet symbols and
# look-alikes (their stand-ins are letters) ...
_RUN_UNITS = ["b", "a", "7", "ab", "ж", "ω", "थ", "थि", "क्ते", "a\u0301", "a\u0483", "好", "坏", "ば", "カ", "ー", "・",
              "😀", "𠀀", "𝐚", "_", "$", "@", "а", "€", "1"]  # fmt: skip
# ... and what stands between them: separators of letters and of ideographs (the middle dot is both a kana and a
# separator), marks alone, other punctuation.
_RUN_GAPS = " ._-·・\u0301，\n!a好"
_RUN_TEXTS = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(_RUN_UNITS), st.text(alphabet=st.characters(codec="utf-8"), max_size=3)),
        st.text(alphabet=_RUN_GAPS, max_size=3),
    ),
    max_size=15,
).map(lambda pairs: "".join(unit + gap for unit, gap in pairs))


def _spelled_apart_in_characters() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The spelled-apart runs and their separators as character sets of the characters themselves: the
    straightforward pattern, which the engine tries at every position of the text."""
    separator = f"(?:(?![{_marks()}])[\\W_])"
    letter = f"(?!{_IDEOGRAPHIC})[^\\W_][{_marks()}]*(?:{separator}{{1,5}}[{_marks()}]+)*(?![^\\W_])"
    letters = f"{separator}({letter}(?:{separator}{{1,5}}{letter})+)"
    ideographs = f"({_IDEOGRAPHIC}(?:{_IDEOGRAPHIC_SEPARATOR}{{1,5}}{_IDEOGRAPHIC})+)"
    return re.compile(f"{letters}|{ideographs}"), re.compile(separator)


def _runs(
    text: str, runs: re.Pattern[str] | _SpelledApart, separators: re.Pattern[str], after: int = 0
) -> list[tuple[Any, ...]]:
    """Each run's span, group, and where its separators are, from `after` characters into its group on."""
    found = []
    for run in runs.finditer(text):
        group = run.lastindex or 0
        apart = [separator.start() for separator in separators.finditer(text, run.start(group) + after, run.end(group))]
        found.append((run.span(), group, run.end(group), apart))
    return found


@settings(max_examples=300, deadline=None)
@given(_RUN_TEXTS)
def test_spelled_apart_runs_read_on_kinds_are_those_read_on_characters(text: str) -> None:
    """The stand-ins are those of the coarse table, and the runs (spans, groups, separators) read on their kinds
    are those the straightforward pattern reads on them, in every script and plane."""
    stand_ins, kinds = _stand_ins_and_kinds(text)
    assert stand_ins == text.translate(_coarse_table())
    assert len(kinds) == len(stand_ins)
    expected = _runs(" " + stand_ins, *_spelled_apart_in_characters(), after=1)  # its group has the first letter
    spelled_apart = _spelled_apart()
    assert _runs(_kind(" ") + kinds, spelled_apart.runs, spelled_apart.separators) == expected
    assert _runs(_kind(" ") + kinds, spelled_apart, spelled_apart.separators) == expected


_MIXED_TEXTS = st.lists(
    st.one_of(
        st.sampled_from([*_EVASIVE_PIECES, *_RUN_UNITS, *_RUN_GAPS, "Straße", "我們", "，", "\u202e", "ﬁ", "İ"]),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=4),
    ),
    max_size=20,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_MIXED_TEXTS)
def test_stand_ins_read_in_the_folding_pass_are_those_read_after_it(text: str) -> None:
    """The folded view made with the evasion checks' table is the plain one, and its reading (stand-ins, kinds,
    letters joined, candidates) is the one read from the folded text alone."""
    for display_order in (True, False):
        plain = folded_view(text, display_order=display_order)
        view = folded_view(text, display_order=display_order, reading=folds_stand_ins_and_kinds)
        assert view.text == plain.text
        assert [view.original_span(at, at + 1) for at in range(len(view.text))] == [
            plain.original_span(at, at + 1) for at in range(len(plain.text))
        ]
        fast, alone = Reading(view.text, view.read), Reading(plain.text)
        assert (fast.stand_ins, fast.joined, fast.candidates) == (alone.stand_ins, alone.joined, alone.candidates)
        assert fast._spelled_apart == alone._spelled_apart  # the letters it joined
