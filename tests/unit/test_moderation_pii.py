"""Built-in PII: valid examples of each type are found, look-alikes and wrong check digits are not.

Valid examples are well-known test values or computed here; their check digits are verified by independent
implementations in this file, not by the code under test.
"""

# ruff: noqa: RUF001 - Chinese punctuation is what numbers and addresses are glued to

from __future__ import annotations

import time

import pytest

from moderation.pii import PII_TYPES, PiiFinder, PiiType, jp_my_number_check_digit


def found(pii_type: PiiType, text: str) -> list[str]:
    return [text[start:end] for kind, start, end in PiiFinder((pii_type,)).find(text) if kind == pii_type]


# Independent check-digit arithmetic


def luhn_ok(number: str) -> bool:
    digits = [int(char) for char in number if char.isdigit()]
    doubled = [sum(divmod(digit * 2, 10)) if index % 2 else digit for index, digit in enumerate(reversed(digits))]
    return sum(doubled) % 10 == 0


def iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    moved = compact[4:] + compact[:4]
    number = "".join(char if char.isdigit() else str(ord(char) - ord("A") + 10) for char in moved)
    return int(number) % 97 == 1


def cn_check(first17: str) -> str:
    """ISO 7064 MOD 11-2: weights are 2^(17-i) mod 11."""
    total = sum(int(digit) * pow(2, 17 - index, 11) for index, digit in enumerate(first17))
    return "10X98765432"[total % 11]


