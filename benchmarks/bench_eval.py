"""Evaluation speed: a 200-pair split on the demo model end to end (target: under a minute on 2 CPU cores),
and batched-by-length scoring against a naive one-sequence-at-a-time full-logits loop, same process.

    python benchmarks/bench_eval.py [--run-dir RUN] [--split PATH] [--pairs 200]

Without --run-dir it uses the newest finished demo run under outputs/, else a run dir with a fresh
(untrained) demo-shaped LoRA; speed does not depend on what the adapter learned.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def newest_demo_run() -> Path | None:
    runs = sorted((p for p in (ROOT / "outputs").glob("demo-*") if (p / "final" / "adapter_config.json").is_file()),
                  key=lambda p: p.stat().st_mtime)
    return runs[-1] if runs else None


def fresh_run(root: Path) -> Path:
    import torch
    import yaml
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from trainer import tiny_model

    cfg = yaml.safe_load((ROOT / "configs" / "demo.yaml").read_text())
    run = root / "run"
    run.mkdir()
    (run / "config.yaml").write_text(yaml.safe_dump(cfg))
    src = tiny_model.resolve(cfg["model"]["name_or_path"])
    torch.manual_seed(0)
    lcfg = LoraConfig(r=cfg["lora"]["r"], lora_alpha=cfg["lora"]["alpha"], target_modules=cfg["lora"]["target_modules"],
                      init_lora_weights=False)
    get_peft_model(AutoModelForCausalLM.from_pretrained(src), lcfg).save_pretrained(run / "final")
    AutoTokenizer.from_pretrained(src).save_pretrained(run / "final")
    return run


def pick_split(run: Path, given: Path | None, n: int, tmp: Path) -> Path:
    if given:
        return given
    from trainer.evaluation.model import load_run_config
    from trainer.evaluation.pairs import PairsError, resolve_split

    cfg = load_run_config(run)
    for name in ("golden", "test"):
        try:
            return resolve_split(name, cfg, run)[1]
        except PairsError:
            continue
    from eval_fixtures import write_split

    path = tmp / "bench.jsonl"
    write_split(path, n, seed=0)
    return path


def naive_logprobs(model, seqs) -> list[float]:  # type: ignore[no-untyped-def]
    """The obvious way: one sequence per forward, full [length, vocab] logits."""
    import torch

    out = []
    with torch.no_grad():
        for s in seqs:
            logits = model(input_ids=torch.tensor([s.ids])).logits[0].float()
            lp = torch.log_softmax(logits[s.start - 1: -1], dim=-1)
            out.append(float(lp.gather(-1, torch.tensor(s.ids[s.start:])[:, None]).sum()))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run-dir", type=Path)
    ap.add_argument("--split", type=Path)
    ap.add_argument("--pairs", type=int, default=200)
    args = ap.parse_args()
    import torch

    tmp = Path(tempfile.mkdtemp(prefix="bench-eval-"))
    run = args.run_dir or newest_demo_run() or fresh_run(tmp)
    split = pick_split(run, args.split, args.pairs, tmp)
    print(f"run {run}\nsplit {split} (first {args.pairs} pairs), torch threads {torch.get_num_threads()}")

    # 1. The whole command, as the console starts it: imports, model load, both scorings, generations, report.
    t = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "trainer.evaluation", str(run), "--split", str(split), "--limit",
                          str(args.pairs), "--name", "bench", "--no-event", "--progress-json"],
                         cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - t
    if out.returncode != 0:
        print(out.stderr[-3000:])
        return 1
    rep = json.loads((run / "eval" / "bench.json").read_text())
    tm = rep["timings"]
    print(f"\nend to end: {rep['n_pairs']} pairs in {wall:.1f} s wall (target < 60 s) "
          f"[{'OK' if wall < 60 else 'MISSED'}]")
    print("  " + ", ".join(f"{k} {v:.2f}" for k, v in tm.items() if isinstance(v, float)))

    # 2. Scoring alone: batched by length vs naive, same model, same sequences, same process.
    from trainer.evaluation import model as modelmod
    from trainer.evaluation.encode import encode_pairs
    from trainer.evaluation.logprobs import Sequence, sequence_logprobs
    from trainer.evaluation.pairs import load_pairs

    cfg = modelmod.load_run_config(run)
    loaded = modelmod.load(cfg, modelmod.resolve_checkpoint(run, None)[1], "cpu")
    enc, _ = encode_pairs(loaded.tokenizer, load_pairs(split, args.pairs), cfg.dpo.max_length)
    seqs = [Sequence(e.prompt_ids + ids, len(e.prompt_ids)) for e in enc for ids in (e.chosen_ids, e.rejected_ids)]
    n_tok = sum(len(s.ids) for s in seqs)
    t = time.monotonic()
    fast = sequence_logprobs(loaded.model, seqs, loaded.tokenizer.pad_token_id, loaded.device)
    t_fast = time.monotonic() - t
    t = time.monotonic()
    slow = naive_logprobs(loaded.model, seqs)
    t_slow = time.monotonic() - t
    err = max(abs(a - b) for a, b in zip(fast, slow, strict=True))
    print(f"\nscoring {len(seqs)} sequences ({n_tok} tokens), adapter on:")
    print(f"  naive one-by-one full logits: {t_slow:.2f} s ({n_tok / t_slow:.0f} tok/s)")
    print(f"  batched by length:            {t_fast:.2f} s ({n_tok / t_fast:.0f} tok/s)  "
          f"speedup {t_slow / t_fast:.2f}x, max |Δ log p| {err:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
