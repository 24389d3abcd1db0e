"""One A/B evaluation: prompts → answers of base and tuned (cached) → judged in both orders (cached) →
win rates with CIs, length control and the verdict line → report."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainer import rundir
from trainer.evaluation import report as reportmod
from trainer.evaluation.ab import cache as cachemod
from trainer.evaluation.ab import judges as judgemod
from trainer.evaluation.ab.generation import Decoding
from trainer.evaluation.ab.swap import Outcome, combine
from trainer.evaluation.bootstrap import DEFAULT_RESAMPLES
from trainer.evaluation.generate import prompt_text
from trainer.evaluation.pairs import EvalPair, load_pairs, resolve_target
from trainer.evaluation.progress import Progress
from trainer.evaluation.provenance import split_provenance

AB_SLICE_KEYS = ("lang", "domain")
MAX_ERRORS_LISTED = 20


@dataclass
class ABOptions:
    run_dir: Path
    checkpoint: str | None = None
    split: str = "golden"
    limit: int | None = None
    name: str | None = None
    judge: str = "golden"
    judge_config: str | None = None
    judge_overrides: dict[str, Any] = field(default_factory=dict)
    decoding: Decoding = field(default_factory=Decoding)
    seed: int = 1234                    # bootstrap seed (sampling uses decoding.seed)
    resamples: int = DEFAULT_RESAMPLES
    max_batch_tokens: int = 4096
    device: str | None = None
    precision: str | None = None
    threads: int | None = None
    record_event: bool = True


@contextlib.contextmanager
def _state(model: Any, tuned: bool, merge: bool) -> Iterator[None]:
    """The base (adapter disabled) or the tuned model; tuned with LoRA merged in fp32 (same outputs, faster)."""
    if not tuned:
        with model.disable_adapter():
            yield
        return
    if merge:
        model.merge_adapter()
    try:
        yield
    finally:
        if merge:
            model.unmerge_adapter()


def _answers(loaded: Any, pairs: list[EvalPair], dec: Decoding, tuned: bool, ident: dict[str, Any],
             gen_cache: cachemod.JsonlCache, opts: ABOptions, progress: Progress) -> list[list[tuple[str, int]]]:
    """Per prompt: the greedy answer, then the samples; only prompts missing from the cache are generated."""
    from trainer.evaluation.ab import generation

    side = "tuned" if tuned else "base"
    settings = {"max_new_tokens": dec.max_new_tokens, "device": loaded.device_name, "precision": loaded.precision}
    sample_settings = {**settings, "samples": dec.samples, "temperature": dec.temperature, "top_p": dec.top_p,
                       "seed": dec.seed}
    modes = [("greedy", settings, False)] + ([("sample", sample_settings, True)] if dec.samples else [])
    result: list[list[tuple[str, int]]] = [[] for _ in pairs]
    for mode, st, sample in modes:
        keys = [cachemod.key("generation", ident[side], p.prompt, mode, st) for p in pairs]
        cached = [gen_cache.get(k) for k in keys]
        todo = [i for i, c in enumerate(cached) if c is None]
        fresh: dict[int, list[tuple[str, int]]] = {}
        if todo:
            enc = generation.encode_prompts(loaded.tokenizer, [pairs[i].prompt for i in todo])
            ph = progress.phase(f"generate-{side}" + ("-samples" if sample else ""))
            with _state(loaded.model, tuned, loaded.precision == "fp32"):
                got = generation.generate(loaded.model, loaded.tokenizer, enc, dec, loaded.device,
                                          opts.max_batch_tokens, sample, ph)
            fresh = dict(zip(todo, got, strict=True))
            gen_cache.put_many({keys[i]: [list(a) for a in v] for i, v in fresh.items()})
        for i in range(len(pairs)):
            answers = fresh.get(i) or [tuple(a) for a in cached[i]]
            result[i].extend((str(t), int(n)) for t, n in answers)
    return result


def _judge_both_orders(judge: Any, pairs: list[EvalPair], base: list[list[tuple[str, int]]],
                       tuned: list[list[tuple[str, int]]], v_cache: cachemod.JsonlCache,
                       progress: Progress) -> list[list[tuple[Outcome, judgemod.Verdict, judgemod.Verdict]]]:
    from trainer.evaluation.ab.judges import JudgeItem, Verdict

    items: list[JudgeItem] = []
    for p, bs, ts in zip(pairs, base, tuned, strict=True):
        q, lang = prompt_text(p), p.meta.get("lang", "unknown")
        refs = (p.chosen[-1]["content"], p.rejected[-1]["content"])
        for (b, _), (t, _) in zip(bs, ts, strict=True):
            items.append(JudgeItem(q, t, b, lang, *refs))   # tuned first
            items.append(JudgeItem(q, b, t, lang, *refs))   # base first
    keys = [cachemod.key("verdict", judge.cache_id, dataclasses.astuple(it)) for it in items]
    verdicts: list[Verdict | None] = []
    for k in keys:
        c = v_cache.get(k)
        verdicts.append(Verdict(c["p_first"], None, c.get("detail", {})) if c else None)
    todo = [i for i, v in enumerate(verdicts) if v is None]
    if todo:
        got = judge.judge([items[i] for i in todo], progress.phase("judge"))
        for i, v in zip(todo, got, strict=True):
            verdicts[i] = v
        # Failures are not cached: the next run asks again.
        v_cache.put_many({keys[i]: {"p_first": v.p_first, "detail": v.detail}
                          for i, v in zip(todo, got, strict=True) if v.p_first is not None})
    out: list[list[tuple[Outcome, Verdict, Verdict]]] = []
    pos = 0
    for bs in base:
        row = []
        for _ in bs:
            vt, vb = verdicts[pos], verdicts[pos + 1]
            assert vt is not None and vb is not None
            row.append((combine(vt, vb), vt, vb))
            pos += 2
        out.append(row)
    return out


def evaluate_ab(opts: ABOptions, progress: Progress) -> Path:
    import numpy as np

    from trainer.evaluation import model as modelmod
    from trainer.evaluation.ab import summary
    from trainer.evaluation.ab.judge_golden import reference_margin
    from trainer.evaluation.slices import slice_indices

    t0 = time.monotonic()
    timings: dict[str, Any] = {}
    target = resolve_target(opts.run_dir, opts.checkpoint, opts.split, opts.name, prefix="ab-")
    run_dir, cfg, ckpt_label, adapter_dir = target.run_dir, target.cfg, target.checkpoint, target.adapter_dir
    split_name, split_path, name = target.split, target.split_path, target.name
    spec = opts.judge
    judgemod.check_spec(spec)
    jopts = judgemod.load_options(opts.judge_config, opts.judge_overrides)
    pairs = load_pairs(split_path, opts.limit)
    prov = split_provenance(split_path)
    progress.log(f"A/B of {ckpt_label} of {run_dir.name} vs its base on {split_name} ({len(pairs)} prompts), "
                 f"judge {spec}")

    eval_dir = run_dir / rundir.EVAL_DIR
    gen_cache = cachemod.JsonlCache(eval_dir / cachemod.CACHE_DIR / "generations.jsonl")
    v_cache = cachemod.JsonlCache(eval_dir / cachemod.CACHE_DIR / "verdicts.jsonl")
    pinned = rundir.pinned_base_model(run_dir)
    adapter_sha = cachemod.adapter_digest(adapter_dir)
    base_id = {"model": pinned or cfg.model.name_or_path, "revision": cfg.model.revision}
    ident = {"base": {**base_id, "adapter": None}, "tuned": {**base_id, "adapter": adapter_sha}}

    t = time.monotonic()
    loaded = modelmod.load(cfg, adapter_dir, opts.device, opts.threads, opts.precision, pinned_base=pinned)
    timings["load_s"] = time.monotonic() - t
    t = time.monotonic()
    base_ans = _answers(loaded, pairs, opts.decoding, False, ident, gen_cache, opts, progress)
    tuned_ans = _answers(loaded, pairs, opts.decoding, True, ident, gen_cache, opts, progress)
    timings["generate_s"] = time.monotonic() - t
    device_name, precision = loaded.device_name, loaded.precision
    del loaded
    gc.collect()  # the judge may be a model too; do not hold two

    t = time.monotonic()
    judge = judgemod.make_judge(spec, jopts)
    timings["judge_load_s"] = time.monotonic() - t
    t = time.monotonic()
    judged = _judge_both_orders(judge, pairs, base_ans, tuned_ans, v_cache, progress)
    timings["judge_s"] = time.monotonic() - t

    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    units: dict[str, list[float]] = {k: [] for k in ("score", "len_diff", "base_len", "tuned_len", "consistent",
                                                     "base_closer", "tuned_closer")}
    judged_pairs: list[EvalPair] = []
    for p, bs, ts, outs in zip(pairs, base_ans, tuned_ans, judged, strict=True):
        chosen, rejected = p.chosen[-1]["content"], p.rejected[-1]["content"]
        ok = []
        for k, ((b, nb), (tt, nt), (o, vt, vb)) in enumerate(zip(bs, ts, outs, strict=True)):
            row: dict[str, Any] = {"id": p.id, "sample": k, **{key: p.meta.get(key) for key in AB_SLICE_KEYS},
                   "base": b, "tuned": tt, "base_tokens": nb, "tuned_tokens": nt, "outcome": o.outcome,
                   "score": o.score, "consistent": o.consistent, "tuned_first": o.o_tuned_first,
                   "base_first": o.o_base_first, "p_first_tuned_first": vt.p_first, "p_first_base_first": vb.p_first,
                   "base_closer": reference_margin(b, chosen, rejected) > 0,
                   "tuned_closer": reference_margin(tt, chosen, rejected) > 0, "error": o.error}
            rows.append(row)
            if o.error:
                errors.append({"id": p.id, "sample": k, "error": o.error})
            else:
                ok.append(row)
        if ok:
            judged_pairs.append(p)
            units["score"].append(float(np.mean([r["score"] for r in ok])))
            units["len_diff"].append(float(np.mean([r["tuned_tokens"] - r["base_tokens"] for r in ok])))
            for key, col in (("base_len", "base_tokens"), ("tuned_len", "tuned_tokens"), ("consistent", "consistent"),
                             ("base_closer", "base_closer"), ("tuned_closer", "tuned_closer")):
                units[key].append(float(np.mean([float(r[col]) for r in ok])))
    if not judged_pairs:
        raise RuntimeError(f"the judge gave no verdict for any of the {len(pairs)} prompts; first error: "
                           f"{errors[0]['error'] if errors else 'none'}")
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in units.items()}
    overall, by_slice = summary.summarize(arrays, slice_indices(judged_pairs, AB_SLICE_KEYS), opts.seed,
                                          opts.resamples)
    judge_info = {"spec": spec if judge.kind != "http" else f"http:{getattr(judge, 'url', '')}",
                  "kind": judge.kind, "label": judge.label, "note": judge.note,
                  **({"api_key": getattr(judge, "key_note", "")} if judge.kind == "http" else {}),
                  **({"timeout_s": jopts.timeout_s, "retries": jopts.retries, "concurrency": jopts.concurrency}
                     if judge.kind == "http" else {})}
    verdict = summary.verdict_line(overall, split_name, judge.label)
    by_id = {r["id"]: r for r in rows if r["sample"] == 0}
    gens = [{"id": p.id, "lang": p.meta.get("lang"), "domain": p.meta.get("domain"), "prompt": prompt_text(p),
             "base": by_id[p.id]["base"], "tuned": by_id[p.id]["tuned"], "base_tokens": by_id[p.id]["base_tokens"],
             "tuned_tokens": by_id[p.id]["tuned_tokens"], "chosen": p.chosen[-1]["content"],
             "verdict": by_id[p.id]["outcome"], "consistent": by_id[p.id]["consistent"],
             "error": by_id[p.id]["error"]} for p in pairs]
    timings["total_s"] = time.monotonic() - t0
    rep: dict[str, Any] = {
        "schema_version": reportmod.SCHEMA_VERSION, "kind": "ab", "name": name, "run_dir": str(run_dir),
        "checkpoint": ckpt_label, "adapter_dir": str(adapter_dir), "adapter_sha256": adapter_sha,
        "split": split_name, "split_path": str(split_path.resolve()), **prov,
        "n_prompts": len(pairs), "n_pairs": len(judged_pairs), "n_answer_pairs": len(rows),
        "n_errors": len(errors), "errors": errors[:MAX_ERRORS_LISTED], "judge": judge_info,
        "decoding": dataclasses.asdict(opts.decoding), "seed": opts.seed, "bootstrap_resamples": opts.resamples,
        "model": cfg.model.name_or_path, "device": device_name, "precision": precision, "created_t": time.time(),
        "verdict": verdict, "overall": overall, "slices": by_slice, "generations": gens,
        "cache": {"generations": gen_cache.stats(), "verdicts": v_cache.stats()}, "timings": timings,
    }
    from trainer.evaluation.ab import report_ab

    path = reportmod.write(rep, rows, eval_dir, name, render=report_ab.render_markdown)
    if opts.record_event:
        _record_event(run_dir, rep, path)
    return path


def _record_event(run_dir: Path, rep: dict[str, Any], path: Path) -> None:
    """A log line in the run's history (only while no trainer owns events.jsonl)."""
    if rundir.pid_alive(rundir.read_pid(run_dir)):
        return
    from trainer.events import EventLog

    log = EventLog(rundir.RunPaths(run_dir).events)
    try:
        log.emit("log", level="info", message=f"eval {rep['name']} (A/B): {rep['verdict']['text']}",
                 report=str(path), source="evaluation-ab")
    finally:
        log.close()


def report_summary(path: Path) -> str:
    """The verdict line and the overall row, for the terminal."""
    rep = json.loads(path.read_text(encoding="utf-8"))
    return rep["verdict"]["text"]