def my_number_check(first11: str) -> str:
    """Japan My Number: weights 6,5,4,3,2,7,6,5,4,3,2 from the left; 11 - (sum mod 11), 0 when that is 10 or 11."""
    total = sum(int(digit) * weight for digit, weight in zip(first11, (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    check = 11 - total % 11
    return "0" if check >= 10 else str(check)


CARDS = ["4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005", "6011111111111117", "3530111333300000"]
IBANS = ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR1420041010050500013M02606", "NL91ABNA0417164300"]
CN_IDS = [f"11010519491231002{cn_check('11010519491231002')}", f"44030419900307{'123'}{cn_check('44030419900307123')}"]
MY_NUMBERS = [f"12345678901{my_number_check('12345678901')}", f"98765432101{my_number_check('98765432101')}"]


def test_examples_pass_the_independent_checks() -> None:
    assert all(luhn_ok(card) for card in CARDS)
    assert all(iban_ok(iban) for iban in IBANS)
    assert CN_IDS[0] == "11010519491231002X"  # the widely published sample id


@pytest.mark.parametrize(
    ("pii_type", "text", "expected"),
    [
        ("email", "write to ana.lima@example.com.", "ana.lima@example.com"),
        ("email", "CC: John.O'Neil <j.doe+tag@mail.co.uk>", "j.doe+tag@mail.co.uk"),
        ("phone", "call +1 415 555 0100 today", "+1 415 555 0100"),
        ("phone", "London +44 20 7946 0958", "+44 20 7946 0958"),
        ("phone", "北京 +86 138 0013 8000", "+86 138 0013 8000"),
        ("phone", "携帯 090-1234-5678 まで", "090-1234-5678"),
        ("phone", "office (415) 555-0100", "(415) 555-0100"),
        ("phone", "手机 13800138000", "13800138000"),
        ("phone", "+33 1 23 45 67 89", "+33 1 23 45 67 89"),
        *[("payment_card", f"card {card}.", card) for card in CARDS],
        *[("iban", f"IBAN {iban} please", iban) for iban in IBANS],
        ("ipv4", "from 192.168.1.20.", "192.168.1.20"),
        ("ipv6", "host 2001:db8::8a2e:370:7334 up", "2001:db8::8a2e:370:7334"),
        ("ipv6", "mapped ::ffff:192.0.2.1 here", "::ffff:192.0.2.1"),
        ("aws_access_key_id", "key=AKIAIOSFODNN7EXAMPLE;", "AKIAIOSFODNN7EXAMPLE"),
        ("aws_access_key_id", "ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A"),
        ("us_ssn", "SSN 123-45-6789", "123-45-6789"),
        ("us_ssn", "SSN 123 45 6789", "123 45 6789"),
        *[("cn_resident_id", f"身份证号{number}。", number) for number in CN_IDS],
        ("cn_resident_id", f"id {CN_IDS[0].lower()}", CN_IDS[0].lower()),
        *[("jp_my_number", f"マイナンバー {number}", number) for number in MY_NUMBERS],
        ("jp_my_number", f"No. {MY_NUMBERS[0][:4]} {MY_NUMBERS[0][4:8]} {MY_NUMBERS[0][8:]}", None),
    ],
)
def test_valid_pii_is_found(pii_type: PiiType, text: str, expected: str | None) -> None:
    if expected is None:  # the text itself ends with the expected value
        expected = text.split("No. ")[1]
    assert found(pii_type, text) == [expected]


@pytest.mark.parametrize(
    ("pii_type", "text"),
    [
        ("email", "not an email: user@localhost, a..b@example.com, .a@example.com, @example.com"),
        ("phone", "dates 2024-01-15 and 15.01.2024, amounts 12345 and 1,250.40, version 1.2.3, 000-12-3456"),
        ("phone", "card 4111 1111 1111 1111 and order 123456789"),
        ("payment_card", "4111 1111 1111 1112 fails Luhn; 1234567890123 has no issuer; 0000 0000 0000 0000"),
        ("payment_card", "41111111111111111 has one digit too many"),
        (
            "iban",
            "GB82 WEST 1234 5698 7654 33 (bad check) and GB82 WEST 1234 5698 765 (short) and XX82WEST12345698765432",
        ),
        ("ipv4", "256.1.1.1, 1.2.3, 01.02.03.04 and 1.2.3.4.5"),
        ("ipv6", "time 12:30:45, C++ std::vector, ::1 loopback"),
        ("aws_access_key_id", "AKIA1234 is short, akiaiosfodnn7example is lower case, XAKIAIOSFODNN7EXAMPLE"),
        ("us_ssn", "000-12-3456 666-12-3456 912-12-3456 123-00-4567 123-45-0000 078-05-1120 123456789 123-45 6789"),
        ("cn_resident_id", f"{CN_IDS[0][:17]}1 (wrong check) 110105194913310028 (month 13) 910105194912310021"),
        (
            "cn_resident_id",
            f"{CN_IDS[0][:6]}2999{CN_IDS[0][10:17]}{cn_check(CN_IDS[0][:6] + '2999' + CN_IDS[0][10:17])}",
        ),
        ("jp_my_number", f"{MY_NUMBERS[0][:11]}{(int(MY_NUMBERS[0][11]) + 1) % 10} and 1234-5678-9012-3456"),
    ],
)
def test_look_alikes_and_bad_check_digits_are_not_found(pii_type: PiiType, text: str) -> None:
    assert found(pii_type, text) == []


def test_a_finder_finds_only_its_types() -> None:
    text = "ana@example.com, +44 20 7946 0958, 4111 1111 1111 1111, AKIAIOSFODNN7EXAMPLE"
    kinds = {kind for kind, _, _ in PiiFinder(("email", "aws_access_key_id")).find(text)}
    assert kinds == {"email", "aws_access_key_id"}
    every = {kind for kind, _, _ in PiiFinder(PII_TYPES).find(text)}
    assert every == {"email", "phone", "payment_card", "aws_access_key_id"}


def test_pii_inside_words_is_not_found() -> None:
    """A number glued to letters is part of something else (a product code, a hash)."""
    assert found("payment_card", "sku4111111111111111x") == []
    assert found("us_ssn", "ref123-45-6789") == []
    assert found("ipv4", "v192.168.1.1") == []


def test_numbers_of_different_styles_side_by_side_are_found_one_by_one() -> None:
    text = "on 2024-05-17 4111 1111 1111 1111 090-1234-5678"
    every = [(kind, text[start:end]) for kind, start, end in PiiFinder(PII_TYPES).find(text)]
    assert every == [("payment_card", "4111 1111 1111 1111"), ("phone", "090-1234-5678")]


def test_a_wrong_number_is_not_cut_into_valid_pieces() -> None:
    """4111 1111 1111 1112 fails Luhn; its first 12 digits happen to pass the My Number check, but they are not one."""
    assert jp_my_number_check_digit("41111111111") == 1  # the piece would be valid on its own
    assert list(PiiFinder(PII_TYPES).find("ref 4111 1111 1111 1112 ok")) == []


def test_numbers_next_to_chinese_or_japanese_characters_are_found() -> None:
    """Chinese and Japanese put no spaces around numbers."""
    assert found("phone", "電話は090-1234-5678です") == ["090-1234-5678"]
    assert found("payment_card", "卡号4111111111111111。") == ["4111111111111111"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111111111111111 123", [("payment_card", "4111111111111111")]),
        ("pay 100 4111111111111111", [("payment_card", "4111111111111111")]),
        ("3 4111111111111111", [("payment_card", "4111111111111111")]),
        ("card 4111 1111 1111 1111 123", [("payment_card", "4111 1111 1111 1111")]),
        (
            "4111111111111111 5555555555554444",
            [("payment_card", "4111111111111111"), ("payment_card", "5555555555554444")],
        ),
        ("call 13800138000 3", [("phone", "13800138000")]),
        (f"mynum {MY_NUMBERS[0][:4]} {MY_NUMBERS[0][4:8]} {MY_NUMBERS[0][8:]} 5", [("jp_my_number", None)]),
        ("卡号 4111111111111111 123", [("payment_card", "4111111111111111")]),
        ("4111-1111-1111-1111-123", [("payment_card", "4111-1111-1111-1111")]),
        (
            "4111 1111 1111 1111 1234 5678 9018",
            [("payment_card", "4111 1111 1111 1111"), ("jp_my_number", "1234 5678 9018")],
        ),
        ("192.168.1.20 4111111111111111", [("ipv4", "192.168.1.20"), ("payment_card", "4111111111111111")]),
    ],
)
def test_a_number_next_to_another_number_is_found(text: str, expected: list[tuple[str, str | None]]) -> None:
    if expected[0][1] is None:  # the My Number, written in groups
        expected = [("jp_my_number", text.removeprefix("mynum ").removesuffix(" 5"))]
    assert [(kind, text[start:end]) for kind, start, end in PiiFinder(PII_TYPES).find(text)] == expected


def test_numbers_beside_numbers_are_still_validated() -> None:
    """The parts of a run get no free pass: "1.2.3.4.5" holds no IPv4 address, "4111111111111112 123" no card."""
    assert PiiFinder(PII_TYPES).find("1.2.3.4.5 and 4111111111111112 123 and 2024-05-17 12") == []


def test_a_long_run_of_numbers_costs_time_linear_in_its_length() -> None:
    """Parts are tried up to the longest type's length, so 5,000 one-digit groups are 5,000 x ~19 tries, not 25 M."""
    finder = PiiFinder(PII_TYPES)
    short, long = " ".join("7" * 500), " ".join("7" * 5_000)
    started = time.perf_counter()
    assert finder.find(short) == []
    short_cost = time.perf_counter() - started
    started = time.perf_counter()
    assert finder.find(long) == []
    assert time.perf_counter() - started < 40 * short_cost + 0.05


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN 012-34-5678", ("us_ssn", "012-34-5678")),
        ("SSN 123 45 6789", ("us_ssn", "123 45 6789")),
        ("手机 13800138000", ("phone", "13800138000")),
    ],
)
def test_where_several_types_match_the_best_validated_wins(text: str, expected: tuple[str, str]) -> None:
    """012-34-5678 is a valid SSN: its shape is no phone number's, even to a finder of both."""
    assert [(kind, text[start:end]) for kind, start, end in PiiFinder(("phone", "us_ssn")).find(text)] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "SSN 078-05-1120 (the famous specimen)",
        "SSN 078 05 1120",
        "SSN 000-12-3456 or 666-12-3456",
        "SSN 012-34-0000",
    ],
)
def test_a_number_in_the_shape_of_an_ssn_is_never_a_phone_number(text: str) -> None:
    """3-2-4 digits with dashes or spaces would pass as national numbers with a trunk 0; an SSN that fails its
    validation is left alone, not masked as a phone number instead."""
    assert PiiFinder(PII_TYPES).find(text) == []


