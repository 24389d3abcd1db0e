"""The annotate step: PII masking, language, token counts, fingerprint, bucket and the split line of each record.

`Annotator` runs it on chunks of records in submission order, in worker processes when `workers` > 1, so the
pipeline can go on reading while the workers annotate what it has read so far. Chunks travel to the workers
as plain tuples (a few µs per record to pickle, a Record dataclass costs four times that) and only what the
step computed comes back; results are taken in order, so the outputs never depend on the worker count.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from datasets_build.lint import pair_hits
from datasets_build.records import Message, Record
from datasets_build.steps import bucket, fingerprint
from datasets_build.token_count import TokenCounter

# A sentence or two decides en vs sv (agreed with whole-text decisions on 4,500 demo and HH-RLHF records);
# the identifier walks a DFA over every byte, so each byte left out is time saved.
MAX_LANG_CHARS = 96
MAX_MEMO = 200_000  # entries per memo before it is emptied (a few hundred MB at worst)
CHUNK = 200  # records per task: small enough to keep the tail short, big enough to amortise a task


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
    case_id_context: bool = True
    near_dup: tuple[int, int, int] | None = None  # (ngram, num_perm, bands): MinHash signatures, or none


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


_STATE = _WorkerState()


def init_worker(settings: AnnotateSettings) -> None:
    """Load the masker, the language model and the tokenizer once per process (and per settings)."""
    from datasets_build.builtin_tokenizer import load_fast_tokenizer
    from datasets_build.language_id import load as load_language_identifier
    from datasets_build.pii import Masker

    if _STATE.settings == settings:
        return
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _STATE.masker = Masker(settings.case_id_patterns, settings.pii_kinds, settings.phone_regions,
                           settings.case_id_context)
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
        _STATE.counter.word_cache.clear()


def _mask(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    memo = _STATE.masked
    hit = memo.get(text)
    if hit is None:
        if len(memo) > MAX_MEMO:
            memo.clear()
        hit = memo[text] = _STATE.masker.mask(text)
    return hit


def _languages(samples: list[str]) -> list[str]:
    """The language of each sample; samples seen before come from the memo, the rest are classified as one
    batch (the identifier walks all of them at once)."""
    memo = _STATE.langs
    new = list(dict.fromkeys(s for s in samples if s not in memo))
    if new:
        if len(memo) > MAX_MEMO:
            memo.clear()
        memo.update(zip(new, _STATE.identifier.classify_batch(new), strict=True))
    return [memo[s] for s in samples]


def chatml(messages: Sequence[Message]) -> str:
    """ChatML text as the built-in template renders it; token counts then include the template's tokens."""
    return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)


def _count(spans: list[tuple[int, int, str]], counts: dict[str, int]) -> None:
    for _, _, kind in spans:
        counts[kind] = counts.get(kind, 0) + 1


def annotate_batch(batch: list[Record], settings: AnnotateSettings) -> list[Record]:
    """Mask PII, detect the language, count tokens, fingerprint, bucket and serialise each record."""
    counter = _STATE.counter
    if settings.pii_enabled:
        for rec in batch:
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
    samples: list[str] = []
    for rec in batch:
        texts += [chatml(rec.prompt) + "<|im_start|>assistant\n", rec.chosen + "<|im_end|>\n"]
        user = next((m["content"] for m in reversed(rec.prompt) if m["role"] == "user"), "")
        samples.append(f"{user[:MAX_LANG_CHARS // 4]}\n{rec.chosen[:MAX_LANG_CHARS]}")
    lengths = counter.counts(texts)
    langs = _languages(samples)
    # Rejected answers are counted exactly too (their own pass, so the cached prompt/chosen lines stay
    # aligned): the length limit needs them, and so does the lint's chosen-longer share, which is about
    # tokens (in the demo data 53% by tokens is 34% by characters).
    rejected_len = counter.counts([rec.rejected + "<|im_end|>\n" for rec in batch])
    if settings.near_dup is not None:
        from datasets_build import near_dup

        sketches = near_dup.sketches([near_dup.text_of(r) for r in batch], near_dup.Params(*settings.near_dup))
        for i, rec in enumerate(batch):
            rec.sig = (sketches, i)  # one Sketches per chunk: pickled once, however many records share it
    for i, rec in enumerate(batch):
        head = lengths[2 * i]
        rec.n_tokens = head + lengths[2 * i + 1]
        rec.n_tokens_rejected = head + rejected_len[i]
        rec.bucket = bucket(rec.n_tokens, settings.buckets)
        rec.lang = langs[i]
        rec.fp = fingerprint(rec, settings.dedup_prefix_chars)
        rec.split_line = rec.split_json_line()
        rec.lint_hits = pair_hits(rec.chosen, rec.rejected)
    return batch


# What goes to a worker per record (id, source, domain, quality, prompt as (role, content) pairs, chosen,
# rejected) and what comes back: masked prompt contents, chosen, rejected (None when no PII was found, so
# nothing changed), lang, n_tokens, n_tokens_rejected, bucket, fp, split_line, PII counts, MinHash signature,
# lint hits.
Packed = tuple[Any, ...]
Result = tuple[Any, ...]


