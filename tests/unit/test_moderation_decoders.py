"""Decoded views (moderation/decoders/, issue 15): each decoder with text it decodes and text it leaves alone (its
precision rule), the hit's span and evasions name, the path through the matcher and the decision, which rules see
decoded text, and work linear in the text."""

# ruff: noqa: RUF001 - upside-down and look-alike letters are what some of these tests are about

from __future__ import annotations

import base64
import re
from collections.abc import Callable

import pytest

from dify_extension.protocol import ModerationOutputParams
from moderation import decoders
from moderation.decision import decide_output
from moderation.decoders import ecoji_table
from moderation.decoders.registry import DECODERS
from moderation.matcher import CompiledPolicy, StageMatcher
from moderation.normalize import fold
from moderation.policy import ModerationPolicy, Rule
from tests.tools.encodings import ecoji, morse, nato, selector_bytes, selector_codes, sneaky_bits
from tests.tools.encodings import unicode_tags as tags
from tests.unit.fresh_interpreter import run_fresh

KEYWORDS = ["cocaine", "kill yourself", "shit", "ignore previous instructions", "die"]
MATCHER = StageMatcher([Rule(id="words", category="c", action="block", keywords=KEYWORDS, whole_word=True)])


def hits(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each keyword hit: the original text it spans, and its evasions."""
    return sorted((text[found.start : found.end], found.evasions) for found in MATCHER.find(text))


def hits_of(keywords: list[str]) -> Callable[[str], list[tuple[str, tuple[str, ...]]]]:
    """`hits` for a whole-word rule of other `keywords`."""
    matcher = StageMatcher([Rule(id="k", category="c", action="block", keywords=keywords, whole_word=True)])
    return lambda text: sorted((text[found.start : found.end], found.evasions) for found in matcher.find(text))


def segments(name: str, text: str) -> list[tuple[str, str]]:
    """What decoder `name` decodes in `text`: (the segment, its decoded text)."""
    (decoder,) = [decoder for decoder in DECODERS if decoder.name == name]
    return [(text[start:end], decoded) for start, end, decoded, _ in decoder.find(text)]


CAUGHT: list[tuple[str, str, str, str]] = [
    # (decoder, text, the segment a hit spans, the keyword)
    ("unicode_tags", "hi " + tags("kill yourself"), tags("kill yourself", ""), "kill yourself"),
    ("variation_selectors", "😀" + selector_bytes(b"cocaine"), selector_bytes(b"cocaine"), "cocaine"),
    ("variation_selectors", selector_codes("cocaine"), "", "cocaine"),  # garak's
    ("sneaky_bits", "x" + sneaky_bits("kill yourself") + "y", sneaky_bits("kill yourself"), "kill yourself"),
    ("html_entities", "say &#115;hit now", "&#115;hit", "shit"),
    ("html_entities", "&#x63;ocaine", "&#x63;ocaine", "cocaine"),
    ("html_entities", "co&shy;caine", "co&shy;caine", "cocaine"),
    ("html_entities", "kill&#32;yourself", "kill&#32;yourself", "kill yourself"),
    ("percent_encoding", "get %73hit", "%73hit", "shit"),
    ("percent_encoding", "kill%20yourself", "kill%20yourself", "kill yourself"),
    ("quoted_printable", "=73hit", "=73hit", "shit"),
    ("base64", "read Y29jYWluZQ== please", "Y29jYWluZQ==", "cocaine"),
    ("base64", "Y29jYWluZQ.", "Y29jYWluZQ", "cocaine"),  # unpadded, a full stop after it
    ("base64", base64.urlsafe_b64encode(b"kill yourself").decode(), "", "kill yourself"),
    ("base32", "MNXWGYLJNZSQ====", "MNXWGYLJNZSQ====", "cocaine"),
    ("base16", "636f6361696e65", "636f6361696e65", "cocaine"),
    ("base16", "0x636F6361696E65", "0x636F6361696E65", "cocaine"),
    ("base16", "hex: 73686974", "73686974", "shit"),  # digits alone, but the text names hex
    ("ascii85", "@rGjcBl7J", "@rGjcBl7J", "cocaine"),
    ("ascii85", "V{c<&X>Mf", "V{c<&X>Mf", "cocaine"),  # RFC 1924
    ("ascii85", "ascii85: F(f90", "F(f90", "shit"),  # short, but named
    ("rot13", "rot13: xvyy lbhefrys", "xvyy lbhefrys", "kill yourself"),
    ("atbash", "Decode this: xlxzrmv", "xlxzrmv", "cocaine"),
    ("reversed", "read it backwards: eniacoc", "eniacoc", "cocaine"),
    ("upside_down", "ha ʇıɥs", "ʇıɥs", "shit"),
    ("morse", "-.-. --- -.-. .- .. -. .", "-.-. --- -.-. .- .. -. .", "cocaine"),
    ("morse", morse("kill yourself"), "", "kill yourself"),
    ("braille", "⠉⠕⠉⠁⠊⠝⠑", "⠉⠕⠉⠁⠊⠝⠑", "cocaine"),
    ("braille", "⠠⠉⠕⠉⠁⠊⠝⠑!", "⠠⠉⠕⠉⠁⠊⠝⠑", "cocaine"),
    ("nato", "Charlie Oscar Charlie Alfa India November Echo", "", "cocaine"),
    ("nato", "sierra-hotel-india-tango", "sierra-hotel-india-tango", "shit"),
    ("ecoji", ecoji(b"cocaine"), ecoji(b"cocaine").rstrip("\n"), "cocaine"),
]


@pytest.mark.parametrize(("name", "text", "segment", "keyword"), CAUGHT, ids=lambda value: str(value)[:30])
def test_each_decoder_decodes_its_encoding_and_the_hit_spans_the_segment(
    name: str, text: str, segment: str, keyword: str
) -> None:
    readings = [fold(decoded) for _, decoded in segments(name, text)]
    assert any(keyword in read or keyword.replace(" ", "") in read for read in readings)
    found = hits(text)
    assert found, text
    spanned, evasions = found[0]
    assert name in evasions
    assert spanned == (segment or text.strip())


NOT_DECODED: list[tuple[str, str]] = [
    # (decoder, innocent text it must not decode)
    ("unicode_tags", "flag " + tags("g", "\U0001f3f4") + "\U000e007f"),  # one tag character
    ("variation_selectors", "❤️ and 👍🏽 and 葛󠄀"),  # one selector after a character picks its look
    ("sneaky_bits", "zero\u200bwidth\u200bspaces only, and \u2062x\u2064"),
    ("html_entities", "Tom &amp; Jerry &lt;3 &quot;quoted&quot;"),  # escapes of punctuation change no word
    ("percent_encoding", "100% sure, U+%04X and 0x%02x"),  # printf formats decode to control characters
    ("quoted_printable", "x=1f and n%100>=10"),  # lower case is no escape; =10 is a control character
    ("base64", "Internationalization password12 COVID-19 2024-05-01 iPhone15Pro"),
    ("base64", "ZGll"),  # four characters: shorter than MIN_LENGTH
    ("base32", "NETWORKS PROCESSING ABCDEFGH"),
    ("base16", "call 7368697420 or 61626364"),  # digits alone are numbers unless the text names hex
    ("base16", "deadbeefcafebabe 9f86d081884c7d65"),  # hashes decode to no text
    ("ascii85", "F(f90 and the date 2020-07-05"),  # short, not named
    ("rot13", "xvyy lbhefrys"),  # not named
    ("rot13", "something went wrong"),  # `wrong` is ROT13 `jebat`
    ("atbash", "xlxzrmv"),
    ("reversed", "eniacoc"),
    ("upside_down", "Türkçe: ılık bir gün, ¡hola!"),  # dotless i and ¡ are letters of languages
    ("morse", "wait... - no -- fine"),
    ("braille", "⠁⠃"),
    ("nato", "Victor met Oscar at the Hotel"),  # code words, never three in a row
    ("ecoji", "🌀🌁 nice 🍕"),
]


@pytest.mark.parametrize(("name", "text"), NOT_DECODED, ids=lambda value: str(value)[:30])
def test_each_decoder_leaves_innocent_text_alone(name: str, text: str) -> None:
    assert segments(name, text) == []


def test_every_decoder_has_a_caught_and_an_innocent_example() -> None:
    names = {decoder.name for decoder in DECODERS}
    assert {name for name, *_ in CAUGHT} == names
    assert {name for name, _ in NOT_DECODED} == names
    assert len(names) == len(DECODERS)


def test_plain_keywords_are_not_credited_to_a_decoding() -> None:
    """An escape beside a keyword the text shows as it is: the plain views find it, with its own span."""
    text = "&amp; cocaine &#32; and %2F shit"
    assert hits(text) == [("cocaine", ()), ("shit", ())]


def test_ciphers_span_only_their_own_letters() -> None:
    text = "rot13 please: xvyy lbhefrys, then backwards: eniacoc"
    assert hits(text) == [("eniacoc", ("reversed",)), ("xvyy lbhefrys", ("rot13",))]


def test_hits_of_decodings_chance_makes_need_more_letters() -> None:
    """`die` (3 letters) counts in base64 (MIN_HIT) but not in a named cipher (MIN_CIPHER_HIT); in tag characters,
    which chance never makes, any keyword counts."""
    assert hits("rot13: qvr") == []
    assert hits("rot13: xvyy lbhefrys") == [("xvyy lbhefrys", ("rot13",))]
    die = base64.b64encode(b"I die now").decode()
    assert hits(die) == [(die, ("base64",))]
    short = hits_of(["no"])
    assert short(base64.b64encode(b"no way").decode()) == []
    assert short(tags("no way")) == [(tags("no way", ""), ("unicode_tags",))]


def test_cipher_views_reach_only_near_the_word_naming_them() -> None:
    """A ciphered text is decoded only near a word naming the cipher (the keywords' own ciphered spellings, read
    anywhere, are variants.py's: `p0pnvar`, ROT13 of leetspeak, is none of them)."""
    far = "rot13 " + "x" * 2_000 + " p0pnvar"
    assert hits(far) == []
    assert hits("rot13 " + "x" * 500 + " p0pnvar")


def test_nested_encodings_are_read_one_level_deep() -> None:
    hex_of_word = b"cocaine".hex().encode()
    once = base64.b64encode(hex_of_word).decode()
    assert hits(once) == [(once, ("base16", "base64"))]
    twice = base64.b64encode(base64.b64encode(hex_of_word)).decode()
    assert hits(twice) == []  # three levels: past MAX_DEPTH


def test_inner_evasions_are_named_with_the_decoding() -> None:
    text = base64.b64encode(b"c0c4ine").decode()
    assert hits(text) == [(text, ("base64", "leetspeak"))]


def test_decoded_views_need_no_space_a_decoding_lost() -> None:
    """NATO spelling drops spaces: a phrase keyword matches its words run together in decoded text."""
    spelled = nato("kill yourself")
    assert hits(spelled) == [(spelled, ("joined", "nato"))]


def _policy(rules: list[dict[str, object]]) -> CompiledPolicy:
    return CompiledPolicy(ModerationPolicy.model_validate({"default": {"output": {"rules": rules}}}))


def _output(policy: CompiledPolicy, text: str) -> tuple[str, str, tuple[str, ...]]:
    decision, answer = decide_output(policy, ModerationOutputParams(app_id="a", text=text))
    return decision.action.value, answer.text, decision.evasions


def test_masking_replaces_the_whole_encoded_segment() -> None:
    policy = _policy([{"id": "drugs", "category": "drugs", "action": "mask", "keywords": ["cocaine"]}])
    action, text, evasions = _output(policy, "buy Y29jYWluZQ== today, or &#x63;ocaine")
    assert action == "mask"
    assert text == "buy [REDACTED] today, or [REDACTED]"
    assert evasions == ("base64", "html_entities")


def test_a_block_rule_blocks_on_a_decoded_hit_and_the_decision_names_it() -> None:
    policy = _policy([{"id": "selfharm", "category": "harm", "action": "block", "keywords": ["kill yourself"]}])
    action, _, evasions = _output(policy, tags("kill yourself"))
    assert (action, evasions) == ("block", ("unicode_tags",))


def test_regex_and_pii_rules_read_byte_encodings_but_not_letter_ciphers() -> None:
    policy = _policy(
        [
            {"id": "ticket", "category": "t", "action": "mask", "regex": r"TKT-\d{4}", "replacement": "[T]"},
            {"id": "pii", "category": "pii", "action": "mask", "pii": ["email"]},
        ]
    )
    email = base64.b64encode(b"write to ana.lima@example.com").decode()
    ticket = base64.b64encode(b"TKT-1234").decode()
    assert _output(policy, f"{email} and {ticket}")[1] == "[EMAIL] and [T]"
    # ROT13 leaves digits as they are: a regex would find the same number again, spanning the whole window.
    rot13_named = "rot13: GXG-1234"
    assert _output(policy, rot13_named) == ("pass", rot13_named, ())


def test_a_regex_hit_the_text_shows_as_it_is_keeps_its_own_span() -> None:
    policy = _policy([{"id": "ticket", "category": "t", "action": "mask", "regex": r"TKT-\d{4}", "replacement": "[T]"}])
    assert _output(policy, "TKT-1234%20done")[1] == "[T]%20done"


def test_ascii_text_without_encodings_decodes_nothing() -> None:
    assert decoders.batches("The river bends past the old mill on 2024-05-01 at 10:00, 100% sure & happy.") == []


def test_the_decoders_are_not_on_the_cold_start() -> None:
    loaded = run_fresh(
        "import sys, moderation.matcher; print(sorted(m for m in sys.modules if m.startswith('moderation.decoders')))"
    )
    assert loaded.strip() == "['moderation.decoders']"


# Ecoji texts the reference implementation (PyPI ecoji 0.1.1, the table's source) wrote: known answers that a stale
# or mistyped table would not give (every group size, both kinds of padding).
ECOJI_REFERENCE = {
    b"cocaine": "👞🙁🎥🐺💊🔣☕☕\n",
    b"kill yourself": "👾🖌🚗🇵💶🙂🐭🕒👦😑👑☕\n",
    b"abcd": "👖📸🎦⚜\n",
    b"\x00\x01\x02\x03\xff": "🀄🆚🍈🧕\n",
}


def test_the_ecoji_table_gives_the_reference_texts() -> None:
    assert ecoji_table.ECOJI_VERSION == "0.1.1"
    assert len(set(ecoji_table.EMOJIS)) == 1024
    assert list(ecoji_table.EMOJIS) == sorted(ecoji_table.EMOJIS)  # version 1's alphabet is in code point order
    for data, written in ECOJI_REFERENCE.items():
        assert ecoji(data) == written
    (decoder,) = [decoder for decoder in DECODERS if decoder.name == "ecoji"]
    assert [decoded for _, _, decoded, _ in decoder.find(ECOJI_REFERENCE[b"kill yourself"])] == ["kill yourself"]


# Linear work: the characters the rules read in decoded views (every batch, at every depth) grow with the text no
# faster than it does, for text dense with each kind of candidate.
HOSTILE: dict[str, Callable[[int], str]] = {
    "base64": lambda n: base64.b64encode(b"kill yourself " * 3).decode() + " ",
    "hex and ascii85": lambda n: ["636f6361696e65 ", "@rGjcBl7J ", "0x" + "ab" * 8 + " "][n % 3],
    "escapes glued together": lambda n: ["&#115;hit", "%6b%69", "=63ocaine", "&amp;", "&shy;"][n % 5],
    "named ciphers": lambda n: ["decode rot13 atbash backwards ", "xvyy lbhefrys ", "eniacoc "][n % 3],
    "invisible": lambda n: [tags("die "), sneaky_bits("die "), selector_bytes(b"die ")][n % 3],
    "spellings": lambda n: ["-.-. --- -.-. ", "Sierra Hotel India Tango ", "⠉⠕⠉⠁⠊⠝⠑ ", "ʇıɥs "][n % 4],
    "one long sneaky word": lambda n: "\u2062\u2064" * 4,
}


def decoded_work(text: str, depth: int = 0) -> int:
    if depth >= decoders.MAX_DEPTH:
        return 0
    return sum(
        len(batch.text) + decoded_work(batch.text, depth + 1) for batch in decoders.batches(text, nested=depth > 0)
    )


@pytest.mark.parametrize("kind", HOSTILE)
def test_decoding_work_is_linear_in_the_text(kind: str) -> None:
    def text(pieces: int) -> str:
        return "".join(HOSTILE[kind](n) for n in range(pieces))

    small, large = text(2_000), text(4_000)
    work_small, work_large = decoded_work(small), decoded_work(large)
    assert work_large <= 2.2 * work_small + 100
    assert work_large <= 12 * len(large)


def test_sneaky_bits_words_past_the_limit_are_not_parsed() -> None:
    long_word = "\u2064\u2062" * 400  # 800 bits, one word: no word is that long
    assert segments("sneaky_bits", long_word) == []
    assert re.fullmatch("[\u2062\u2064]+", long_word)


def test_a_nato_sentence_lost_its_spaces_and_its_long_keywords_are_read_anywhere_in_it() -> None:
    """NATO spelling drops the spaces between words: a whole-word keyword of 4 letters or more is read inside the
    decoded text (`pleasetellmeaboutcocaine`); a shorter one still needs its boundaries."""
    sentence = "Papa Lima Echo Alfa Sierra Echo Tango Echo Lima Lima Mike Echo Alfa Bravo Oscar Uniform Tango "
    cocaine = "Charlie Oscar Charlie Alfa India November Echo"
    assert [forms for _, forms in hits(sentence + cocaine)] == [("nato",)]
    assert hits_of(["die"])(sentence + "Delta India Echo") == []
