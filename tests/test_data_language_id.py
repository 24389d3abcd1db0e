"""The batched language identifier decides exactly as py3langid does, whatever the batch looks like."""

from __future__ import annotations

import json
import random
from functools import lru_cache

import numpy as np
import pytest
from data_fixtures import HH_SAMPLE

import datasets_build.language_id as language_id
from datasets_build.language_id import BatchLanguageIdentifier
from datasets_build.sources.hh_rlhf import split_dialogue, to_messages
from datasets_build.synthetic import generate

LANGS = ("en", "sv")

EDGE_CASES = [
    "", " ", "\n", " \t\n ", "\u3000",  # empty / whitespace only → "und"
    ".", "1", "!!!", "~", "\x00", "\u2028", "a",  # featureless → py3langid's class 0
    "12345", "2024-01-01 12:00", "?!", "3.14159 + 2.71828 = 5.85987",  # digits and punctuation
    "HELLO, HOW ARE YOU DOING TODAY?", "HEJ, HUR MÅR DU IDAG?", "ÅÄÖ", "ABC 123",  # all upper → lower()
    "Hej på dig! Jag äter gröt med sylt och dricker kaffe.", "Åsa ömmar för älgarna i skogen.",
    "What is the capital of Sweden?\nStockholm is the capital of Sweden.",
    "Vad heter Sveriges huvudstad?\nHuvudstaden är Stockholm.", "\n\nHuman: hi\n\nAssistant: hello",
    "🙂", "😀😀😀 hej hej", "I love it 👍🏽🔥", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕥𝕖𝕩𝕥", "漢字とかな", "Привет, как дела?",
    "abc\ud800def", "\udfff", "hej \udc80 där",  # lone surrogates (py3langid encodes them, surrogatepass)
    "a\u0308r det sa\u030a?", "Cafe\u0301 au lait",  # decomposed: NFC composes them first
    "x" * 300, "the " * 40, "och " * 40, "å" * 130,
    "lorem ipsum " * 300,  # over the batch walk's length cap: py3langid classifies it itself
]


def _sample(prompt: list[dict[str, str]], answer: str) -> str:
    """The dataset builder's language sample: the last user turn's opening and the answer's opening."""
    user = next((m["content"] for m in reversed(prompt) if m["role"] == "user"), "")
    return f"{user[:24]}\n{answer[:96]}"


@lru_cache(maxsize=1)
def _synthetic() -> list[str]:
    """Builder samples from the generators (both answers), plus a window of random length from each pair."""
    rng = random.Random(0)
    out = []
    for lang in LANGS:
        for seed in range(4):
            for p in generate(lang, 600, seed):
                out += [_sample(p["prompt"], p["chosen"]), _sample(p["prompt"], p["rejected"])]
                text = p["prompt"][-1]["content"] + "\n" + p["chosen"]
                start = rng.randrange(len(text))
                out.append(text[start:start + rng.randrange(1, 160)])
    return out


