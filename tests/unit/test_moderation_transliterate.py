"""Keywords in other alphabets match their Latin spellings (issue 15, docs/evasions.md#other-alphabets): examples per
script caught and not caught, the rule option, the compile-time cost by counts, and the generated tables."""

from __future__ import annotations

from importlib import metadata
from typing import Any

import generate_transliteration_tables as generator
import pytest

from moderation import transliteration_tables
from moderation.matcher import CompiledPolicy, Found
from moderation.normalize import fold
from moderation.policy import ModerationPolicy
from moderation.transliterate import (
    DEFAULT_MIN_LENGTH,
    MAX_SPELLINGS,
    TRANSLITERATED,
    arabic_skeletons,
    latin_spellings,
)
from tests.unit.fresh_interpreter import run_fresh

KEYWORDS = ["сука", "блять", "шлюха", "हथियार", "कमीना", "سلاح", "مخدرات", "شرموطة", "كلب", "バカ", "μαλάκας"]


def stage(transliterate: bool | None, keywords: list[str] = KEYWORDS) -> Any:
    rule = {"id": "r", "category": "c", "action": "block", "keywords": keywords, "transliterate": transliterate}
    return CompiledPolicy(ModerationPolicy.model_validate({"default": {"input": {"rules": [rule]}}})).stage(
        "app", "input"
    )


EVERY, PRECISE, NONE = stage(True), stage(None), stage(False)


def found_in(text: str, compiled: Any) -> list[Found]:
    return list(compiled.matcher.find(text))


# (text, the Latin spelling it holds): matched with `"transliterate": true`.
EXAMPLES = [
    ("ty suka", "suka"),  # Russian
    ("blyat, again", "blyat"),
    ("bljat!", "bljat"),
    ("tu kamina hai", "kamina"),  # Hindi, schwa deleted
    ("tu kameena hai", "kameena"),  # long vowel written double
    ("hathiyar do", "hathiyar"),
    ("3andak sila7?", "sila7"),  # Arabic chat alphabet: a consonant skeleton with vowels between
    ("mo5adarat", "mo5adarat"),
    ("MO5ADARAT please", "MO5ADARAT"),
    ("omae wa baka", "baka"),  # Japanese romaji
    ("ela re malakas", "malakas"),  # Greeklish
    ("shlyukha", "shlyukha"),
    ("s u k a", "s u k a"),  # the other evasions apply to the spellings too
]


@pytest.mark.parametrize(("text", "spelling"), EXAMPLES)
def test_latin_spellings_are_caught_when_the_rule_asks(text: str, spelling: str) -> None:
    found = found_in(text, EVERY)
    start = text.index(spelling)
    assert [(match.start, match.end) for match in found] == [(start, start + len(spelling))]
    assert "transliterated" in found[0].evasions


# Known chat spellings of keywords of each script (a list written for this test, not made by the tables).
CHAT_SPELLINGS = {
    "сука": ["suka"],
    "блять": ["blyat", "bljat"],
    "блядь": ["blyad", "bljad"],
    "пиздец": ["pizdec", "pizdets"],
    "хуй": ["huy", "hui", "xuy", "khuy"],
    "нахуй": ["nahuy", "nahui", "nakhuy"],
    "жопа": ["zhopa", "jopa"],
    "мудак": ["mudak"],
    "говно": ["govno"],
    "ебать": ["ebat", "yebat"],
    "шлюха": ["shlyukha", "shluha", "shljuha"],
    "дерьмо": ["dermo"],
    "чмо": ["chmo"],
    "чурка": ["churka"],
    "चूतिया": ["chutiya", "chootiya"],
    "मादरचोद": ["madarchod"],
    "भोसड़ीके": ["bhosdike", "bhosadike"],
    "गांडू": ["gandu", "gaandu"],
    "हरामी": ["harami", "haraami"],
    "कमीना": ["kamina", "kameena"],
    "कुत्ता": ["kutta"],
    "साला": ["sala", "saala"],
    "रंडी": ["randi"],
    "लौड़ा": ["lauda", "loda"],
    "हथियार": ["hathiyar"],
    "شرموطة": ["sharmouta", "sharmoota", "sharmuta"],
    "كلب": ["kalb"],
    "حمار": ["7mar", "hmar", "7omar"],
    "خرا": ["5ara", "khara"],
    "منيك": ["manyak", "manyok"],
    "قحبة": ["2a7ba", "qa7ba", "ka7ba"],
    "حشيش": ["7ashish", "hashish"],
    "سلاح": ["sila7", "sla7", "silah"],
    "مخدرات": ["mo5adarat", "mokhadarat", "mukhaddirat"],
    "چوتیا": ["chutiya", "chootiya"],  # Urdu, as Roman Urdu writes it
    "حرامی": ["harami", "7arami"],
    "ばか": ["baka"],
    "くそ": ["kuso"],
    "あほ": ["aho"],
    "ちんこ": ["chinko"],
    "ばかやろう": ["bakayarou", "bakayaro"],
    "ちくしょう": ["chikushou", "chikusho"],
    "きもい": ["kimoi"],
    "μαλάκας": ["malakas"],
    "γαμώτο": ["gamoto"],
    "πουτάνα": ["poutana", "putana"],
    "σκατά": ["skata"],
    "μουνί": ["mouni", "muni"],
    "γαμώ": ["gamw", "gamo"],
}
CHAT = stage(True, list(CHAT_SPELLINGS))
CHAT_PRECISE = stage(None, list(CHAT_SPELLINGS))