def test_a_valid_ssn_is_no_phone_number_to_a_finder_of_phones_only() -> None:
    assert found("phone", "SSN 012-34-5678 and 012 34 5678") == []
    assert found("us_ssn", "SSN 012-34-5678 and 012 34 5678") == ["012-34-5678", "012 34 5678"]


@pytest.mark.parametrize(
    "number",
    [
        "1-800-356-9377",
        "1 (800) 356-9377",
        "1 800 356 9377",
        "1.800.356.9377",
        "+1-800-356-9377",
        "(800) 356-9377",
        "1-415-555-0100",
    ],
)
def test_a_north_american_number_is_masked_with_its_country_code_1(number: str) -> None:
    text = f"call {number} today"
    assert [(kind, text[start:end]) for kind, start, end in PiiFinder(PII_TYPES).find(text)] == [("phone", number)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("page 1 2024-05-17", []),  # a lone 1 before a date stays
        ("1-012-345-6789", ["012-345-6789"]),  # no area code starts with 0: the 1 is no country code
        ("1 (123) 456-7890", []),  # nor with 1
        ("item 1 800-155-0100", []),  # no exchange starts with 1
        ("2 1-800-356-9377", ["1-800-356-9377"]),
    ],
)
def test_a_1_is_taken_only_before_a_valid_north_american_number(text: str, expected: list[str]) -> None:
    assert found("phone", text) == expected


