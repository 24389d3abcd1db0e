"""Training throughput: plain TRL by hand vs TRL defaults vs our trainer (socket, callback, sampler live).

One process, same tiny model, data and seed for every variant. Prints tokens/s and s/step of each
and the ratios against (a). Targets: (c)/(a) >= 0.99 (the control plane costs under 1%), and
(c) with length-grouped batching + precomputed reference log-probs >= 1.3x (a) tokens/s.

Throughput is measured the same way for every variant: from the start of the training loop to the
end of its last optimizer step, over the non-padding tokens TRL counts (`num_tokens`). One-off setup
(model load, tokenization, the reference precompute pass) is reported separately, not hidden.

    .venv/bin/python benchmarks/bench_train.py [--steps 30] [--repeats 2]
    .venv/bin/python benchmarks/bench_train.py --model builtin:qwen2.5-0.5b-random --max-length 512 \
        --batch 2 --steps 4 --pairs 32 --repeats 1 --only c_ours c_ours_grouped_precomputed
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trainer import device as _device  # noqa: E402,F401  (sets the MPS fallback before torch loads)


def make_data(out: Path, n: int = 400, seed: int = 11) -> Path:
    """Synthetic SV+EN pairs of varied length in the dataset builder's record format."""
    from datasets_build.synthetic import generate

    out.mkdir(parents=True, exist_ok=True)
    recs = []
    for lang in ("en", "sv"):
        for p in generate(lang, n // 2, seed):
            recs.append({"prompt": p["prompt"], "chosen": [{"role": "assistant", "content": p["chosen"]}],
                         "rejected": [{"role": "assistant", "content": p["rejected"]}]})
    (out / "train.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))
    return out


class Meter:
    """Start of the loop, end of the last optimizer step; a TrainerCallback built lazily (transformers import)."""

    def __new__(cls) -> Any:
        from transformers import TrainerCallback

        class _Meter(TrainerCallback):
            t0 = t1 = 0.0
            steps = 0

            def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
                self.t0 = time.monotonic()

            def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
                self.t1 = time.monotonic()
                self.steps += 1

        return _Meter()


def plain_trl(data_dir: Path, steps: int, batch: int, max_length: int, defaults: bool,
              model_name: str = "builtin:tiny-qwen2") -> dict[str, float]:
    """(a) DPOTrainer configured by hand in float32, or (b) with TRL's own defaults (bf16=True & co.)."""
    import torch
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    from trainer import data, tiny_model

    t_setup = time.monotonic()
    src = tiny_model.resolve(model_name)
    tok = AutoTokenizer.from_pretrained(src)
    model = AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32)
    ds = data.load_split(data_dir / "train.jsonl")
    out = tempfile.mkdtemp(prefix="bench-trl-")
    common: dict[str, Any] = dict(output_dir=out, max_steps=steps, per_device_train_batch_size=batch, seed=42,
                                  learning_rate=5e-4, max_length=max_length, report_to="none", save_strategy="no",
                                  disable_tqdm=True)
    if defaults:
        # Only what it takes to start on a CPU box: left alone, bf16=True refuses to run without use_cpu.
        args = DPOConfig(**common, use_cpu=not torch.cuda.is_available())
    else:
        args = DPOConfig(**common, bf16=False, fp16=False, use_cpu=True, gradient_checkpointing=False,
                         logging_steps=1, loss_type=["sigmoid"], beta=0.1)
    lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    meter = Meter()
    trainer = DPOTrainer(model=model, args=args, train_dataset=ds, processing_class=tok, peft_config=lora,
                         callbacks=[meter])
    setup = time.monotonic() - t_setup
    trainer.train()
    tokens = trainer._total_train_tokens
    loop = meter.t1 - meter.t0
    return {"tokens_per_s": tokens / loop, "s_per_step": loop / meter.steps, "setup_s": setup, "steps": meter.steps}


def ours(data_dir: Path, steps: int, batch: int, max_length: int, fast: bool,
         model_name: str = "builtin:tiny-qwen2") -> dict[str, float]:
    """(c) the real trainer flow in this process, with a live subscriber on its socket (like the console)."""
    from trainer import client, launch, paths, protocol, rundir
    from trainer import config as cfgmod
    from trainer.run import run

    cfg = cfgmod.load(ROOT / "configs/demo.yaml", [
        f"training.max_steps={steps}", f"training.per_device_batch_size={batch}", f"dpo.max_length={max_length}",
        f"data.path={data_dir}", "data.recipe=null", "checkpointing.save_every_steps=0",
        f"training.group_by_length={str(fast).lower()}", f"dpo.precompute_ref_log_probs={str(fast).lower()}",
        "training.warmup_ratio=0", f"model.name_or_path={model_name}", f"checkpointing.output_root={tempfile.mkdtemp(prefix='bench-ours-')}"])
    run_dir = launch.new_run_dir(paths.resolve_config_paths(cfg))
    seen: list[dict[str, Any]] = []

    def watch() -> None:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                for ev in client.subscribe(run_dir, 0):
                    seen.append(ev)
                return
            except (client.NotRunning, OSError):
                time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t_start = time.time()
    code = run(run_dir)
    assert code == 0, (run_dir / rundir.EVENTS).read_text()[-2000:]
    watcher.join(5)
    events = list(rundir.iter_events(run_dir))
    t0 = next(e["t"] for e in events if e["type"] == protocol.STATE and e["state"] == protocol.TRAINING)
    step_evs = [e for e in events if e["type"] == protocol.STEP]
    loop = step_evs[-1]["t"] - t0
    assert len(seen) >= len(step_evs), "the live subscriber missed events"
    return {"tokens_per_s": step_evs[-1]["num_tokens"] / loop, "s_per_step": loop / len(step_evs),
            "setup_s": t0 - t_start, "steps": len(step_evs)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--model", default="builtin:tiny-qwen2", help="e.g. builtin:qwen2.5-0.5b-random (real shape)")
    ap.add_argument("--repeats", type=int, default=2, help="interleaved repeats; the median is reported")
    ap.add_argument("--data", type=Path, help="dataset dir with train.jsonl (default: synthetic pairs)")
    ap.add_argument("--pairs", type=int, help="synthetic pairs (default: max(64, steps x batch)); fewer keep the "
                                              "precompute pass short at a real shape on a CPU")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--only", nargs="+", metavar="VARIANT", help="run only these variants (a_trl_fp32 always runs)")
    args = ap.parse_args()
    import torch

    os.environ.setdefault("TQDM_DISABLE", "1")
    # One epoch of pairs: every precomputed reference log-prob is used once, as in a run of >= 1 epoch.
    data_dir = args.data or make_data(Path(tempfile.mkdtemp(prefix="bench-data-")),
                                      n=args.pairs or max(64, args.steps * args.batch))
    variants = {
        "a_trl_fp32": lambda: plain_trl(data_dir, args.steps, args.batch, args.max_length, defaults=False, model_name=args.model),
        # bf16 autocast on a CPU is an order of magnitude slower: a few steps show it.
        "b_trl_defaults": lambda: plain_trl(data_dir, min(args.steps, 10), args.batch, args.max_length, defaults=True, model_name=args.model),
        "c_ours": lambda: ours(data_dir, args.steps, args.batch, args.max_length, fast=False, model_name=args.model),
        "c_ours_grouped_precomputed": lambda: ours(data_dir, args.steps, args.batch, args.max_length, fast=True, model_name=args.model),
    }
    if args.only:
        variants = {k: v for k, v in variants.items() if k in args.only or k == "a_trl_fp32"}
    results: dict[str, list[dict[str, float]]] = {k: [] for k in variants}
    for r in range(args.repeats):
        for name, fn in variants.items():
            if name == "b_trl_defaults" and r > 0:
                continue
            res = fn()
            results[name].append(res)
            print(f"  repeat {r + 1} {name}: {res['tokens_per_s']:.0f} tok/s, {res['s_per_step']:.3f} s/step",
                  file=sys.stderr, flush=True)
    med = {k: {m: statistics.median(x[m] for x in v) for m in v[0]} for k, v in results.items()}
    base = med["a_trl_fp32"]["tokens_per_s"]
    print(f"\n{args.model}, torch {torch.__version__}, {torch.get_num_threads()} threads, {args.steps} steps x batch {args.batch}, "
          f"max_length {args.max_length}, median of {args.repeats} interleaved repeats\n")
    print(f"{'variant':32} {'tokens/s':>10} {'s/step':>8} {'setup s':>8} {'vs (a)':>7}")
    for k, v in med.items():
        print(f"{k:32} {v['tokens_per_s']:10.0f} {v['s_per_step']:8.3f} {v['setup_s']:8.1f} "
              f"{v['tokens_per_s'] / base:6.2f}x")
    print()
    if "c_ours" in med:
        # Paired per repeat: neighbours in time share the machine's mood, so their ratio is steadier.
        pairs = [c["tokens_per_s"] / a["tokens_per_s"] for a, c in zip(results["a_trl_fp32"], results["c_ours"],
                                                                       strict=False)]
        print(f"(c)/(a) = {med['c_ours']['tokens_per_s'] / base:.3f}  (target >= 0.99); per repeat: "
              + ", ".join(f"{p:.3f}" for p in pairs))
    if "c_ours_grouped_precomputed" in med:
        print(f"(c, grouped + precomputed)/(a) = {med['c_ours_grouped_precomputed']['tokens_per_s'] / base:.2f}x"
              "  (target >= 1.3x)")
    if "b_trl_defaults" in med:
        print(f"(b)/(a) = {med['b_trl_defaults']['tokens_per_s'] / base:.3f}  (TRL defaults: bf16 on CPU)")
    if args.json:
        args.json.write_text(json.dumps({"median": med, "runs": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
