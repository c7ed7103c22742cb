"""Built-in PII against generated corpora: precision (innocent text of many locales is never masked) and recall
(valid numbers of every type, in the ways people write them, are masked exactly).

Everything is generated offline with Faker and a fixed seed, so a failure names a text that fails again. Check digits
are confirmed by python-stdnum (independent, maintained validators), never by the code under test.
"""

# ruff: noqa: RUF001, S311 - Chinese punctuation is what numbers are glued to; seeded generators make test data

from __future__ import annotations

import ipaddress
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
import stdnum.cn.ric
import stdnum.iban
import stdnum.imei
import stdnum.jp.in_
import stdnum.luhn
import stdnum.us.ssn
from faker import Faker
from faker.providers.phone_number.en_US import Provider as UsPhoneFormats

from moderation.matcher import CompiledPolicy
from moderation.normalize import plain_view
from moderation.pii import PII_TYPES, PiiFinder, PiiType
from moderation.policy import ModerationPolicy

SEED = 20261129
LOCALES = (
    "en_US", "en_GB", "en_IN", "de_DE", "de_AT", "fr_FR", "es_ES", "es_MX", "it_IT", "pt_BR", "nl_NL", "pl_PL",
    "ru_RU", "uk_UA", "tr_TR", "ja_JP", "zh_CN", "zh_TW", "ko_KR", "ar_AA", "hi_IN", "th_TH", "vi_VN", "sv_SE",
    "cs_CZ", "el_GR", "he_IL", "id_ID", "fa_IR", "fi_FI",
)  # fmt: skip
SAMPLES_PER_LOCALE = 60


def seeded_faker() -> Faker:
    generator = Faker(list(LOCALES))
    generator.seed_instance(SEED)
    for locale in LOCALES:
        generator[locale].seed_instance(SEED)
    return generator


@pytest.fixture(scope="module")
def fake() -> Faker:
    return seeded_faker()


@pytest.fixture(scope="module")
def finder() -> PiiFinder:
    return PiiFinder(PII_TYPES)


# Precision: what people write that is not PII. Left out on purpose (docs/pii-types.md): EAN-13 barcodes
# and bank account numbers (BBAN), which can be digit for digit a valid card number.
INNOCENT: dict[str, Callable[[Faker], str]] = {
    "name": lambda g: g.name(),
    "address": lambda g: g.address(),
    "street": lambda g: g.street_address(),
    "postcode": lambda g: f"{g.postcode()} {g.city()}",
    "company": lambda g: g.company(),
    "catch phrase": lambda g: g.catch_phrase(),
    "job": lambda g: g.job(),
    "paragraph": lambda g: g.paragraph(nb_sentences=4),
    "date": lambda g: g.date(),
    "date dotted": lambda g: g.date(pattern="%d.%m.%Y"),
    "date slashed": lambda g: g.date(pattern="%m/%d/%Y"),
    "date compact": lambda g: g.date_of_birth().strftime("%Y%m%d"),
    "timestamp": lambda g: g.iso8601(),
    "time": lambda g: f"{g.time()} - {g.time()}",
    "unix time": lambda g: str(g.unix_time()),
    "price": lambda g: g.pricetag(),
    "amount": lambda g: f"{g.pydecimal(left_digits=7, right_digits=2, positive=True):,}",
    "version": lambda g: g.numerify("v%.%#.%# (build %####)"),
    "semver": lambda g: g.numerify("%.%.%#-rc.%"),
    "order number": lambda g: g.bothify("Order ??-########").upper(),
    "order hash": lambda g: f"Order #{g.random_number(digits=8)}",
    "invoice": lambda g: g.numerify("INV-20##-######"),
    "isbn-13": lambda g: g.isbn13(),
    "isbn-10": lambda g: g.isbn10(),
    "ean-8": lambda g: g.ean8(),
    "uuid": lambda g: g.uuid4(),
    "hash": lambda g: g.sha256(),
    "swift": lambda g: g.swift(),
    "aba routing": lambda g: g.aba(),
    "card expiry and cvv": lambda g: f"exp {g.credit_card_expire()} cvv {g.credit_card_security_code()}",
    "coordinates": lambda g: f"{g.latitude()}, {g.longitude()}",
    "mac address": lambda g: g.mac_address(),
    "url": lambda g: g.url() + g.uri_path(),
    "file path": lambda g: g.file_path(depth=3),
    "licence plate": lambda g: g.license_plate(),
    "colour": lambda g: g.hex_color(),
    "code": lambda g: f"std::vector<{g.word()}> x = a::b; let {g.word()} = {g.word()}::new();",
    "lottery": lambda g: " ".join(f"{number:02d}" for number in g.random_sample(range(1, 50), 6)),
    "unissued ssn": lambda g: g.numerify("SSN 0##-00-####, 0##-##-0000 or 078-05-1120"),
}