@pytest.mark.parametrize("number", ["8 755 947 0900", "8 (495) 123-45-67", "8-800-555-35-35", "8 (812) 123 45 67"])
def test_a_russian_number_with_the_trunk_8_is_one_phone_number(number: str) -> None:
    text = f"звоните {number} сегодня"
    assert [(kind, text[start:end]) for kind, start, end in PiiFinder(PII_TYPES).find(text)] == [("phone", number)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8 123 456 7890", []),  # no Russian area code starts with 1 or 2
        ("8 255 947 0900", ["255 947 0900"]),  # so the 8 is not taken: a North American number follows it
        ("8 755 947 09 00 1", ["8 755 947 09 00"]),  # the lone digit after it is not taken either
        ("8 7559 47 0900", []),  # not the grouping of a Russian number
        ("8 755 9470900", []),
        ("87559470900", []),  # a bare number
        ("9 755 947 0900", ["755 947 0900"]),  # no trunk 9
    ],
)
def test_an_8_is_taken_only_before_a_russian_number_in_its_usual_groups(text: str, expected: list[str]) -> None:
    assert found("phone", text) == expected


def test_six_pairs_of_digits_are_no_national_phone_number() -> None:
    """Twelve digits in six pairs are lottery numbers; ten in five pairs are a French number."""
    assert found("phone", "Lottery 04 15 23 42 08 16 tonight") == []
    assert found("phone", "Lottery 04-15-23-42-08-16") == []
    assert found("phone", "Appelez le 01 23 45 67 89 !") == ["01 23 45 67 89"]
    assert found("phone", "Appelez le 01.23.45.67.89") == ["01.23.45.67.89"]


def test_a_phone_number_does_not_swallow_a_small_number_after_it() -> None:
    text = "call +1 415 555 0100 2 times or 090-1234-5678 3 times"
    assert found("phone", text) == ["+1 415 555 0100", "090-1234-5678"]


def test_a_finder_judging_a_streamed_answer_again_finds_what_a_fresh_one_finds() -> None:
    """Output moderation resends the whole answer so far: numbers judged before are remembered, and a number cut by
    the end of the text (or changed around it) is judged again once the text grows."""
    answer = (
        "Pay with 4111 1111 1111 1111 today. Call +44 20 7946 0958, ref 2024-05-17 12, card 4111 1111 1111 1111 123 "
        "and id 11010519491231002X; the last digits come later: 5555 5555 5555 4444"
    )
    streaming = PiiFinder(PII_TYPES)
    for end in [*range(20, len(answer), 17), len(answer)]:
        prefix = answer[:end]
        assert streaming.find(prefix) == PiiFinder(PII_TYPES).find(prefix), prefix
    spans = [answer[start:stop] for _, start, stop in streaming.find(answer)]
    assert spans[-1] == "5555 5555 5555 4444"
    assert "5555 5555 5555 444" not in [answer[:-1][s:e] for _, s, e in streaming.find(answer[:-1])]


