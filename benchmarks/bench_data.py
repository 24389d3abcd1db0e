"""Dataset-builder speed: end-to-end pairs/s on 20,000 generated pairs with PII, and PII-step MB/s on one core.

    .venv/bin/python benchmarks/bench_data.py [--pairs 20000] [--workers 2] [--rounds 3] [--no-near-dup] [--no-off-baseline]

Targets (2-core machine): >= 5,000 pairs/s end to end with workers, >= 2 MB/s for the PII step on one core.
Baselines measured in the same run: a 1-worker build right before each N-worker build (this shared machine's
speed drifts by tens of percent from minute to minute), py3langid and json.dumps for the steps they were
replaced in, and a naive masker that runs phonenumbers' PhoneNumberMatcher over the whole text.
Every timed build starts from cold PII/language/line/word memos (`annotate.clear_memos`) and is warmed on
other pairs (tokenizer and language model loaded, BPE piece cache filled).

Figures on the idle 2-core dev machine, 2026-11-28, before the #14 steps (three runs of three rounds, load 1-1.4):
2 workers 4,870-6,780 pairs/s (run medians 5,359, 5,586, 6,212; 8 of 9 builds >= 5,000), 1 worker
2,976-4,278 pairs/s beside them (x1.37-1.85); PII step 13.7-13.8 MB/s on one core. Before this round of work: 2 workers 4,600-4,690
and 1 worker 3,190-3,400 on an idle machine.
Near-dup on (the default), 2026-12-03, load about 1.2, two runs of three rounds: 2 workers 5,907-6,109 pairs/s
(medians 5,917, 6,014), off 6,584-7,741, on/off x1.09-1.27 wall; 1 worker 3,308-3,695. The code before that
day's work, run right before in the same conditions: 3,643-4,041 with near-dup on (on/off x1.45-1.61).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from datasets_build import pii  # noqa: E402
from datasets_build.annotate import clear_memos  # noqa: E402
from datasets_build.pipeline import build  # noqa: E402
from datasets_build.recipe import from_dict  # noqa: E402
from datasets_build.synthetic import generate  # noqa: E402


def write_inputs(tmp: Path, n: int, seeds: tuple[int, int] = (11, 12)) -> tuple[dict[str, Path], list[str]]:
    files, texts = {}, []
    for lang, seed in zip(("sv", "en"), seeds, strict=True):
        pairs = generate(lang, n // 2, seed)
        path = tmp / f"{lang}-{seed}.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for p in pairs:
                fh.write(json.dumps({"prompt": p["prompt"], "chosen": p["chosen"], "rejected": p["rejected"],
                                     "domain": p["domain"]}, ensure_ascii=False) + "\n")
                texts += [p["prompt"][0]["content"], p["chosen"], p["rejected"]]
        files[lang] = path
    return files, texts


def _cpu_seconds() -> float:
    # This process and its finished children (the worker pool): what the build cost, whoever else runs.
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


NEAR_DUP = {"enabled": True}


def time_build(files: dict[str, Path], out: Path, workers: int,
               near_dup: bool | None = None) -> tuple[float, float, int, dict[str, float]]:
    """(wall seconds, CPU seconds, pairs read, wall seconds per stage summed over sources) of one build;
    `near_dup` overrides the --near-dup setting for this build."""
    nd = NEAR_DUP if near_dup is None else {"enabled": near_dup}
    recipe = from_dict({"name": f"bench{workers}", "version": "v1", "workers": workers, "max_tokens": 4096,
                        "near_dup": nd,
                        "dedup": True, "sources": [{"type": "local_jsonl", "name": lang, "path": str(p), "lang": lang}
                                                   for lang, p in files.items()]}, path="<bench>")
    clear_memos()  # every build starts from cold PII/language/line memos, as a fresh process would
    c, t = _cpu_seconds(), time.perf_counter()
    ds = build(recipe, out)
    elapsed, cpu = time.perf_counter() - t, _cpu_seconds() - c
    manifest = json.loads((ds / "manifest.json").read_text())
    stages: dict[str, float] = {}
    for timings in manifest["timings_s"]["sources"].values():
        for stage, sec in timings.items():
            stages[stage] = stages.get(stage, 0.0) + sec
    stages["splits+write"] = manifest["timings_s"]["total"] - sum(stages.values())
    return elapsed, cpu, sum(s["read"] for s in manifest["sources"].values()), stages


def per_step_cpu(pairs: list[dict[str, Any]]) -> list[tuple[str, float]]:
    """CPU µs per pair of each per-record step on one core, and of the token count the build used before."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from datasets_build.annotate import MAX_LANG_CHARS, chatml
    from datasets_build.builtin_tokenizer import load_fast_tokenizer
    from datasets_build.language_id import load as load_language_identifier
    from datasets_build.records import Record, make_id
    from datasets_build.steps import fingerprint
    from datasets_build.token_count import TokenCounter

    masker = pii.Masker()
    tok = load_fast_tokenizer("builtin:tiny-qwen2")
    ident = load_language_identifier(("en", "sv"))
    py3 = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    py3.set_languages(["en", "sv"])
    masked = [(masker.mask(p["prompt"][0]["content"])[0], masker.mask(p["chosen"])[0], masker.mask(p["rejected"])[0])
              for p in pairs]
    texts = [t for u, c, _ in masked for t in (chatml([{"role": "user", "content": u}]) + "<|im_start|>assistant\n",
                                                c + "<|im_end|>\n")]
    recs = [Record(id="x", prompt=[{"role": "user", "content": u}], chosen=c, rejected=r, source="s", lang="sv",
                   domain="d", quality=3, origin="o") for u, c, r in masked]
    samples = [f"{u[:MAX_LANG_CHARS // 4]}\n{c[:MAX_LANG_CHARS]}" for u, c, _ in masked]
    counter = TokenCounter(tok)
    counter.counts(texts[:2000])  # a warm pre-token cache, as in a build after its first batches
    masked_memo: dict[str, Any] = {}
    lang_memo: dict[str, str] = {}

    def memo_mask(text: str) -> Any:
        if text not in masked_memo:
            masked_memo[text] = masker.mask(text)
        return masked_memo[text]

    def memo_lang(sample: str) -> str:
        if sample not in lang_memo:
            lang_memo[sample] = py3.classify(sample)[0]
        return lang_memo[sample]

    steps: list[tuple[str, Any]] = [
        ("PII masking (3 texts)", lambda: [masker.mask(t) for p in pairs
                                           for t in (p["prompt"][0]["content"], p["chosen"], p["rejected"])]),
        ("PII masking, memo per text (build)", lambda: [memo_mask(t) for p in pairs
                                                        for t in (p["prompt"][0]["content"], p["chosen"],
                                                                  p["rejected"])]),
        ("tokens: encode_batch_fast (before)", lambda: tok.encode_batch_fast(texts, add_special_tokens=False)),
        ("tokens: TokenCounter (now)", lambda: counter.counts(texts)),
        ("language id: py3langid (before)", lambda: [py3.classify(s) for s in samples]),
        ("language id: py3langid + memo (before)", lambda: [memo_lang(s) for s in samples]),
        ("language id: batches of 500 (now)",
         lambda: [ident.classify_batch(samples[i:i + 500]) for i in range(0, len(samples), 500)]),
        ("record id (make_id)", lambda: [make_id("s", r.prompt, r.chosen, r.rejected) for r in recs]),
        ("dedup fingerprint", lambda: [fingerprint(r) for r in recs]),
        ("split line: json.dumps (before)", lambda: [json.dumps(r.to_split_json(), ensure_ascii=False) for r in recs]),
        ("split line: built directly (now)", lambda: [r.split_json_line() for r in recs]),
    ]
    out = []
    for name, fn in steps:
        c = time.process_time()
        fn()
        out.append((name, (time.process_time() - c) / len(pairs) * 1e6))
    return out


