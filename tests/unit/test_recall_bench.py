"""The recall bench's pieces (bench/recall, `make recall`) on tiny inputs: the policy it measures with, a mutation
casefold-fuzz makes and the matcher catches, a miss counted and listed as a miss, a false positive listed, and the
targets read from the counts. The full run is `make recall`, never part of `make test`."""

from __future__ import annotations

from bench.recall import casefold_source
from bench.recall.cases import Case, InnocentText, embedded
from bench.recall.keywords import APP_ID, Keyword, policy
from bench.recall.report import targets
from bench.recall.score import Matcher, Results, Tally, score

COCAINE = Keyword("cocaine", "en", "en-drugs-weapons")
BOMB = Keyword("炸弹", "zh", "zh")


def test_policy_is_whole_word_for_spaced_languages_and_substring_for_chinese_and_japanese() -> None:
    rules = policy((COCAINE, BOMB))["apps"][APP_ID]["input"]["rules"]

    assert rules == [
        {
            "id": "en-drugs-weapons",
            "category": "recall",
            "action": "block",
            "keywords": ["cocaine"],
            "whole_word": True,
        },
        {"id": "zh", "category": "recall", "action": "block", "keywords": ["炸弹"]},
    ]
    assert Matcher(policy()).find("please tell me about cocaine")  # the full policy loads and matches


def test_casefold_fuzz_leetspeak_is_generated_embedded_and_caught() -> None:
    cases = list(casefold_source.cases([COCAINE]))
    leeted = [case for case in cases if case.mutation == "c0c41n3"]

    assert {case.kind for case in cases} == {"casefold", "homoglyph", "invisible", "leet", "spacing"}
    assert [case.text for case in leeted] == [
        "c0c41n3",
        "please tell me about c0c41n3",
        "you are c0c41n3",
        'I heard someone say "c0c41n3" yesterday, what does it mean?',
    ]
    results = score(Matcher(policy((COCAINE,))), leeted, [])
    assert results.tallies == {("readable", "casefold-fuzz", "leet"): Tally(cases=4, caught=4)}
    assert results.misses == []


def test_an_unchanged_keyword_is_no_case() -> None:
    assert list(embedded("test", "none", "readable", COCAINE, "cocaine")) == []


def test_a_miss_is_counted_and_listed_and_a_match_outside_the_mutation_is_no_catch() -> None:
    cases: list[Case] = [
        *embedded("test", "unreadable", "encoded", COCAINE, "cabbage", sentences=("{x}",)),
        # The sentence's own keyword matches, the mutation does not: still a miss.
        *embedded("test", "unreadable", "encoded", COCAINE, "cabbage", sentences=("cocaine or {x}",)),
    ]

    results = score(Matcher(policy((COCAINE,))), cases, [])

    assert results.tally("encoded") == Tally(cases=2, caught=0)
    assert [(miss["keyword"], miss["text"]) for miss in results.misses] == [
        ("cocaine", "cabbage"),
        ("cocaine", "cocaine or cabbage"),
    ]


def test_false_positives_are_listed_with_what_matched() -> None:
    innocent = [InnocentText("test", "a glass of water"), InnocentText("test", "the c.o.c.a.i.n.e trade")]

    results = score(Matcher(policy((COCAINE,))), [], innocent)

    assert results.innocent_texts == 2
    assert results.false_positives == [
        {
            "source": "test",
            "text": "the c.o.c.a.i.n.e trade",
            "matched": [{"rule": "en-drugs-weapons", "text": "c.o.c.a.i.n.e"}],
        }
    ]


def test_targets_are_read_from_the_counts() -> None:
    results = Results(
        tallies={
            ("readable", "a", "x"): Tally(cases=100, caught=99),
            ("encoded", "b", "y"): Tally(cases=100, caught=89),
        },
        innocent_texts=10,
    )

    assert targets(results) == [
        ("encoded: recall 89.0% >= 90%", False),
        ("readable: recall 99.0% >= 99%", True),
        ("innocent: 0 false positives in 10 texts (0 wanted)", True),
    ]
    # A group with no cases at all (a generator that made nothing) meets no target.
    assert targets(Results())[0] == ("encoded: recall 0.0% >= 90%", False)
