"""A run's training curves folded from events.jsonl: one value per step (latest attempt wins), evals, pauses, resumes.

Light module (stdlib only): the plot draws from it, and anything else that wants the curves can read it
without matplotlib. Events written before attempts existed carry no 'attempt': they count as attempt 1,
and a later 'starting' state (a new trainer process on the same run dir) starts the next attempt,
resumed from the newest checkpoint event before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainer import protocol, rundir

RESUMED = protocol.RESUMED
# What the plot draws per step, keyed by the step event's field name.
SERIES = ("loss", "rewards/accuracies", "rewards/margins", "learning_rate")


@dataclass
class Curves:
    name: str
    # series name -> {step: value}; after folding, each step holds the latest attempt's value.
    series: dict[str, dict[int, float]] = field(default_factory=lambda: {k: {} for k in SERIES})
    evals: list[tuple[int, dict[str, float]]] = field(default_factory=list)
    pauses: list[int] = field(default_factory=list)  # steps at which the run was paused
    resumes: list[int] = field(default_factory=list)  # steps from which an attempt continued
    attempts: int = 0

    def points(self, key: str) -> tuple[list[int], list[float]]:
        data = self.series[key]
        steps = sorted(data)
        return steps, [data[s] for s in steps]

    @property
    def n_steps(self) -> int:
        return len(self.series["loss"])


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def fold(events: list[dict[str, Any]], name: str = "run") -> Curves:
    """Fold events (in file order) into curves; for each step the highest attempt that reached it wins."""
    c = Curves(name)
    rank: dict[tuple[str, int], tuple[int, int]] = {}  # (series, step) -> (attempt, seq) of the kept value
    eval_rank: dict[int, tuple[int, int]] = {}
    evals: dict[int, dict[str, float]] = {}
    inferred, starts, last_step, last_ckpt = 1, 0, 0, 0
    explicit_resumes: list[int] = []
    inferred_resumes: list[int] = []
    for ev in events:
        kind, seq = ev.get("type"), int(ev.get("seq", 0) or 0)
        if kind == protocol.STATE and ev.get("state") == protocol.STARTING:
            starts += 1
            if starts > 1:  # a second process on this run dir: a resume, even in logs without 'resumed'
                inferred += 1
                inferred_resumes.append(last_ckpt)  # resume continues from the newest checkpoint
        given = ev.get("attempt")
        attempt: int = given if isinstance(given, int) else inferred
        c.attempts = max(c.attempts, attempt)
        if kind == protocol.CHECKPOINT and isinstance(ev.get("step"), int):
            last_ckpt = ev["step"]
        if kind == RESUMED:
            explicit_resumes.append(int(ev.get("from_step", last_step) or 0))
        elif kind == protocol.STATE and ev.get("state") == protocol.PAUSED:
            if not c.pauses or c.pauses[-1] != last_step:
                c.pauses.append(last_step)
        elif kind == protocol.STEP and isinstance(ev.get("step"), int):
            step = ev["step"]
            last_step = step
            for key in SERIES:
                v = _num(ev.get(key))
                if v is not None and (attempt, seq) >= rank.get((key, step), (0, -1)):
                    rank[(key, step)] = (attempt, seq)
                    c.series[key][step] = v
        elif kind == protocol.EVAL and isinstance(ev.get("step"), int):
            step = ev["step"]
            if (attempt, seq) >= eval_rank.get(step, (0, -1)):
                eval_rank[step] = (attempt, seq)
                evals[step] = {k: float(v) for k, v in ev.items() if k.startswith("eval_") and _num(v) is not None}
    c.resumes = explicit_resumes or inferred_resumes
    c.evals = sorted(evals.items())
    return c


def load(run_dir: Path) -> Curves:
    """The curves of one run dir; a run with no step events yet is an error naming the file."""
    if not rundir.is_run_dir(run_dir):
        raise ValueError(f"{run_dir}: not a run directory (no {rundir.CONFIG})")
    curves = fold(list(rundir.iter_events(run_dir)), run_dir.name)
    if not curves.n_steps:
        raise ValueError(f"{run_dir / rundir.EVENTS}: no step events with a loss yet, nothing to plot")
    return curves