@lru_cache(maxsize=1)
def _hh() -> list[str]:
    """Builder samples from real HH-RLHF dialogues, plus windows of various lengths cut from them."""
    rng = random.Random(0)
    out = []
    with open(HH_SAMPLE, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            for text in (row["chosen"], row["rejected"]):
                parts = split_dialogue(text)
                if parts is None:
                    continue
                out.append(_sample(to_messages(parts[0]), parts[1]))
                start = rng.randrange(len(text))
                out.append(text[start:start + rng.randrange(1, 160)])
    return out


@pytest.fixture(scope="module")
def reference():
    """py3langid as the builder used it: the bundled model, raw scores, restricted to en/sv."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    ident.set_languages(list(LANGS))
    return ident


@pytest.fixture(scope="module")
def batch_id() -> BatchLanguageIdentifier:
    return language_id.load(LANGS)


def _expected(reference, samples: list[str]) -> list[str]:
    return [reference.classify(s)[0] if s.strip() else "und" for s in samples]


def _margin(reference, sample: str) -> float:
    """py3langid's float32 gap between its two best classes."""
    scores = np.sort(reference._decide(sample))
    return float(scores[-1] - scores[-2])


def _check(reference, batch_id: BatchLanguageIdentifier, samples: list[str], monkeypatch) -> None:
    expected = _expected(reference, samples)
    got = batch_id.classify_batch(samples)
    agree = sum(a == b for a, b in zip(got, expected, strict=True))
    print(f"\n{agree}/{len(samples)} decisions agree with py3langid")
    assert got == expected
    # Without the hand-over of near ties, the float64 scores alone still decide the same, except where
    # py3langid's own margin is at rounding level.
    monkeypatch.setattr(language_id, "_U32", 0.0)
    raw = batch_id.classify_batch(samples)
    off = [(s, _margin(reference, s)) for s, a, b in zip(samples, raw, expected, strict=True) if a != b]
    print(f"{len(samples) - len(off)}/{len(samples)} agree on the exact scores alone; margins: "
          f"{[m for _, m in off]}")
    assert all(m < 1e-3 for _, m in off)
    assert len(off) <= max(1, len(samples) // 10_000)


def test_synthetic_samples_agree_with_py3langid(reference, batch_id, monkeypatch) -> None:
    samples = _synthetic()
    assert len(samples) == 14_400
    _check(reference, batch_id, samples, monkeypatch)
    assert {"en", "sv"} <= set(_expected(reference, samples))


@pytest.mark.skipif(not HH_SAMPLE.exists(), reason="shared HH-RLHF sample not present")
def test_hh_rlhf_samples_agree_with_py3langid(reference, batch_id, monkeypatch) -> None:
    samples = _hh()
    assert len(samples) > 2_000
    _check(reference, batch_id, samples, monkeypatch)


def test_edge_cases_agree_with_py3langid(reference, batch_id, monkeypatch) -> None:
    from py3langid.langid import visit_counts

    featureless = [s for s in EDGE_CASES if s.strip() and visit_counts(
        reference.tk_nextmove, reference._rowbase, reference.tk_output, reference._encode(s)) is None]
    assert featureless  # the "no features → class 0" rule is exercised
    expected = _expected(reference, EDGE_CASES)
    assert [batch_id.classify_batch([s])[0] for s in EDGE_CASES] == expected
    # Big enough for the numpy walk, with the edge cases mixed into ordinary samples.
    mixed = EDGE_CASES * 3 + _synthetic()[:200]
    random.Random(1).shuffle(mixed)
    assert batch_id.classify_batch(mixed) == _expected(reference, mixed)
    _check(reference, batch_id, EDGE_CASES * 2, monkeypatch)


def test_near_ties_handed_to_py3langid_still_agree(reference, batch_id, monkeypatch) -> None:
    """A huge error bound sends every decision through py3langid's own arithmetic."""
    samples = _synthetic()[::20] + EDGE_CASES
    calls: list[str] = []

    class Counting:
        def classify(self, text: str) -> tuple[str, float]:
            calls.append(text)
            return reference.classify(text)

    monkeypatch.setattr(batch_id, "_ident", Counting())
    monkeypatch.setattr(language_id, "_U32", 1.0)
    assert batch_id.classify_batch(samples) == _expected(reference, samples)
    assert len(calls) > len(samples) // 2


def test_labels_do_not_depend_on_the_batch(reference, batch_id, monkeypatch) -> None:
    samples = (_hh() if HH_SAMPLE.exists() else [])[:1000] + _synthetic()[::10] + EDGE_CASES
    expected = _expected(reference, samples)
    assert batch_id.classify_batch(samples) == expected
    order = list(range(len(samples)))
    random.Random(2).shuffle(order)
    shuffled = batch_id.classify_batch([samples[i] for i in order])
    assert [shuffled[order.index(i)] for i in range(len(samples))] == expected
    assert [batch_id.classify_batch([s])[0] for s in samples] == expected
    for size in (2, 3, 5, 17, 250):
        got = [lab for lo in range(0, len(samples), size) for lab in batch_id.classify_batch(samples[lo:lo + size])]
        assert got == expected, size
    assert batch_id.classify_batch([]) == []
    # Every walk variant: all numpy, all Python, and several chunks per call.
    for tail in (1, 10**9):
        monkeypatch.setattr(language_id, "_PY_TAIL", tail)
        assert batch_id.classify_batch(samples) == expected, tail
    monkeypatch.setattr(batch_id, "_chunk", 97)
    assert batch_id.classify_batch(samples) == expected