def test_recall_over_known_chat_spellings(capsys: pytest.CaptureFixture[str]) -> None:
    """Every spelling is caught with "transliterate": true; the default catches those its precision rule allows."""
    cases = [(keyword, spelling) for keyword, spellings in CHAT_SPELLINGS.items() for spelling in spellings]
    missed = [case for case in cases if not found_in(f"well {case[1]}!", CHAT)]
    assert missed == []
    precise = [case for case in cases if found_in(f"well {case[1]}!", CHAT_PRECISE)]
    allowed = [case for case in cases if len(case[1]) >= DEFAULT_MIN_LENGTH or any(char.isdigit() for char in case[1])]
    assert set(precise) <= set(allowed)
    with capsys.disabled():
        print(f"\nchat spellings caught: {len(cases)}/{len(cases)} with transliterate, {len(precise)} by default")


@pytest.mark.parametrize(
    ("text", "caught"),
    [
        ("hathiyar do", True),  # 8 letters
        ("tu kamina hai", True),  # 6 letters
        ("3andak sila7?", True),  # a skeleton with a chat digit
        ("mo5adarat", True),
        ("ya sharmouta", True),  # a skeleton of five letters (shrmt) needs no digit
        ("ya kalb", False),  # three letters without a digit: `klb`
        ("ela re malakas", True),
        ("ty suka", False),  # 4 letters: Indonesian `suka` (to like) is a common word
        ("omae wa baka", False),
        ("blyat", False),  # 5 letters
    ],
)
def test_by_default_only_the_precise_spellings_are_caught(text: str, caught: bool) -> None:
    assert bool(found_in(text, PRECISE)) is caught
    assert found_in(text, NONE) == []  # "transliterate": false: none


@pytest.mark.parametrize(
    "text",
    [
        "sukarno",  # inside another word: a Latin spelling matches whole words only
        "the sila7s",
        "kaminari",
        "slh",  # a skeleton needs vowels in the word (without any it is an abbreviation)
        "saaaala7",  # no more than two vowels together
        "2do piso, 3er lugar",  # Spanish ordinals: skeletons of two characters are not used
        "Saleh came home",  # `slh` (سلاح without its digit) only with "transliterate": true
    ],
)
def test_precision_rules_hold(text: str) -> None:
    assert found_in(text, PRECISE) == []
    if text != "Saleh came home":
        assert found_in(text, EVERY) == []


def test_every_spelling_also_finds_skeletons_of_letters_only() -> None:
    assert [(found.start, found.end) for found in found_in("Saleh came home", EVERY)] == [(0, 5)]


def test_the_keyword_itself_still_matches_and_names_no_transliteration() -> None:
    found = found_in("ты сука", NONE)
    assert [(match.start, match.end, match.evasions) for match in found] == [(3, 7, ())]


@pytest.mark.parametrize(
    ("keyword", "expected"),
    [
        ("блять", ["blyat", "bljat", "blyat'"]),
        ("жопа", ["zhopa", "jopa"]),
        ("щука", ["shchuka", "schuka"]),
        ("хуй", ["khui", "hui", "xui", "huy"]),
        ("ΜΑΛΆΚΑΣ", ["malakas"]),  # upper case, accent and final sigma folded
        ("हथियार", ["hathiyar", "hathiyaar"]),
        ("कमीना", ["kamina", "kameena"]),
        ("भेनचोद", ["bhenchod"]),  # schwa deleted before a consonant with a vowel sign
        ("ज़हर", ["zahar", "jahar"]),  # nukta; schwa kept before a final consonant
        ("バカ", ["baka"]),  # katakana folds to hiragana
        ("がっこう", ["gakkou", "gakko"]),  # small tsu doubles, a long o written or not
        ("ちんちゃ", ["chincha", "tintya"]),  # small ya, Hepburn and Kunrei
        ("ラーメン", ["ramen", "raamen"]),
        ("Москва 2024", ["moskva 2024", "moskwa 2024"]),  # digits and spaces stay as they are
    ],
)
def test_spellings_per_script(keyword: str, expected: list[str]) -> None:
    spellings = latin_spellings(fold(keyword), every=True)
    assert set(expected) <= set(spellings)
    assert spellings[0] == expected[0]  # the most common first


