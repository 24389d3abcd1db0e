"""Record ids hash exactly the sorted-key JSON of [prompt, chosen, rejected]; split lines are exactly the JSON
of the split record, however either is built."""

from __future__ import annotations

import hashlib
import json
import random
from itertools import pairwise

from datasets_build.records import Record, make_id
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


def test_split_lines_are_exactly_the_json_of_the_split_record() -> None:
    rng = random.Random(4)
    chars = ["a", "å", '"', "\\", "\n", "\x00", "\x1f", "\u2028", "😀", "/", "\t", " "]
    odd = ["".join(rng.choice(chars) for _ in range(rng.randint(0, 12))) for _ in range(400)]
    prompts: list = [p["prompt"] for p in generate("sv", 100, 6) + generate("en", 100, 6)]
    prompts += [[{"role": "system", "content": a}, {"role": "user", "content": b}] for a, b in pairwise(odd)]
    # Shapes the fast path does not build itself: the same line through json.dumps.
    prompts += [[{"content": "x", "role": "user"}], [{"role": "user", "content": "x", "extra": 1}], [],
                [{"role": "user", "content": 5}]]
    records = [Record(id=f"s-{i}{rng.choice(odd)}", prompt=p, chosen=rng.choice(odd), rejected=rng.choice(odd),
                      source=rng.choice(odd), lang=rng.choice(["sv", "en", "und"]), domain=rng.choice(odd),
                      quality=rng.choice([1, 3, 4, True]), origin="o", bucket=rng.choice("SML"),
                      n_tokens=rng.randint(0, 5000)) for i, p in enumerate(prompts)]
    for rec in records:
        assert rec.split_json_line() == json.dumps(rec.to_split_json(), ensure_ascii=False)
