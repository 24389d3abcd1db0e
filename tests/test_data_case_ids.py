"""Case IDs found by context (a case/ticket/reference word, then an ID-shaped token) beyond the four default
forms, and the decoys that look like them: prices, dates, versions, quantities, phone numbers."""

from __future__ import annotations

import random

import pytest

from datasets_build import case_ids, pii

NEW_FORMS = [
    # (text, the identifier that must be masked)
    ("Ärende-ID: ÄR-2024-88123 gäller fakturan.", "ÄR-2024-88123"),
    ("Referensnummer INC0045123 är stängt.", "INC0045123"),
    ("Your ticket ABC-1234 is open.", "ABC-1234"),
    ("Ärendenr 2024-12345 hanteras av Lisa.", "2024-12345"),
    ("See ticket #AB-12345 for details.", "AB-12345"),
    ("INC0012345 was resolved overnight.", "INC0012345"),
    ("RITM0098765 väntar på godkännande.", "RITM0098765"),
    ("Change CHG0031337 is scheduled.", "CHG0031337"),
    ("Ärendet 887766 har lösts.", "887766"),
    ("Your reference is 88123991.", "88123991"),
    ("Kundreferens: KR-556677, tack.", "KR-556677"),
    ("Case number: 00123456 has been escalated.", "00123456"),
    ("Ange referens REF2024-0042 i svaret.", "REF2024-0042"),
    ("Incident no. SEC-20240117 is closed.", "SEC-20240117"),
    ("Supportärende ÄR20245566 är öppnat.", "ÄR20245566"),
    ("Request ID: REQ-7788-991 received.", "REQ-7788-991"),
    ("Vårt ärendenummer är 55-66-778.", "55-66-778"),
    ("Ticket-ID SUP/2024/10055 assigned.", "SUP/2024/10055"),
]

DECOYS = [
    "Ärende: 2024-05-12 är mötesdatumet.",  # a date where the ID would be
    "Ärendet gäller 12 500 kr i återbetalning.",
    "referens 49900 kr gäller.",
    "The case costs 12995 SEK.",
    "In case 15000 people come, book the big hall.",
    "Just in case 123456 is wrong, call us.",
    "Reference 10000 st levereras i maj.",
    "Ticket 070-123 45 67 is our support line.",  # a phone number (masked as one)
    "The issue is in version 2.14.3 of the app.",
    "Case 3 of 12 was fine.",
    "Ticket price 12345 kr.",
    "The case weighs 25000 kg.",
    "Reference: ISO 9001 and ISO 14001.",
    "Ärendet tog 14.5 timmar.",
    "Referensen 2024-03-15 gäller.",
    "Our request is for 3 rooms on 05/06/2024.",
    "Case closed in COVID-19 times.",
    "A case of 24 bottles costs 299 kr.",
]


@pytest.mark.parametrize(("text", "secret"), NEW_FORMS)
def test_new_case_id_forms_are_masked(text: str, secret: str) -> None:
    masked, spans = pii.mask(text)
    assert [(text[s:e], k) for s, e, k in spans] == [(secret, "case_id")]
    assert masked == text.replace(secret, "<CASE_ID>")


@pytest.mark.parametrize("text", DECOYS)
def test_decoys_after_case_words_are_not_case_ids(text: str) -> None:
    _, spans = pii.mask(text)
    assert [k for _, _, k in spans if k == "case_id"] == [], spans


def test_phone_after_a_case_word_stays_a_phone() -> None:
    _, spans = pii.mask("Ticket 070-123 45 67 is our support line.")
    assert [k for _, _, k in spans] == ["phone"]


def test_context_detection_can_be_turned_off_and_works_beside_configured_patterns() -> None:
    text = "Ärende-ID: ÄR-2024-88123 och JIRA-42."
    assert pii.Masker(case_context=False).mask(text)[0] == text
    custom = pii.Masker(case_patterns=[r"\bJIRA-\d+\b"])
    assert custom.mask(text)[0] == "Ärende-ID: <CASE_ID> och <CASE_ID>."


def test_id_shaped_needs_five_digits_or_a_jira_key_and_never_a_date() -> None:
    assert case_ids.id_shaped("ÄR-2024-88123") and case_ids.id_shaped("ABC-1234")
    assert not case_ids.id_shaped("ABC-12") and not case_ids.id_shaped("1234")
    assert not case_ids.id_shaped("2024-05-12") and not case_ids.id_shaped("05/06/2024")
    assert case_ids.id_shaped("2024-13-45")  # no such date: an ID


def _held_out(rng: random.Random) -> tuple[list[tuple[str, str]], list[str]]:
    """Sentences in the shapes of real support mail, with IDs in forms the default patterns miss, and decoys."""
    words_sv = ["ärende", "Ärende-ID:", "Ärendenr", "referensnummer", "Referens:", "ärendenummer", "Ärendet"]
    words_en = ["case", "Case ID:", "reference", "Reference number", "ticket", "Ticket no.", "incident"]
    def token() -> str:
        form = rng.randrange(6)
        n = rng.randrange(10_000, 10_000_000)
        return [f"ÄR-{rng.randrange(2019, 2026)}-{n % 100000:05d}", f"INC{n:07d}", f"REQ{n:07d}",
                f"{rng.choice(['ABC', 'SUP', 'HR', 'OPS'])}-{rng.randrange(1000, 99999)}",
                f"{rng.randrange(2019, 2026)}-{n % 100000:05d}", f"SR{n}"][form]
    ids, decoys = [], []
    for i in range(160):
        word = rng.choice(words_sv if i % 2 else words_en)
        tok = token()
        tail = rng.choice([" har stängts.", " is waiting for you.", ", tack!", ".", " — se bifogad fil."])
        ids.append((f"Hej! Gäller {word} {tok}{tail}", tok))
        price = f"{rng.randrange(1, 99)} {rng.randrange(100, 999)} kr"
        decoys.append(rng.choice([
            f"Ärendet gäller {price}.", f"The case costs {rng.randrange(10000, 99999)} SEK.",
            f"Referensen {rng.randrange(2019, 2026)}-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)} gäller.",
            f"The issue is in version {rng.randrange(1, 9)}.{rng.randrange(0, 30)}.{rng.randrange(0, 99)}.",
            f"Reference {rng.randrange(10000, 90000)} st levereras.", f"Ticket {rng.randrange(2, 9)} of 12.",
            f"In case {rng.randrange(10000, 90000)} people come.",
            f"Ticket 08-{rng.randrange(100, 999)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} is our line."]))
    return ids, decoys


def test_held_out_style_case_id_recall_and_decoys() -> None:
    ids, decoys = _held_out(random.Random(14))
    found = sum(1 for text, tok in ids if "<CASE_ID>" in pii.mask(text)[0] and tok not in pii.mask(text)[0])
    kept = sum(1 for text in decoys if all(k != "case_id" for _, _, k in pii.mask(text)[1]))
    assert found / len(ids) >= 0.99, found
    assert kept / len(decoys) >= 0.98, kept
    # The default patterns alone miss most of these forms (what this detection is for).
    defaults = pii.Masker(case_context=False)
    assert sum(1 for text, tok in ids if tok not in defaults.mask(text)[0]) < len(ids) * 0.6
