"""Built-in PII detection: a candidate pattern per type, then the type's own validation (check digits, ranges).

A candidate that fails validation (a wrong Luhn or MOD 97 or ISO 7064 check, an octet over 255, an impossible birth
date) is not PII and is left alone: few false positives matter more than catching malformed numbers.
Patterns run on the plain view (NFKC: full-width digits and letters are ASCII by then).

Speed: Python's regex engine spends about as long per character scanned as per candidate tried, so the digit-led
types (phone, cards, IPv4, SSN, national ids) share one scan for runs of digits and separators; each run long enough
is one candidate, whose shape each type checks with an anchored match. A run that is no PII as a whole may be numbers
side by side ("2024-05-17 4111 ...", "card 4111111111111111 123"): its parts between spaces and dashes are tried
too (see _Parts). A label right before a number ("Order #", "version", "IMEI") can say it is none of the weakly
checked types (_labelled_as_other). Where candidates overlap, the best validated type wins (_STRENGTH). Email and IPv6
are looked for only around an "@" or a pair of colons, IBANs from their two check digits; AWS key ids start with an
upper-case letter, which keeps their scans short.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Container, Iterator
from functools import cache, lru_cache
from typing import Any, Literal, get_args

PiiType = Literal[
    "email",
    "phone",
    "payment_card",
    "iban",
    "ipv4",
    "ipv6",
    "aws_access_key_id",
    "us_ssn",
    "cn_resident_id",
    "jp_my_number",
]
PII_TYPES: tuple[PiiType, ...] = get_args(PiiType)

DEFAULT_REPLACEMENTS: dict[PiiType, str] = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "payment_card": "[CARD]",
    "iban": "[IBAN]",
    "ipv4": "[IP_ADDRESS]",
    "ipv6": "[IP_ADDRESS]",
    "aws_access_key_id": "[AWS_ACCESS_KEY_ID]",
    "us_ssn": "[SSN]",
    "cn_resident_id": "[CN_RESIDENT_ID]",
    "jp_my_number": "[MY_NUMBER]",
}

# Registered IBAN lengths by country (SWIFT IBAN registry).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
    "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """`iban` without spaces: a registered country, its length, and MOD 97 of the rearranged number equal to 1."""
    iban = iban.upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _iban_length(candidate: str) -> int:
    """The candidate may run into the words after it (`... 32 that`): its country says where the IBAN ends."""
    expected = IBAN_LENGTHS.get(candidate[:2].upper(), 0)
    seen = 0
    for end, char in enumerate(candidate, start=1):
        if char != " ":
            seen += 1
            if seen == expected:
                complete = end == len(candidate) or candidate[end] == " "
                return end if complete and iban_valid(candidate[:end].replace(" ", "")) else 0
    return 0


def cn_resident_id_check_char(first17: str) -> str:
    """GB 11643: ISO 7064 MOD 11-2 over the first 17 digits."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(digit) * weight for digit, weight in zip(first17, weights, strict=True)) % 11]


def jp_my_number_check_digit(first11: str) -> int:
    """The My Number check digit: P_n is the n-th digit from the right, Q_n is n+1 (n <= 6) or n-5 (n >= 7)."""
    total = sum(int(digit) * (n + 1 if n <= 6 else n - 5) for n, digit in enumerate(reversed(first11), start=1))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def _plausible_date(year: int, month: int, day: int) -> bool:
    if not 1900 <= year <= time.gmtime().tm_year or not 1 <= month <= 12:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    return 1 <= day <= days


def _email(candidate: str) -> bool:
    local = candidate.partition("@")[0]
    return not (local.startswith(".") or local.endswith(".") or ".." in candidate)


def _local_part_start(text: str, at: int) -> int:
    """Where the local part of the address whose "@" is at `at` starts (`at` if it has none): ASCII letters, digits
    and `._%+-'`, and (internationalised addresses, RFC 6531) other scripts' letters and digits, at most 64. Chinese or
    Japanese text has no space before an address: a local part does not mix those scripts with others ("号码ana@..."),
    and it does not start with a quote."""
    start, lowest, narrow, wide = at, max(0, at - _EMAIL_LOCAL_MAX), False, False
    while start > lowest:
        char = text[start - 1]
        if char not in _EMAIL_LOCAL_CHARS and (char.isascii() or not char.isalnum()):
            break
        if char.isalnum():
            is_wide = char >= _WIDE_SCRIPTS
            if (narrow and is_wide) or (wide and not is_wide):
                break
            narrow, wide = narrow or not is_wide, wide or is_wide
        start -= 1
    while start < at and text[start] == "'":
        start += 1
    return start


_NOT_DIGITS = str.maketrans("", "", " ().+-")
_DIGIT_GROUPS = re.compile(r"\d+")


def _digits(candidate: str) -> str:
    """The digits of a candidate made of digits and run separators."""
    return candidate.translate(_NOT_DIGITS)


