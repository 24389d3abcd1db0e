"""The `golden` judge: no model. An answer is closer to the pair's chosen than to its rejected response.

A cheap reference, labelled as such in the report: word overlap says nothing about correctness, but on
a Golden set whose chosen and rejected differ in content and style it tracks which way a model moved.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter

from trainer.evaluation.ab.judges import JudgeItem, Progress, Verdict

_WORD = re.compile(r"\w+", re.UNICODE)


def _grams(text: str) -> Counter[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return Counter([(w,) for w in words] + list(itertools.pairwise(words)))


def similarity(a: str, b: str) -> float:
    """F1 of shared word unigrams and bigrams (ROUGE-like), in [0, 1]; 0 when either side has no words."""
    ga, gb = _grams(a), _grams(b)
    overlap = sum((ga & gb).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(ga.values()), overlap / sum(gb.values())
    return 2 * p * r / (p + r)


def reference_margin(answer: str, chosen: str, rejected: str) -> float:
    """> 0: the answer is closer to chosen than to rejected."""
    return similarity(answer, chosen) - similarity(answer, rejected)


class GoldenJudge:
    kind = "golden"
    label = "golden (no model: closer to chosen than to rejected, word-overlap F1)"
    cache_id = "golden/v1"
    note = ("a cheap reference, not a quality judgement: an answer wins when its word overlap with the pair's "
            "chosen response, minus its overlap with the rejected one, is larger")

    def judge(self, items: list[JudgeItem], progress: Progress | None = None) -> list[Verdict]:
        out = []
        for i, it in enumerate(items):
            if it.chosen is None or it.rejected is None:
                out.append(Verdict(None, "the golden judge needs the pair's chosen and rejected answers"))
            else:
                m1 = reference_margin(it.first, it.chosen, it.rejected)
                m2 = reference_margin(it.second, it.chosen, it.rejected)
                # A steep logistic of the margin difference: the sign decides, equal margins are a tie.
                d = max(-50.0, min(50.0, 20.0 * (m1 - m2)))
                out.append(Verdict(1.0 / (1.0 + math.exp(-d)) if m1 != m2 else 0.5,
                                   detail={"margin_first": m1, "margin_second": m2}))
            if progress:
                progress(i + 1, len(items))
        return out