def innocent_texts(fake: Faker) -> Iterator[tuple[str, str, str]]:
    for locale in LOCALES:
        generator = fake[locale]
        for _ in range(SAMPLES_PER_LOCALE):
            for kind, make in INNOCENT.items():
                yield locale, kind, make(generator)


def test_innocent_text_in_many_locales_is_never_masked(fake: Faker, finder: PiiFinder) -> None:
    checked = 0
    wrong = []
    for locale, kind, text in innocent_texts(fake):
        checked += 1
        wrong += [(locale, kind, text, pii_type, text[start:end]) for pii_type, start, end in finder.find(text)]
    assert checked == len(LOCALES) * SAMPLES_PER_LOCALE * len(INNOCENT)
    assert wrong == [], "\n".join(map(repr, wrong))


# Precision next to labels: numbers that pass as a phone number, IPv4 address, SSN or My Number (or, an IMEI, as a
# card number) written right after a word that says what they are instead, as people write them in several languages.
DOCUMENT_LABELS = (
    "Order ", "Order no. ", "Order #", "order number: ", "Invoice ", "Invoice No.: ", "Tracking # ", "SKU ",
    "Serial no. ", "Ticket #", "Ref. no. ", "Bestellung Nr. ", "Bestellnummer: ", "Rechnung ", "Rechnungsnummer ",
    "commande n° ", "numéro de commande : ", "facture ", "pedido nº ", "factura n.º ", "fattura ", "factuur ",
    "заказ № ", "订单号：", "订单号", "订单 ", "发票号码：", "快递单号 ", "注文番号：", "請求書番号 ", "伝票番号",
    "주문번호 ",
)  # fmt: skip
VERSION_LABELS = ("version ", "Version ", "v", "v. ", "ver. ", "release ", "build ", "firmware ", "版本", "バージョン ")


def labelled_numbers() -> Iterator[tuple[str, str]]:
    """(label, number); the matcher sees them in the plain view, where "№" is "No" and a full-width colon ":"."""
    randomness = random.Random(SEED)

    def digits(count: int) -> str:
        return "".join(randomness.choice("0123456789") for _ in range(count))

    def my_number() -> str:
        first11 = digits(11)
        return first11 + stdnum.jp.in_.calc_check_digit(first11)

    def imei() -> str:
        first14 = randomness.choice(["35", "86", "01", "30", "99", "37"]) + digits(12)
        return first14 + stdnum.luhn.calc_check_digit(first14)

    numbers: tuple[Callable[[], str], ...] = (
        lambda: f"1{randomness.randint(3, 9)}{digits(9)}",  # a Chinese mobile number's shape
        lambda: f"0{randomness.randint(1, 9)}{digits(2)}-{digits(3)}-{digits(3)}",  # a national number's
        lambda: f"{randomness.randint(2, 9)}{digits(2)}-{randomness.randint(2, 9)}{digits(2)}-{digits(4)}",  # NANP
        lambda: f"{randomness.randint(1, 665):03d}-{randomness.randint(10, 99)}-{randomness.randint(1000, 9999)}",
        my_number,
    )
    for _ in range(300):
        yield randomness.choice(DOCUMENT_LABELS), randomness.choice(numbers)()
        yield randomness.choice(["IMEI ", "IMEI: ", "imei no. "]), imei()
        yield randomness.choice(VERSION_LABELS), ".".join(str(randomness.randint(1, 255)) for _ in range(4))


def test_numbers_labelled_as_something_else_are_not_masked(finder: PiiFinder) -> None:
    checked = 0
    wrong = []
    for label, number in labelled_numbers():
        # PII without its label (an IMEI is no card number even then, unless it starts with 37)
        assert stdnum.imei.is_valid(number) or finder.find(f"is {number} ok"), number
        text = plain_view(f"Re: {label}{number} ok").text
        checked += 1
        wrong += [(text, pii_type, text[start:end]) for pii_type, start, end in finder.find(text)]
    assert checked == 900
    assert wrong == [], "\n".join(map(repr, wrong))


