"""Which DPO parameters each preference loss reads, and what it requires of them, as data.

Light module (the console imports it through trainer.config): no torch, no trl. Every row is
read off TRL 1.16's `DPOTrainer._compute_loss` and the checks in `DPOTrainer.__init__`
(trl/trainer/dpo_trainer.py); tests/test_loss_table.py trains one step of each row on a real
DPOTrainer and checks that TRL lists no loss this table does not know, so the two cannot drift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# Parameters a loss may read, besides max_length and precompute_ref_log_probs that every loss uses.
BETA, LABEL_SMOOTHING, DISCOPOP_TAU = "beta", "label_smoothing", "discopop_tau"
LD_ALPHA, USE_WEIGHTING, F_DIVERGENCE = "ld_alpha", "use_weighting", "f_divergence_type"
PER_LOSS_FIELDS = (BETA, LABEL_SMOOTHING, DISCOPOP_TAU, LD_ALPHA, USE_WEIGHTING, F_DIVERGENCE)

# Values that mean "off": a field set away from these for a loss that never reads it is an error,
# since TRL would silently ignore it.
NEUTRAL: dict[str, Any] = {LABEL_SMOOTHING: 0.0, DISCOPOP_TAU: 0.05, LD_ALPHA: None, USE_WEIGHTING: False,
                           F_DIVERGENCE: "reverse_kl"}
F_DIVERGENCES = ("reverse_kl", "forward_kl", "js_divergence", "alpha_divergence")
_REFUSED_BY_TRL = (USE_WEIGHTING, F_DIVERGENCE)

# What every pairwise loss reads: beta scales its margin, ld_alpha and use_weighting act on its log-probabilities.
_SHARED = frozenset({BETA, LD_ALPHA, USE_WEIGHTING})
# TRL: only the losses built on the chosen-minus-rejected score take a non-default f-divergence.
_F_DIV = frozenset({F_DIVERGENCE})


@dataclass(frozen=True)
class Bound:
    """A loss's own range for a field, stricter than the field's schema range."""

    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    why: str = ""

    def text(self) -> str:
        lo = None if self.min is None else f"{'>' if self.min_exclusive else '>='} {self.min}"
        hi = None if self.max is None else f"{'<' if self.max_exclusive else '<='} {self.max}"
        return " and ".join(s for s in (lo, hi) if s)

    def violated_by(self, value: float) -> str | None:
        too_low = self.min is not None and (value <= self.min if self.min_exclusive else value < self.min)
        too_high = self.max is not None and (value >= self.max if self.max_exclusive else value > self.max)
        return f"must be {self.text()}" if too_low or too_high else None


@dataclass(frozen=True)
class Loss:
    name: str
    summary: str
    uses: frozenset[str]
    bounds: dict[str, Bound] = field(default_factory=dict)
    # The loss's own settings for a real case (the one-step TRL test turns on every shared option it takes too).
    example: dict[str, Any] = field(default_factory=dict)
    alone: bool = True  # False: only meaningful as a part of a multi-loss


_ROBUST_SMOOTHING = Bound(0.0, 0.5, max_exclusive=True, why="it is the probability a label is flipped")

LOSSES: tuple[Loss, ...] = (
    Loss("sigmoid", "DPO", _SHARED | _F_DIV, ),
    Loss("ipo", "IPO: squared loss on the length-normalised margin (beta is its tau)", _SHARED | _F_DIV,
         example={F_DIVERGENCE: "alpha_divergence", "f_alpha_divergence_coef": 0.3}),
    # TRL 1.16 weights a pair in place (`*=`) on relu's output, which its backward needs: use_weighting fails.
    Loss("hinge", "SLiC hinge loss on the margin", _SHARED - {USE_WEIGHTING} | _F_DIV),
    Loss("robust", "Robust DPO for noisy labels (label_smoothing = flip probability)",
         _SHARED | _F_DIV | {LABEL_SMOOTHING}, {LABEL_SMOOTHING: _ROBUST_SMOOTHING},
         example={LABEL_SMOOTHING: 0.1}),
    Loss("exo_pair", "EXO: reverse-KL to the smoothed preference (label_smoothing is its epsilon)",
         _SHARED | _F_DIV | {LABEL_SMOOTHING},
         {LABEL_SMOOTHING: Bound(0.0, 0.5, min_exclusive=True, max_exclusive=True,
                                 why="EXO takes log(label_smoothing); the paper suggests 1e-3")},
         example={LABEL_SMOOTHING: 1e-3}),
    Loss("nca_pair", "NCA: absolute-reward noise-contrastive loss", _SHARED),
    Loss("bco_pair", "BCO on pairs: binary classifier of chosen vs rejected rewards", _SHARED),
    Loss("sppo_hard", "SPPO with hard win/lose probabilities", _SHARED),
    Loss("aot", "AOT: distributional alignment by sorting margins over the batch (needs batch size > 1 to differ "
         "from sigmoid)", frozenset({BETA, LD_ALPHA, LABEL_SMOOTHING}), {LABEL_SMOOTHING: _ROBUST_SMOOTHING},
         example={LABEL_SMOOTHING: 0.1}),
    Loss("aot_unpaired", "AOT on unpaired data: sorts chosen and rejected log-ratios apart",
         frozenset({BETA, LD_ALPHA, LABEL_SMOOTHING}), {LABEL_SMOOTHING: _ROBUST_SMOOTHING}),
    Loss("apo_zero", "APO-zero: chosen better than the model's own outputs", _SHARED),
    Loss("apo_down", "APO-down: chosen worse than the model's own outputs", _SHARED),
    Loss("discopop", "DiscoPOP: log-ratio modulated loss", _SHARED | _F_DIV | {DISCOPOP_TAU},
         example={DISCOPOP_TAU: 0.1}),
    Loss("sigmoid_norm", "DPO on the length-normalised margin", _SHARED | _F_DIV,
         example={F_DIVERGENCE: "forward_kl"}),
    # The chosen responses' NLL; beta and ld_alpha do not enter it, and TRL 1.16's in-place weighting fails on its
    # expanded scalar (use_weighting). Alone it is plain SFT, not preference tuning.
    Loss("sft", "negative log-likelihood of the chosen response (RPO/MPO's SFT term)", _F_DIV, alone=False),
)
BY_NAME = {loss.name: loss for loss in LOSSES}
NAMES = tuple(BY_NAME)

# TRL loss types this project does not offer, each with the reason. Empty today: every TRL 1.16 loss fits.
NOT_SUPPORTED: dict[str, str] = {}

# Multi-loss recipes worth naming (and training in the test): MPO = sigmoid + bco_pair + sft.
EXAMPLE_COMBINATIONS: tuple[tuple[tuple[str, ...], tuple[float, ...]], ...] = (
    (("sigmoid", "bco_pair", "sft"), (0.8, 0.2, 1.0)),
)


def names_of(loss_type: str | list[str]) -> list[str]:
    """The loss names a `dpo.loss_type` value stands for (a name, or a list of names)."""
    return [loss_type] if isinstance(loss_type, str) else list(loss_type)


def users_of(param: str) -> tuple[str, ...]:
    return tuple(loss.name for loss in LOSSES if param in loss.uses)


def _users_text(param: str) -> str:
    users = users_of(param)
    if len(users) > len(LOSSES) // 2:
        return "every loss but " + ", ".join(n for n in NAMES if n not in users)
    return ", ".join(users)


def uses(loss_type: str | list[str], param: str) -> bool:
    """Whether any of the chosen losses reads `param`."""
    return any(param in BY_NAME[n].uses for n in names_of(loss_type) if n in BY_NAME)


def unused_params(loss_type: str | list[str], f_divergence_type: str = "reverse_kl") -> set[str]:
    """DPO fields (names within the section) that the chosen loss(es) never read: the form dims them."""
    names = [n for n in names_of(loss_type) if n in BY_NAME]
    if not names:
        return set()
    unused = {p for p in PER_LOSS_FIELDS if not uses(names, p)}
    if len(names) == 1:
        unused.add("loss_weights")
    if f_divergence_type != "alpha_divergence":
        unused.add("f_alpha_divergence_coef")
    return unused


def check_loss_type(path: str, value: Any) -> tuple[Any, str | None]:
    """Schema check for `dpo.loss_type`: a name or a non-empty list of distinct names; one-element lists read as a name."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        return None, f"expected a loss name or a list of them, got {value!r}"
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        why = "; ".join(f"{n}: {NOT_SUPPORTED[n]}" for n in unknown if n in NOT_SUPPORTED)
        return None, (f"{', '.join(map(repr, unknown))} is not one of: {', '.join(NAMES)}" + (f" ({why})" if why else ""))
    if len(set(names)) < len(names):
        return None, f"names a loss twice: {value!r}"
    if len(names) == 1 and not BY_NAME[names[0]].alone:
        return None, f"{names[0]} alone is not preference tuning; combine it, e.g. [sigmoid, {names[0]}]"
    return value, None


