"""PII masking: what must be masked (with the right kind and span) and what must stay untouched."""

from __future__ import annotations

import random

import pytest
from personnummer.personnummer import valid as pnr_valid

from datasets_build import pii
from datasets_build.synthetic import fakes

MASKED = [
    # personnummer: 10/12 digits, with -, + (over 100) or nothing
    ("Mitt personnummer är 811218-9876.", "811218-9876", "personnummer"),
    ("pnr 198112189876 tack", "198112189876", "personnummer"),
    ("pnr 19811218-9876 tack", "19811218-9876", "personnummer"),
    ("Född 8112189876, bor i Umeå", "8112189876", "personnummer"),
    ("Hundraåring: 121212+1212.", "121212+1212", "personnummer"),
    # samordningsnummer: day + 60
    ("Samordningsnummer 701063-2391 gäller.", "701063-2391", "personnummer"),
    # 29 February in a leap year
    ("Född 20000229-5780", "20000229-5780", "personnummer"),
    # email
    ("Skriv till anna.berg@telia.com eller ring.", "anna.berg@telia.com", "email"),
    ("Contact: j_smith+work@mail.example.co.uk.", "j_smith+work@mail.example.co.uk", "email"),
    # phones: Swedish national, +46, 0046, international
    ("Ring 070-123 45 67 efter lunch.", "070-123 45 67", "phone"),
    ("Ring +46 70 123 45 67 efter lunch.", "+46 70 123 45 67", "phone"),
    ("Ring 0046701234567 efter lunch.", "0046701234567", "phone"),
    ("Växeln: 08-123 456 78.", "08-123 456 78", "phone"),
    ("Call +44 20 7946 0958 today.", "+44 20 7946 0958", "phone"),
    ("Call (415) 555-0132 today.", "(415) 555-0132", "phone"),
    ("Call +1 415-555-0132 today.", "+1 415-555-0132", "phone"),
    ("Mobile 07400 123456 please.", "07400 123456", "phone"),
    ("Hej Per (073-221 22 60)!", "073-221 22 60", "phone"),
    # case IDs: the identifier only, the word before it stays
    ("Gäller ärende 123456, tack.", "123456", "case_id"),
    ("Ticket: CASE-2024-001234 is open.", "CASE-2024-001234", "case_id"),
    ("Se #123456 i systemet.", "#123456", "case_id"),
    ("Service request SR-1234567 closed.", "SR-1234567", "case_id"),
    ("Ärendenummer 4455667 är stängt.", "4455667", "case_id"),
]

UNTOUCHED = [
    "Priset är 1 249 kr inklusive moms.",
    "Budgeten ligger på 1 250 000 kr för 2025.",
    "Mötet är den 2024-03-15 kl. 14:30.",
    "We shipped 12 500 units in Q3.",
    "Upgrade to version 2.14.3 or 10.0.19045.",
    "Numret 8112189875 har fel kontrollsiffra.",  # one off in the Luhn digit
    "Datum 811318-9876 finns inte (månad 13).",
    "Order 1234567890123 is on its way.",
    "IP 192.168.100.200 is internal.",
    "Pi is 3.14159265358979.",
    "Temperature 21.5 °C, humidity 45 %.",
    "Take 2 tablets 3 times a day for 10 days.",
    "The meeting on 05/06/2024 was moved.",
    "Room 4021, floor 3, building 12.",
    "ISBN 978-91-0-012345-6 is a book.",
    "Ring oss inte på kvällen.",
    "Email me at the office, not by mail.",
    "Hashtag #sweden and #1 in the list.",
]


@pytest.mark.parametrize(("text", "secret", "kind"), MASKED)
def test_masks_pii_with_the_right_kind_and_span(text: str, secret: str, kind: str) -> None:
    masked, spans = pii.mask(text)
    assert len(spans) == 1, spans
    start, end, got = spans[0]
    assert (text[start:end], got) == (secret, kind)
    assert masked == text.replace(secret, pii.PLACEHOLDER[kind])
    assert secret not in masked


