"""The per-record steps: annotate (PII masking, language, token counts; parallel) and the filters.

Filters share one tiny protocol: a callable taking a record and returning None (keep) or the reason it
is dropped; the pipeline runs them as a literal list and counts every drop by reason.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from datasets_build.records import Message, Record, dumps
from datasets_build.token_count import TokenCounter

# A sentence or two decides en vs sv (agreed with whole-text decisions on 4,500 demo and HH-RLHF records);
# py3langid walks a DFA in Python over every byte, so each byte left out is time saved.
MAX_LANG_CHARS = 96


@dataclass(frozen=True)
class AnnotateSettings:
    pii_enabled: bool
    pii_kinds: tuple[str, ...]
    case_id_patterns: tuple[str, ...] | None
    phone_regions: tuple[str, ...]
    languages: tuple[str, ...]
    tokenizer: str
    tokenizer_cache: str
    buckets: tuple[tuple[str, int], ...] = (("S", 256), ("M", 512))
    dedup_prefix_chars: int = 400
    max_tokens: int = 2048


@dataclass
class _WorkerState:
    settings: AnnotateSettings | None = None
    masker: Any = None
    identifier: Any = None
    tokenizer: Any = None
    counter: Any = None
    # Per-process memos: generated and real data repeat many texts (short answers, templated prompts) and
    # many language samples (a prompt's opening and an answer's first sentence); both answers are pure.
    masked: dict[str, tuple[str, list[tuple[int, int, str]]]] = field(default_factory=dict)
    langs: dict[str, str] = field(default_factory=dict)


MAX_MEMO = 200_000  # entries per memo before it is emptied (a few hundred MB at worst)


_STATE = _WorkerState()


@lru_cache(maxsize=4)
def load_language_identifier(languages: tuple[str, ...]) -> Any:
    """py3langid restricted to `languages` (its model ships in the package; loading takes about a second)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    ident.set_languages(list(languages))
    return ident


def init_worker(settings: AnnotateSettings) -> None:
    """Load the masker, the language model and the tokenizer once per process (and per settings)."""
    from datasets_build.builtin_tokenizer import load_fast_tokenizer
    from datasets_build.pii import Masker

    if _STATE.settings == settings:
        return
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _STATE.masker = Masker(settings.case_id_patterns, settings.pii_kinds, settings.phone_regions)
    _STATE.identifier = load_language_identifier(settings.languages)
    _STATE.tokenizer = load_fast_tokenizer(settings.tokenizer, settings.tokenizer_cache)
    _STATE.counter = TokenCounter(_STATE.tokenizer)
    _STATE.masked, _STATE.langs = {}, {}
    _STATE.settings = settings


def clear_memos() -> None:
    """Forget the memoised PII results, languages and line token counts of this process (benchmarks time
    builds from cold memos; a later build in the same process would otherwise reuse them)."""
    _STATE.masked.clear()
    _STATE.langs.clear()
    if _STATE.counter is not None:
        _STATE.counter.line_cache.clear()


def _mask(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    memo = _STATE.masked
    hit = memo.get(text)
    if hit is None:
        if len(memo) > MAX_MEMO:
            memo.clear()
        hit = memo[text] = _STATE.masker.mask(text)
    return hit


def _language(sample: str) -> str:
    memo = _STATE.langs
    lang = memo.get(sample)
    if lang is None:
        if len(memo) > MAX_MEMO:
            memo.clear()
        lang = memo[sample] = _STATE.identifier.classify(sample)[0] if sample.strip() else "und"
    return lang


def chatml(messages: Sequence[Message]) -> str:
    """ChatML text as the built-in template renders it; token counts then include the template's tokens."""
    return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)


