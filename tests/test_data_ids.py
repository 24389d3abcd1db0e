"""Record ids are a hash of exactly the sorted-key JSON of [prompt, chosen, rejected], however it is built."""

from __future__ import annotations

import hashlib
import json
import random
from itertools import pairwise

from datasets_build.records import make_id
from datasets_build.synthetic import generate


def _reference(source: str, prompt: list, chosen: str, rejected: str) -> str:
    payload = json.dumps([prompt, chosen, rejected], ensure_ascii=False, sort_keys=True)
    return f"{source}-{hashlib.sha256(payload.encode()).hexdigest()[:16]}"


def test_ids_match_the_json_hash_on_generated_odd_and_unusual_records() -> None:
    rng = random.Random(3)
    chars = ["a", "å", '"', "\\", "\n", "\x00", "\x1f", "\u2028", "😀", "/", "\t", " "]
    odd = ["".join(rng.choice(chars) for _ in range(rng.randint(0, 12))) for _ in range(500)]
    cases = [(p["prompt"], p["chosen"], p["rejected"]) for p in generate("sv", 200, 5) + generate("en", 200, 5)]
    cases += [([{"role": "system", "content": a}, {"role": "user", "content": b}], b, a)
              for a, b in pairwise(odd)]
    # Shapes the fast path does not build itself: they must still hash the same.
    cases += [([{"content": "x", "role": "user", "extra": 1}], "a", "b"), ([], "a", "b"),
              ([{"role": "user", "content": 5}], "a", "b"), ([{"content": "x", "role": "user"}], "a", "b")]
    for prompt, chosen, rejected in cases:
        assert make_id("src", prompt, chosen, rejected) == _reference("src", prompt, chosen, rejected)
    assert make_id("sv", [{"role": "user", "content": "Hej"}], "Hej!", "Nej.") == "sv-" + hashlib.sha256(
        b'[[{"content": "Hej", "role": "user"}], "Hej!", "Nej."]').hexdigest()[:16]
