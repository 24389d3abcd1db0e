"""Side-by-side greedy responses of base (adapter disabled) and tuned for a handful of prompts."""

from __future__ import annotations

from typing import Any

from trainer.evaluation.pairs import EvalPair


def pick_prompts(pairs: list[EvalPair], n: int) -> list[EvalPair]:
    """The first n pairs in file order, taking languages in turn so that each appears (round robin)."""
    by_lang: dict[str, list[EvalPair]] = {}
    for p in pairs:
        by_lang.setdefault(p.meta.get("lang", "unknown"), []).append(p)
    queues = [list(v) for v in by_lang.values()]
    out: list[EvalPair] = []
    while len(out) < n and any(queues):
        for q in queues:
            if q and len(out) < n:
                out.append(q.pop(0))
    return out


def prompt_text(pair: EvalPair) -> str:
    if len(pair.prompt) == 1:
        return pair.prompt[0]["content"]
    return "\n".join(f"{m['role']}: {m['content']}" for m in pair.prompt)


def stop_ids(model: Any, tokenizer: Any) -> list[int]:
    """End of turn, end of text and whatever the model's generation config stops on (Qwen: both)."""
    ids = {tokenizer.eos_token_id, tokenizer.pad_token_id}
    gen_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids.update(gen_eos if isinstance(gen_eos, list) else [gen_eos])
    return sorted(i for i in ids if isinstance(i, int))


def greedy(model: Any, tokenizer: Any, pairs: list[EvalPair], max_new_tokens: int, device: Any
           ) -> list[tuple[str, int]]:
    """(text, tokens generated) per prompt: one left-padded batch, greedy, cut at the first stop token.

    Deterministic for a given prompt set: no sampling, and the batch is always the same prompts.
    """
    import torch

    if not pairs:
        return []
    encs = [list(tokenizer.apply_chat_template(p.prompt, tokenize=True, return_dict=True,
                                               add_generation_prompt=True)["input_ids"]) for p in pairs]
    width = max(len(e) for e in encs)
    pad = tokenizer.pad_token_id
    ids = torch.tensor([[pad] * (width - len(e)) + e for e in encs], device=device)
    mask = torch.tensor([[0] * (width - len(e)) + [1] * len(e) for e in encs], device=device)
    stops = stop_ids(model, tokenizer)
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=max_new_tokens, do_sample=False,
                             num_beams=1, use_cache=True, pad_token_id=pad, eos_token_id=stops)
    results = []
    for row in out[:, width:].tolist():
        cut = next((i for i, t in enumerate(row) if t in stops), len(row))
        results.append((str(tokenizer.decode(row[:cut], skip_special_tokens=True)), cut))
    return results


def rows(pairs: list[EvalPair], base: list[tuple[str, int]], tuned: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """The report's `generations` entries (text exactly as decoded; whitespace is kept)."""
    return [{"id": p.id, "lang": p.meta.get("lang", "unknown"), "prompt": prompt_text(p), "base": b[0],
             "tuned": t[0], "base_tokens": b[1], "tuned_tokens": t[1], "chosen": p.chosen[-1]["content"]}
            for p, b, t in zip(pairs, base, tuned, strict=True)]
