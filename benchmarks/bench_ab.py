"""A/B speed on the demo model: `eval --ab` of 200 golden prompts with 64 new tokens end to end (target:
under 2 minutes on this machine), and length-batched KV-cached generation against one prompt at a time,
same process, same prompts.

    python benchmarks/bench_ab.py --run-dir RUN [--prompts 200] [--baseline-prompts 40]

Needs a finished demo run (`make demo`); its golden split is what is answered. The end-to-end run uses
a fresh report name and no cache, so every answer is generated.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def end_to_end(run_dir: Path, prompts: int) -> float:
    # A copy of the run without its eval/ cache, so nothing is served from an earlier A/B.
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / run_dir.name
        shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("eval", "checkpoint-*"))
        t = time.monotonic()
        out = subprocess.run([sys.executable, "-m", "trainer.evaluation", str(copy), "--ab", "--limit", str(prompts),
                              "--max-new-tokens", "64", "--no-event", "--name", "bench"], cwd=ROOT,
                             capture_output=True, text=True)
        wall = time.monotonic() - t
        if out.returncode != 0:
            sys.exit(out.stderr)
    return wall


def generation_ratio(run_dir: Path, n: int) -> tuple[float, float]:
    from trainer.evaluation import model
    from trainer.evaluation.ab import generation
    from trainer.evaluation.pairs import load_pairs, resolve_split

    cfg = model.load_run_config(run_dir)
    _, adapter = model.resolve_checkpoint(run_dir, None)
    _, split = resolve_split("golden", cfg, run_dir)
    pairs = load_pairs(split, n)
    loaded = model.load(cfg, adapter, "cpu", None, "fp32")
    enc = generation.encode_prompts(loaded.tokenizer, [p.prompt for p in pairs])
    dec = generation.Decoding(max_new_tokens=64)
    with loaded.model.disable_adapter():
        t = time.monotonic()
        batched = generation.generate(loaded.model, loaded.tokenizer, enc, dec, loaded.device, 4096, False)
        t_batched = time.monotonic() - t
        t = time.monotonic()
        single = [generation.generate(loaded.model, loaded.tokenizer, [e], dec, loaded.device, 4096, False)[0]
                  for e in enc]
        t_single = time.monotonic() - t
    same = sum(a == b for a, b in zip(batched, single, strict=True))
    print(f"greedy answers identical batched vs alone: {same}/{len(enc)}")
    return t_batched, t_single


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run-dir", type=Path, required=True)
    ap.add_argument("--prompts", type=int, default=200)
    ap.add_argument("--baseline-prompts", type=int, default=40)
    args = ap.parse_args()
    wall = end_to_end(args.run_dir, args.prompts)
    print(f"eval --ab, {args.prompts} prompts x 64 new tokens, golden judge: {wall:.1f} s wall (target < 120 s)")
    tb, ts = generation_ratio(args.run_dir, args.baseline_prompts)
    print(f"generation of {args.baseline_prompts} prompts (base): length-batched {tb:.2f} s, one at a time "
          f"{ts:.2f} s, x{ts / tb:.1f} faster")


if __name__ == "__main__":
    main()
