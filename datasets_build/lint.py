"""Preference lint: what in a finished dataset would teach DPO the wrong lesson, as counts with example ids.

- chosen longer than rejected in tokens, per source and language: far from 50% and DPO learns length;
- chosen and rejected that differ only in whitespace, punctuation or case: no preference to learn;
- both answers a refusal template: the pair teaches nothing but refusing;
- a prompt that ends with an assistant turn: the chosen answer then follows the assistant, not the user;
- a pair longer than the trainer's max_length (`truncate_at`): truncation cuts the responses.
Each share out of its configured band gives a warning line (in the manifest and in `data stats`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from datasets_build.records import Record

if TYPE_CHECKING:
    from datasets_build.recipe import LintSettings

EXAMPLES = 3
_REFUSAL = re.compile(
    r"(?i)\W*(?:i'?m (?:so |very |really )?sorry|i am (?:so |very )?sorry|i apologi[sz]e|sorry,? (?:but )?i|"
    r"i (?:can(?:no|')?t|won'?t|am not able to|am unable to|'m not able to|'m unable to|must decline) "
    r"(?:help|assist|provide|do|answer|comply|support|share|give|fulfil)|as an ai\b|"
    r"jag (?:kan|får) (?:tyvärr )?inte (?:hjälpa|svara|ge|bistå|göra)|tyvärr kan jag inte|jag är ledsen,? men|"
    r"ursäkta,? men jag kan inte|som (?:en )?ai(?:-assistent)? kan jag inte)")
_NOT_WORD = re.compile(r"[\W_]+")


def is_refusal(text: str) -> bool:
    """A response that opens with a refusal template ("I'm sorry, but I can't...", "Jag kan tyvärr inte...")."""
    return _REFUSAL.match(text[:200]) is not None


def _words_only(text: str) -> str:
    return _NOT_WORD.sub("", text).casefold()


def trivially_different(a: str, b: str) -> bool:
    """Equal once whitespace, punctuation and case are taken out (but not identical: validate drops those)."""
    if a == b:
        return False
    # Both steps act character by character, so the heads' forms are prefixes of the whole texts' forms:
    # heads that disagree settle it (nearly every pair) without running over the whole answers.
    ha, hb = _words_only(a[:64]), _words_only(b[:64])
    n = min(len(ha), len(hb))
    if ha[:n] != hb[:n]:
        return False
    return _words_only(a) == _words_only(b)


def pair_hits(chosen: str, rejected: str) -> tuple[str, ...]:
    """Which of the per-pair checks ("trivial_difference", "both_refusals") a pair fails: a property of its
    two answers alone, so the annotate workers compute it, in parallel, rather than the build's last
    (serial) step."""
    hits: tuple[str, ...] = ()
    if trivially_different(chosen, rejected):
        hits += ("trivial_difference",)
    if is_refusal(chosen) and is_refusal(rejected):
        hits += ("both_refusals",)
    return hits


def _hits(r: Record) -> tuple[str, ...]:
    return r.lint_hits if r.lint_hits is not None else pair_hits(r.chosen, r.rejected)


def _check(records: list[Record], test: Callable[[Record], bool], max_share: float, label: str,
           warnings: list[str]) -> dict[str, Any]:
    hits = [r.id for r in records if test(r)]
    share = round(len(hits) / len(records), 4) if records else 0.0
    if share > max_share:
        warnings.append(f"WARNING: {label}: {len(hits)} of {len(records)} pairs ({share:.1%}), above {max_share:.1%}"
                        f" (e.g. {', '.join(hits[:EXAMPLES])})")
    return {"count": len(hits), "share": share, "max_share": max_share, "examples": hits[:EXAMPLES]}


def report(splits: dict[str, list[Record]], settings: LintSettings, max_tokens: int) -> dict[str, Any]:
    """The lint section of the manifest, over every pair of every split (what training and evaluation see)."""
    records = [r for recs in splits.values() for r in recs]
    warnings: list[str] = []
    lo, hi = settings.chosen_longer
    groups: dict[str, list[Record]] = {}
    for r in records:
        groups.setdefault(f"{r.source}/{r.lang}", []).append(r)
    by_group = {}
    for key, recs in sorted(groups.items()):
        # n_tokens and n_tokens_rejected share the prompt's tokens, so they compare the answers.
        longer = sum(1 for r in recs if r.n_tokens > r.n_tokens_rejected)
        ties = sum(1 for r in recs if r.n_tokens == r.n_tokens_rejected)
        share = round(longer / len(recs), 4)
        by_group[key] = {"pairs": len(recs), "chosen_longer": share, "ties": ties}
        if not lo <= share <= hi:
            warnings.append(f"WARNING: chosen is longer than rejected in {share:.1%} of {len(recs)} pairs of {key}"
                            f" (band {lo:.0%}-{hi:.0%}): DPO would learn length")
    overall = round(sum(1 for r in records if r.n_tokens > r.n_tokens_rejected) / len(records), 4) if records else 0.0
    limit = settings.truncate_at or max_tokens
    s = settings
    out = {
        "pairs": len(records),
        "chosen_longer": {"share": overall, "band": [lo, hi], "by_source_lang": by_group},
        "trivial_difference": _check(records, lambda r: "trivial_difference" in _hits(r),
                                     s.trivial_difference, "chosen and rejected differ only in whitespace, "
                                     "punctuation or case", warnings),
        "both_refusals": _check(records, lambda r: "both_refusals" in _hits(r),
                                s.both_refusals, "chosen and rejected are both refusals", warnings),
        "prompt_ends_with_assistant": _check(records, lambda r: bool(r.prompt) and r.prompt[-1]["role"] == "assistant",
                                             s.prompt_ends_with_assistant, "prompt ends with an assistant turn",
                                             warnings),
        "truncated": {**_check(records, lambda r: max(r.n_tokens, r.n_tokens_rejected) > limit, s.truncated,
                               f"longer than truncate_at {limit} tokens (the response gets cut)", warnings),
                      "truncate_at": limit},
        "warnings": warnings,
    }
    return out


def summary_lines(lint: dict[str, Any]) -> list[str]:
    """The lint section as text lines for `data stats`."""
    if not lint:
        return []
    lines = [f"preference lint over {lint['pairs']} pairs: chosen longer than rejected in "
             f"{lint['chosen_longer']['share']:.1%}"]
    for key, g in lint["chosen_longer"]["by_source_lang"].items():
        lines.append(f"  {key}: chosen longer {g['chosen_longer']:.1%} of {g['pairs']} (ties {g['ties']})")
    for key in ("trivial_difference", "both_refusals", "prompt_ends_with_assistant", "truncated"):
        c = lint[key]
        ex = f" e.g. {', '.join(c['examples'])}" if c["examples"] else ""
        lines.append(f"  {key.replace('_', ' ')}: {c['count']} ({c['share']:.1%}){ex}")
    return lines + lint["warnings"]
