"""The random Qwen2.5 shapes are the published architectures (counted on the meta device: no weights)."""

from __future__ import annotations

import pytest

from trainer import builtin, qwen_random

# Parameter counts of Qwen2.5-0.5B-Instruct and Qwen2.5-3B-Instruct (tied embeddings counted once).
PUBLISHED = {"qwen2.5-0.5b-random": 494_032_768, "qwen2.5-3b-random": 3_085_938_688}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_real_shapes_have_the_published_parameter_count(name: str) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    cfg = qwen_random.model_config(name)
    assert (cfg.vocab_size, cfg.tie_word_embeddings, cfg.num_key_value_heads) == (151_936, True, 2)
    assert cfg.rope_parameters["rope_theta"] == 1_000_000.0
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(cfg)
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED[name]


def test_tiny_random_is_seeded_and_speaks_qwen25(tmp_path) -> None:
    from transformers import AutoModelForCausalLM

    a = qwen_random.ensure_model("qwen2.5-tiny-random", tmp_path / "a")
    b = qwen_random.ensure_model("qwen2.5-tiny-random", tmp_path / "b")
    wa = AutoModelForCausalLM.from_pretrained(a).state_dict()
    wb = AutoModelForCausalLM.from_pretrained(b).state_dict()
    assert wa.keys() == wb.keys() and all((wa[k] == wb[k]).all() for k in wa)
    tok = builtin.load_tokenizer("builtin:qwen2.5-tiny-random", tmp_path / "a")
    assert tok.eos_token_id == 151645 and len(tok) == 151_665


def test_bf16_build_is_stored_in_bf16(tmp_path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    path = builtin.resolve("builtin:qwen2.5-tiny-random", "bf16", tmp_path)
    assert "bf16" in path
    assert AutoModelForCausalLM.from_pretrained(path, dtype="auto").dtype == torch.bfloat16