def check_loss_weights(path: str, value: Any) -> tuple[Any, str | None]:
    """Schema check for `dpo.loss_weights`: null, or a list of finite numbers >= 0."""
    if value is None:
        return None, None
    if (not isinstance(value, list) or not value
            or not all(isinstance(w, int | float) and not isinstance(w, bool) for w in value)):
        return None, f"expected a list of numbers (one per loss_type), got {value!r}"
    if not all(math.isfinite(w) and w >= 0 for w in value):
        return None, f"weights must be finite and >= 0, got {value!r}"
    return [float(w) for w in value], None


def cross_check(dpo: Any) -> list[tuple[str, str]]:
    """(field, message) for each DPO setting the chosen loss(es) cannot take; `dpo` is the DpoConfig section."""
    names = names_of(dpo.loss_type)
    shown = names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"
    errors: list[tuple[str, str]] = []
    if dpo.loss_weights is not None and len(dpo.loss_weights) != len(names):
        errors.append(("loss_weights", f"has {len(dpo.loss_weights)} weights for {len(names)} loss types ({shown})"))
    for param, neutral in NEUTRAL.items():
        value = getattr(dpo, param)
        if value == neutral:
            continue
        # TRL raises when any part of the loss cannot take these; the others it would silently ignore.
        refusing = [n for n in names if param not in BY_NAME[n].uses]
        if param in _REFUSED_BY_TRL and refusing:
            errors.append((param, f"{value!r} is not supported with loss_type {', '.join(refusing)} "
                                  f"(supported by {_users_text(param)})"))
        elif len(refusing) == len(names):
            errors.append((param, f"{value!r} is not used by loss_type {shown} (used by {_users_text(param)}; "
                                  f"leave it at {neutral!r})"))
    for n in names:
        for param, bound in BY_NAME[n].bounds.items():
            problem = bound.violated_by(getattr(dpo, param))
            if problem:
                errors.append((param, f"{problem} for loss_type {n} ({bound.why})"))
    if dpo.f_alpha_divergence_coef != 0.5 and dpo.f_divergence_type != "alpha_divergence":
        errors.append(("f_alpha_divergence_coef", "is only used with f_divergence_type alpha_divergence "
                                                  "(leave it at 0.5)"))
    return errors


def help_for(param: str, text: str) -> str:
    """A field's help text followed by the losses that read it, so the two are written once."""
    return f"{text} (used by {_users_text(param)})"


def loss_type_help() -> str:
    return ("Preference loss (README: Loss types), or a list of losses summed with loss_weights, e.g. MPO: "
            "[sigmoid, bco_pair, sft]")


def reference_markdown() -> str:
    """The README's loss table, generated so that it cannot drift from this one."""
    rows = ["| `loss_type` | what it is | reads | own range |", "| --- | --- | --- | --- |"]
    for loss in LOSSES:
        reads = ", ".join(f"`{p}`" for p in PER_LOSS_FIELDS if p in loss.uses)
        own = "; ".join(f"`{p}` {b.text()}" for p, b in loss.bounds.items())
        summary = loss.summary + ("" if loss.alone else " (only as part of a multi-loss)")
        rows.append(f"| `{loss.name}` | {summary} | {reads} | {own} |")
    return "\n".join(rows)


def describe(loss_type: str | list[str]) -> str:
    """The loss as people read it in summaries: `sigmoid` or `sigmoid+bco_pair+sft`."""
    return "+".join(names_of(loss_type))