def annotate_batch(batch: list[Record], settings: AnnotateSettings) -> list[Record]:
    """Mask PII, detect the language, count tokens, fingerprint, bucket and serialise each record.

    Everything per-record happens here, in the worker processes, so the parent only filters and writes.
    """
    counter = _STATE.counter
    for rec in batch:
        if settings.pii_enabled:
            counts: dict[str, int] = {}
            new_prompt = []
            for m in rec.prompt:
                content, spans = _mask(m["content"])
                _count(spans, counts)
                new_prompt.append({"role": m["role"], "content": content})
            rec.prompt = new_prompt
            rec.chosen, spans = _mask(rec.chosen)
            _count(spans, counts)
            rec.rejected, spans = _mask(rec.rejected)
            _count(spans, counts)
            if counts:
                rec.meta["pii"] = counts
    # The prompt is tokenised once: template boundaries (special tokens, the newline after the role)
    # are also pre-tokenizer boundaries, so prompt + response counts add up exactly.
    texts: list[str] = []
    for rec in batch:
        texts += [chatml(rec.prompt) + "<|im_start|>assistant\n", rec.chosen + "<|im_end|>\n"]
    lengths = counter.counts(texts)
    # The rejected answer only matters for the length limit, and a byte-level BPE never has more tokens
    # than UTF-8 bytes (+1 for <|im_end|>): tokenise it only when that bound does not settle the question.
    unsure = [i for i, rec in enumerate(batch)
              if lengths[2 * i] + len(rec.rejected.encode()) + 2 > settings.max_tokens]
    exact = counter.counts([batch[i].rejected + "<|im_end|>\n" for i in unsure])
    rejected_len = dict(zip(unsure, exact, strict=True))
    for i, rec in enumerate(batch):
        head = lengths[2 * i]
        rec.n_tokens = head + lengths[2 * i + 1]
        rec.n_tokens_rejected = head + rejected_len.get(i, len(rec.rejected.encode()) + 2)
        rec.bucket = bucket(rec.n_tokens, settings.buckets)
        user = next((m["content"] for m in reversed(rec.prompt) if m["role"] == "user"), "")
        sample = f"{user[:MAX_LANG_CHARS // 4]}\n{rec.chosen[:MAX_LANG_CHARS]}"
        rec.lang = _language(sample)
        rec.fp = fingerprint(rec, settings.dedup_prefix_chars)
        rec.split_line = dumps(rec.to_split_json())
    return batch


def _count(spans: list[tuple[int, int, str]], counts: dict[str, int]) -> None:
    for _, _, kind in spans:
        counts[kind] = counts.get(kind, 0) + 1


def _worker_annotate(args: tuple[list[Record], AnnotateSettings]) -> list[Record]:
    init_worker(args[1])
    return annotate_batch(*args)


# The records being annotated, set just before a fork pool starts: the forked workers read their slice
# from this inherited copy, so only two ints go to a worker and only the results come back.
_FORK_RECORDS: list[Record] = []

# What a worker sends back per record: masked prompt contents, chosen, rejected (None when no PII was
# found, so nothing changed), lang, n_tokens, n_tokens_rejected, bucket, fp, split_line, PII counts.
Result = tuple[Any, ...]


def _worker_range(span: tuple[int, int]) -> list[Result]:
    batch = annotate_batch(_FORK_RECORDS[span[0]:span[1]], _STATE.settings)  # type: ignore[arg-type]
    out: list[Result] = []
    for rec in batch:
        pii = rec.meta.get("pii")
        texts = ([m["content"] for m in rec.prompt], rec.chosen, rec.rejected) if pii else (None, None, None)
        out.append((*texts, rec.lang, rec.n_tokens, rec.n_tokens_rejected, rec.bucket, rec.fp, rec.split_line, pii))
    return out


def _apply(rec: Record, res: Result) -> None:
    prompt, chosen, rejected, rec.lang, rec.n_tokens, rec.n_tokens_rejected, rec.bucket, rec.fp, rec.split_line, \
        pii = res
    if pii:
        rec.prompt = [{"role": m["role"], "content": c} for m, c in zip(rec.prompt, prompt, strict=True)]
        rec.chosen, rec.rejected = chosen, rejected
        rec.meta["pii"] = pii