@pytest.mark.parametrize(
    ("text", "iban"),
    [
        # Its digits, 3704 ... 01, pass Luhn: a card number inside the IBAN, which must not win.
        ("IBAN: DE62 3704 0044 0532 0130 01 thanks", "DE62 3704 0044 0532 0130 01"),
        ("iban de89 3704 0044 0532 0130 00.", "de89 3704 0044 0532 0130 00"),
        ("IBAN De89370400440532013000", "De89370400440532013000"),
        ("gb82 west 1234 5698 7654 32", "gb82 west 1234 5698 7654 32"),
        ("账号DE89370400440532013000号", "DE89370400440532013000"),
        ("ab12 DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00"),  # after a word that looked like one
        ("BE68 5390 0754 7034 that", "BE68 5390 0754 7034"),  # the country says where it ends
    ],
)
def test_an_iban_in_any_case_is_found_whole(text: str, iban: str) -> None:
    assert [(kind, text[start:end]) for kind, start, end in PiiFinder(PII_TYPES).find(text)] == [("iban", iban)]


def test_words_that_look_like_the_start_of_an_iban_are_not_one() -> None:
    assert PiiFinder(("iban",)).find("de12 is no iban, nor is de89 3704 0044 0532 0130 01 (bad check), at 1234") == []


@pytest.mark.parametrize(
    "text", ["see a::b here", "x = a::b;", "fe::ab", "std::map<a, b>", "f(a::b::c)", "::1", "c::", "fe80::", "use a::"]
)
def test_code_with_double_colons_is_no_ipv6_address(text: str) -> None:
    """Valid addresses by Python's parser ("a::b"), but code: an address needs three groups, or two before a final
    "::", or an IPv4 ending."""
    assert PiiFinder(("ipv6",)).find(text) == []


@pytest.mark.parametrize(
    "address",
    [
        "2001:db8::8a2e:370:7334",
        "::ffff:192.0.2.1",
        "fe80::1ff:fe23:4567:890a",
        "2001:db8::1",
        "::192.0.2.1",
        "2001:db8::",  # compressed zeros at the end: a network prefix written as an address
        "2001:DB8:85A3::",
    ],
)
def test_ipv6_addresses_with_three_groups_or_an_ipv4_ending_are_found(address: str) -> None:
    assert found("ipv6", f"host {address} is up") == [address]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("write to ana@bücher.de today", "ana@bücher.de"),
        ("邮箱 用户@例子.广告 谢谢", "用户@例子.广告"),
        ("mail: josé.müller@münchen.example.com.", "josé.müller@münchen.example.com"),
        ("to o'neil+news.2024@example.com", "o'neil+news.2024@example.com"),
        ("'quoted@example.com'", "quoted@example.com"),
        ("号码ana@example.com谢谢", "ana@example.com"),
        ("邮件пользователь@пример.рф，谢谢", "пользователь@пример.рф"),
        ("punycode ana@xn--bcher-kva.de", "ana@xn--bcher-kva.de"),
    ],
)
def test_internationalised_email_addresses_are_found(text: str, address: str) -> None:
    assert found("email", text) == [address]


def test_an_email_address_wins_over_a_card_number_in_its_local_part() -> None:
    text = "write to 4111111111111111@example.com now"
    assert [(kind, text[start:end]) for kind, start, end in PiiFinder(PII_TYPES).find(text)] == [
        ("email", "4111111111111111@example.com")
    ]


@pytest.mark.parametrize(
    "card", ["4111.1111.1111.1111", "3782.822463.10005", "501800000009", "180000000000002", "2200123456789019"]
)
def test_cards_with_dots_and_of_every_issuer_length_are_found(card: str) -> None:
    """Dotted groups as printed; Maestro's 12 digits; a 15-digit JCB number starting 1800; Mir (2200-2204)."""
    assert luhn_ok(card)
    assert found("payment_card", f"card {card}.") == [card]


@pytest.mark.parametrize(
    "text",
    [
        "41111111111111113 and 411111111111111118 (Visa numbers have 13, 16 or 19 digits)",
        "550000000000000004 (Mastercard's have 16)",
        "37828224631003 (American Express's have 15)",
        "4111.11.11.11111111 (dots not in groups of four)",
    ],
)
def test_numbers_of_a_length_the_issuer_does_not_use_are_no_card(text: str) -> None:
    """Each passes Luhn."""
    assert all(luhn_ok(word) for word in text.replace(".", "").split() if word.isdigit() and len(word) > 9)
    assert found("payment_card", text) == []