# An SSN's shape, 3-2-4 digits with dashes or spaces: never a phone number, even where it fails as an SSN.
_SSN_SHAPE = r"\d{3}([ -])\d{2}\1\d{4}"


def _phone(candidate: str) -> bool:
    """International (+ and country code), national with a trunk 0 and separators, or one of the national plans
    written without a 0 (_unprefixed_national). Dates, card numbers and bare numbers fail them all."""
    digits = _digits(candidate)
    groups = [len(group) for group in _DIGIT_GROUPS.findall(candidate)]
    international = candidate.lstrip("(").startswith("+")  # "(+44) 20 7946 0958" too
    # No numbering plan ends in a lone digit: "+1 415 555 0100 2 times" is a number, then 2, and "0-486-17778-5" an
    # ISBN. Only an extension does, written after a dash in an international number ("+49 30 1234567-0").
    lone_end = groups[-1] == 1 and not (candidate[-2] == "-" and (international or candidate.startswith("00")))
    if not 8 <= len(digits) <= 17 or lone_end or not _paired(candidate):
        return False
    if international:
        return 8 <= len(digits) <= 15 and digits[0] != "0"
    if digits.startswith("00"):  # the international call prefix, then a country code
        return len(groups) >= 2 and 11 <= len(digits) <= 17 and digits[2] != "0"
    if digits.startswith("0"):  # the trunk prefix, written with the area code ("0-486-17778" is an ISBN's)
        zip_plus_4 = groups == [5, 4] and "-" in candidate  # a US postcode such as 02134-1234
        # "04 15 23 42 08 16": six pairs are lottery numbers, no national format (French numbers are five pairs).
        return (
            len(groups) >= 2
            and 9 <= len(digits) <= 12
            and groups[0] > 1
            and not zip_plus_4
            and groups != [2] * 6
            and not (groups == [3, 2, 4] and _pattern(_SSN_SHAPE).fullmatch(candidate))
        )
    return _unprefixed_national(digits, groups)


def _phone_start(text: str, start: int, end: int) -> int:
    """Where the phone number whose digits are `text[start:end]` starts: at its "+", and at the "(" before the
    digits or the "+" when the number holds the ")" that closes it ("(415) 555-0100", "(+44) 20 7946 0958"), not
    otherwise ("(13800138000)" masks as "([PHONE])")."""
    first = start - 1 if text[start - 1 : start] == "+" else start
    if text[first - 1 : first] == "(" and text.count(")", first, end) > text.count("(", first, end):
        first -= 1
    return first


def _paired(candidate: str) -> bool:
    """Each "(" is closed by a ")" before the next one opens: a mask covers both parentheses or neither."""
    if "(" not in candidate and ")" not in candidate:  # most numbers: no walk
        return True
    depth = 0
    for char in candidate:
        if char in "()":
            depth += 1 if char == "(" else -1
            if depth not in (0, 1):
                return False
    return depth == 0


def _unprefixed_national(digits: str, groups: list[int]) -> bool:
    """North American with separators (maybe after its country code 1), Russian/CIS with the trunk 8 in its usual
    groups, or a Chinese mobile number."""
    if groups == [3, 3, 4]:
        return _north_american(digits)
    if groups == [1, 3, 3, 4] and digits[0] == "1":  # with the country code: 1-800-356-9377, 1 (800) 356-9377
        return _north_american(digits[1:])
    if groups in ([1, 3, 3, 4], [1, 3, 3, 2, 2]) and digits[0] == "8":  # 8 (495) 123-45-67, 8-800-555-35-35
        return digits[1] >= "3"  # area codes 3xx-9xx
    return len(digits) == 11 and digits[0] == "1" and digits[1] >= "3" and groups in ([11], [3, 4, 4])


def _north_american(digits: str) -> bool:
    """Ten digits of the NANP: area code and exchange start with 2-9."""
    return digits[0] >= "2" and digits[3] >= "2"


# Card numbers by issuer prefix (IIN) and length: a number of another length with a valid Luhn digit is something
# else (a barcode, an account number, a phone's IMEI). Prefix ranges first, then the first prefix that matches. Only
# American Express and JCB's 1800/2131 issue 15 digits: a 15-digit IMEI (Luhn too, often starting 35 or 30) is no card.
_CARD_RANGES: tuple[tuple[str, str, range], ...] = (
    ("2221", "2720", range(16, 17)),  # Mastercard's 2-series
    ("3528", "3589", range(16, 20)),  # JCB
)
_CARD_LENGTHS: tuple[tuple[tuple[str, ...], tuple[int, ...] | range], ...] = (
    (("0604", "5018", "5020", "5038", "56", "57", "58", "6304", "6390", "6759", "6761", "6762", "6763"), range(12, 20)),
    (("4",), range(13, 20, 3)),  # Visa: 13, 16, 19
    (("34", "37", "1800", "2131"), range(15, 16)),  # American Express, JCB's 15-digit numbers
    (("30", "36", "38", "39"), (14, 16, 17, 18, 19)),  # Diners Club
    (("31",), range(19, 20)),  # China T-Union
    (("51", "52", "53", "54", "55"), range(16, 17)),  # Mastercard
    (("2200", "2201", "2202", "2203", "2204"), range(16, 20)),  # Mir
    (("6",), range(16, 20)),  # Discover, UnionPay, RuPay ...
)


