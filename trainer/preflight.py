"""`alice-tui preflight CONFIG`: before a long run, measure a few real micro-steps and project memory and time.

The training split is tokenized as TRL will (chat template, cut to max_length, each micro-batch padded
to its longest pair, batches drawn like the HF sampler draws them), which gives the epoch's mean padded
length. The probe trains the config's own model, LoRA and loss for a few micro-steps: first the longest
batch (the memory peak, untimed warm-up), then batches of typical length (the time), each cut to the
probe length. Time per padded token is then scaled to the mean padded length and multiplied out by
gradient accumulation; activation memory is scaled to the longest batch (weights and optimizer state
do not scale).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from trainer import config as cfgmod
from trainer import device as devmod
from trainer import paths as pathmod

HEADROOM = 0.85  # a run that needs more than this share of RAM will swap or be killed hours in


class _Peak(threading.Thread):
    """Samples process RSS every 20 ms; the peak is what the OS must find room for."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.proc, self.peak, self.halt = psutil.Process(), 0, threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.02):
            self.peak = max(self.peak, self.proc.memory_info().rss)


def _step_timer() -> Any:
    from transformers import TrainerCallback

    class StepTimes(TrainerCallback):
        def __init__(self) -> None:
            self.times: list[float] = []
            self._t = 0.0

        def on_step_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self._t = time.perf_counter()

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self.times.append(time.perf_counter() - self._t)

    return StepTimes()


def _log(message: str, level: str = "info") -> None:
    print(f"preflight: {message}", file=sys.stderr, flush=True)


LENGTH_SAMPLE = 2000  # pairs tokenized for the length mix: enough for the mean, cheap next to the probe itself


def _chat_ids(tok: Any, messages: list[dict[str, Any]], **kw: Any) -> list[int]:
    ids = tok.apply_chat_template(messages, tokenize=True, return_dict=True, **kw)["input_ids"]
    return list(ids)


def pair_lengths(tok: Any, records: list[dict[str, Any]], max_length: int) -> list[tuple[int, int] | None]:
    """(padded length, real tokens) of each pair as TRL 1.16's preference collator sees it.

    TRL tokenizes prompt+chosen and prompt+rejected with the chat template, cuts each to max_length
    (keep_start) and pads the pair to its longer side; a pair whose prompt alone fills max_length is
    dropped before training (None here).
    """
    out: list[tuple[int, int] | None] = []
    for r in records:
        prompt = len(_chat_ids(tok, r["prompt"], add_generation_prompt=True))
        if prompt >= max_length:
            out.append(None)
            continue
        chosen = min(len(_chat_ids(tok, r["prompt"] + r["chosen"])), max_length)
        rejected = min(len(_chat_ids(tok, r["prompt"] + r["rejected"])), max_length)
        out.append((max(chosen, rejected), chosen + rejected))
    return out


def batch_lengths(padded: list[int], batch: int, accum: int, grouped: bool, seed: int) -> list[int]:
    """The padded length of every micro-batch of one epoch, in the order the HF sampler draws them.

    Grouped: transformers' LengthGroupedSampler over batch x accum (megabatches sorted by length);
    else a random permutation. A micro-batch is padded to its longest pair.
    """
    import torch
    from transformers.trainer_pt_utils import get_length_grouped_indices

    g = torch.Generator().manual_seed(seed)
    order = (get_length_grouped_indices(padded, batch * accum, generator=g) if grouped
             else torch.randperm(len(padded), generator=g).tolist())
    return [max(padded[i] for i in order[k:k + batch]) for k in range(0, len(order), batch)]