@pytest.mark.parametrize(
    "text",
    [
        "ISBN 978-0-486-17778-5 and 0-486-17778-5",  # ISBN parts are no national phone numbers
        "Boston, MA 02134-1234",  # ZIP+4
        "id a73eb606-0348-4238-9526-f0f4edeb8833",  # a UUID's groups are no My Number nor phone number
    ],
)
def test_isbns_postcodes_and_uuids_are_no_pii(text: str) -> None:
    assert PiiFinder(PII_TYPES).find(text) == []


def test_an_international_number_may_end_in_a_one_digit_extension() -> None:
    assert found("phone", "Zentrale +49 30 1234567-0, danke") == ["+49 30 1234567-0"]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        # Faker's en_US formats: the extension glued on with an "x".
        ("call 001-949-274-6507x5291 today", "001-949-274-6507x5291"),
        ("call +1-486-366-6176x03137 today", "+1-486-366-6176x03137"),
        ("call (937)728-9905x9582 today", "(937)728-9905x9582"),
        ("call 687.816.1682x8126 today", "687.816.1682x8126"),
        ("call +90(483)040-1198x0364 today", "+90(483)040-1198x0364"),
        ("电话(937)728-9905X9582谢谢", "(937)728-9905X9582"),
        # After a space, with "x" or "ext", any case, with or without a dot.
        ("call 415-555-0100 x123.", "415-555-0100 x123"),
        ("call 415-555-0100 ext 123, thanks", "415-555-0100 ext 123"),
        ("call 415-555-0100 Ext. 123 today", "415-555-0100 Ext. 123"),
        ("call 415-555-0100 EXT.123 today", "415-555-0100 EXT.123"),
        ("call +44 20 7946 0958 ext 123456", "+44 20 7946 0958 ext 123456"),
        # A number found among others in a run takes its extension too.
        ("pay 100 415-555-0100x12 now", "415-555-0100x12"),
        # The international call prefix 00, then the country code 1 and a NANP number.
        ("call 001-949-274-6507 today", "001-949-274-6507"),
    ],
)
def test_a_phone_number_is_masked_with_its_extension(text: str, number: str) -> None:
    assert found("phone", text) == [number]
    masked = [text[start:end] for _, start, end in PiiFinder(PII_TYPES).find(text)]
    assert masked == [number]


@pytest.mark.parametrize(
    ("text", "phones"),
    [
        ("415-555-0100x-ray", []),  # glued to a word: a code, as before
        ("415-555-0100xbox", []),
        ("415-555-0100extension", []),
        ("415-555-0100x1234567", []),  # seven digits are no extension
        ("415-555-0100x12-ab", []),  # an extension does not run on into a code
        ("415-555-0100 x-ray", ["415-555-0100"]),  # a word after a space does not join the number
        ("415-555-0100 xbox", ["415-555-0100"]),
        ("415-555-0100 ext 12a", ["415-555-0100"]),
        ("415-555-0100 ext", ["415-555-0100"]),
        ("415-555-0100 x 12", ["415-555-0100"]),
        ("123-4567x89", []),  # no phone number without its extension: none with it
        ("115-555-0100x12", []),
    ],
)
def test_words_after_a_phone_number_are_no_extension(text: str, phones: list[str]) -> None:
    assert found("phone", text) == phones


@pytest.mark.parametrize(
    "text",
    ["4111111111111111x123", "4111 1111 1111 1111x12", "DE89 3704 0044 0532 0130 00x12", "078-05-1120x12"],
)
def test_only_phone_numbers_take_an_extension(text: str) -> None:
    assert PiiFinder(PII_TYPES).find(text) == []


def test_an_extension_streamed_in_later_chunks_joins_the_number() -> None:
    """The verdicts kept per run read the characters after it: a longer text sees the extension."""
    finder = PiiFinder(PII_TYPES)
    text = "call 415-555-0100 ext. 123456 today"
    spans = [[text[start:end] for _, start, end in finder.find(text[:stop])] for stop in range(17, len(text) + 1)]
    assert spans[0] == ["415-555-0100"]
    assert spans[-1] == ["415-555-0100 ext. 123456"]


