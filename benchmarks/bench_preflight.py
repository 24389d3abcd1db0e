"""Preflight accuracy: its projected s/step and peak RSS against a measured run of the same config.

    python benchmarks/bench_preflight.py --model builtin:qwen2.5-0.5b-random --max-length 512 --accum 4 --steps 5

The issue's target: projected s/step within +-25% and peak RSS within +-20% of the measured run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="builtin:qwen2.5-0.5b-random")
    p.add_argument("--max-length", type=int, default=512)
    p.add_argument("--probe-length", type=int, default=None, help="default: the max length (no extrapolation)")
    p.add_argument("--accum", type=int, default=4)
    p.add_argument("--steps", type=int, default=5)
    a = p.parse_args()
    import trainer_fixtures as fx

    with tempfile.TemporaryDirectory() as tmp:
        data = fx.write_split_dir(Path(tmp) / "data", n_train=48, n_val=2)
        sets = {"model.name_or_path": a.model, "dpo.max_length": a.max_length, "training.max_steps": a.steps,
                "training.gradient_accumulation_steps": a.accum, "training.per_device_batch_size": 1,
                "training.eval_every_steps": 0, "checkpointing.save_every_steps": 0, "data.path": data,
                "data.recipe": "null", "checkpointing.output_root": Path(tmp) / "out"}
        over = [x for k, v in sets.items() for x in ("--set", f"{k}={v}")]
        base = [sys.executable, "-m", "alice_tui"]
        pre = subprocess.run([*base, "preflight", "configs/train_mac.yaml", "--json", "--probe-length",
                              str(a.probe_length or a.max_length), *over], cwd=ROOT, capture_output=True, text=True)
        if pre.returncode:
            print(pre.stderr[-3000:])
            return 1
        r = json.loads(pre.stdout.strip().splitlines()[-1])
        run_dir = Path(tmp) / "run"
        res = subprocess.run([*base, "train", "--config", "configs/train_mac.yaml", "--run-dir", str(run_dir), *over],
                             cwd=ROOT, capture_output=True, text=True)
        if res.returncode:
            print(res.stderr[-3000:] + fx.log_tail(run_dir))
            return 1
        step_evs = fx.events(run_dir, "step")
        steps = [e["step_time_s"] for e in step_evs][1:]  # the first pays warm-up
        # Real (non-padding) tokens of each measured step: how long the pairs the sampler drew were.
        counts = [e["num_tokens"] for e in step_evs]
        step_tokens = [b - a for a, b in itertools.pairwise(counts)]
        rss = max(e["rss_bytes"] for e in fx.events(run_dir, "resources"))
    measured = statistics.median(steps)
    measured_tps = sum(step_tokens) / sum(steps)
    print(f"model {a.model}, max_length {a.max_length}, batch 1 x {a.accum}, {a.steps} steps, "
          f"probe {r['probe_length']} tokens x {r['probe_micro_steps']} micro-steps")
    print(f"data       {r['pairs_measured']} pairs, mean padded length {r['mean_padded_length']}, longest "
          f"{r['longest_padded_length']}; probe micro-batches padded to {r['probe_padded_lengths']}")
    print(f"tokens     per step projected {r['projected_tokens_per_step']}  measured steps drew "
          f"{statistics.fmean(step_tokens):.0f} on average (the sampler's first steps, not the epoch)")
    print(f"tokens/s   projected {r['projected_tokens_per_s']:.1f}  measured {measured_tps:.1f}  "
          f"ratio {r['projected_tokens_per_s'] / measured_tps:.3f}")
    print(f"longest    s/step if every batch were the longest: {r['projected_step_s_longest']:.2f}")
    print(f"s/step     projected {r['projected_step_s']:.2f}  measured {measured:.2f}  "
          f"ratio {r['projected_step_s'] / measured:.3f}  (target 0.75-1.25)")
    print(f"peak RSS   projected {r['projected_peak_rss_bytes'] / 2**30:.2f} GiB  measured {rss / 2**30:.2f} GiB  "
          f"ratio {r['projected_peak_rss_bytes'] / rss:.3f}  (target 0.80-1.20)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