def _payment_card(candidate: str) -> bool:
    digits = _digits(candidate)
    prefix = digits[:4]
    lengths: Container[int] | None = next(
        (lengths for low, high, lengths in _CARD_RANGES if low <= prefix <= high), None
    )
    if lengths is None:
        lengths = next((lengths for prefixes, lengths in _CARD_LENGTHS if digits.startswith(prefixes)), ())
    return len(digits) in lengths and len(set(digits)) > 1 and luhn_valid(digits)


def _ipv4(candidate: str) -> bool:
    return all(int(octet) <= 255 and (octet == "0" or not octet.startswith("0")) for octet in candidate.split("."))


def _ipv6(candidate: str) -> bool:
    import ipaddress  # noqa: PLC0415 - only when a candidate turns up: kept off the cold start

    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    # "a::b", "fe::ab" or "x::y" in code and prose are valid addresses too: an address written in text has at least
    # three groups ("2001:db8::1"), or two and ends in "::" (a prefix written as an address: "2001:db8::"), or ends in
    # an IPv4 address ("::ffff:192.0.2.1").
    groups = sum(1 for group in candidate.split(":") if group)
    return "." in candidate or groups >= 3 or (groups == 2 and candidate.endswith("::"))


def _us_ssn(candidate: str) -> bool:
    area, group, serial = candidate[:3], candidate[4:6], candidate[7:]
    # Never issued: area 000, 666, 900-999; group 00; serial 0000; and two famous specimen numbers.
    return (
        area not in {"000", "666"}
        and area[0] != "9"
        and group != "00"
        and serial != "0000"
        and candidate.replace(" ", "-") not in {"078-05-1120", "219-09-9999"}
    )


def _cn_resident_id(candidate: str) -> bool:
    year, month, day = int(candidate[6:10]), int(candidate[10:12]), int(candidate[12:14])
    return (
        candidate[0] in "12345678"
        and _plausible_date(year, month, day)
        and cn_resident_id_check_char(candidate[:17]) == candidate[17].upper()
    )


def _jp_my_number(candidate: str) -> bool:
    digits = _digits(candidate)
    return jp_my_number_check_digit(digits[:11]) == int(digits[11])


def _has_digit(text: str) -> bool:
    return any(digit in text for digit in "0123456789")


# Plain classes, not dataclasses: making one costs import time, and this module is on the cold start.
class _Numeric:
    """A digit-led type: `shape` must match its whole candidate, which then has to pass `valid`."""

    __slots__ = ("digits", "min_digits", "shape", "valid")

    def __init__(self, shape: str, valid: Callable[[str], bool], min_digits: int, max_digits: int) -> None:
        self.shape = shape
        self.valid = valid
        self.min_digits = min_digits
        self.digits = range(min_digits, max_digits + 1)


class _Scanned:
    """A type found by its own pattern in texts that pass `marker`; with an `anchor`, only in windows of `reach`
    characters around each anchor; `valid` says whether a candidate is PII."""

    __slots__ = ("anchor", "flags", "marker", "pattern", "reach", "valid")

    def __init__(
        self,
        pattern: str,
        valid: Callable[[str], bool],
        marker: Callable[[str], bool],
        *,
        flags: int = 0,
        anchor: str | None = None,
        reach: tuple[int, int] = (0, 0),
    ) -> None:
        self.pattern = pattern
        self.valid = valid
        self.marker = marker
        self.flags = flags
        self.anchor = anchor
        self.reach = reach


_NUMERIC: dict[PiiType, _Numeric] = {
    "phone": _Numeric(r"(?:\(?\+|\()?\d{1,4}\)?(?:[ .-]?\(?\d{1,5}\)?){1,6}", _phone, 8, 17),
    # Grouped by spaces or dashes (any groups, at most two of them between two digits: "4111  1111", "4111 -1111"), or
    # by dots as cards are printed: 4-4-4-4(-1..3), or 4-6-4/5 (Amex, Diners).
    "payment_card": _Numeric(
        r"\d(?:[ -]{0,2}\d){11,18}|\d{4}(?:\.\d{4}){2,3}(?:\.\d{1,3})?|\d{4}\.\d{6}\.\d{4,5}", _payment_card, 12, 19
    ),
    "ipv4": _Numeric(r"\d{1,3}(?:\.\d{1,3}){3}", _ipv4, 4, 12),
    "us_ssn": _Numeric(_SSN_SHAPE, _us_ssn, 9, 9),
    "cn_resident_id": _Numeric(r"\d{17}[\dXx]", _cn_resident_id, 17, 18),  # 17 when the 18th is X
    "jp_my_number": _Numeric(r"\d{4}([ -]?)\d{4}\1\d{4}", _jp_my_number, 12, 12),
}

