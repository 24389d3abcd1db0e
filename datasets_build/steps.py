"""The filters that follow the annotate step (`annotate.py`), and the fingerprint and bucket it computes.

Filters share one tiny protocol: a callable taking a record and returning None (keep) or the reason it
is dropped; the pipeline runs them as a literal list and counts every drop by reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from datasets_build.records import Record


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
        if not any(m["content"] and not m["content"].isspace() for m in rec.prompt):
            return "empty_prompt"
        chosen, rejected = rec.chosen, rec.rejected
        if not chosen or chosen.isspace():
            return "empty_chosen"
        if not rejected or rejected.isspace():
            return "empty_rejected"
        # Stripping copies both answers; only needed when one of them starts or ends with whitespace.
        padded = chosen[0].isspace() or chosen[-1].isspace() or rejected[0].isspace() or rejected[-1].isspace()
        if (chosen.strip() == rejected.strip()) if padded else chosen == rejected:
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
