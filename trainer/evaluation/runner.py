"""One evaluation, start to end: pairs → model → log-probs (base, tuned) → metrics → generations → report."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainer import rundir
from trainer.evaluation import report as reportmod
from trainer.evaluation import report_plots
from trainer.evaluation.bootstrap import DEFAULT_RESAMPLES
from trainer.evaluation.pairs import EvalPair, load_pairs, resolve_split, resolve_target
from trainer.evaluation.progress import Progress
from trainer.evaluation.provenance import split_provenance


@dataclass
class EvalOptions:
    run_dir: Path
    checkpoint: str | None = None       # None: final/, else the newest complete checkpoint
    split: str = "test"                 # test | val | train | golden | path to a JSONL file
    limit: int | None = None
    name: str | None = None
    generations: int = 4                # side-by-side prompts (0: none)
    max_new_tokens: int = 64
    seed: int = 1234                    # bootstrap seed
    resamples: int = DEFAULT_RESAMPLES
    max_batch_tokens: int = 4096
    device: str | None = None           # None: the run's device config
    precision: str | None = None        # None: the run's precision (or the device's default with --device)
    threads: int | None = None          # CPU threads (None: device.num_threads, else the idle cores)
    record_event: bool = True


def _generation_pairs(opts: EvalOptions, cfg: Any, scored: list[EvalPair], split_name: str) -> list[EvalPair]:
    """Golden prompts when the run's dataset has a golden split, else the evaluated split's own."""
    from trainer.evaluation.generate import pick_prompts
    from trainer.evaluation.pairs import PairsError

    if opts.generations <= 0:
        return []

    if split_name != "golden":
        try:
            _, golden = resolve_split("golden", cfg, opts.run_dir)
            return pick_prompts(load_pairs(golden, limit=None), opts.generations)
        except PairsError:
            pass
    return pick_prompts(scored, opts.generations)


def _record_event(run_dir: Path, rep: dict[str, Any]) -> bool:
    """Append one `eval` event to the run's log, but only while no trainer owns that file."""
    if rundir.pid_alive(rundir.read_pid(run_dir)):
        return False
    from trainer.events import EventLog

    ov = rep["overall"]
    log = EventLog(rundir.RunPaths(run_dir).events)
    try:
        log.emit("eval", source="evaluation", name=rep["name"], report=rep["report_path"],
                 checkpoint=rep["checkpoint"], split=rep["split"], n_pairs=rep["n_pairs"],
                 base_accuracy=ov["base"]["accuracy"]["value"], tuned_accuracy=ov["tuned"]["accuracy"]["value"],
                 diff=ov["diff"]["value"], diff_ci=ov["diff"]["ci"], significant=ov["diff"]["significant"])
    finally:
        log.close()
    return True


def _score_and_generate(loaded: Any, seqs: list[Any], gen_pairs: list[EvalPair], opts: EvalOptions,
                        progress: Progress, timings: dict[str, Any]) -> tuple[Any, Any, list[dict[str, Any]]]:
    """Completion log-probs of every sequence (rows: pairs, columns: chosen, rejected) under the base and
    the tuned model, and the side-by-side generations. Each sequence gets one forward per model state."""
    import numpy as np

    from trainer.evaluation import generate
    from trainer.evaluation.logprobs import sequence_logprobs

    model, tok = loaded.model, loaded.tokenizer

    def score(phase: str) -> np.ndarray:
        t = time.monotonic()
        lp = sequence_logprobs(model, seqs, tok.pad_token_id, loaded.device, opts.max_batch_tokens,
                               progress.phase(phase))
        timings[f"{phase}_s"] = time.monotonic() - t
        return np.asarray(lp, dtype=np.float64).reshape(-1, 2)

    with model.disable_adapter():
        base = score("base")
    gen_progress = progress.phase("generate")
    n_gen = len(gen_pairs)
    # Unmerged LoRA adds two small matmuls per adapted layer per token (doubling the tiny model's cost);
    # merged weights give the same outputs. fp32 only: merging into bf16 weights would round them.
    merge = loaded.precision == "fp32"
    timings["tuned_merged"] = merge
    if merge:
        model.merge_adapter()
    try:
        tuned = score("tuned")
        t = time.monotonic()
        tuned_gen = generate.greedy(model, tok, gen_pairs, opts.max_new_tokens, loaded.device)
    finally:
        if merge:
            model.unmerge_adapter()
    if n_gen:
        gen_progress(n_gen, 2 * n_gen)
    with model.disable_adapter():
        base_gen = generate.greedy(model, tok, gen_pairs, opts.max_new_tokens, loaded.device)
    if n_gen:
        gen_progress(2 * n_gen, 2 * n_gen)
    timings["generate_s"] = time.monotonic() - t
    return base, tuned, generate.rows(gen_pairs, base_gen, tuned_gen)


