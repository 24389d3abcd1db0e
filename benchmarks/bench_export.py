"""Delivery costs: step time with training.report_to=tensorboard against none (same config, same process
tree, run back to back), and the wall time of `alice-tui export` (adapter, merged) and `alice-tui plot`.

    python benchmarks/bench_export.py [--steps 20]

The tracker ratio is the figure that matters (a tracker must not slow training); the export and plot
times include the interpreter start and the heavy imports, as a user sees them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
ALICE = str(Path(sys.executable).with_name("alice-tui"))


def train(tmp: Path, data: Path, name: str, steps: int, report_to: str) -> tuple[Path, float]:
    import trainer_fixtures as fx

    cfg = fx.small_config(data, tmp / "runs", name=name,
                          training={"max_steps": steps, "per_device_batch_size": 4, "report_to": report_to})
    run = fx.new_run(cfg, tmp / name)
    res = fx.run_trainer(run, timeout=900)
    if res.returncode:
        raise SystemExit(res.stderr.decode()[-2000:])
    # The first step carries warm-up (allocations, first tracker write): leave it out of the median.
    times = [e["step_time_s"] for e in fx.events(run, "step") if e.get("step_time_s") and e["step"] > 1]
    return run, statistics.median(times)


def timed(*args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([ALICE, *args], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    args = ap.parse_args()
    import trainer_fixtures as fx

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        data = fx.write_split_dir(tmp / "data", n_train=48, n_val=4)
        run, base = train(tmp, data, "none", args.steps, "none")
        _, tb = train(tmp, data, "tensorboard", args.steps, "tensorboard")
        adapter = timed("export", str(run), "--out", str(tmp / "ad"))
        merged = timed("export", str(run), "--merge", "--out", str(tmp / "mg"))
        png = timed("plot", str(run), "--out", str(tmp / "c.png"))
    print(f"| measure | value | vs baseline |\n| --- | --- | --- |\n"
          f"| median s/step, report_to none ({args.steps} steps, batch 4) | {base:.3f} | 1.00x |\n"
          f"| median s/step, report_to tensorboard | {tb:.3f} | {tb / base:.2f}x |\n"
          f"| `alice-tui export` adapter, wall | {adapter:.1f} s | |\n"
          f"| `alice-tui export --merge`, wall | {merged:.1f} s | |\n"
          f"| `alice-tui plot` PNG, wall | {png:.1f} s | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