@pytest.mark.parametrize(
    "card", ["4111  1111  1111  1111", "5555--5555--5555--4444", "3782  822463  10005", "4111 -1111- 1111 1111"]
)
def test_card_groups_may_be_parted_by_up_to_two_spaces_or_dashes(card: str) -> None:
    """A double space (typed twice, or justified text) or a dash with a space between groups: still one number."""
    assert luhn_ok(card)
    assert found("payment_card", f"card {card} ok") == [card]
    assert [kind for kind, _, _ in PiiFinder(PII_TYPES).find(f"card {card} ok")] == ["payment_card"]


def test_card_groups_parted_by_three_characters_are_numbers_side_by_side() -> None:
    """Three or more characters between groups part numbers, as everywhere else (docs/pii-types.md)."""
    assert found("payment_card", "card 4111   1111   1111   1111 and 4111 - 1111 - 1111 - 1111") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call (+44) 20 7946 0958 please", "(+44) 20 7946 0958"),  # the "(" before the "+" closes inside
        ("call (+1) 415 555 0100", "(+1) 415 555 0100"),
        ("office (415) 555-0100", "(415) 555-0100"),
        ("Zentrale +49 (0)30 1234567", "+49 (0)30 1234567"),
        ("手机(13800138000)谢谢", "13800138000"),  # the parentheses enclose the number: neither is masked
        ("(+44 20 7946 0958)", "+44 20 7946 0958"),
        ("((415) 555-0100)", "(415) 555-0100"),
    ],
)
def test_a_phone_number_is_masked_with_both_parentheses_or_neither(text: str, expected: str) -> None:
    assert found("phone", text) == [expected]
    assert [text[start:end] for _, start, end in PiiFinder(PII_TYPES).find(text)] == [expected]


@pytest.mark.parametrize("text", ["call 415) 555-0100", "+44) 20 7946 0958", "(415)) 555-0100"])
def test_a_number_whose_parentheses_do_not_pair_is_no_phone_number(text: str) -> None:
    """No span of it would cover a ")" with its "(": left alone rather than masked unbalanced."""
    masked = [text[start:end] for _, start, end in PiiFinder(PII_TYPES).find(text)]
    assert all(span.count("(") == span.count(")") for span in masked), masked
    assert found("phone", text) == []


@pytest.mark.parametrize(
    "number",
    [
        "356938035643809",  # an IMEI: Luhn-valid, 15 digits, prefix 35 (JCB's cards, 3528-3589, have 16-19)
        "300000000000007",  # Diners Club numbers have 14 or 16-19 digits
        "350012345678909",  # no issuer uses 3500-3527
        "3500123456789014",
    ],
)
def test_fifteen_digit_luhn_numbers_outside_american_express_and_jcb_1800_2131_are_no_card(number: str) -> None:
    assert luhn_ok(number)
    assert found("payment_card", f"id {number} ok") == []


@pytest.mark.parametrize(
    "card",
    [
        "371449635398431",
        "341111111111111",
        "180000000000002",
        "3530111333300000",
        "30569309025904",
        "3112345678901234564",
    ],
)
def test_american_express_jcb_diners_and_t_union_numbers_are_cards(card: str) -> None:
    """A bare 15-digit number of a 15-digit issuer (American Express 34/37, JCB 1800/2131) is a card; JCB's 3528-3589
    numbers have 16-19 digits, Diners Club's 14 or 16-19, China T-Union's (31) 19."""
    assert luhn_ok(card)
    assert found("payment_card", f"card {card} ok") == [card]


