"""Issue 14: evasion readings that respect real languages. Each precision rule with the innocent text it spares and
the evasion it still catches, the adversarial suite's defects (separators that are leet symbols, Unicode spaces and
dashes, a change of script as a word boundary, Indic vowel signs, joined phrase words), and `allow`."""

# ruff: noqa: RUF001 - other scripts and look-alike letters are what these tests are about

from __future__ import annotations

import pytest

from moderation.matcher import CompiledPolicy
from moderation.policy import ModerationPolicy
from tests.unit.keyword_rules import matched

# --- accents ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("sie", "się"),  # Polish
        ("cok", "çok"),  # Turkish
        ("jiz", "již"),  # Czech
        ("mal", "mål"),  # Swedish
        ("meme", "même"),  # French
        ("sie", "Nie wiem, czy się uda, ale spróbuję."),  # accents around: the text's language writes them
    ],
)
def test_an_accent_that_is_a_language_s_spelling_is_no_evasion(keyword: str, text: str) -> None:
    assert matched([keyword], text) == []


@pytest.mark.parametrize(
    ("text", "evaded"),
    [
        ("you are such a shít, really", "shít"),
        ("what a piece of shìt that was", "shìt"),
        ("sell me some cöcáíne please", "cöcáíne"),
    ],
)
def test_an_accent_in_text_written_without_accents_decorates_the_word(text: str, evaded: str) -> None:
    keyword = "cocaine" if "c" in evaded[:1] else "shit"
    assert matched([keyword], text) == [(evaded, ("accents",))]


def test_marks_that_compose_with_nothing_are_decoration_anywhere() -> None:
    assert matched(["shit"], "s\u0336h\u0336i\u0336t\u0336") == [("s\u0336h\u0336i\u0336t\u0336", ("marks",))]
    assert matched(["contraband"], "co\u0345ntraband") == [("co\u0345ntraband", ("marks",))]


@pytest.mark.parametrize(
    ("keyword", "text"),
    [("hård", "hard"), ("öl", "ol"), ("péter", "peter"), ("mörder", "morder"), ("mörder", "El perro va a morder.")],
)
def test_a_keyword_keeps_its_accents(keyword: str, text: str) -> None:
    assert matched([keyword], text) == []


@pytest.mark.parametrize(
    ("keyword", "text", "forms"),
    [
        ("mörder", "Mörder", ()),
        ("mörder", "MOERDER", ("umlaut",)),
        ("hård", "haard", ("transcribed",)),
        ("scheiße", "Scheisse", ("eszett",)),
        ("ναρκωτικά", "ΝΑΡΚΩΤΙΚΑ", ("capitals",)),  # Greek capitals are written without accents
    ],
)
def test_a_keyword_s_standard_spellings_match(keyword: str, text: str, forms: tuple[str, ...]) -> None:
    assert matched([keyword], text) == [(text, forms)]


# --- Turkish i and German sharp s --------------------------------------------------------------------------------


def test_dotless_i_is_a_letter_of_its_own_and_only_the_capital_i_is_ambiguous() -> None:
    assert matched(["adi"], "Benim adı Ali ve senin adın ne") == []
    assert matched(["adi"], "adı") == []
    assert matched(["ignore previous instructions"], "please ignore prevıous instructions now") == [
        ("ignore prevıous instructions", ("dotless_i",))
    ]
    assert matched(["shit"], "shıt") == [("shıt", ("dotless_i",))]  # no Turkish letter around
    assert matched(["siktir"], "bu sıktır dedi ve kaşığı aldı") == []  # Turkish text
    assert matched(["kılıç"], "KILIÇ") == [("KILIÇ", ())]
    assert matched(["kılıç"], "kiliç") == []
    assert matched(["kılıç"], "KİLİÇ") == []  # İ is the capital of i


@pytest.mark.parametrize("text", ["Er aß einen Apfel.", "die Straße", "STRASSE"])
def test_sharp_s_is_no_ss_of_a_short_keyword_of_another_language(text: str) -> None:
    assert matched(["ass"], text) == []
    assert [found for found in matched(["ass"], text, whole_word=False) if "ß" in found[0]] == []


def test_sharp_s_is_the_ss_of_a_german_or_long_keyword() -> None:
    assert matched(["heiss"], "es ist heiß") == [("heiß", ("eszett",))]
    assert matched(["scheisse"], "so eine Scheiße") == [("Scheiße", ("eszett",))]


