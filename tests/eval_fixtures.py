"""Helpers for the evaluation tests: a seeded tiny Qwen2, a random LoRA on it, a word-level chat tokenizer."""

from __future__ import annotations

import copy
from typing import Any

CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
WORDS = ["user", "assistant", "system", "hello", "hi", "there", "how", "are", "you", "fine", "thanks", "the", "a", "is", "what", "which", "yes", "no", "please", "answer", "question", "good", "bad", "sorry", "help", "me", "with", "this", "that", "it", ".", ",", "?", "!"]


def tiny_qwen2(vocab_size: int = 64, seed: int = 0) -> Any:
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    cfg = Qwen2Config(vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                      tie_word_embeddings=False, use_cache=False)
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(cfg)
    model.eval()
    return model


def with_random_lora(model: Any, seed: int = 1) -> tuple[Any, Any]:
    """(peft model with a non-zero random adapter, an untouched deep copy of the base for reference)."""
    import torch
    from peft import LoraConfig, get_peft_model

    base_copy = copy.deepcopy(model)
    torch.manual_seed(seed)
    # init_lora_weights=False draws B at random too, so the adapter actually changes the outputs.
    cfg = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj", "up_proj"],
                     init_lora_weights=False)
    peft_model = get_peft_model(model, cfg)
    peft_model.eval()
    return peft_model, base_copy


def word_tokenizer() -> Any:
    """A deterministic word-level tokenizer with a ChatML template (no files, no network)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<unk>", "\n"]
    vocab = {t: i for i, t in enumerate(specials + WORDS)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split("\n", behavior="isolated"),
                                                 pre_tokenizers.WhitespaceSplit()])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<|endoftext|>",
                                   eos_token="<|im_end|>", additional_special_tokens=["<|im_start|>"])
    fast.chat_template = CHATML
    return fast


def reference_logprob(model: Any, ids: list[int], start: int) -> float:
    """Sum of log p(ids[t] | ids[:t]) for t >= start, one unbatched full forward and an explicit loop."""
    import torch

    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0].double()
    logp = torch.log_softmax(logits, dim=-1)
    return float(sum(logp[t - 1, ids[t]] for t in range(start, len(ids))))


EN_Q = ["How do I reset my password?", "What time does the office open?", "Can you summarise the meeting?",
        "Where is my order?", "How do I cancel my subscription?", "What is the capital of Sweden?"]
SV_Q = ["Hur återställer jag mitt lösenord?", "När öppnar kontoret?", "Kan du sammanfatta mötet?",
        "Var är min beställning?", "Hur avslutar jag mitt abonnemang?", "Vad är Sveriges huvudstad?"]


def write_split(path: Any, n: int, seed: int = 0, long_prompt_at: int | None = None) -> list[dict[str, Any]]:
    """n preference records in the dataset builder's split format, alternating en/sv and two domains."""
    import json
    import random

    rnd = random.Random(seed)
    recs = []
    for i in range(n):
        lang = "en" if i % 2 == 0 else "sv"
        q = rnd.choice(EN_Q if lang == "en" else SV_Q)
        if i == long_prompt_at:
            q = " ".join([q] * 40)
        good = ("Thank you for asking. Here is a complete answer: " if lang == "en" else
                "Tack för din fråga. Här är ett fullständigt svar: ") + q.lower()
        bad = "no." if lang == "en" else "nej."
        recs.append({"id": f"p{i:03d}", "prompt": [{"role": "user", "content": q}],
                     "chosen": [{"role": "assistant", "content": good}],
                     "rejected": [{"role": "assistant", "content": bad}],
                     "source": "synthetic", "lang": lang, "domain": "support" if i % 3 else "qa",
                     "quality": 3, "bucket": "S" if i % 4 else "M", "n_tokens": 20})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return recs


def make_run_dir(root: Any, n_pairs: int = 24) -> Any:
    """A run dir as the trainer leaves it, with random (not trained) adapters: final/, a complete
    checkpoint-5 and a torn checkpoint-10. Data in <root>/data/demo/splits/v1/{test,golden}.jsonl."""
    import torch
    import yaml
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from trainer import tiny_model

    split_dir = root / "data" / "demo" / "splits" / "v1"
    write_split(split_dir / "test.jsonl", n_pairs, seed=1, long_prompt_at=3)
    write_split(split_dir / "golden.jsonl", 10, seed=2)
    run = root / "run"
    run.mkdir()
    from pathlib import Path

    cfg = yaml.safe_load((Path(tiny_model.__file__).resolve().parents[1] / "configs" / "demo.yaml").read_text())
    cfg["data"]["path"] = str(split_dir)
    cfg["dpo"]["max_length"] = 64
    cfg["device"] = {"device": "cpu", "precision": "fp32"}
    (run / "config.yaml").write_text(yaml.safe_dump(cfg))
    src = tiny_model.resolve("builtin:tiny-qwen2")
    tok = AutoTokenizer.from_pretrained(src)
    for sub, seed, complete in (("final", 1, False), ("checkpoint-5", 2, True), ("checkpoint-10", 3, False)):
        base = AutoModelForCausalLM.from_pretrained(src)
        torch.manual_seed(seed)
        lcfg = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj"],
                          init_lora_weights=False)
        get_peft_model(base, lcfg).save_pretrained(run / sub)
        tok.save_pretrained(run / sub)
        if complete:
            (run / sub / "COMPLETE").write_text("")
    return run