@pytest.mark.parametrize(
    ("label", "number"),
    [
        ("Upgrade to version ", "10.2.3.4"),
        ("Order ", "15012345678"),
        ("Invoice no. ", "0123-456-789"),
        ("Order #", "123456789018"),
        ("IMEI: ", "371449635398431"),  # an IMEI label outweighs even a 15-digit issuer's prefix
        ("imei no. ", "371449635398431"),
        ("order number: ", "15012345678"),
        ("Order No.: ", "0123-456-789"),
        ("tracking # ", "415-555-0100"),
        ("SKU ", "123-45-6789"),
        ("serial no. ", "123456789018"),
        ("Ticket #", "1-800-356-9377"),
        ("ref no. ", "15012345678"),
        ("Reference number: ", "0123-456-789"),
        ("v ", "10.2.3.4"),
        ("v. ", "10.2.3.4"),
        ("ver. ", "10.2.3.4"),
        ("build ", "10.2.3.4"),
        ("release ", "10.2.3.4"),
        ("firmware ", "10.2.3.4"),
        ("ISBN ", "0123-456-789"),
        ("Bestellnummer: ", "15012345678"),
        ("Rechnungsnr. ", "0123-456-789"),
        ("Ordernummer ", "15012345678"),
        ("ORDER#", "15012345678"),
        ("Bestellung Nr. ", "15012345678"),
        ("Rechnung Nr. ", "0123-456-789"),
        ("commande n° ", "0123-456-789"),
        ("numéro de facture : ", "0123-456-789"),
        ("pedido ", "15012345678"),
        ("factura no. ", "0123-456-789"),
        ("заказ No ", "15012345678"),
        ("订单号:", "15012345678"),
        ("订单", "15012345678"),
        ("发票号码 ", "0123-456-789"),
        ("版本", "10.2.3.4"),
        ("注文番号 ", "15012345678"),
        ("請求書番号:", "0123-456-789"),
        ("주문번호 ", "15012345678"),
    ],
)
def test_a_label_right_before_a_number_names_it_as_no_pii(label: str, number: str) -> None:
    """An order, invoice, tracking, SKU, serial, ISBN or IMEI number, or a version: the label outweighs the shape of
    a phone number, IPv4 address, SSN or My Number (and an IMEI's label a 15-digit card number's)."""
    assert PiiFinder(PII_TYPES).find(f"is {number} ok") != []
    assert PiiFinder(PII_TYPES).find(f"{label}{number} ok") == []


def test_an_imei_is_no_card_with_its_label_or_without() -> None:
    assert PiiFinder(PII_TYPES).find("IMEI 356938035643809 and 356938035643809") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my card number is 4111 1111 1111 1111", ("payment_card", "4111 1111 1111 1111")),
        ("order paid with card 4111 1111 1111 1111", ("payment_card", "4111 1111 1111 1111")),
        ("Order #4111111111111111", ("payment_card", "4111111111111111")),  # a card's Luhn digit outweighs "order"
        ("IMEI 4111111111111111", ("payment_card", "4111111111111111")),  # an IMEI has 15 digits
        ("Order 12 shipped, call 15012345678", ("phone", "15012345678")),  # "order" labels 12
        ("order 12 15012345678", ("phone", "15012345678")),
        ("ref: 15012345678", ("phone", "15012345678")),  # "ref" labels only with a number sign
        ("reorder 15012345678", ("phone", "15012345678")),  # a label is a whole word
        ("orderno 15012345678", ("phone", "15012345678")),  # and apart from its number sign, unless that is "#"
        ("Ring mig vid 070-123 45 67", ("phone", "070-123 45 67")),  # Swedish "vid" is no "v" with "id"
        ("Order\n15012345678", ("phone", "15012345678")),  # a label on the line above labels no number
        ("version 4: 10.2.3.4", ("ipv4", "10.2.3.4")),
        ("Phone #: 415-555-0100", ("phone", "415-555-0100")),  # "#" alone is no label
        ("Order DE89 3704 0044 0532 0130 00", ("iban", "DE89 3704 0044 0532 0130 00")),  # strict checks: no labels
        ("Order 11010519491231002X", ("cn_resident_id", "11010519491231002X")),
        ("order by mail: ana@example.com", ("email", "ana@example.com")),
    ],
)
def test_a_label_counts_only_right_before_the_number_and_against_weakly_checked_types(
    text: str, expected: tuple[str, str]
) -> None:
    assert [(kind, text[start:end]) for kind, start, end in PiiFinder(PII_TYPES).find(text)] == [expected]


def test_a_label_before_one_number_of_a_run_leaves_the_others() -> None:
    text = "Order #123456789018 4111 1111 1111 1111 and IMEI 356938035643809 +44 20 7946 0958, version 1.2.3.4 10.0.0.1"
    assert [(kind, text[start:end]) for kind, start, end in PiiFinder(PII_TYPES).find(text)] == [
        ("payment_card", "4111 1111 1111 1111"),
        ("phone", "+44 20 7946 0958"),
        ("ipv4", "10.0.0.1"),
    ]