def test_arabic_skeletons_leave_vowels_out_and_spell_the_chat_digits() -> None:
    assert arabic_skeletons(fold("مخدرات"), every=True)[:2] == ["m5drt", "mkhdrt"]
    assert arabic_skeletons(fold("سلاح"), every=True) == ["sl7", "slh"]
    assert arabic_skeletons(fold("سلاح"), every=False) == ["sl7"]
    assert "shrmt" in arabic_skeletons(fold("شرموطة"), every=False)  # five characters: precise without a digit
    assert arabic_skeletons(fold("كلب"), every=False) == []
    assert arabic_skeletons(fold("كس"), every=True) == []  # `ks`: two letters are most short words (`kiss`)
    assert arabic_skeletons(fold("خرا"), every=True)[:2] == ["5r", "khr"]  # two with a digit are enough
    # A word of vowels only would match any short word: `a laghad` (Irish) is not `أيها الوغد`.
    assert all(not bare.startswith(" ") for bare in arabic_skeletons(fold("أيها الوغد"), every=True))
    assert found_in("a laghad", stage(True, ["أيها الوغد"])) == []


@pytest.mark.parametrize("keyword", ["馬鹿", "ควย", "bad", "Mörder", "ばか馬鹿"])
def test_what_is_not_transliterated(keyword: str) -> None:
    # Kanji (no reading dictionary, so neither is kana with kanji), Thai and Latin keywords have no Latin spellings.
    assert latin_spellings(fold(keyword), every=True) == []


def test_spellings_per_keyword_are_bounded() -> None:
    """Compile-time cost by counts: a long keyword with many letters of several spellings still gets MAX_SPELLINGS,
    and a 1,000-keyword policy at most (1 + MAX_SPELLINGS) targets per keyword."""
    long = "щяюжхцйыщяюжхцйы"
    assert len(latin_spellings(long, every=True)) == MAX_SPELLINGS
    keywords = [long[index:] + long[:index] + "ш" * (index % 7) for index in range(1000)]
    matcher = stage(True, keywords).matcher
    transliterated = [target for target in matcher._targets if target.forms == TRANSLITERATED]
    assert len(transliterated) <= len(set(keywords)) * MAX_SPELLINGS
    assert len(matcher._skeleton_targets) == 0


def test_the_tables_load_only_for_a_keyword_of_another_alphabet() -> None:
    """Cold start: the bundled policy (Latin keywords) and a German or Chinese one compile without the tables."""
    code = (
        "import sys\n"
        "from moderation.matcher import CompiledPolicy\n"
        "from moderation.policy import BUNDLED_POLICY, ModerationPolicy\n"
        "def compiled(keywords):\n"
        "    rule = {'id': 'r', 'category': 'c', 'action': 'block', 'keywords': keywords}\n"
        "    CompiledPolicy(ModerationPolicy.model_validate({'default': {'input': {'rules': [rule]}}}))\n"
        "    return 'moderation.transliteration_tables' in sys.modules\n"
        "CompiledPolicy(ModerationPolicy.model_validate_json(BUNDLED_POLICY.read_text()))\n"
        "print(compiled(['bad', 'Mörder', '赌博']), compiled(['сука']))\n"
    )
    assert run_fresh(code).split() == ["False", "True"]


def test_transliteration_tables_are_current() -> None:
    assert generator.cyrillic() == transliteration_tables.CYRILLIC
    assert generator.greek() == transliteration_tables.GREEK
    assert generator.GREEK_PAIRS == transliteration_tables.GREEK_PAIRS
    assert generator.devanagari() == transliteration_tables.DEVANAGARI
    assert generator.DEVANAGARI_NUKTA == transliteration_tables.DEVANAGARI_NUKTA
    assert generator.ARABIC_CONSONANTS == transliteration_tables.ARABIC_CONSONANTS
    assert generator.kana() == transliteration_tables.KANA
    sources = f"anyascii {metadata.version('anyascii')}, cyrtranslit {metadata.version('cyrtranslit')}"
    assert sources == transliteration_tables.SOURCES
