"""`alice-tui preflight CONFIG`: before a long run, measure a few real micro-steps and project memory and time.

The probe trains the config's own model, LoRA and loss on the dataset's longest pairs, cut to a probe
length, with one micro-step per optimizer step; time and activation memory are then scaled linearly to
max_length and multiplied out by gradient accumulation (the weights and optimizer state do not scale).
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


def probe(cfg: cfgmod.TrainConfig, probe_length: int = 512, micro_steps: int = 3) -> dict[str, Any]:
    from trainer import run as runmod

    choice = devmod.choose(cfg.device.device, cfg.device.precision)
    length = min(probe_length, cfg.dpo.max_length)
    batch = cfg.training.per_device_batch_size
    _, train, _ = runmod.read_data(cfg, log=lambda *a, **k: None)
    longest = sorted(train, key=lambda r: int(r.get("n_tokens") or 0), reverse=True)[:batch * (micro_steps + 1)]
    probe_cfg = dataclasses.replace(
        cfg, dpo=dataclasses.replace(cfg.dpo, max_length=length),
        training=dataclasses.replace(cfg.training, max_steps=micro_steps, gradient_accumulation_steps=1,
                                     eval_every_steps=0, warmup_ratio=0.0, group_by_length=False),
        checkpointing=dataclasses.replace(cfg.checkpointing, save_every_steps=0))
    peak = _Peak()
    peak.start()
    from trainer import tiny_model

    source = tiny_model.resolve(cfg.model.name_or_path, choice.precision)
    timer = _step_timer()
    with tempfile.TemporaryDirectory(prefix="preflight-") as tmp:
        trainer = runmod.build_trainer(probe_cfg, Path(tmp), choice, [timer], _log,
                                       longest, None, source)
        if len(trainer.train_dataset) == 0:
            raise SystemExit(f"preflight: every probe pair's prompt fills {length} tokens; raise --probe-length")
        base_rss = psutil.Process().memory_info().rss
        trainer.train()
    peak.halt.set()
    peak.join()
    measured = timer.times[1:] or timer.times  # the first step pays one-off allocations and compiles
    micro_s = statistics.median(measured)
    scale = cfg.dpo.max_length / length
    accum = cfg.training.gradient_accumulation_steps
    step_s = micro_s * scale * accum
    tokens_per_step = 2 * cfg.dpo.max_length * batch * accum  # chosen + rejected, at the length cap
    rss = base_rss + (peak.peak - base_rss) * scale
    total = psutil.virtual_memory().total
    return {
        "device": choice.device, "precision": choice.precision, "model": cfg.model.name_or_path,
        "probe_length": length, "probe_micro_steps": len(timer.times), "probe_micro_step_s": round(micro_s, 3),
        "probe_peak_rss_bytes": peak.peak, "base_rss_bytes": base_rss,
        "device_peak_bytes": devmod.peak_memory_bytes(choice.device),
        "projected_step_s": round(step_s, 3), "projected_tokens_per_s": round(tokens_per_step / step_s, 1),
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
             f"micro-steps at {r['probe_length']} tokens: {r['probe_micro_step_s']} s each",
             f"  projected s/step     {r['projected_step_s']}  ({r['projected_tokens_per_s']} tokens/s)",
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