_SCANNED: dict[PiiType, _Scanned] = {
    "ipv6": _Scanned(
        r"[0-9a-f:](?<![\w:][0-9a-f:])[0-9a-f]{0,3}(?::[0-9a-f]{0,4}){1,7}(?:\.\d{1,3}){0,3}(?![\w:])",
        _ipv6,
        lambda text: text.count(":") >= 2,
        flags=re.IGNORECASE | re.ASCII,
        anchor=":[0-9A-Fa-f]{0,4}:",
        reach=(5, 46),
    ),
    "aws_access_key_id": _Scanned(
        r"A(?<![A-Z0-9]A)(?:KIA|SIA)[A-Z0-9]{16}(?![A-Z0-9])",
        lambda _candidate: True,
        lambda text: "AKIA" in text or "ASIA" in text,
    ),
}

# An IBAN is found from its check digits, two digits after two letters that start a word: a scan for digits is
# quick in prose, one for two letters of either case would try every word. `_iban_length` says where it ends.
_IBAN = r"\d(?<=(?<![a-z0-9])[a-z]{2}\d)\d(?: ?[a-z0-9]){11,30}"

# An email is found from its "@": the domain matched forward from there (labels of letters and digits of any script,
# a top-level domain of letters or punycode), the local part walked back (at most 64 characters).
# A top-level domain may run into Chinese or Japanese text ("example.com谢谢"), as numbers may: it is letters of
# those scripts ("例子.广告") or of the others, not both.
_EMAIL_DOMAIN = (
    r"(?:[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?\.)+(?:"
    r"[^\W\d_\u2e80-\U0010ffff]{2,63}(?![^\W\u2e80-\U0010ffff]|-)"
    r"|(?i:xn--)[a-z0-9-]{1,59}(?![^\W\u2e80-\U0010ffff]|-)"
    r"|[^\W\d_\x00-\u2e7f]{2,63}(?![\w-]))"
)
_EMAIL_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-'")
_EMAIL_LOCAL_MAX = 64
_WIDE_SCRIPTS = "\u2e80"  # from here on: CJK radicals and ideographs, kana, Hangul ... (written without spaces)

# Runs of digits with at most two separators between digits ("(415) 555-0100"); a run is one candidate.
_RUN_SEPARATORS = " ().+-"
MAX_CACHED_VERDICTS = 4096  # numeric runs remembered per finder, a few hundred KB at most


def _is_latin_word(char: str) -> bool:
    """A letter, digit or "_" of ASCII: a number glued to one is part of a code; glued to 号 or は it is not, as
    Chinese and Japanese write no spaces around numbers."""
    return char.isascii() and (char.isalnum() or char == "_")


def _dashed_to_letters(text: str, first: int, last: int) -> bool:
    """`text[first:last]` is joined by a dash to a code with Latin letters ("a73eb606-0348-4238-9526-f0f4ed"): part
    of an id, not a number of its own. Looks at most 32 characters either side."""
    before = first > 0 and text[first - 1] == "-"
    after = text[last : last + 1] == "-"
    return (before and _pattern(_CODE_BEFORE).search(text, max(0, first - 32), first) is not None) or (
        after and _pattern(_CODE_AFTER).match(text, last, last + 32) is not None
    )


# A phone number's extension, glued ("x5291") or after a space (" x123", " ext 123", " ext. 123", " ext.123"): part
# of the number. It ends where no Latin letter, digit or dashed or dotted code goes on ("x-ray", "xbox" are none).
_EXTENSION = r"(?:x| x| ext(?:\. ?| ))\d{1,6}(?![A-Za-z0-9_]|[.-][A-Za-z0-9_])"
_AFTER_RUN = 14  # characters after a run that its verdict reads: the longest extension, " ext. 123456", and 2 more

# A code's letters and digits joined by dashes, ending (starting) with the dash next to a number.
_CODE_BEFORE = r"[A-Za-z][A-Za-z0-9_-]*-$"
_CODE_AFTER = r"-[A-Za-z0-9_-]*[A-Za-z]"


