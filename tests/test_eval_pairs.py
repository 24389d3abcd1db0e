"""Reading split files for evaluation, and tokenizing pairs the way TRL's DPOTrainer does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trainer import config as cfgmod
from trainer.evaluation.encode import encode_pair, encode_pairs
from trainer.evaluation.pairs import EvalPair, PairsError, load_pairs, resolve_split
from trainer.evaluation.slices import slice_indices

REC: dict[str, Any] = {"id": "a1", "prompt": [{"role": "user", "content": "Hej, när öppnar ni?"}],
       "chosen": [{"role": "assistant", "content": "Vi öppnar klockan nio. Välkommen!"}],
       "rejected": [{"role": "assistant", "content": "vet ej"}], "lang": "sv", "domain": "support",
       "source": "swedish_synthetic", "bucket": "S"}


def _write(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "split.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_reads_records_with_metadata_and_string_forms(tmp_path: Path) -> None:
    plain = {"prompt": "Hi?", "chosen": "Hello, how can I help?", "rejected": "what"}
    p = _write(tmp_path, [json.dumps(REC), "", json.dumps(plain)])
    pairs = load_pairs(p)
    assert [x.id for x in pairs] == ["a1", "split:3"]
    assert pairs[0].meta == {"lang": "sv", "domain": "support", "source": "swedish_synthetic", "bucket": "S"}
    assert pairs[1].meta["lang"] == "unknown"
    assert pairs[1].prompt == [{"role": "user", "content": "Hi?"}]
    assert pairs[1].rejected == [{"role": "assistant", "content": "what"}]
    assert len(load_pairs(p, limit=1)) == 1


@pytest.mark.parametrize("line, needle", [
    ("{not json", ":1: not valid JSON"),
    ("[1, 2]", ":1: expected a JSON object"),
    (json.dumps({k: v for k, v in REC.items() if k != "chosen"}), ":1: missing field 'chosen'"),
    (json.dumps({**REC, "prompt": []}), ":1: prompt must be a non-empty list"),
    (json.dumps({**REC, "chosen": [{"role": "assistant"}]}), ":1: chosen[0] must be an object"),
    (json.dumps({**REC, "rejected": [{"role": "user", "content": "x"}]}), ":1: rejected must end with an assistant"),
    (json.dumps({**REC, "chosen": "  "}), ":1: chosen is empty"),
])
def test_bad_lines_name_file_and_line(tmp_path: Path, line: str, needle: str) -> None:
    p = _write(tmp_path, [line])
    with pytest.raises(PairsError) as e:
        load_pairs(p)
    assert str(p) + needle in str(e.value)


def test_duplicate_ids_and_empty_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(PairsError, match=r":2: duplicate id 'a1' \(first on line 1\)"):
        load_pairs(_write(tmp_path, [json.dumps(REC), json.dumps(REC)]))
    with pytest.raises(PairsError, match="no pairs"):
        load_pairs(_write(tmp_path, [""]))


def test_named_splits_resolve_next_to_the_run_data(tmp_path: Path) -> None:
    data = tmp_path / "ds" / "splits" / "v1"
    data.mkdir(parents=True)
    (data / "golden.jsonl").write_text(json.dumps(REC) + "\n")
    cfg = cfgmod.from_dict({"data": {"path": str(data)}})
    assert resolve_split("golden", cfg, tmp_path) == ("golden", data / "golden.jsonl")
    with pytest.raises(PairsError, match=r"test.*does not exist"):
        resolve_split("test", cfg, tmp_path)
    assert resolve_split(str(data / "golden.jsonl"), cfg, tmp_path)[0] == "golden"
    # A relative data.path is found from the run dir's ancestors (the run may be evaluated from elsewhere).
    rel = cfgmod.from_dict({"data": {"path": "ds/splits/v1"}})
    assert resolve_split("golden", rel, tmp_path / "outputs" / "run-1")[1].resolve() == (data / "golden.jsonl").resolve()


def test_slices_group_by_each_key() -> None:
    mk = [EvalPair(str(i), [], [], [], {"lang": lang, "domain": "d", "source": "s", "bucket": b})
          for i, (lang, b) in enumerate([("sv", "S"), ("en", "L"), ("sv", "M")])]
    s = slice_indices(mk)
    assert s["lang"] == {"en": [1], "sv": [0, 2]}
    assert list(s["bucket"]) == ["L", "M", "S"]


@pytest.fixture(scope="module")
def tokenizer():  # type: ignore[no-untyped-def]
    from transformers import AutoTokenizer

    from trainer import tiny_model

    return AutoTokenizer.from_pretrained(tiny_model.resolve("builtin:tiny-qwen2"))


def test_encoding_agrees_with_trl_tokenization(tokenizer) -> None:  # type: ignore[no-untyped-def]
    from trl.data_utils import _tokenize, common_prefix_length

    pair = load_pairs(_write_tmp([REC]))[0]
    enc = encode_pair(tokenizer, pair, 0, max_length=None)
    assert not isinstance(enc, str)
    prompt = _tokenize(tokenizer, REC["prompt"], add_generation_prompt=True)["input_ids"]
    pc = _tokenize(tokenizer, REC["prompt"] + REC["chosen"])["input_ids"]
    pr = _tokenize(tokenizer, REC["prompt"] + REC["rejected"])["input_ids"]
    plen = min(common_prefix_length(prompt, pc), common_prefix_length(prompt, pr))
    assert enc.prompt_ids == prompt[:plen] and enc.chosen_ids == pc[plen:] and enc.rejected_ids == pr[plen:]
    # The response is scored up to and including the end-of-turn token, as in training.
    assert tokenizer.eos_token_id in enc.chosen_ids
    assert not enc.truncated


def test_truncation_and_unscorable_pairs(tokenizer) -> None:  # type: ignore[no-untyped-def]
    pair = load_pairs(_write_tmp([REC]))[0]
    full = encode_pair(tokenizer, pair, 0, None)
    assert not isinstance(full, str)
    cut = encode_pair(tokenizer, pair, 0, max_length=len(full.prompt_ids) + 3)
    assert not isinstance(cut, str)
    assert cut.truncated and cut.chosen_ids == full.chosen_ids[:3] and cut.rejected_ids == full.rejected_ids[:3]
    encoded, skipped = encode_pairs(tokenizer, [pair], max_length=len(full.prompt_ids))
    assert encoded == [] and skipped[0]["id"] == "a1" and "max_length" in skipped[0]["reason"]


def _write_tmp(recs: list[dict]) -> Path:  # type: ignore[type-arg]
    import tempfile

    p = Path(tempfile.mkdtemp()) / "one.jsonl"
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return p