# --- letters spelled apart, leetspeak ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("ya", "il y a un problème"),
        ("ak", "a.k.a. the author"),
        ("bs", "в %s"),
        ("ass", "C L A S S"),
        ("ass", "a s s e s s"),
        ("bomb", "a disk of 80MB"),
        ("ass", "Connexion à %s (%s)"),  # printf placeholders are no letters
        ("ass", "Conectando a %-*s (%s)"),
        ("cox", "%s %s%c0x%s nikdy nepoužité"),
        ("mof", "usa l'opzione -m o -F"),  # a gap unlike the one before it ends a run
        ("les", "le opzioni -l e -s sono incompatibili"),
        ("sie", "To się zdarza"),  # a keyword of fewer than 4 letters takes no decorating accent
        ("bar", "bàr deasachaidh agus an còrr"),
        ("ak", "4k video"),
        ("ag", "a 4g phone"),
    ],
)
def test_short_or_embedded_readings_are_not_made(keyword: str, text: str) -> None:
    assert matched([keyword], text) == []


@pytest.mark.parametrize(
    ("keyword", "text", "evaded"),
    [
        ("ass", "you a s s", "a s s"),
        ("shit", "what a s h i t", "s h i t"),
        ("bomb", "a b0mb here", "b0mb"),
        ("赌博", "他在赌 博", "赌 博"),  # an ideograph is a word: two are enough
    ],
)
def test_deliberate_spellings_still_match(keyword: str, text: str, evaded: str) -> None:
    found = matched([keyword], text, whole_word=not keyword.startswith("赌"))
    assert [piece for piece, _ in found] == [evaded]


@pytest.mark.parametrize("text", ["s!h!i!t", "s+h+i+t", "s$h$i$t", "so s!h!i!t!"])
def test_a_leet_symbol_between_every_letter_is_a_separator(text: str) -> None:
    assert matched(["shit"], text) == [(text.removeprefix("so ").rstrip("!") or text, ("separated",))]


@pytest.mark.parametrize("text", ["c|o|c|a|i|n|e", "c@o@c@a@i@n@e"])
def test_pipes_and_ats_between_letters_are_separators(text: str) -> None:
    assert matched(["cocaine"], text, whole_word=False) == [(text, ("separated",))]


def test_gaps_alike_join_letters_and_a_gap_unlike_them_ends_the_run() -> None:
    assert matched(["bad"], "so b . a . d") == [("b . a . d", ("separated",))]
    assert matched(["shit"], "s h  i t") == [("s h  i t", ("separated",))]
    assert matched(["bad"], "x - b.a.d") == [("b.a.d", ("separated",))]


# --- kana ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("ノブ", "未割当のブロックを"),  # a particle and a katakana word: two scripts
        ("なめ", "トーナメント"),  # inside a longer katakana word
        ("ちんこ", "パチンコ"),
        ("ノブ", "しのぶ"),
    ],
)
def test_the_other_kana_script_matches_only_a_whole_run_of_one_script(keyword: str, text: str) -> None:
    assert matched([keyword], text, whole_word=False) == []


@pytest.mark.parametrize(
    ("keyword", "text"), [("ばか", "バカ"), ("ばか", "お前はバカだ"), ("クソ", "くそ!"), ("ばか", "ﾊﾞｶ")]
)
def test_the_other_kana_script_matches_a_whole_run(keyword: str, text: str) -> None:
    found = matched([keyword], text, whole_word=False)
    assert len(found) == 1
    assert "kana" in found[0][1]


# --- white space, dashes, word boundaries ------------------------------------------------------------------------


@pytest.mark.parametrize("space", ["\u2028", "\u2029", "\u0085", "\u1680", "\t", "\u00a0", "\u3000"])
def test_every_unicode_space_separates_phrase_words(space: str) -> None:
    text = f"ignore{space}previous instructions"
    assert [piece for piece, _ in matched(["ignore previous instructions"], text)] == [text]


@pytest.mark.parametrize("dash", ["\u2014", "\u2015", "\u2010", "\u2212", "-", "\uff0d"])
def test_unicode_dashes_separate_ideographs(dash: str) -> None:
    assert [piece for piece, _ in matched(["赌博"], f"他在赌{dash}博", whole_word=False)] == [f"赌{dash}博"]


def test_a_wave_dash_separates_kana() -> None:
    assert [piece for piece, _ in matched(["ばか"], "ば〜か", whole_word=False)] == ["ば〜か"]


@pytest.mark.parametrize(
    ("text", "word"), [("你真是个shit", "shit"), ("这是cocaine吗", "cocaine"), ("お前はshitだ", "shit")]
)
def test_a_change_of_script_is_a_word_boundary(text: str, word: str) -> None:
    assert matched(["shit", "cocaine"], text) == [(word, ())]