def evaluate(opts: EvalOptions, progress: Progress) -> Path:
    """Run the evaluation and write the report; returns the report JSON path."""
    import numpy as np

    from trainer.evaluation import metrics, model
    from trainer.evaluation.encode import encode_pairs
    from trainer.evaluation.slices import slice_indices

    t0 = time.monotonic()
    timings: dict[str, Any] = {}
    target = resolve_target(opts.run_dir, opts.checkpoint, opts.split, opts.name)
    run_dir, cfg, ckpt_label, adapter_dir = target.run_dir, target.cfg, target.checkpoint, target.adapter_dir
    split_name, split_path, name = target.split, target.split_path, target.name
    pairs = load_pairs(split_path, opts.limit)
    prov = split_provenance(split_path)
    progress.log(f"evaluating {ckpt_label} of {run_dir.name} on {split_name} ({len(pairs)} pairs)")

    # torch only now: bad arguments above fail in a fraction of a second.
    from trainer.evaluation.logprobs import Sequence

    t = time.monotonic()
    loaded = model.load(cfg, adapter_dir, opts.device, opts.threads, opts.precision,
                        pinned_base=rundir.pinned_base_model(run_dir))
    timings["load_s"] = time.monotonic() - t
    timings["threads"] = loaded.threads

    t = time.monotonic()
    encoded, skipped = encode_pairs(loaded.tokenizer, pairs, cfg.dpo.max_length)
    if not encoded:
        raise ValueError(f"none of the {len(pairs)} pairs can be scored: {skipped[0]['reason']}")
    seqs = [Sequence(e.prompt_ids + ids, len(e.prompt_ids)) for e in encoded for ids in (e.chosen_ids, e.rejected_ids)]
    timings["encode_s"] = time.monotonic() - t
    gen_pairs = _generation_pairs(opts, cfg, [pairs[e.index] for e in encoded], split_name)
    base, tuned, gens = _score_and_generate(loaded, seqs, gen_pairs, opts, progress, timings)

    t = time.monotonic()
    scores = metrics.PairScores(base[:, 0], base[:, 1], tuned[:, 0], tuned[:, 1],
                                np.array([len(e.chosen_ids) for e in encoded]),
                                np.array([len(e.rejected_ids) for e in encoded]))
    cols = metrics.per_pair(scores, cfg.dpo.beta)
    scored_pairs = [pairs[e.index] for e in encoded]
    overall, by_slice = metrics.summarize(cols, slice_indices(scored_pairs), opts.seed, opts.resamples)
    timings["metrics_s"] = time.monotonic() - t

    n_tokens = sum(len(s.ids) for s in seqs)
    timings["tokens_scored"] = 2 * n_tokens
    timings["score_tokens_per_s"] = 2 * n_tokens / max(1e-9, timings["base_s"] + timings["tuned_s"])
    timings["total_s"] = time.monotonic() - t0
    rep: dict[str, Any] = {
        "schema_version": reportmod.SCHEMA_VERSION, "name": name, "run_dir": str(run_dir),
        "checkpoint": ckpt_label, "adapter_dir": str(adapter_dir), "split": split_name,
        "split_path": str(split_path.resolve()), **prov, "n_pairs": len(encoded), "n_read": len(pairs),
        "skipped": skipped, "n_truncated": sum(e.truncated for e in encoded), "max_length": cfg.dpo.max_length,
        "beta": cfg.dpo.beta, "seed": opts.seed, "bootstrap_resamples": opts.resamples,
        "model": cfg.model.name_or_path, "device": loaded.device_name, "precision": loaded.precision,
        "created_t": time.time(), "overall": overall, "slices": by_slice, "generations": gens, "timings": timings,
    }
    rows = [{"id": p.id, **p.meta, "n_chosen": int(scores.n_chosen[i]), "n_rejected": int(scores.n_rejected[i]),
             "base_chosen": float(base[i, 0]), "base_rejected": float(base[i, 1]),
             "tuned_chosen": float(tuned[i, 0]), "tuned_rejected": float(tuned[i, 1]),
             **{k: float(v[i]) for k, v in cols.items()}} for i, p in enumerate(scored_pairs)]
    rep["plots"], rep["plots_note"] = report_plots.training_curves(run_dir, run_dir / rundir.EVAL_DIR, name)
    path = reportmod.write(rep, rows, run_dir / rundir.EVAL_DIR, name)
    if opts.record_event:
        _record_event(run_dir, {**rep, "report_path": str(path)})
    return path
