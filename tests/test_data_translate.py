"""EN→SV translation through the real transformers path, with a tiny random Marian model and its cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_fixtures import build_tiny_marian, read_jsonl, write_recipe

from datasets_build import build_from_recipe
from datasets_build.manifest import load_manifest
from datasets_build.sources.translate_en_sv import TranslationCache, model_key

pytestmark = pytest.mark.slow


def test_translates_selected_pairs_and_reruns_from_cache(tmp_path: Path) -> None:
    model = build_tiny_marian(tmp_path / "marian")
    cache_dir = tmp_path / "cache"
    sources = [{"type": "english_synthetic", "name": "en", "n": 60},
               {"type": "translate_en_sv", "name": "mt", "from": ["en"], "n": 8, "model": str(model),
                "cache_dir": str(cache_dir), "batch_size": 4, "max_new_tokens": 16}]
    # A random model writes gibberish, not Swedish: keep it to check the path, the drops are counted anyway.
    recipe = write_recipe(tmp_path / "r.yaml", sources, drop_language_mismatch=False,
                          splits={"golden": 4, "val": 0.1, "test": 0.1})
    first = build_from_recipe(recipe, tmp_path / "a")
    m = load_manifest(first)
    mt = m["sources"]["mt"]
    assert mt["read"] == 8 and mt["read"] == mt["kept"] + sum(mt["dropped"].values())
    assert mt["run_stats"]["translated"] > 8  # prompt, chosen and rejected of each pair (shared texts once)
    rows = read_jsonl(first / "processed/mt.jsonl")
    originals = {r["id"]: r for r in read_jsonl(first / "processed/en.jsonl")}
    assert rows and all(r["source"] == "mt" and r["quality"] <= 3 for r in rows)
    for r in rows:
        src = originals[r["origin"].removeprefix("translated:")]
        assert r["meta"]["translated_from"] == src["id"] and r["domain"] == src["domain"]
        assert r["chosen"][0]["content"] != src["chosen"][0]["content"]
    raw = read_jsonl(first / "raw/mt.jsonl")
    assert all(x["from"] in originals for x in raw)  # translated from kept English pairs
    cache = TranslationCache(cache_dir, model_key(str(model)))
    assert len(cache.entries) == mt["run_stats"]["translated"]

    second = build_from_recipe(recipe, tmp_path / "b")
    mt2 = load_manifest(second)["sources"]["mt"]
    assert mt2["run_stats"]["translated"] == 0 and mt2["run_stats"]["translation_cache_hits"] > 8
    for rel in ("processed/mt.jsonl", "raw/mt.jsonl", "splits/v1/train.jsonl"):
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_model_key_changes_with_the_weights(tmp_path: Path) -> None:
    a = build_tiny_marian(tmp_path / "a", seed=0)
    b = build_tiny_marian(tmp_path / "b", seed=1)
    assert model_key(str(a)) != model_key(str(b))
    assert model_key("Helsinki-NLP/opus-mt-en-sv") != model_key("Helsinki-NLP/opus-mt-en-sv", "abc123")