# Labels: a word right before a number that names it as something no phone number, IPv4 address, SSN or My Number is
# (an order, an invoice, a version ...), maybe with a number sign ("no.", "#", "Nr.", "号") and a colon between. Those
# types have no check digit or a weak one; a card's Luhn digit and issuer length outweigh all labels but an IMEI's,
# an IMEI being a 15-digit Luhn number itself. An IBAN, a China id and the other types have no labels: their checks
# are strict enough. A label only counts where it ends right before the number: "order paid with card 4111 ..." has
# "card" there. "ref" and "reference" count only with a number sign ("ref no. ..."): "ref: <anything>" cites any value.
_VERSION_LABELS = (
    "version", "ver", "v", "rev", "revision", "release", "build", "firmware", "versión", "versão", "versione", "versie",
    "версия", "сборка",
)  # fmt: skip
_DOCUMENT_LABELS = (
    "order", "invoice", "receipt", "tracking", "shipment", "sku", "serial", "s/n", "isbn", "issn", "ticket",
    "transaction", "imei",
    "bestellung", "bestellnummer", "bestellnr", "bestell-nr", "rechnung", "rechnungsnummer", "rechnungsnr",  # German
    "rechnungs-nr", "auftrag", "auftragsnummer", "sendungsnummer", "seriennummer", "artikelnummer",
    "commande", "facture", "série",  # French
    "pedido", "factura", "fatura", "encomenda", "serie", "ordine", "fattura",  # Spanish, Portuguese, Italian
    "bestelling", "bestelnummer", "ordernummer", "factuur", "factuurnummer",  # Dutch
    "заказ", "заказа", "накладная",  # Russian
)  # fmt: skip
# Chinese, Japanese and Korean labels may be glued to the word before them.
_WIDE_LABELS = (
    "订单", "訂單", "发票", "發票", "运单", "運單", "快递单", "快遞單", "版本", "序列",  # Chinese
    "注文", "請求書", "伝票", "製造番号", "シリアル", "バージョン", "주문", "송장", "버전",  # Japanese, Korean
)  # fmt: skip
_REFERENCES = ("ref", "reference", "réf", "référence", "referencia", "referenz")
# Full-width signs and colons are ASCII in the plain view (NFKC), as are "№" ("No") and "º" ("o").
_NUMBER_SIGNS = (
    "no", "nr", "num", "number", "nummer", "numéro", "numero", "número", "id", "n°", "n.o", "#",
    "号码", "号", "番号", "编号", "編號", "번호",
)  # fmt: skip


def _backwards(words: tuple[str, ...]) -> str:
    """`words` spelled backwards, as a trie (one branch per first letter, and so on): labels are matched on the text
    before a number, reversed, so each number costs one anchored match, and the trie keeps it from trying every word."""
    trie: dict[str, dict[str, Any]] = {}
    for word in words:
        node = trie
        for char in reversed(word):
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return _alternation(trie)


def _alternation(node: dict[str, dict[str, Any]]) -> str:
    """The trie below `node` as a regular expression; a word that ends here is the last branch, so longer ones go
    first."""
    branches = [re.escape(char) + _alternation(child) if char else "" for char, child in node.items()]
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(sorted(branches, key=lambda branch: branch == "")) + ")"


# Read backwards from the number: spaces (not a line break: a label on the line above labels no number), a colon,
# maybe a number sign with its dot, then the label (a Latin or Cyrillic one a whole word, maybe abbreviated with a dot,
# and apart from its sign unless that is "#": "Order #", "Order#", "Order no."; "vid" is no "v" with "id").
_SPACES = r"[^\S\r\n]*"
_SIGN = rf"\.?(?:{_backwards(_NUMBER_SIGNS)})"
_SIGN_APART = rf"{_SIGN}(?:[^\S\r\n]+|(?<=#)|(?=\.))"
_WORD_START = r"(?![^\W_])"  # read backwards: no letter, digit or "_" before the label
_ANY_LABEL = (
    rf"{_SPACES}:?{_SPACES}(?:"
    rf"(?:{_SIGN_APART})?\.?(?:{_backwards(_VERSION_LABELS + _DOCUMENT_LABELS)}){_WORD_START}"
    rf"|(?:{_SIGN}{_SPACES})?(?:{_backwards(_WIDE_LABELS)})"
    rf"|{_SIGN_APART}\.?(?:{_backwards(_REFERENCES)}){_WORD_START})"
)
_IMEI_LABEL = rf"{_SPACES}:?{_SPACES}(?:{_SIGN_APART})?iemi{_WORD_START}"
_LABELLED_TYPES = frozenset(("phone", "ipv4", "us_ssn", "jp_my_number"))
_IMEI_DIGITS = 15
_LABEL_REACH = 40  # characters before a number that a label, its number sign and the spaces between may take


def _labelled_as_other(text: str, pii_type: PiiType, first: int, last: int) -> bool:
    """A label right before `text[first:last]` says it is no `pii_type` ("Order #15012345678", "IMEI 35...")."""
    if pii_type in _LABELLED_TYPES:
        label = _ANY_LABEL
    elif pii_type == "payment_card" and len(_digits(text[first:last])) == _IMEI_DIGITS:
        label = _IMEI_LABEL
    else:
        return False
    before = text[max(0, first - _LABEL_REACH) : first]
    last_char = before.rstrip(" \t:")[-1:]
    if not (last_char.isalpha() or last_char in (".", "#", "°")):  # no label or sign ends in it (a digit, a comma)
        return False
    return _pattern(label, re.IGNORECASE).match(before[::-1]) is not None


