"""Near-duplicates: MinHash estimates against exact Jaccard, and paraphrased and re-masked copies planted
across splits, found and kept out of train (and reported in the manifest)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np
import pytest
from data_fixtures import read_jsonl, write_jsonl, write_recipe

from datasets_build import near_dup
from datasets_build.manifest import load_manifest
from datasets_build.pipeline import build_from_recipe
from datasets_build.recipe import from_dict
from datasets_build.records import DataError

WORDS = ["account", "invoice", "refund", "delivery", "parcel", "address", "password", "login", "screen", "order", "payment", "card", "bank", "transfer", "support", "office", "meeting", "summary", "agenda", "minutes", "budget", "report", "manager", "team", "project", "deadline", "customer", "service", "phone", "number", "email", "message", "reply", "question", "answer", "problem", "solution", "setting", "update", "version"]


def _exact_jaccard(a: str, b: str, n: int = 5) -> float:
    """Jaccard of word n-grams, placeholders and numbers folded, written independently of the builder."""
    def fold(w: str) -> str:
        return "<pii>" if w[0] in "<[" or set(w) == {"x"} else "<num>" if any(c.isdigit() for c in w) else w

    def grams(t: str) -> set[tuple[str, ...]]:
        w = [fold(x) for x in re.findall(r"<[a-z_]+>|\[[a-z_ ]+\]|[^\W_]+", t.lower())]
        return {tuple(w[i:i + n]) for i in range(max(1, len(w) - n + 1))}
    ga, gb = grams(a), grams(b)
    return len(ga & gb) / len(ga | gb)


def _text(rng: random.Random, n: int = 60) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)) + "."


def test_estimates_follow_exact_jaccard() -> None:
    rng = random.Random(0)
    p = near_dup.Params()
    errors = []
    for _ in range(60):
        a = _text(rng, 80)
        words = a.split()
        for i in rng.sample(range(len(words)), rng.randrange(0, 8)):
            words[i] = rng.choice(WORDS)
        b = " ".join(words)
        sa, sb = near_dup.signatures([a, b], p)
        errors.append(near_dup.jaccard_estimate(sa, sb) - _exact_jaccard(a, b))
    assert abs(float(np.mean(errors))) < 0.03 and float(np.std(errors)) < 0.08


def test_batch_and_single_signatures_agree_and_texts_do_not_leak_into_each_other() -> None:
    p = near_dup.Params()
    texts = ["hej hopp", "", "Ring <PHONE> om ärende <CASE_ID> gäller fakturan från maj, tack så mycket!", "x" * 40]
    batch = near_dup.signatures(texts, p)
    for t, sig in zip(texts, batch, strict=True):
        assert (near_dup.signatures([t], p)[0] == sig).all()


def test_re_masked_and_renumbered_copies_read_the_same() -> None:
    p = near_dup.Params()
    a = "Hej! Jag heter Anna, ring mig på <PHONE> om ärende <CASE_ID>. Min order 4411 kom aldrig fram till mig."
    b = "Hej! Jag heter Anna, ring mig på [REDACTED] om ärende XXXXXX. Min order 9902 kom aldrig fram till mig."
    sa, sb = near_dup.signatures([a, b], p)
    assert near_dup.jaccard_estimate(sa, sb) == 1.0


def _planted(tmp: Path) -> tuple[Path, list[tuple[str, str]]]:
    """100 distinct pairs, then for 30 of them a copy with one word reworded or masked another way."""
    rng = random.Random(7)
    base = [{"prompt": f"Fråga om {rng.choice(WORDS)}: " + _text(rng, 30), "chosen": _text(rng, 50),
             "rejected": "Vet inte."} for _ in range(100)]
    twins, copies = [], []
    for i in range(30):
        row = dict(base[i])
        words = row["chosen"].split()
        if i % 2:
            words[rng.randrange(len(words))] = "nämligen"  # reworded
        else:
            words[20] = "[REDACTED]"  # re-masked: the copy had something masked the original did not
        row["chosen"] = " ".join(words)
        copies.append(row)
        twins.append((base[i]["chosen"], row["chosen"]))
    return write_jsonl(tmp / "pairs.jsonl", base + copies), twins


@pytest.mark.parametrize("drop", [True, False])
def test_planted_copies_never_sit_in_train_beside_their_evaluation_twin(tmp_path: Path, drop: bool) -> None:
    path, twins = _planted(tmp_path)
    assert all(0.6 <= _exact_jaccard(a, b) < 1 for a, b in twins)  # the answers alone; with the prompt ~0.88
    recipe = write_recipe(tmp_path / "r.yaml", [{"type": "local_jsonl", "name": "mail", "path": str(path),
                                                  "lang": "sv"}],
                          languages=["sv", "en"], drop_language_mismatch=False, near_dup={"drop": drop},
                          splits={"golden": 20, "val": 0.15, "test": 0.15})
    ds = build_from_recipe(recipe, tmp_path / "out")
    m = load_manifest(ds)
    nd = m["near_dup"]
    split_dir = ds / "splits" / "v1"
    def text(r: dict) -> str:
        return r["prompt"][0]["content"] + "\n" + r["chosen"][0]["content"]

    train = [text(r) for r in read_jsonl(split_dir / "train.jsonl")]
    evals = [text(r) for s in ("val", "test", "golden") for r in read_jsonl(split_dir / f"{s}.jsonl")]
    # Checked with exact Jaccard, not with the builder's own estimate.
    assert not [(e, t) for e in evals for t in train if _exact_jaccard(e, t) >= 0.8]
    assert nd["cross_split"]["after"] == 0
    if drop:
        assert nd["removed"] == 30 and m["sources"]["mail"]["dropped"]["near_duplicate"] == nd["removed"]
        assert nd["by_source"] == {"mail": nd["removed"]} and nd["cross_split"]["found"] == 0
        assert len(nd["examples"]) == 3
    else:
        # No drop within the pool: the copies whose twin went to an evaluation split leave train instead.
        assert nd["removed"] == 0 and nd["cross_split"]["found"] > 0
        assert m["sources"]["mail"]["dropped"]["near_dup_of_eval"] == nd["cross_split"]["removed_from_train"]
    src = m["sources"]["mail"]
    assert src["read"] == src["kept"] + sum(src["dropped"].values())
    assert json.dumps(m["near_dup"])  # plain JSON


def test_near_dup_settings_are_checked() -> None:
    with pytest.raises(DataError) as e:
        from_dict({"name": "t", "version": "v1", "sources": [{"type": "english_synthetic"}],
                   "near_dup": {"threshold": 1.5, "num_perm": 100, "ngram": 0}})
    assert all(k in str(e.value) for k in ("near_dup.threshold", "near_dup.num_perm", "near_dup.ngram"))