def _probe_pairs(lengths: list[tuple[int, int]], batch: int, micro_steps: int, target: float) -> list[int]:
    """Indices for the probe: first the longest batch (peak memory, and the untimed warm-up), then batches
    of the pairs nearest the epoch's typical padded length, whose time is what a run spends per step."""
    by_length = sorted(range(len(lengths)), key=lambda i: lengths[i][0], reverse=True)
    warm = by_length[:batch]
    rest = sorted(by_length[batch:], key=lambda i: (abs(lengths[i][0] - target), i))
    timed = rest[:batch * (micro_steps - 1)]
    # Too few pairs for distinct timed batches: repeat what there is (the time, not the data, is measured).
    while len(timed) < batch * (micro_steps - 1):
        timed.append((rest or warm)[len(timed) % len(rest or warm)])
    return warm + timed


def probe(cfg: cfgmod.TrainConfig, probe_length: int = 512, micro_steps: int = 3) -> dict[str, Any]:
    import random

    from transformers import AutoTokenizer

    from trainer import run as runmod
    from trainer import tiny_model

    choice = devmod.choose(cfg.device.device, cfg.device.precision)
    length = min(probe_length, cfg.dpo.max_length)
    batch, accum = cfg.training.per_device_batch_size, cfg.training.gradient_accumulation_steps
    _, train, _ = runmod.read_data(cfg, log=lambda *a, **k: None)
    source = tiny_model.resolve(cfg.model.name_or_path, choice.precision)
    tok = AutoTokenizer.from_pretrained(source, revision=cfg.model.revision,
                                        trust_remote_code=cfg.model.trust_remote_code)
    sample = train if len(train) <= LENGTH_SAMPLE else random.Random(cfg.seed).sample(train, LENGTH_SAMPLE)
    measured = list(zip(sample, pair_lengths(tok, sample, cfg.dpo.max_length), strict=True))
    kept = [r for r, n in measured if n is not None]
    lengths = [n for _, n in measured if n is not None]
    if not lengths:
        raise SystemExit(f"preflight: every pair's prompt fills dpo.max_length={cfg.dpo.max_length}")
    padded = [p for p, _ in lengths]
    mean_padded = statistics.fmean(batch_lengths(padded, batch, accum, cfg.training.group_by_length, cfg.seed))
    picks = _probe_pairs(lengths, batch, micro_steps, mean_padded)
    probe_cfg = dataclasses.replace(
        cfg, dpo=dataclasses.replace(cfg.dpo, max_length=length),
        training=dataclasses.replace(cfg.training, max_steps=micro_steps, gradient_accumulation_steps=1,
                                     eval_every_steps=0, warmup_ratio=0.0, group_by_length=False),
        checkpointing=dataclasses.replace(cfg.checkpointing, save_every_steps=0))
    peak = _Peak()
    peak.start()
    timer = _step_timer()
    with tempfile.TemporaryDirectory(prefix="preflight-") as tmp:
        trainer = runmod.build_trainer(probe_cfg, Path(tmp), choice, [timer], _log,
                                       [kept[i] for i in picks], None, source)
        if len(trainer.train_dataset) < len(picks):
            raise SystemExit(f"preflight: a probe pair's prompt fills {length} tokens; raise --probe-length")
        trainer.args.train_sampling_strategy = "sequential"  # the longest batch first, as picked
        base_rss = psutil.Process().memory_info().rss
        trainer.train()
    peak.halt.set()
    peak.join()
    # Micro-batch i trained pairs picks[i*batch:(i+1)*batch], each cut to the probe length.
    probe_padded = [min(length, max(lengths[j][0] for j in picks[i * batch:(i + 1) * batch]))
                    for i in range(micro_steps)]
    timed = list(zip(timer.times[1:], probe_padded[1:], strict=False))  # the first pays one-off allocations
    s_per_padded_token = sum(t for t, _ in timed) / sum(n for _, n in timed)
    longest = max(padded)
    step_s = s_per_padded_token * mean_padded * accum
    worst_s = s_per_padded_token * longest * accum
    tokens_per_step = statistics.fmean(n for _, n in lengths) * batch * accum  # chosen + rejected, no padding
    # Activation memory grows with the longest micro-batch; the probe's warm-up batch was the longest, cut.
    rss = base_rss + (peak.peak - base_rss) * longest / probe_padded[0]
    total = psutil.virtual_memory().total
    return {
        "device": choice.device, "precision": choice.precision, "model": cfg.model.name_or_path,
        "probe_length": length, "probe_micro_steps": len(timer.times),
        "probe_micro_step_s": round(statistics.median(t for t, _ in timed), 3),
        "probe_padded_lengths": probe_padded, "probe_s_per_padded_token": s_per_padded_token,
        "pairs_measured": len(lengths), "mean_padded_length": round(mean_padded, 1),
        "longest_padded_length": longest,
        "probe_peak_rss_bytes": peak.peak, "base_rss_bytes": base_rss,
        "device_peak_bytes": devmod.peak_memory_bytes(choice.device),
        "projected_step_s": round(step_s, 3), "projected_step_s_longest": round(worst_s, 3),
        "projected_tokens_per_step": round(tokens_per_step), "projected_tokens_per_s": round(tokens_per_step / step_s, 1),
        "projected_peak_rss_bytes": int(rss), "max_steps": cfg.training.max_steps,
        "projected_total_s": round(step_s * cfg.training.max_steps), "machine_memory_bytes": total,
        "fits": rss < HEADROOM * total, "suggestions": suggestions(cfg, rss, total),
    }