# Recall: valid values of every type, confirmed by stdnum, written the ways people write them, in sentences.


def _grouped(number: str, sizes: tuple[int, ...], separator: str) -> str:
    groups, at = [], 0
    for size in sizes:
        groups.append(number[at : at + size])
        at += size
    if at < len(number):
        groups.append(number[at:])
    return separator.join(group for group in groups if group)


def _card_layouts(number: str) -> list[str]:
    if len(number) == 15:  # American Express style 4-6-5
        return [number, _grouped(number, (4, 6), " "), _grouped(number, (4, 6), "-")]
    return [number, *(_grouped(number, (4, 4, 4, 4), separator) for separator in " -.")]


def cards(fake: Faker) -> Iterator[str]:
    generator = fake["en_US"]
    for card_type in ("maestro", "mastercard", "visa16", "visa13", "visa19", "amex", "discover", "diners", "jcb15"):
        for _ in range(25):
            number = generator.credit_card_number(card_type=card_type)
            assert stdnum.luhn.is_valid(number)
            yield from _card_layouts(number)
    mir = "220012345678901"
    yield from _card_layouts(mir + stdnum.luhn.calc_check_digit(mir))


def ibans(fake: Faker) -> Iterator[str]:
    kept = 0
    for locale in ("de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "en_GB", "pt_PT", "ru_RU", "cs_CZ", "tr_TR"):
        generator = Faker(locale)
        generator.seed_instance(SEED)
        for _ in range(20):
            iban = generator.iban()
            if not stdnum.iban.is_valid(iban):
                continue
            kept += 1
            grouped = stdnum.iban.format(iban)
            yield from (iban, grouped, grouped.lower(), iban.lower(), iban[:2].title() + iban[2:].lower())
    assert kept >= 200


def us_ssns(fake: Faker) -> Iterator[str]:
    generator = fake["en_US"]
    for _ in range(200):
        ssn = generator.ssn()
        if stdnum.us.ssn.is_valid(ssn):
            yield ssn
            yield ssn.replace("-", " ")


def cn_resident_ids(fake: Faker) -> Iterator[str]:
    generator = fake["zh_CN"]
    regions: list[str] = []
    while len(regions) < 150:
        number = generator.ssn()
        if stdnum.cn.ric.is_valid(number):
            regions.append(number[:6])
            yield number
    # Ids ending in the check character X, in either case.
    randomness = random.Random(SEED)
    with_x = 0
    while with_x < 20:
        born = f"{randomness.randint(1950, 2005)}{randomness.randint(1, 12):02d}{randomness.randint(1, 28):02d}"
        number = f"{randomness.choice(regions)}{born}{randomness.randint(0, 999):03d}X"
        if stdnum.cn.ric.is_valid(number):
            with_x += 1
            yield number
            yield number.lower()


def my_numbers() -> Iterator[str]:
    randomness = random.Random(SEED)
    for _ in range(150):
        first11 = f"{randomness.randrange(10**11):011d}"
        number = first11 + stdnum.jp.in_.calc_check_digit(first11)
        assert stdnum.jp.in_.is_valid(number)
        yield from (number, _grouped(number, (4, 4), " "), _grouped(number, (4, 4), "-"))


def emails(fake: Faker) -> Iterator[str]:
    for locale in LOCALES:
        for _ in range(10):
            yield fake[locale].email()
    randomness = random.Random(SEED)
    locals_ = ["ana", "o'neil", "j.doe+tag", "first.last", "user_1", "用户", "ユーザー", "пользователь", "josé.müller"]
    domains = ["bücher.de", "例子.广告", "пример.рф", "δοκιμή.gr", "münchen.example.com", "例え.テスト"]
    domains += ["xn--80ak6aa92e.com", "xn--bcher-kva.de"]
    for _ in range(100):
        yield f"{randomness.choice(locals_)}@{randomness.choice(domains)}"
    for _ in range(20):
        yield f"{fake['en_US'].credit_card_number(card_type='visa16')}@example.com"


def phones() -> Iterator[str]:
    """The formats the table of docs/pii-types.md lists, with random digits where the numbering plan allows any."""
    randomness = random.Random(SEED)

    def digits(count: int) -> str:
        return "".join(randomness.choice("0123456789") for _ in range(count))

    def nanp() -> tuple[str, str, str]:
        return f"{randomness.randint(2, 9)}{digits(2)}", f"{randomness.randint(2, 9)}{digits(2)}", digits(4)

    for _ in range(30):
        area, exchange, line = nanp()
        yield f"+1 {area} {exchange} {line}"
        yield f"({area}) {exchange}-{line}"
        yield f"{area}-{exchange}-{line}"
        yield f"+44 20 {digits(4)} {digits(4)}"
        yield f"0044 20 {digits(4)} {digits(4)}"
        yield f"+86 1{randomness.randint(3, 9)}{digits(1)} {digits(4)} {digits(4)}"
        yield f"1{randomness.randint(3, 9)}{digits(9)}"
        yield f"0{randomness.choice('789')}0-{digits(4)}-{digits(4)}"
        yield f"03-{digits(4)}-{digits(4)}"
        yield f"+33 {randomness.randint(1, 9)} {digits(2)} {digits(2)} {digits(2)} {digits(2)}"
        yield f"1-{area}-{exchange}-{line}"
        yield f"1 ({area}) {exchange}-{line}"
        yield f"1.{area}.{exchange}.{line}"
        yield f"8 ({randomness.randint(3, 9)}{digits(2)}) {digits(3)}-{digits(2)}-{digits(2)}"
        yield f"8-800-{digits(3)}-{digits(2)}-{digits(2)}"
        yield f"8 {randomness.randint(3, 9)}{digits(2)} {digits(3)} {digits(4)}"


def faker_phones(fake: Faker) -> Iterator[str]:
    """Faker's en_US formats, with extensions ("001-949-274-6507x5291"); not the bare ten digits, which the docs say
    are left alone."""
    generator = fake["en_US"]
    for phone_format in dict.fromkeys(UsPhoneFormats.formats):
        if phone_format.strip("$#"):
            yield from (generator.numerify(phone_format) for _ in range(5))


def aws_key_ids() -> Iterator[str]:
    randomness = random.Random(SEED)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    for _ in range(50):
        yield randomness.choice(["AKIA", "ASIA"]) + "".join(randomness.choice(alphabet) for _ in range(16))


def ip_addresses(fake: Faker) -> Iterator[tuple[PiiType, str]]:
    generator = fake["en_US"]
    for _ in range(100):
        yield "ipv4", generator.ipv4_public()
        address = ipaddress.IPv6Address(generator.ipv6())
        yield "ipv6", str(address)
        yield "ipv6", str(ipaddress.IPv6Address(address.packed[:8] + bytes(6) + address.packed[14:]))  # with "::"
    yield from (("ipv6", text) for text in ("2001:db8::8a2e:370:7334", "::ffff:192.0.2.1", "fe80::1ff:fe23:4567:890a"))


def valid_values(fake: Faker) -> Iterator[tuple[PiiType, str]]:
    yield from (("payment_card", number) for number in cards(fake))
    yield from (("iban", iban) for iban in ibans(fake))
    yield from (("us_ssn", ssn) for ssn in us_ssns(fake))
    yield from (("cn_resident_id", number) for number in cn_resident_ids(fake))
    yield from (("jp_my_number", number) for number in my_numbers())
    yield from (("email", address) for address in emails(fake))
    yield from (("phone", number) for number in phones())
    yield from (("phone", number) for number in faker_phones(fake))
    yield from (("aws_access_key_id", key) for key in aws_key_ids())
    yield from ip_addresses(fake)


def contexts(fake: Faker, value: str, number: int) -> list[str]:
    """The value in a sentence of some locale, after a colon, and glued to Chinese (as Chinese is written), except
    where an address starts or ends in Chinese or Japanese: where it starts or ends cannot be told (docs/pii-types.md
    says so); and after a sentence with a label in it that labels another number."""
    locale = LOCALES[number % len(LOCALES)]
    sentence = fake[locale].sentence(nb_words=6)
    before = "号码：" if value[0] >= "\u2e80" else "号码"
    after = "，谢谢" if value[-1] >= "\u2e80" else "谢谢"
    glued = [f"{before}{value}{after}"]
    labelled_elsewhere = f"Order 12 paid by card, ref: {value}"  # "order" labels 12, not the value
    return [f"{sentence} {value} {sentence}", f"ref: {value}.", *glued, labelled_elsewhere]


def test_valid_values_of_every_type_are_masked_exactly(fake: Faker, finder: PiiFinder) -> None:
    counts: dict[str, int] = {}
    missed = []
    for number, (pii_type, value) in enumerate(valid_values(fake)):
        counts[pii_type] = counts.get(pii_type, 0) + 1
        for text in contexts(fake, value, number):
            start = text.index(value)
            spans = [(kind, first, last) for kind, first, last in finder.find(text) if first < start + len(value)]
            if not any(first == start and last == start + len(value) for _, first, last in spans):
                missed.append((pii_type, text, [text[first:last] for _, first, last in spans]))
    assert set(counts) == set(PII_TYPES)
    assert min(counts.values()) >= 50, counts
    assert missed == []


def test_where_a_value_validates_as_two_types_it_is_masked_as_the_strictest(fake: Faker, finder: PiiFinder) -> None:
    """Of the generated values, which types come out: a card, IBAN, id or e-mail keeps its type everywhere."""
    changed = {}
    for pii_type, value in valid_values(fake):
        kinds = {kind for kind, start, end in finder.find(value) if (start, end) == (0, len(value))}
        if kinds != {pii_type}:
            changed[value] = (pii_type, kinds)
    # A My Number can be digit for digit a valid Maestro card number; both are masked, as the card (checked first).
    assert all(wanted == "jp_my_number" and kinds == {"payment_card"} for wanted, kinds in changed.values()), changed
    assert len(changed) <= 10


def test_the_bundled_policy_masks_a_generated_conversation(fake: Faker) -> None:
    """Through a policy (plain view, masks applied): every value is replaced, the innocent words around it stay."""
    policy = ModerationPolicy.model_validate(
        {"default": {"input": {"rules": [{"id": "pii", "category": "pii", "action": "mask", "pii": list(PII_TYPES)}]}}}
    )
    stage = CompiledPolicy(policy).stage("app", "input")
    assert stage is not None
    for number, (pii_type, value) in enumerate(valid_values(fake)):
        if number % 7:
            continue
        text = f"Hello, {fake['en_US'].name()} here; mine is {value} thanks"
        found = stage.matcher.find(text)
        assert [text[hit.start : hit.end] for hit in found] == [value], (pii_type, text)


def figures(fake: Faker, finder: PiiFinder) -> str:
    """Precision and recall per type over the corpora above, as a table (docs and reviews quote it). Recall: the
    values masked exactly (as any type); precision: of the spans masked as a type, those that are exactly a value."""
    values, masked, exact, spans = Counter[str](), Counter[str](), Counter[str](), Counter[str]()
    innocent = [text for _, _, text in innocent_texts(fake)]
    innocent += [plain_view(f"Re: {label}{number} ok").text for label, number in labelled_numbers()]
    for text in innocent:
        spans.update(kind for kind, _, _ in finder.find(text))
    for number, (pii_type, value) in enumerate(valid_values(fake)):
        for text in contexts(fake, value, number):
            start, found = text.index(value), finder.find(text)
            values[pii_type] += 1
            masked[pii_type] += any((first, last) == (start, start + len(value)) for _, first, last in found)
            spans.update(kind for kind, _, _ in found)
            exact.update(kind for kind, first, last in found if (first, last) == (start, start + len(value)))
    rows = [f"{'type':<18} {'values':>6} {'recall':>7} {'masked':>6} {'wrong':>5} {'precision':>9}"]
    for pii_type in PII_TYPES:
        recall, precision = masked[pii_type] / values[pii_type], exact[pii_type] / max(1, spans[pii_type])
        rows.append(
            f"{pii_type:<18} {values[pii_type]:>6} {recall:>7.4f} {spans[pii_type]:>6} "
            f"{spans[pii_type] - exact[pii_type]:>5} {precision:>9.4f}"
        )
    return "\n".join(rows)


if (
    __name__ == "__main__"
):  # PYTHONPATH=layers/shared:functions/moderation python tests/unit/test_moderation_pii_corpus.py
    sys.stdout.write(figures(seeded_faker(), PiiFinder(PII_TYPES)) + "\n")
