"""Swap-debiasing: each pair is judged with tuned first and with base first, and the two are combined.

Hand-checkable rules (tested): o1 = the tuned-first verdict for tuned (+1), tie (0) or base (-1); o2 the
same from the base-first verdict. The pair's outcome is the sign of o1 + o2: both orders agreeing is a
win or a loss, opposite verdicts (a preference that flips with the order) a tie, and one tie beside a
preference takes that preference. Position-consistent means o1 == o2.
"""

from __future__ import annotations

from dataclasses import dataclass

from trainer.evaluation.ab.judges import Verdict

SCORE = {"win": 1.0, "tie": 0.5, "loss": 0.0}


@dataclass(frozen=True, slots=True)
class Outcome:
    outcome: str               # win | tie | loss (for tuned) | error
    score: float | None        # 1, 0.5, 0; None on error
    consistent: bool | None    # same verdict in both orders; None on error
    o_tuned_first: int | None
    o_base_first: int | None
    error: str | None = None


def combine(tuned_first: Verdict, base_first: Verdict) -> Outcome:
    errors = [v.error or "no verdict" for v in (tuned_first, base_first) if v.p_first is None]
    if errors:
        return Outcome("error", None, None, None, None, "; ".join(errors))
    o1 = tuned_first.preference()
    o2 = -base_first.preference()   # base first: the judge preferring the second answer means tuned
    s = o1 + o2
    outcome = "win" if s > 0 else "loss" if s < 0 else "tie"
    return Outcome(outcome, SCORE[outcome], o1 == o2, o1, o2)