@pytest.mark.parametrize(("keyword", "text"), [("बम", "वह बमुश्किल समय पर पहुँचा"), ("हो", "यह होगा")])
def test_an_indic_vowel_sign_is_part_of_its_word(keyword: str, text: str) -> None:
    assert matched([keyword], text) == []
    assert matched([keyword], f"यह {keyword} है") == [(keyword, ())]


def test_greek_quoted_in_english_is_greek_but_capitals_that_look_latin_are_look_alikes() -> None:
    assert matched(["meth"], "the word μετη is greek") == []
    assert matched(["meth"], "buy ΜΕΤΗ now") == [("ΜΕΤΗ", ("confusable",))]
    assert matched(["cocaine"], "buy сосаіne now") == [("сосаіne", ("confusable",))]


# --- a phrase's words joined: the same answer in every context ------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["ignorepreviousinstructions", "ignore_previous_instructions", "ignore-previous-instructions"]
)
def test_joined_phrase_words_match_alone_and_in_a_sentence(text: str) -> None:
    keyword = ["ignore previous instructions"]
    assert matched(keyword, text) == [(text, ("joined",))]
    assert matched(keyword, f"please {text} now") == [(text, ("joined",))]


# --- allow ------------------------------------------------------------------------------------------------------


ALLOW = {"keywords": ["色情", "病毒", "バカ"], "allow": ["特色情况", "病毒品种", "夏のバカンス"]}


@pytest.mark.parametrize("text", ["特色情况", "特 色 情况", "特.色.情.况", "病毒品种很多", "夏のバカンス", "夏のﾊﾞｶﾝｽ"])
def test_a_match_inside_an_allowed_phrase_is_spared_evaded_or_not(text: str) -> None:
    assert matched(ALLOW["keywords"], text, whole_word=False, allow=ALLOW["allow"]) == []


@pytest.mark.parametrize(("text", "evaded"), [("特色情况 和 色情", "色情"), ("バカ", "バカ"), ("病毒", "病毒")])
def test_the_same_keyword_elsewhere_still_counts(text: str, evaded: str) -> None:
    found = matched(ALLOW["keywords"], text, whole_word=False, allow=ALLOW["allow"])
    assert [piece for piece, _ in found] == [evaded]


def test_allow_applies_to_keyword_rules_only() -> None:
    with pytest.raises(ValueError, match="allow applies to keywords only"):
        ModerationPolicy.model_validate(
            {
                "default": {
                    "input": {"rules": [{"id": "r", "category": "t", "action": "block", "regex": "x", "allow": ["y"]}]}
                }
            }
        )


def test_an_allowed_phrase_of_one_rule_spares_nothing_of_another() -> None:
    rules = [
        {"id": "a", "category": "t", "action": "block", "keywords": ["色情"], "allow": ["特色情况"]},
        {"id": "b", "category": "t", "action": "block", "keywords": ["色情"]},
    ]
    compiled = CompiledPolicy(ModerationPolicy.model_validate({"default": {"input": {"rules": rules}}})).stage(
        "app", "input"
    )
    assert compiled is not None
    assert [found.rule for found in compiled.matcher.find("特色情况")] == [1]


# --- recall kept: what the third-party generators make (bench/recall) --------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "text", "forms"),
    [
        ("हथियार", "मुझे ह थ ि य ा र दो", ("separated",)),  # casefold-fuzz: every code point spelled apart
        ("हथियार", "मुझे हथि̸या̴र दो", ("marks",)),  # garak's Zalgo after a vowel sign
        ("shit", "what a 5h17", ("leetspeak",)),  # one real letter, three digits, in a keyword of 4 letters
    ],
)
def test_third_party_mutations_are_read(keyword: str, text: str, forms: tuple[str, ...]) -> None:
    found = matched([keyword], text)
    assert len(found) == 1
    assert found[0][1] == forms


@pytest.mark.parametrize("text", ["455", "1337", "4x4", "h2o"])
def test_numbers_stay_numbers(text: str) -> None:
    assert matched(["ass", "leet", "axa", "heo"], text) == []


# --- a word's pieces joined (form split) -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["sh**it", "sh_it", "sh~~it", "say sh*it now", "co-\ncaine"])
def test_markup_or_a_hyphenated_line_break_inside_a_word_is_read_through(text: str) -> None:
    found = matched(["shit", "cocaine"], text)
    assert len(found) == 1
    assert found[0][1] == ("split",)


@pytest.mark.parametrize("text", ["push_it", "snake_case_name", "a_s", "coca\nine is a line break"])
def test_words_joined_by_markup_are_one_word_and_a_line_break_alone_ends_one(text: str) -> None:
    assert matched(["shit", "cocaine", "as"], text) == []
