"""The seeded synthetic generators: deterministic, realistic PII in the raw text, learnable preferences."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from datasets_build import pii
from datasets_build.language_id import load as load_language_identifier
from datasets_build.synthetic import DOMAINS, REJECTED_KINDS, generate, lang_sv


def test_same_seed_same_pairs_other_seed_other_pairs() -> None:
    assert generate("sv", 50, 1) == generate("sv", 50, 1)
    assert generate("sv", 50, 1) != generate("sv", 50, 2)
    # A longer run starts with the shorter one: n only decides where to stop.
    assert generate("en", 80, 3)[:40] == generate("en", 40, 3)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_domains_kinds_and_shape(lang: str) -> None:
    pairs = generate(lang, 600, 4)
    domains = Counter(p["domain"] for p in pairs)
    kinds = Counter(p["rejected_kind"] for p in pairs)
    assert set(domains) == set(DOMAINS)
    # The production mix: about half support email, ~31% meetings, ~20% QA.
    assert 0.40 < domains["support_email"] / 600 < 0.58
    assert 0.12 < domains["knowledge_qa"] / 600 < 0.28
    assert set(kinds) == set(REJECTED_KINDS)
    for p in pairs:
        assert p["prompt"][0]["role"] == "user" and p["prompt"][0]["content"].strip()
        assert p["chosen"].strip() and p["rejected"].strip() and p["chosen"] != p["rejected"]


def test_raw_text_carries_every_kind_of_pii() -> None:
    found: Counter[str] = Counter()
    for p in generate("sv", 300, 5):
        for text in (p["prompt"][0]["content"], p["chosen"], p["rejected"]):
            found.update(k for _, _, k in pii.mask(text)[1])
    assert all(found[k] > 30 for k in pii.KINDS), found


def _made_of(bases: str | tuple[str, ...], extras: tuple[str, ...]) -> re.Pattern[str]:
    """A regex for one of `bases` (with its {more} slot, or followed by) any run of `extras`, fields as wildcards."""
    def rx(template: str) -> str:
        return re.sub(r"\\\{\w+\\\}", ".+?", re.escape(template))

    more = "(?:" + "|".join(rx(e) for e in extras) + ")*"
    alts = [more.join(rx(part) for part in b.split("{more}")) if "{more}" in b else rx(b) + more
            for b in ((bases,) if isinstance(bases, str) else bases)]
    return re.compile("(?:" + "|".join(alts) + ")", re.S)


def test_rejected_kinds_are_what_they_claim() -> None:
    ident = load_language_identifier(("en", "sv"))
    prefix = {"support_email": "SUPPORT", "meeting_summary": "MEETING", "knowledge_qa": "QA"}
    for p in generate("sv", 400, 6):
        kind, chosen, rejected = p["rejected_kind"], p["chosen"], p["rejected"]
        name = f"{prefix[p['domain']]}_{kind.upper()}"
        if kind in ("curt", "ignore", "wrong"):
            # Built only from that kind's phrases: brush-offs, off-topic filler, or confidently wrong facts.
            assert _made_of(getattr(lang_sv, name), getattr(lang_sv, name + "_MORE")).fullmatch(rejected), rejected
            assert not {k for _, _, k in pii.mask(rejected)[1]} & {"personnummer", "phone", "email"}
        if kind == "wrong" and p["domain"] == "knowledge_qa":
            assert any(rejected.startswith(q[2]) for q in lang_sv.QA.values()), rejected
        elif kind == "leak":
            leaked = {k for _, _, k in pii.mask(rejected)[1]}
            assert leaked & {"personnummer", "phone", "email"}, rejected
            assert not {k for _, _, k in pii.mask(chosen)[1]} & {"personnummer", "phone", "email"}
        elif kind == "wrong_language":
            assert ident.classify_batch([rejected, chosen]) == ["en", "sv"], rejected


def test_chosen_answers_share_consistent_learnable_markers() -> None:
    # The demo trains a tiny random model for 60 steps: chosen answers open and close the same way per
    # domain, rejected ones never do, which is what makes the preference learnable that fast.
    openers = {"support_email": "Hej ", "meeting_summary": "Sammanfattning av mötet", "knowledge_qa": ""}
    for p in generate("sv", 300, 8):
        assert p["chosen"].startswith(openers[p["domain"]])
        if p["domain"] == "knowledge_qa":
            assert p["chosen"].endswith("Hoppas att det hjälper!")
            assert not p["rejected"].endswith("Hoppas att det hjälper!")
        if p["domain"] == "support_email":
            assert "Vänliga hälsningar" in p["chosen"] and "Vänliga hälsningar" not in p["rejected"]


def test_unknown_language_or_domain_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        generate("fi", 3, 1)
    with pytest.raises(ValueError, match="unknown domain"):
        generate("sv", 3, 1, {"cooking": 1.0})