def annotate(records: list[Record], settings: AnnotateSettings, workers: int, chunk: int = 250,
             progress: Callable[[int, int], None] | None = None) -> tuple[list[Record], dict[str, int]]:
    """The annotated records (same order) and the PII counts by kind; `workers` > 1 runs in processes."""
    global _FORK_RECORDS
    pii_totals: dict[str, int] = {}

    def tally(recs: list[Record]) -> None:
        for rec in recs:
            for k, v in rec.meta.get("pii", {}).items():
                pii_totals[k] = pii_totals.get(k, 0) + v

    if workers > 1 and len(records) >= 2 * chunk:
        import multiprocessing as mp

        # fork only on Linux: macOS offers it, but forking a process that loaded system frameworks
        # (numpy's Accelerate) can crash or hang there, which is why Python's default on macOS is spawn.
        if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods():
            init_worker(settings)  # loaded once in the parent; forked workers inherit it and the warm caches
            # Big slices (about 8 per worker) keep the per-task overhead small and the load balanced.
            size = max(chunk, min(2000, -(-len(records) // (8 * workers))))
            spans = [(i, min(i + size, len(records))) for i in range(0, len(records), size)]
            _FORK_RECORDS = records
            try:
                with mp.get_context("fork").Pool(workers) as pool:
                    for (lo, hi), results in zip(spans, pool.imap(_worker_range, spans), strict=True):
                        for rec, res in zip(records[lo:hi], results, strict=True):
                            _apply(rec, res)
                        tally(records[lo:hi])
                        if progress:
                            progress(hi, len(records))
            finally:
                _FORK_RECORDS = []
            return records, pii_totals
        # spawn (macOS): each worker loads its own models and the records travel both ways.
        batches = [records[i:i + chunk] for i in range(0, len(records), chunk)]
        out: list[Record] = []
        with mp.get_context("spawn").Pool(workers, initializer=init_worker, initargs=(settings,)) as pool:
            for done in pool.imap(_worker_annotate, [(b, settings) for b in batches]):
                tally(done)
                out += done
                if progress:
                    progress(len(out), len(records))
        return out, pii_totals
    init_worker(settings)
    for i in range(0, len(records), chunk):
        tally(annotate_batch(records[i:i + chunk], settings))
        if progress:
            progress(min(i + chunk, len(records)), len(records))
    return records, pii_totals


# ---- filters: record -> None (keep) or the drop reason ----



def _norm(text: str, n: int) -> str:
    # Whitespace runs shrink when normalised, so 2n raw characters always cover n normalised ones
    # unless the text is mostly whitespace; then the whole text is normalised. str.split() splits on
    # exactly the characters regex \s matches, and runs in C without a regex.
    head = text[: 2 * n]
    out = " ".join(head.split()).lower()
    if len(out) < n and len(text) > len(head):
        out = " ".join(text.split()).lower()
    return out[:n]


def fingerprint(rec: Record, prefix_chars: int = 400) -> str:
    """Normalised prompt[:400] + chosen[:400], the key the production pipeline deduplicated on."""
    prompt = " ".join(m["content"] for m in rec.prompt)
    return _norm(prompt, prefix_chars) + "\x1f" + _norm(rec.chosen, prefix_chars)


def validate(max_tokens: int) -> Callable[[Record], str | None]:
    def check(rec: Record) -> str | None:
        if not rec.prompt or not any(m["content"].strip() for m in rec.prompt):
            return "empty_prompt"
        if not rec.chosen.strip():
            return "empty_chosen"
        if not rec.rejected.strip():
            return "empty_rejected"
        if rec.chosen.strip() == rec.rejected.strip():
            return "chosen_equals_rejected"
        if max(rec.n_tokens, rec.n_tokens_rejected) > max_tokens:
            return "too_long"
        return None

    return check


def language(drop_mismatch: bool, mismatches: dict[str, int]) -> Callable[[Record], str | None]:
    def check(rec: Record) -> str | None:
        if rec.declared_lang and rec.lang != rec.declared_lang:
            mismatches[rec.source] = mismatches.get(rec.source, 0) + 1
            return "language_mismatch" if drop_mismatch else None
        return None

    return check


def quality(min_quality: int) -> Callable[[Record], str | None]:
    return lambda rec: "below_min_quality" if rec.quality < min_quality else None


@dataclass
class Dedup:
    """First occurrence wins, across sources (the set lives for the whole build)."""

    prefix_chars: int = 400
    seen: dict[str, str] = field(default_factory=dict)

    def __call__(self, rec: Record) -> str | None:
        fp = rec.fp or fingerprint(rec, self.prefix_chars)
        if fp in self.seen:
            return "duplicate"
        self.seen[fp] = rec.id
        return None


def bucket(n_tokens: int, thresholds: dict[str, int] | tuple[tuple[str, int], ...]) -> str:
    limits = dict(thresholds)
    if n_tokens < limits["S"]:
        return "S"
    return "M" if n_tokens < limits["M"] else "L"
