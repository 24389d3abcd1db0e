"""`python -m trainer.evaluation` (what `alice-tui eval` execs): evaluate a run, or compare two reports."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from trainer.evaluation.bootstrap import DEFAULT_RESAMPLES


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {n}")
    return n


def _non_negative(text: str) -> int:
    n = int(text)
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {n}")
    return n


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="alice-tui eval",
        description="Preference accuracy of a run's adapter vs its base, with bootstrap CIs, per-slice "
                    "breakdown and side-by-side generations. `alice-tui eval compare A.json B.json` compares reports.")
    p.add_argument("run_dir", type=Path, help="run directory")
    p.add_argument("--checkpoint", help="final, a step number, or checkpoint-N (default: final, else the newest "
                                        "complete checkpoint)")
    p.add_argument("--split", help="test | val | train | golden (next to the run's data.path) "
                                   "or a path to a JSONL split (default: test; with --ab: golden)")
    p.add_argument("--limit", type=_positive, help="score only the first N pairs")
    p.add_argument("--name", help="report name: RUN_DIR/eval/NAME.json and .md (default: CHECKPOINT-SPLIT-TIME)")
    p.add_argument("--progress-json", action="store_true", help="JSON lines on stdout: progress, then done")
    p.add_argument("--generations", type=_non_negative, default=4,
                   help="golden prompts to answer greedily with base and tuned (default: 4; 0: none)")
    p.add_argument("--max-new-tokens", type=_positive, default=64, help="length cap of each generation (default 64)")
    p.add_argument("--seed", type=int, default=1234, help="bootstrap seed (default 1234)")
    p.add_argument("--resamples", type=_positive, default=DEFAULT_RESAMPLES, help="bootstrap resamples")
    p.add_argument("--max-batch-tokens", type=_positive, default=4096,
                   help="padded tokens per forward (batch size × longest sequence); lower it on small GPUs")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], help="override the run's device")
    p.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16"],
                   help="override the run's precision (cpu and mps: fp32 only)")
    p.add_argument("--threads", type=_positive, help="CPU threads (default: the run's device.num_threads, "
                                                    "else the number of idle cores)")
    p.add_argument("--no-event", action="store_true", help="do not append an eval event to the run's events.jsonl")
    ab = p.add_argument_group("A/B against the base (--ab)", "generate an answer from base and tuned for every "
                              "prompt and judge each pair in both orders")
    ab.add_argument("--ab", action="store_true", help="judged A/B win rate instead of preference accuracy")
    ab.add_argument("--judge", help="golden (default) | rm:PATH_OR_ID | lm:PATH_OR_ID | http:URL")
    ab.add_argument("--judge-config", help="YAML file with the judge block (spec, model, timeout_s, retries, "
                                           "concurrency, api_key_env, prompts: {lang: FILE}, ...)")
    ab.add_argument("--judge-model", help="http: the served model name")
    ab.add_argument("--judge-timeout", type=float, help="http: seconds per request (default 60)")
    ab.add_argument("--judge-retries", type=_non_negative, help="http: retries after a timeout or 429/5xx (default 2)")
    ab.add_argument("--judge-concurrency", type=_positive, help="http: requests in flight at most (default 4)")
    ab.add_argument("--judge-key-env", help="http: environment variable holding the API key (default OPENAI_API_KEY)")
    ab.add_argument("--samples", type=_non_negative, default=0,
                    help="sampled answers per prompt on top of the greedy one (default 0)")
    ab.add_argument("--temperature", type=float, default=0.7, help="sampling temperature (default 0.7)")
    return p


def _ab_options(args: argparse.Namespace) -> Any:
    from trainer.evaluation.ab.generation import Decoding
    from trainer.evaluation.ab.judges import config_spec
    from trainer.evaluation.ab.runner import ABOptions

    if args.temperature <= 0:
        raise ValueError(f"--temperature: must be > 0, got {args.temperature}")
    overrides = {"model": args.judge_model, "timeout_s": args.judge_timeout, "retries": args.judge_retries,
                 "concurrency": args.judge_concurrency, "api_key_env": args.judge_key_env}
    return ABOptions(run_dir=args.run_dir, checkpoint=args.checkpoint, split=args.split or "golden",
                     limit=args.limit, name=args.name,
                     judge=args.judge or config_spec(args.judge_config) or "golden",
                     judge_config=args.judge_config, judge_overrides=overrides,
                     decoding=Decoding(max_new_tokens=args.max_new_tokens, samples=args.samples,
                                       temperature=args.temperature, seed=args.seed),
                     seed=args.seed, resamples=args.resamples, max_batch_tokens=args.max_batch_tokens,
                     device=args.device, precision=args.precision, threads=args.threads,
                     record_event=not args.no_event)


def make_compare_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="alice-tui eval compare",
                                description="Compare two evaluation reports: B − A per slice, with significance.")
    p.add_argument("a", type=Path, help="report A (JSON)")
    p.add_argument("b", type=Path, help="report B (JSON)")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.add_argument("--seed", type=int, default=1234, help="bootstrap seed")
    return p


def cmd_compare(argv: list[str]) -> int:
    from trainer.evaluation.compare import compare, format_table

    args = make_compare_parser().parse_args(argv)
    try:
        result = compare(args.a, args.b, args.seed)
    except ValueError as e:
        print(f"alice-tui eval compare: error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else format_table(result))
    return 0


def cmd_eval(argv: list[str]) -> int:
    from trainer.config import ConfigError
    from trainer.evaluation.model import CheckpointError
    from trainer.evaluation.pairs import PairsError
    from trainer.evaluation.progress import Progress

    args = make_parser().parse_args(argv)
    progress = Progress(json_mode=args.progress_json)
    try:
        if args.ab:
            from trainer.evaluation.ab.runner import evaluate_ab

            path = evaluate_ab(_ab_options(args), progress)
        else:
            path = _evaluate_accuracy(args, progress)
    except (ConfigError, CheckpointError, PairsError, ValueError, RuntimeError) as e:
        progress.error(str(e))
        return 2
    except Exception as e:  # the console shows this line; the traceback goes to stderr
        import traceback

        traceback.print_exc()
        progress.error(f"{type(e).__name__}: {e}")
        return 1
    progress.done(str(path))
    if not args.progress_json:
        print(path)
        md = path.with_suffix(".md").read_text(encoding="utf-8")
        print(md.split("## Overall")[0].rstrip() if not args.ab else md.split("## By")[0].rstrip())
    return 0


def _evaluate_accuracy(args: argparse.Namespace, progress: Any) -> Path:
    from trainer.evaluation.runner import EvalOptions, evaluate

    opts = EvalOptions(run_dir=args.run_dir, checkpoint=args.checkpoint, split=args.split or "test", limit=args.limit,
                       name=args.name, generations=args.generations, max_new_tokens=args.max_new_tokens,
                       seed=args.seed, resamples=args.resamples, max_batch_tokens=args.max_batch_tokens,
                       device=args.device, precision=args.precision, threads=args.threads,
                       record_event=not args.no_event)
    return evaluate(opts, progress)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "compare":
        return cmd_compare(argv[1:])
    return cmd_eval(argv)