def _pack(records: list[Record]) -> list[Packed]:
    return [(r.id, r.source, r.domain, r.quality, [(m["role"], m["content"]) for m in r.prompt], r.chosen, r.rejected)
            for r in records]


def _worker_annotate(packed: list[Packed]) -> tuple[list[Result], dict[str, int]]:
    batch = [Record(id=rid, prompt=[{"role": role, "content": content} for role, content in prompt], chosen=chosen,
                    rejected=rejected, source=source, lang="", domain=domain, quality=quality, origin="")
             for rid, source, domain, quality, prompt, chosen, rejected in packed]
    annotate_batch(batch, _STATE.settings)  # type: ignore[arg-type]
    out: list[Result] = []
    for rec in batch:
        pii = rec.meta.get("pii")
        texts = ([m["content"] for m in rec.prompt], rec.chosen, rec.rejected) if pii else (None, None, None)
        out.append((*texts, rec.lang, rec.n_tokens, rec.n_tokens_rejected, rec.bucket, rec.fp, rec.split_line, pii,
                    rec.sig, rec.lint_hits))
    return out, pii_counts(batch)


def _apply(rec: Record, res: Result) -> None:
    prompt, chosen, rejected, rec.lang, rec.n_tokens, rec.n_tokens_rejected, rec.bucket, rec.fp, rec.split_line, \
        pii, rec.sig, rec.lint_hits = res
    if pii:
        rec.prompt = [{"role": m["role"], "content": c} for m, c in zip(rec.prompt, prompt, strict=True)]
        rec.chosen, rec.rejected = chosen, rejected
        rec.meta["pii"] = pii


def pii_counts(records: list[Record]) -> dict[str, int]:
    """The records' PII counts by kind."""
    totals: dict[str, int] = {}
    for rec in records:
        for k, v in rec.meta.get("pii", {}).items():
            totals[k] = totals.get(k, 0) + v
    return totals


class Annotator:
    """Annotates chunks in submission order: `submit` a chunk, then take finished chunks from `ready`.

    `workers` counts the processes that annotate, this one included: with 2, one worker process runs
    beside this one. A chunk goes to a worker that has room (one chunk running, two waiting: enough to
    keep it busy while this process annotates a chunk itself) and is annotated here otherwise. So this
    process reads, filters and annotates in turn, the workers never run dry, and there is never a
    process more than there are workers. The workers live as long as the Annotator (one start-up per
    build, their memos kept across sources).
    """

    def __init__(self, settings: AnnotateSettings, workers: int) -> None:
        from datasets_build.workers import Workers

        self.settings = settings
        # Loaded here first: forked workers inherit the models and init_worker returns at once there.
        init_worker(settings)
        self.workers = Workers(workers - 1, _worker_annotate, init_worker, (settings,), depth=3) if workers > 1 else None
        self.pending: deque[list[Record]] = deque()
        self.first = 0  # the task number of pending[0]
        self.done: dict[int, dict[str, int]] = {}  # finished task number -> its PII counts
        self.inline_seconds = 0.0  # time spent annotating in this process, for the timings

    def _collect(self, block: bool = False) -> None:
        assert self.workers is not None
        for seq, (results, totals) in self.workers.collect(block):
            for rec, res in zip(self.pending[seq - self.first], results, strict=True):
                _apply(rec, res)
            self.done[seq] = totals

    def submit(self, records: list[Record]) -> None:
        if not records:
            return
        seq = self.first + len(self.pending)
        self.pending.append(records)
        if self.workers is not None:
            self._collect()
            worker = self.workers.free_worker()
            if worker is not None:
                self.workers.send(worker, seq, _pack(records))
                return
        t = time.perf_counter()
        annotate_batch(records, self.settings)
        self.inline_seconds += time.perf_counter() - t
        self.done[seq] = pii_counts(records)

    def ready(self, wait: bool = False) -> Iterator[tuple[list[Record], dict[str, int]]]:
        """Finished chunks and their PII counts by kind, oldest first; with `wait`, every chunk submitted."""
        if self.workers is not None:
            self._collect()
        while self.pending:
            if self.first not in self.done:
                if not wait:
                    return
                self._collect(block=True)
                continue
            totals = self.done.pop(self.first)
            self.first += 1
            yield self.pending.popleft(), totals

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()
            self.workers = None

    def __enter__(self) -> Annotator:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def annotate(records: list[Record], settings: AnnotateSettings, workers: int, chunk: int = CHUNK,
             progress: Callable[[int, int], None] | None = None) -> tuple[list[Record], dict[str, int]]:
    """The annotated records (same order) and the PII counts by kind; `workers` > 1 runs in processes."""
    totals: dict[str, int] = {}
    done = 0
    with Annotator(settings, workers) as annotator:
        for i in range(0, len(records), chunk):
            annotator.submit(records[i:i + chunk])
        for recs, counts in annotator.ready(wait=True):
            for k, v in counts.items():
                totals[k] = totals.get(k, 0) + v
            done += len(recs)
            if progress:
                progress(done, len(records))
    return records, totals

