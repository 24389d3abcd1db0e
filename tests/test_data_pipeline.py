"""Whole builds: the demo recipe, bookkeeping (read = kept + dropped), splits, golden, reruns, bad input."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from data_fixtures import HH_SAMPLE, PKU_ROWS, ROOT, read_jsonl, write_jsonl, write_recipe

from datasets_build import build_from_recipe, pii
from datasets_build.annotate import chatml
from datasets_build.builtin_tokenizer import count_tokens
from datasets_build.manifest import load_manifest, sha256_file
from datasets_build.recipe import load as load_recipe
from datasets_build.records import DataError
from datasets_build.report import summary

SPLIT_KEYS = ["id", "prompt", "chosen", "rejected", "source", "lang", "domain", "quality", "bucket", "n_tokens"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_from_recipe(ROOT / "configs/data_demo.yaml", tmp_path_factory.mktemp("demo"))


def _splits(ds: Path, version: str = "v1") -> dict[str, list[dict[str, Any]]]:
    return {s: read_jsonl(ds / "splits" / version / f"{s}.jsonl") for s in ("train", "val", "test", "golden")}


def test_demo_build_is_the_trainers_contract(demo: Path) -> None:
    splits = _splits(demo)
    m = load_manifest(demo)
    assert demo.name == "demo" and (demo / "splits/v1/manifest.json").read_bytes() == (demo / "manifest.json").read_bytes()
    assert 2000 <= m["totals"]["records"] <= 4000
    assert {k: len(v) for k, v in splits.items()} == m["totals"]["by_split"]
    assert len(splits["golden"]) == 200
    for rec in splits["train"][:200] + splits["golden"]:
        assert list(rec) == SPLIT_KEYS
        assert rec["chosen"][0]["role"] == rec["rejected"][0]["role"] == "assistant"
        assert rec["prompt"][-1]["role"] == "user"
        assert rec["lang"] in ("sv", "en") and rec["bucket"] in ("S", "M", "L")
    ids = [r["id"] for recs in splits.values() for r in recs]
    assert len(ids) == len(set(ids))  # every pair in exactly one split


def test_demo_splits_hold_no_raw_pii(demo: Path) -> None:
    leaked: Counter[str] = Counter()
    for recs in _splits(demo).values():
        for rec in recs:
            for text in [m["content"] for m in rec["prompt"]] + [rec["chosen"][0]["content"],
                                                                 rec["rejected"][0]["content"]]:
                leaked.update(k for _, _, k in pii.mask(text)[1])
    assert not leaked
    m = load_manifest(demo)
    assert all(m["pii"][k] > 500 for k in pii.KINDS)
    raw = (demo / "raw/sv_synthetic.jsonl").read_text(encoding="utf-8")
    assert "@" in raw  # raw/ is what the source read, PII included; only splits and processed are masked


def test_demo_manifest_bookkeeping(demo: Path) -> None:
    m = load_manifest(demo)
    for name, s in m["sources"].items():
        assert s["read"] == s["kept"] + sum(s["dropped"].values()), name
        assert s["read"] == 1600
    assert sum(s["kept"] for s in m["sources"].values()) == m["totals"]["records"]
    for rel, info in m["files"].items():
        path = demo / rel
        assert sha256_file(path) == info["sha256"] and path.stat().st_size == info["bytes"], rel
    assert set(m["files"]) >= {"splits/v1/train.jsonl", "splits/v1/golden.jsonl", "raw/sv_synthetic.jsonl",
                               "processed/en_synthetic.jsonl"}
    recipe = load_recipe(ROOT / "configs/data_demo.yaml")
    assert m["recipe"]["sha256"] == recipe.sha256
    assert m["language"]["target"] == {"en": 0.5, "sv": 0.5}
    assert m["language"]["within_tolerance"] is True
    assert m["golden"]["contamination"]["overlaps_after"] == 0
    assert "timings_s" in m and m["timings_s"]["total"] > 0


def test_golden_is_stratified_by_language_and_domain(demo: Path) -> None:
    splits = _splits(demo)
    everything = [r for recs in splits.values() for r in recs]
    strata = Counter((r["lang"], r["domain"]) for r in everything)
    golden = Counter((r["lang"], r["domain"]) for r in splits["golden"])
    for key, n in strata.items():
        assert abs(golden[key] - 200 * n / len(everything)) <= 1, key


def test_token_counts_and_buckets_use_the_recipe_tokenizer(demo: Path) -> None:
    recs = _splits(demo)["val"][:50]
    texts = [chatml(r["prompt"]) + "<|im_start|>assistant\n" + r["chosen"][0]["content"] + "<|im_end|>\n"
             for r in recs]
    assert [r["n_tokens"] for r in recs] == count_tokens(texts, "builtin:tiny-qwen2")
    for r in recs:
        assert r["bucket"] == ("S" if r["n_tokens"] < 128 else "M" if r["n_tokens"] < 256 else "L")


def _build_all(tmp_path: Path, sources: list[dict[str, Any]], name: str = "run", **top: Any) -> Path:
    return build_from_recipe(write_recipe(tmp_path / f"{name}.yaml", sources, **top), tmp_path / name)


def test_rerun_is_byte_identical_and_multiprocess_matches_single(tmp_path: Path) -> None:
    sources = [{"type": "swedish_synthetic", "n": 500, "seed": 3}, {"type": "english_synthetic", "n": 500}]
    a = _build_all(tmp_path, sources, "a")
    b = _build_all(tmp_path, sources, "b", workers=2)
    files = sorted(p.relative_to(a).as_posix() for p in a.rglob("*.jsonl"))
    assert files and files == sorted(p.relative_to(b).as_posix() for p in b.rglob("*.jsonl"))
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    ma, mb = load_manifest(a), load_manifest(b)
    for m in (ma, mb):
        m.pop("timings_s")
        m["recipe"].pop("sha256")
        m["recipe"].pop("path")
    assert ma == mb


def test_adding_data_never_moves_existing_records(tmp_path: Path) -> None:
    lines = [{"prompt": f"Fråga nummer {i}: vad kostar en kaffe i Lund?", "chosen": f"En kaffe kostar {i} kr.",
              "rejected": "Vet ej."} for i in range(300)]
    small = write_jsonl(tmp_path / "small.jsonl", lines[:200])
    big = write_jsonl(tmp_path / "big.jsonl", lines)
    common = {"type": "local_jsonl", "name": "local", "lang": "sv"}
    before = _splits(_build_all(tmp_path, [{**common, "path": str(small)}], "small", drop_language_mismatch=False))
    after = _splits(_build_all(tmp_path, [{**common, "path": str(big)}], "big", drop_language_mismatch=False))
    where = {r["id"]: s for s, recs in after.items() for r in recs}
    moved = [r["id"] for s, recs in before.items() if s != "golden" for r in recs
             if where[r["id"]] not in (s, "golden")]
    assert not moved


def test_mixed_sources_cross_source_dedup_and_every_drop_counted(tmp_path: Path) -> None:
    pku = write_jsonl(tmp_path / "pku.jsonl", PKU_ROWS)
    hh_first = read_jsonl(HH_SAMPLE)[0]
    local = write_jsonl(tmp_path / "local.jsonl", [
        {"prompt": "what are some pranks with a pen i can do?", "chosen": "x", "rejected": "y"},  # English
        {"prompt": "Hur mår du i dag?", "chosen": "Jag mår bra, tack för att du frågar!", "rejected": "Dåligt."},
        {"prompt": "Where is Paris?", "chosen": "Paris is in France, on the river Seine.", "rejected": "Spain."},
        {"prompt": "Hur mår du?", "chosen": "Bra!", "rejected": "Bra!"},
        "{broken",
    ])
    hh_copy = write_jsonl(tmp_path / "hh_copy.jsonl", [hh_first])
    ds = _build_all(tmp_path, [
        {"type": "hh_rlhf", "name": "hh", "path": str(HH_SAMPLE), "limit": 300},
        {"type": "pku_saferlhf", "name": "pku", "path": str(pku), "preference": "safer"},
        {"type": "local_jsonl", "name": "local", "path": str(local), "lang": "sv", "on_error": "skip"},
        {"type": "hh_rlhf", "name": "hh_again", "path": str(hh_copy)},
    ], "mixed", min_quality=3)
    m = load_manifest(ds)
    s = m["sources"]
    # `limit` caps the pairs a source yields; the real quirks it skipped on the way still count as read.
    quirks = sum(s["hh"]["dropped"].get(k, 0) for k in ("empty_response", "prefix_mismatch", "speaker_marker_in_turn"))
    assert quirks >= 1 and s["hh"]["read"] == 300 + quirks
    assert s["pku"]["dropped"] == {"both_unsafe": 1} and s["pku"]["options"]["preference"] == "safer"
    assert s["local"]["dropped"] == {"chosen_equals_rejected": 1, "language_mismatch": 2, "malformed_json": 1}
    assert s["local"]["language_mismatch"] == 2
    assert s["hh_again"]["dropped"] == {"duplicate": 1}  # first occurrence (in `hh`) wins across sources
    for name, src in s.items():
        assert src["read"] == src["kept"] + sum(src["dropped"].values()), name
    assert "WARNING: language" not in summary(m)  # the lint warns about this small sample, which is right


def test_limits_quality_and_length_drops(tmp_path: Path) -> None:
    ds = _build_all(tmp_path, [{"type": "hh_rlhf", "name": "hh", "path": str(HH_SAMPLE), "limit": 200, "quality": 2},
                               {"type": "english_synthetic", "name": "en", "n": 100}],
                    "q", min_quality=3, max_tokens=200, splits={"golden": 10, "val": 0.1, "test": 0.1})
    s = load_manifest(ds)["sources"]
    assert s["hh"]["kept"] == 0 and sum(s["hh"]["dropped"].get(k, 0) for k in (
        "below_min_quality", "too_long", "empty_response", "speaker_marker_in_turn")) == s["hh"]["read"]
    assert s["en"]["dropped"].get("too_long", 0) > 0  # support emails exceed 200 tokens with the template


def test_language_target_miss_is_obvious(tmp_path: Path) -> None:
    ds = _build_all(tmp_path, [{"type": "english_synthetic", "n": 310}, {"type": "swedish_synthetic", "n": 90}],
                    "lang", language_target={"en": 0.6, "sv": 0.4}, splits={"golden": 10, "val": 0.1, "test": 0.1})
    m = load_manifest(ds)
    lang = m["language"]
    assert lang["within_tolerance"] is False
    assert lang["actual"]["en"] > 0.7 and lang["delta"]["sv"] < -0.1
    assert "WARNING: language mix misses the target" in summary(m)


def test_golden_contamination_is_removed_and_counted(tmp_path: Path) -> None:
    lines = [{"prompt": f"Question {i % 40}: where is the station?", "chosen": f"The station is on street {i % 40}.",
              "rejected": "No."} for i in range(160)]
    path = write_jsonl(tmp_path / "dups.jsonl", lines)
    ds = _build_all(tmp_path, [{"type": "local_jsonl", "name": "dups", "path": str(path), "lang": "en"}],
                    "cont", dedup=False, near_dup={"enabled": False}, splits={"golden": 20, "val": 0.1, "test": 0.1})
    m = load_manifest(ds)
    removed = sum(m["golden"]["contamination"]["removed"].values())
    assert removed > 0 and m["golden"]["contamination"]["overlaps_after"] == 0
    src = m["sources"]["dups"]
    assert src["dropped"]["golden_contamination"] == removed
    assert src["read"] == src["kept"] + sum(src["dropped"].values())


def test_bad_input_fails_with_file_line_and_leaves_no_dataset(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [{"prompt": "a", "chosen": "b", "rejected": "c"}, "{oops"])
    with pytest.raises(DataError, match=r"bad.jsonl:2: malformed JSON"):
        _build_all(tmp_path, [{"type": "local_jsonl", "path": str(path)}], "bad")
    assert not (tmp_path / "bad" / "t").exists()
    assert [p.name for p in (tmp_path / "bad").iterdir()] == []  # the temporary build dir is gone too


@pytest.mark.parametrize(("recipe", "message"), [
    ({"name": "x", "version": "v1", "sources": [{"type": "local_jsonl", "path": "a", "colour": 1}]},
     "sources[0].colour: unknown key"),
    ({"name": "x", "version": "v1", "sources": [{"type": "nope"}]}, "sources[0].type: unknown source type"),
    ({"name": "x", "version": "v1", "sources": [], "max_tokens": "many"}, "max_tokens: expected int, got str"),
    ({"version": "v1", "sources": [{"type": "english_synthetic"}]}, "name: required"),
    ({"name": "x", "version": "v1", "sources": [{"type": "english_synthetic"}], "language_target": {"en": 0.7}},
     "language_target: shares must sum to 1"),
    ({"name": "x", "version": "v1", "sources": [{"type": "english_synthetic"}, {"type": "english_synthetic"}]},
     "sources[1].name: duplicate source name"),
    ({"name": "../x", "version": "v1", "sources": [{"type": "english_synthetic"}]}, "name: '../x' must be a plain"),
    ({"name": "x", "version": "v1", "sources": [{"type": "english_synthetic"}], "pii": {"case_id_patterns": ["("]}},
     "pii.case_id_patterns[0]: invalid regex"),
])
def test_recipe_errors_name_the_field(tmp_path: Path, recipe: dict[str, Any], message: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(json.dumps(recipe))
    with pytest.raises(DataError, match=re.escape(message)):
        load_recipe(path)


def test_production_recipe_is_valid_and_says_what_the_issue_asks() -> None:
    r = load_recipe(ROOT / "configs/data_v1.yaml")
    by_name = {s["name"]: s for s in r.sources}
    assert r.language_target == {"en": 0.6, "sv": 0.4}
    assert by_name["pku_saferlhf"]["limit"] == 1500 and by_name["pku_saferlhf"]["preference"] == "safer"
    assert by_name["hh_rlhf"]["limit"] == 1000 and by_name["sv_synthetic"]["n"] == 480
    assert by_name["en_sv_translated"]["n"] == 200 and by_name["en_sv_translated"]["lang"] == "sv"
    assert by_name["local_mt_batch"]["type"] == "local_jsonl"


def test_golden_can_be_frozen_from_an_earlier_build(tmp_path: Path) -> None:
    first = _build_all(tmp_path, [{"type": "english_synthetic", "name": "en", "n": 200}], "one",
                       splits={"golden": 15, "val": 0.1, "test": 0.1})
    old_golden = first / "splits/v1/golden.jsonl"
    frozen = tmp_path / "golden_v1.jsonl"
    frozen.write_bytes(old_golden.read_bytes())
    # More data and another split seed would pick another golden set; golden_from keeps the old one.
    second = _build_all(tmp_path, [{"type": "english_synthetic", "name": "en", "n": 400}], "two",
                        splits={"golden": 15, "val": 0.1, "test": 0.1, "seed": 9, "golden_from": str(frozen)})
    old_ids = {r["id"] for r in read_jsonl(frozen)}
    assert {r["id"] for r in read_jsonl(second / "splits/v1/golden.jsonl")} == old_ids
    frozen_report = load_manifest(second)["golden"]["frozen"]
    assert frozen_report["pinned"] == frozen_report["found"] == 15 and frozen_report["missing"] == 0