def suggestions(cfg: cfgmod.TrainConfig, rss: float, total: int) -> list[str]:
    """The settings that change memory or time the most, in the order a user should try them."""
    out = []
    if not cfg.training.gradient_checkpointing:
        out.append("training.gradient_checkpointing: true (activation memory down several-fold, ~30% slower)")
    if rss > HEADROOM * total:
        out.append(f"dpo.max_length: {cfg.dpo.max_length // 2} (activation memory and step time roughly halve)")
    if not cfg.dpo.precompute_ref_log_probs:
        out.append("dpo.precompute_ref_log_probs: true (no reference forward per step, one pass up front)")
    if cfg.training.per_device_batch_size > 1:
        out.append("training.per_device_batch_size: 1 with more gradient_accumulation_steps (same batch, less memory)")
    return out


def _gib(n: float | None) -> str:
    return "n/a" if n is None else f"{n / 2**30:.2f} GiB"


def render(r: dict[str, Any]) -> str:
    hours = r["projected_total_s"] / 3600
    lines = [f"preflight: {r['model']} on {r['device']} ({r['precision']}), probe {r['probe_micro_steps']} "
             f"micro-steps of {', '.join(map(str, r['probe_padded_lengths']))} tokens (cap {r['probe_length']}): "
             f"{r['probe_micro_step_s']} s each",
             f"  data                 {r['pairs_measured']} pairs tokenized: batches padded to {r['mean_padded_length']}"
             f" tokens on average, longest {r['longest_padded_length']}",
             f"  projected s/step     {r['projected_step_s']}  ({r['projected_tokens_per_s']} tokens/s; "
             f"{r['projected_step_s_longest']} if every batch were the longest)",
             f"  projected {r['max_steps']} steps  {hours:.1f} h",
             f"  peak RSS             {_gib(r['projected_peak_rss_bytes'])} of {_gib(r['machine_memory_bytes'])}"
             f" ({'fits' if r['fits'] else 'DOES NOT FIT'} with {int((1 - HEADROOM) * 100)}% headroom)",
             f"  device peak (probe)  {_gib(r['device_peak_bytes'])}"]
    lines += [f"  try: {s}" for s in r["suggestions"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="alice-tui preflight", description=__doc__)
    p.add_argument("config", type=Path)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--probe-length", type=int, default=512, help="tokens per pair in the probe (default 512)")
    p.add_argument("--micro-steps", type=int, default=3, help="probe micro-steps; the first is not timed")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    try:
        cfg = pathmod.resolve_config_paths(cfgmod.load(args.config, args.overrides))
    except (cfgmod.ConfigError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    result = probe(cfg, args.probe_length, max(2, args.micro_steps))
    print(json.dumps(result) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