def naive_mask(text: str) -> int:
    """The obvious approach: PhoneNumberMatcher over the whole text, per region."""
    import phonenumbers

    found = 0
    for region in ("SE", "GB"):
        found += sum(1 for _ in phonenumbers.PhoneNumberMatcher(text, region))
    return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3, help="1-worker and N-worker builds, alternated")
    ap.add_argument("--near-dup", action=argparse.BooleanOptionalAction, default=True,
                    help="near-duplicate signatures, filter and cross-split check (on by default, as in a recipe)")
    ap.add_argument("--off-baseline", action=argparse.BooleanOptionalAction, default=True,
                    help="with --near-dup, also an N-worker build with near-dup off in each round, for the on/off ratio")
    args = ap.parse_args()
    NEAR_DUP["enabled"] = args.near_dup
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        files, texts = write_inputs(tmp, args.pairs)
        # Load the tokenizer and the language model (and warm the BPE piece cache) on other pairs, so that
        # neither build pays a one-off cost and neither finds the timed texts memoised.
        warm, _ = write_inputs(tmp, 2000, seeds=(21, 22))
        time_build(warm, tmp / "warm", 1)
        # This machine's speed drifts by tens of percent from minute to minute (shared host): builds are
        # alternated so each N-worker build has a 1-worker baseline measured right next to it.
        rounds = []
        off: list[tuple[float, float]] = []  # (wall, CPU) of the N-worker build with near-dup off, same round
        for _ in range(args.rounds):
            t1, c1, n, stages1 = time_build(files, tmp / "w1", 1)
            tw, cw, _, stagesw = time_build(files, tmp / "wn", args.workers)
            rounds.append((t1, c1, tw, cw, stages1, stagesw))
            if args.near_dup and args.off_baseline:
                off.append(time_build(files, tmp / "off", args.workers, near_dup=False)[:2])

        nbytes = sum(len(t.encode()) for t in texts)
        masker = pii.Masker()
        t, c = time.perf_counter(), time.process_time()
        for text in texts:
            masker.mask(text)
        t_pii, c_pii = time.perf_counter() - t, time.process_time() - c
        sample = texts[:3000]
        sample_bytes = sum(len(s.encode()) for s in sample)
        t = time.perf_counter()
        for text in sample:
            naive_mask(text)
        t_naive = time.perf_counter() - t

    pii_mbs, naive_mbs = nbytes / t_pii / 1e6, sample_bytes / t_naive / 1e6
    print(f"pairs: {n}  text: {nbytes / 1e6:.1f} MB  load average at the end: {os.getloadavg()[0]:.1f}")
    for i, (t1, c1, tw, cw, _, _) in enumerate(rounds, 1):
        print(f"round {i}: 1 worker {n / t1:6.0f} pairs/s ({t1:.2f} s wall, {c1:.2f} s CPU)   "
              f"{args.workers} workers {n / tw:6.0f} pairs/s ({tw:.2f} s wall, {cw:.2f} s CPU)   x{t1 / tw:.2f}")
    by_speed = sorted(rounds, key=lambda r: r[2])
    median = by_speed[len(rounds) // 2]
    e2e_1 = sorted(n / r[0] for r in rounds)[len(rounds) // 2]
    print(f"end to end, 1 worker:   median {e2e_1:6.0f} pairs/s")
    print(f"end to end, {args.workers} workers:  median {n / median[2]:6.0f} pairs/s, best {n / by_speed[0][2]:6.0f}, "
          f"worst {n / by_speed[-1][2]:6.0f}   target >= 5000   "
          f"(median x{sorted(r[0] / r[2] for r in rounds)[len(rounds) // 2]:.2f} vs the 1-worker build beside it)")
    if off:
        for i, ((_, _, tw, cw, _, _), (to, co)) in enumerate(zip(rounds, off, strict=True), 1):
            print(f"round {i}: {args.workers} workers near-dup on {n / tw:6.0f} pairs/s ({cw:.2f} s CPU), "
                  f"off {n / to:6.0f} pairs/s ({co:.2f} s CPU)   wall on/off x{tw / to:.2f}")
        print(f"near-dup off, {args.workers} workers: median {sorted(n / o[0] for o in off)[len(off) // 2]:6.0f} pairs/s; "
              f"on/off wall median x{sorted(r[2] / o[0] for r, o in zip(rounds, off, strict=True))[len(off) // 2]:.2f}, "
              f"CPU median x{sorted(r[3] / o[1] for r, o in zip(rounds, off, strict=True))[len(off) // 2]:.2f}")
    print(f"PII step, one core:             {pii_mbs:8.2f} MB/s wall, {nbytes / c_pii / 1e6:.2f} MB per CPU-second"
          f"   target >= 2")
    print(f"naive PhoneNumberMatcher only:  {naive_mbs:8.2f} MB/s   (masker is x{pii_mbs / naive_mbs:.1f})")
    for label, stages in (("1-worker", median[4]), (f"{args.workers}-worker", median[5])):
        print(f"{label} build (median round), wall µs per pair by stage: "
              + ", ".join(f"{k} {v / n * 1e6:.0f}" for k, v in stages.items()))
    print("per-record steps, CPU µs per pair on one core (5,000 pairs):")
    steps = per_step_cpu(generate("sv", 2500, 13) + generate("en", 2500, 13))
    for name, us in steps:
        print(f"  {name:36} {us:7.1f}")
    before, now = steps[2][1], steps[3][1]
    print(f"  token counting: x{before / now:.1f} faster than encode_batch_fast, measured in this run")


if __name__ == "__main__":
    main()
