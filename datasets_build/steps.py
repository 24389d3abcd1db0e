"""The per-record steps: annotate (PII masking, language, token counts; parallel) and the filters.

Filters share one tiny protocol: a callable taking a record and returning None (keep) or the reason it
is dropped; the pipeline runs them as a literal list and counts every drop by reason.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from datasets_build.records import Message, Record

MAX_LANG_CHARS = 240  # a few sentences decide en vs sv; more only costs time


@dataclass(frozen=True)
class AnnotateSettings:
    pii_enabled: bool
    pii_kinds: tuple[str, ...]
    case_id_patterns: tuple[str, ...] | None
    phone_regions: tuple[str, ...]
    languages: tuple[str, ...]
    tokenizer: str
    tokenizer_cache: str


@dataclass
class _WorkerState:
    settings: AnnotateSettings | None = None
    masker: Any = None
    identifier: Any = None
    tokenizer: Any = None


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
    _STATE.settings = settings


def chatml(messages: Sequence[Message]) -> str:
    """ChatML text as the built-in template renders it; token counts then include the template's tokens."""
    return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)


Annotated = tuple[list[Message], str, str, dict[str, int], str, int, int]


def annotate_batch(batch: list[tuple[list[Message], str, str]], pii_enabled: bool) -> list[Annotated]:
    """(masked prompt, masked chosen, masked rejected, PII counts, language, tokens chosen, tokens rejected)."""
    masker, ident, tok = _STATE.masker, _STATE.identifier, _STATE.tokenizer
    out_texts: list[tuple[list[Message], str, str, dict[str, int]]] = []
    for prompt, chosen, rejected in batch:
        counts: dict[str, int] = {}
        if pii_enabled:
            new_prompt = []
            for m in prompt:
                content, spans = masker.mask(m["content"])
                _count(spans, counts)
                new_prompt.append({"role": m["role"], "content": content})
            chosen, spans = masker.mask(chosen)
            _count(spans, counts)
            rejected, spans = masker.mask(rejected)
            _count(spans, counts)
            prompt = new_prompt
        out_texts.append((prompt, chosen, rejected, counts))
    texts: list[str] = []
    for prompt, chosen, rejected, _ in out_texts:
        head = chatml(prompt) + "<|im_start|>assistant\n"
        texts.append(head + chosen + "<|im_end|>\n")
        texts.append(head + rejected + "<|im_end|>\n")
    lengths = [len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=False)] if texts else []
    result: list[Annotated] = []
    for i, (prompt, chosen, rejected, counts) in enumerate(out_texts):
        user = next((m["content"] for m in reversed(prompt) if m["role"] == "user"), "")
        sample = f"{user[:MAX_LANG_CHARS // 2]}\n{chosen[:MAX_LANG_CHARS]}"
        lang = ident.classify(sample)[0] if sample.strip() else "und"
        result.append((prompt, chosen, rejected, counts, lang, lengths[2 * i], lengths[2 * i + 1]))
    return result


def _count(spans: list[tuple[int, int, str]], counts: dict[str, int]) -> None:
    for _, _, kind in spans:
        counts[kind] = counts.get(kind, 0) + 1


def _worker_annotate(args: tuple[list[tuple[list[Message], str, str]], bool]) -> list[Annotated]:
    return annotate_batch(*args)


def annotate(records: list[Record], settings: AnnotateSettings, workers: int, chunk: int = 400,
             progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Run the annotate step over `records` in place (in `workers` processes); returns PII counts by kind."""
    pii_totals: dict[str, int] = {}
    batches = [records[i:i + chunk] for i in range(0, len(records), chunk)]
    payload = [([(r.prompt, r.chosen, r.rejected) for r in b], settings.pii_enabled) for b in batches]
    results: Iterator[list[Annotated]]
    pool = None
    if workers > 1 and len(records) >= 2 * chunk:
        import multiprocessing as mp

        # fork shares the already-loaded language model; elsewhere (macOS) spawn loads it per worker.
        load_language_identifier(settings.languages)
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        pool = mp.get_context(method).Pool(workers, initializer=init_worker, initargs=(settings,))
        results = pool.imap(_worker_annotate, payload)
    else:
        init_worker(settings)
        results = (annotate_batch(*p) for p in payload)
    done = 0
    try:
        for batch, res in zip(batches, results, strict=True):
            for rec, (prompt, chosen, rejected, counts, lang, n_c, n_r) in zip(batch, res, strict=True):
                rec.prompt, rec.chosen, rec.rejected = prompt, chosen, rejected
                rec.lang, rec.n_tokens, rec.n_tokens_rejected = lang, n_c, n_r
                for k, v in counts.items():
                    pii_totals[k] = pii_totals.get(k, 0) + v
                if counts:
                    rec.meta["pii"] = counts
            done += len(batch)
            if progress:
                progress(done, len(records))
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return pii_totals


# ---- filters: record -> None (keep) or the drop reason ----

_WS = re.compile(r"\s+")


def fingerprint(rec: Record, prefix_chars: int = 400) -> str:
    """Normalised prompt[:400] + chosen[:400], the key the production pipeline deduplicated on."""
    prompt = _WS.sub(" ", " ".join(m["content"] for m in rec.prompt)).strip().lower()
    chosen = _WS.sub(" ", rec.chosen).strip().lower()
    return prompt[:prefix_chars] + "\x1f" + chosen[:prefix_chars]


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
        fp = fingerprint(rec, self.prefix_chars)
        if fp in self.seen:
            return "duplicate"
        self.seen[fp] = rec.id
        return None


def bucket(n_tokens: int, thresholds: dict[str, int]) -> str:
    if n_tokens < thresholds["S"]:
        return "S"
    return "M" if n_tokens < thresholds["M"] else "L"