@pytest.mark.parametrize("text", UNTOUCHED)
def test_leaves_numbers_that_are_not_pii(text: str) -> None:
    masked, spans = pii.mask(text)
    assert spans == []
    assert masked == text


def test_several_kinds_in_one_text_and_spans_refer_to_the_input() -> None:
    text = ("Hej! Jag heter Eva (pnr 811218-9876), ring 070-123 45 67 eller mejla eva@x.se. "
            "Ärende 778899. Priset var 499 kr.")
    masked, spans = pii.mask(text)
    assert [k for _, _, k in spans] == ["personnummer", "phone", "email", "case_id"]
    assert [text[s:e] for s, e, _ in spans] == ["811218-9876", "070-123 45 67", "eva@x.se", "778899"]
    assert masked == ("Hej! Jag heter Eva (pnr <PERSONNUMMER>), ring <PHONE> eller mejla <EMAIL>. "
                      "Ärende <CASE_ID>. Priset var 499 kr.")


def test_luhn_and_dates_agree_with_the_personnummer_package() -> None:
    rng = random.Random(5)
    checked = 0
    for _ in range(3000):
        digits = f"{rng.randrange(0, 10**10):010d}"
        date_part, tail = digits[:6], digits[6:]
        if pnr_valid(f"{date_part}-{tail}"):
            assert pii.is_personnummer(date_part, tail), digits
            checked += 1
    for _ in range(500):
        number = fakes.personnummer(rng, coordination=rng.random() < 0.3)
        assert pnr_valid(number), number
        digits = number.replace("-", "")
        assert pii.is_personnummer(digits[:-4], digits[-4:])
        _, spans = pii.mask(f"nr {number}.")
        assert [k for _, _, k in spans] == ["personnummer"], number
    assert checked > 10


def test_wrong_check_digit_is_never_a_personnummer() -> None:
    rng = random.Random(9)
    for _ in range(300):
        good = fakes.personnummer(rng).replace("-", "")
        bad = good[:-1] + str((int(good[-1]) + rng.randrange(1, 10)) % 10)
        assert not pii.is_personnummer(bad[:-4], bad[-4:])


def test_generated_fake_data_is_all_found() -> None:
    rng = random.Random(1)
    for _ in range(300):
        for value, kind in ((fakes.personnummer(rng), "personnummer"), (fakes.phone_se(rng), "phone"),
                            (fakes.phone_en(rng), "phone"), (fakes.case_id(rng, "sv"), "case_id"),
                            (fakes.email(rng, "Åsa", "Öberg", fakes.SV_MAIL_DOMAINS), "email")):
            _, spans = pii.mask(f"Uppgift: {value}. Tack")
            assert [k for _, _, k in spans] == [kind], value


def test_070_without_context_is_a_phone_but_with_context_a_personnummer() -> None:
    # 0701234567 is a valid mobile number and (born 23 Jan 2007) could be a personnummer.
    number = "0701230013"
    assert pii.is_personnummer(number[:6], number[6:])
    assert [k for _, _, k in pii.mask(f"Ring {number}")[1]] == ["phone"]
    assert [k for _, _, k in pii.mask(f"personnummer {number}")[1]] == ["personnummer"]


def test_configurable_case_patterns_and_kinds() -> None:
    masker = pii.Masker(case_patterns=[r"\bJIRA-\d+\b"])
    masked, _ = masker.mask("See JIRA-42 and SR-1234567.")
    assert masked == "See <CASE_ID> and SR-1234567."
    letters = pii.Masker(case_patterns=[r"\bREF-[A-Z]{4}\b"])
    assert letters.mask("Kolla REF-ABCD nu")[0] == "Kolla <CASE_ID> nu"  # no digit in the text at all
    only_email = pii.Masker(kinds=["email"])
    assert only_email.mask("a@b.se 070-123 45 67")[0] == "<EMAIL> 070-123 45 67"
    with pytest.raises(ValueError, match="invalid regex"):
        pii.Masker(case_patterns=["(unclosed"])
    with pytest.raises(ValueError, match="unknown kind"):
        pii.Masker(kinds=["ssn"])