@cache
def _pattern(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


class PiiFinder:
    """Finds the PII of the given types.

    The built-in patterns are constants (tested here, they cannot fail at load), so each is compiled the first time a
    text could hold its type: a cold start whose first message has no digit, "@" or ":" compiles none of them.
    """

    def __init__(self, pii_types: tuple[PiiType, ...]) -> None:
        self._numeric = [
            (t, _NUMERIC[t].shape, _NUMERIC[t].valid) for t in PII_TYPES if t in pii_types and t in _NUMERIC
        ]
        fewest = min((_NUMERIC[pii_type].min_digits for pii_type, _, _ in self._numeric), default=0)
        self._runs = rf"\d(?:[{re.escape(_RUN_SEPARATORS)}]{{0,2}}\d){{{fewest - 1},}}"
        # A run shorter than this can only be an IPv4 address (the one type needing just 4 digits).
        self._most_digits = max((_NUMERIC[pii_type].digits[-1] for pii_type, _, _ in self._numeric), default=0)
        self._shortest_not_ipv4 = min(
            (_NUMERIC[pii_type].min_digits for pii_type, _, _ in self._numeric if pii_type != "ipv4"), default=1_000
        )
        self._email = "email" in pii_types
        self._iban = "iban" in pii_types
        self._verdicts: dict[tuple[str, int, int], tuple[tuple[PiiType, int, int], ...]] = {}
        self._scanned = [pii_type for pii_type in PII_TYPES if pii_type in pii_types and pii_type in _SCANNED]

    def find(self, text: str) -> list[tuple[PiiType, int, int]]:
        """(type, start, end) of every valid candidate in `text`, by start. Where candidates overlap (an IBAN's
        digits may be a valid card number) only the best validated one is kept: see _STRENGTH."""
        found: list[tuple[PiiType, int, int]] = []
        if self._numeric and _has_digit(text):
            found += self._find_numeric(text)
        if self._email:
            found += self._find_emails(text)
        if self._iban and _has_digit(text):
            found += self._find_ibans(text)
        for pii_type in self._scanned:
            scanned = _SCANNED[pii_type]
            if not scanned.marker(text):
                continue
            pattern = _pattern(scanned.pattern, scanned.flags)
            anchor = None if scanned.anchor is None else _pattern(scanned.anchor)
            for start, end in _windows(text, anchor, scanned.reach):
                for match in pattern.finditer(text, start, end):
                    if scanned.valid(match.group()):
                        found.append((pii_type, *match.span()))
        return _strongest(found) if len(found) > 1 else found

    @staticmethod
    def _find_emails(text: str) -> Iterator[tuple[PiiType, int, int]]:
        at = text.find("@")
        while at >= 0:
            after = _pattern(_EMAIL_DOMAIN, re.IGNORECASE).match(text, at + 1)
            if after is not None:
                start = _local_part_start(text, at)
                if start < at and _email(text[start : after.end()]):
                    yield "email", start, after.end()
            at = text.find("@", at + 1)

    @staticmethod
    def _find_ibans(text: str) -> Iterator[tuple[PiiType, int, int]]:
        pattern = _pattern(_IBAN, re.IGNORECASE | re.ASCII)
        match = pattern.search(text)
        while match is not None:
            start = match.start() - 2
            length = _iban_length(text[start : match.end()])
            if length:
                yield "iban", start, start + length
                match = pattern.search(text, start + length)
            else:  # an IBAN may start after a space inside a candidate that is none ("ab12 DE89 3704 ...")
                space = text.find(" ", match.start(), match.end())
                match = pattern.search(text, match.end() if space < 0 else space + 1)

    def _find_numeric(self, text: str) -> Iterator[tuple[PiiType, int, int]]:
        for run in _pattern(self._runs).finditer(text):
            start, end = run.span()
            if end - start < self._shortest_not_ipv4 and run.group().count(".") < 3:
                continue
            # A run's verdict depends on it, two characters before and _AFTER_RUN after (see _numeric_at); output
            # moderation sends the same runs again with every longer text, so the verdict is kept by that window.
            lead = max(0, start - 2)
            window = (text[lead : end + _AFTER_RUN], start - lead, end - lead)
            found = self._verdicts.get(window)
            if found is None:
                if len(self._verdicts) >= MAX_CACHED_VERDICTS:
                    self._verdicts.clear()
                found = self._verdicts[window] = self._numeric_in(*window)
            for pii_type, first, last in found:
                if not _labelled_as_other(text, pii_type, lead + first, lead + last):
                    yield pii_type, lead + first, lead + last

    def _numeric_in(self, text: str, start: int, end: int) -> tuple[tuple[PiiType, int, int], ...]:
        return tuple(self._numeric_at(text, start, end)) or tuple(self._numbers_within(text, start, text[start:end]))

    def _numeric_at(self, text: str, start: int, end: int) -> Iterator[tuple[PiiType, int, int]]:
        """The types `text[start:end]` (digits at both ends) is, taking a phone's leading "+" or "(" and
        extension ("x123", " ext. 123") and a Chinese id's trailing "X" with it."""
        before = text[start - 1] if start else " "
        if _is_latin_word(before) or (before in ".-" and not text[start - 2 : start - 1].isdigit()):
            return
        if _dashed_to_letters(text, start, end):
            return
        digits = len(_digits(text[start:end]))
        after = text[end : end + 1]
        for pii_type, shape, valid in self._numeric:
            if digits not in _NUMERIC[pii_type].digits:
                continue
            first, last = start, end
            if pii_type == "phone":
                first = _phone_start(text, start, end)
            elif pii_type == "cn_resident_id" and after in ("X", "x"):
                last += 1
            following = text[last : last + 1]
            glued = bool(following) and _is_latin_word(following)  # a code, unless a phone number's extension
            if glued and pii_type != "phone":
                continue
            candidate = text[first:last]
            if not (_pattern(shape).fullmatch(candidate) and valid(candidate)):
                continue
            extension = (
                _pattern(_EXTENSION, re.IGNORECASE | re.ASCII).match(text, last) if pii_type == "phone" else None
            )
            if extension is not None:
                yield pii_type, first, extension.end()
            elif not glued:
                yield pii_type, first, last

    def _numbers_within(self, text: str, offset: int, run: str) -> list[tuple[PiiType, int, int]]:
        """A run that is no PII as a whole may be numbers side by side ("2024-05-17 4111 1111 1111 1111", "card
        4111111111111111 123"): try its parts between spaces and dashes, longest first (then leftmost)."""
        parts = _parts(run, self._shortest_not_ipv4, self._most_digits)
        found: list[tuple[PiiType, int, int]] = []
        if parts is None:
            return found
        taken = bytearray(len(parts.starts))  # 1: the part belongs to a number found
        for first, last in parts.tries:
            if taken.find(1, first, last + 1) >= 0 or parts.cuts_a_row(first, last, taken, self._most_digits):
                continue
            here = list(self._numeric_at(text, offset + parts.starts[first], offset + parts.ends[last]))
            if here:
                found += here
                taken[first : last + 1] = b"\x01" * (last + 1 - first)
        return sorted(found, key=lambda item: item[1])


class _Parts:
    """A run of digits cut at its spaces and dashes: where each part starts and ends in the run, the separator
    after each, how many digits come before each, and the ranges of parts worth trying, longest first."""

    __slots__ = ("digits", "ends", "separators", "sizes", "starts", "tries")

    def __init__(self, run: str, fewest_digits: int, most_digits: int) -> None:
        self.starts = [0]
        self.ends: list[int] = []
        self.separators: list[str] = []
        for separator in _pattern(_PART_SEPARATOR).finditer(run):
            self.ends.append(separator.start())
            self.starts.append(separator.end())
            self.separators.append(separator.group())
        self.ends.append(len(run))
        self.sizes = [end - start for start, end in zip(self.starts, self.ends, strict=True)]
        self.digits = [0]
        for start, end in zip(self.starts, self.ends, strict=True):
            self.digits.append(self.digits[-1] + len(_digits(run[start:end])))
        # Each range at most as long as the longest type, so a long run costs time linear in its length; its ranges
        # are found by bisection of `digits`, so a run of one-digit parts does not walk every shorter range. Only a
        # card number spans more than _MOST_PHONE_GROUPS parts, and only one of plain digit parts joined by single
        # separators: `odd_parts[n]` and `odd_separators[n]` count the others among the first n.
        count = len(self.starts)
        odd_parts, odd_separators = [0], [0]
        for index in range(count):
            odd_parts.append(odd_parts[-1] + (not run[self.starts[index] : self.ends[index]].isdigit()))
        for between in self.separators:
            odd_separators.append(odd_separators[-1] + (between not in (" ", "-")))
        by_length: list[list[tuple[int, int]]] = [[] for _ in range(most_digits + 1)]
        digits = self.digits
        whole = (0, count - 1)  # tried before its parts
        for first in range(count):
            stop = bisect_right(digits, digits[first] + most_digits) - 1  # the ranges end before part `stop`
            shortest = max(first, bisect_left(digits, digits[first] + fewest_digits) - 1)
            if shortest > first and run.count(".", self.starts[first], self.ends[first]) == 3 and count > 1:
                by_length[digits[first + 1] - digits[first]].append((first, first))  # an IPv4 address, maybe
            for last in range(shortest, min(stop, first + _MOST_PHONE_GROUPS)):
                if (first, last) != whole:
                    by_length[digits[last + 1] - digits[first]].append((first, last))
            card = max(first + _MOST_PHONE_GROUPS, bisect_left(digits, digits[first] + _FEWEST_CARD_DIGITS) - 1)
            for last in range(card, stop):
                odd = odd_parts[last + 1] - odd_parts[first] + odd_separators[last] - odd_separators[first]
                if not odd and (first, last) != whole:
                    by_length[digits[last + 1] - digits[first]].append((first, last))
        self.tries = [ranges for bucket in reversed(by_length) for ranges in bucket]

    def cuts_a_row(self, first: int, last: int, taken: bytearray, most_digits: int) -> bool:
        """Parts `first..last` end inside a row of parts (not `taken` by a number found) of one size and separator
        that could be one number: "4111 1111 1111 1112" is one wrong card number, not a My Number and a rest."""
        sizes, separators, digits = self.sizes, self.separators, self.digits
        # Grow the range by the row's next parts while it could still be one number (so never far).
        inner = separators[last - 1] if last > first else separators[last] if last + 1 < len(sizes) else None
        end = last
        while (
            end + 1 < len(sizes)
            and digits[end + 2] - digits[first] <= most_digits
            and not taken[end + 1]
            and sizes[end + 1] == sizes[last]
            and separators[end] == inner
        ):
            end += 1
        if end > last:
            return True
        inner = separators[first] if last > first else separators[first - 1] if first else None
        begin = first
        while (
            begin > 0
            and digits[last + 1] - digits[begin - 1] <= most_digits
            and not taken[begin - 1]
            and sizes[begin - 1] == sizes[first]
            and separators[begin - 1] == inner
        ):
            begin -= 1
        return begin < first


# A streamed answer is checked again with every chunk: a run's parts are worked out once.
@lru_cache(maxsize=1024)
def _parts(run: str, fewest_digits: int, most_digits: int) -> _Parts | None:
    """The run's parts, or None when there is nothing to try: one part, or one row of parts that could be one
    number (every range would cut it)."""
    parts = _Parts(run, fewest_digits, most_digits)
    one_row = len(set(parts.sizes)) == 1 and len(set(parts.separators)) <= 1
    if not parts.tries or (one_row and parts.digits[-1] <= most_digits):
        return None
    return parts


_MOST_PHONE_GROUPS = 7  # digit groups of the phone shape: a range of more parts can only be a card number
_FEWEST_CARD_DIGITS = 12

# Where a run is cut into parts: at a space (with any other separator) or a lone dash; not at a dot (IPv4, decimals)
# nor between a parenthesis and its digits ("(415)555").
_PART_SEPARATOR = r"(?<=\d)(?:[ ().+-]? [ ().+-]?|-)(?=\d)"

# Which type a span is when several validate. The types whose match holds a number of another type come first: an
# e-mail address (`4111111111111111@example.com`), then an IBAN (its digits may pass Luhn). Then check digits (a China
# id's date and MOD 11-2 check before a card's Luhn digit), the national id without one, shapes, and phone numbers
# last (their validation is the loosest).
_BY_STRENGTH: tuple[PiiType, ...] = (
    "email", "iban", "cn_resident_id", "payment_card", "jp_my_number", "us_ssn", "aws_access_key_id", "ipv6", "ipv4",
    "phone",
)  # fmt: skip
_STRENGTH = {pii_type: rank for rank, pii_type in enumerate(_BY_STRENGTH)}


def _strongest(found: list[tuple[PiiType, int, int]]) -> list[tuple[PiiType, int, int]]:
    """`found` by start, without the candidates that overlap a stronger (then longer, then earlier) one."""
    found.sort(key=lambda item: item[1])
    kept: list[tuple[PiiType, int, int]] = []
    group: list[tuple[PiiType, int, int]] = []  # candidates overlapping one another, directly or through others
    group_end = 0
    for item in found:
        if group and item[1] >= group_end:
            kept += _keep_strongest(group)
            group = []
        group.append(item)
        group_end = max(group_end, item[2])
    return kept + _keep_strongest(group)


def _keep_strongest(group: list[tuple[PiiType, int, int]]) -> list[tuple[PiiType, int, int]]:
    if len(group) == 1:
        return group
    kept: list[tuple[PiiType, int, int]] = []
    for item in sorted(group, key=lambda item: (_STRENGTH[item[0]], item[1] - item[2], item[1])):
        if all(item[2] <= start or end <= item[1] for _, start, end in kept):
            kept.append(item)
    return sorted(kept, key=lambda item: item[1])


def _windows(text: str, anchor: re.Pattern[str] | None, reach: tuple[int, int]) -> Iterator[tuple[int, int]]:
    """The whole text without an anchor; else a window around each anchor (overlapping ones merged)."""
    if anchor is None:
        yield 0, len(text)
        return
    window: tuple[int, int] | None = None
    for hit in anchor.finditer(text):
        start, end = max(0, hit.start() - reach[0]), min(len(text), hit.end() + reach[1])
        if window is not None and start <= window[1]:
            window = (window[0], end)
            continue
        if window is not None:
            yield window
        window = (start, end)
    if window is not None:
        yield window
