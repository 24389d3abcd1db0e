"""Fold a run's events (replayed from events.jsonl, then live) into the view model the Run pane draws.

Plain module: no Textual, unit tested on synthetic event lists.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainer import protocol

# Enough history for a long run's plots; older points are decimated rather than kept forever.
MAX_POINTS = 20_000
RESOURCE_HISTORY = 120
LOG_LINES = 500
RESUMED = "resumed"  # first event of a resumed attempt: attempt, from_step, checkpoint
CHARTS = ("rewards", "lr", "grad_norm")  # RunView.chart: the Run pane's second chart, cycled by `m`
PENDING = {"pause": "pausing…", "resume": "continuing…", "checkpoint": "checkpoint requested", "stop": "stopping…"}
# (state reached, pending label) pairs where the state is what the request was waiting for.
_SETTLES = {(protocol.PAUSED, PENDING["pause"]), (protocol.TRAINING, PENDING["resume"])}


@dataclass
class Series:
    """x/y points for one plotted metric; halves its resolution when full so memory stays bounded."""

    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)

    def add(self, x: float, y: Any) -> None:
        if not isinstance(y, int | float) or isinstance(y, bool):
            return
        if self.xs and x <= self.xs[-1]:
            # A resumed run replays steps it already logged before the crash: keep the newer value.
            while self.xs and self.xs[-1] >= x:
                self.xs.pop()
                self.ys.pop()
        self.xs.append(x)
        self.ys.append(float(y))
        if len(self.xs) > MAX_POINTS:
            self.xs, self.ys = self.xs[::2], self.ys[::2]

    def __len__(self) -> int:
        return len(self.xs)

    def truncate_after(self, x: float) -> None:
        while self.xs and self.xs[-1] > x:
            self.xs.pop()
            self.ys.pop()

    def last(self) -> float | None:
        return self.ys[-1] if self.ys else None


@dataclass
class RunView:
    run_dir: Path
    state: str = "created"
    step: int = 0
    max_steps: int | None = None
    loss: float | None = None
    accuracy: float | None = None
    margin: float | None = None
    tokens_per_s: float | None = None
    step_time_s: float | None = None
    eta_s: float | None = None
    learning_rate: float | None = None
    started_t: float | None = None
    last_t: float | None = None
    last_seq: int = 0
    last_checkpoint: int | None = None
    checkpoints: list[int] = field(default_factory=list)
    error: str | None = None
    error_detail: str | None = None  # the whole message and traceback, for the detail view
    pid: int | None = None
    attempt: int = 1
    # Set by `resumed` until the new attempt's first step: the header says "loading from checkpoint-N".
    resuming_from: int | None = None
    # A control request sent but not yet seen done ("pausing…"): shown at once, cleared by the event that ends it.
    pending: str | None = None
    ended_note: str | None = None  # why an interrupted run stopped, and what `r` would do
    loss_series: Series = field(default_factory=Series)
    acc_series: Series = field(default_factory=Series)
    margin_series: Series = field(default_factory=Series)
    eval_loss: Series = field(default_factory=Series)
    eval_acc: Series = field(default_factory=Series)
    lr_series: Series = field(default_factory=Series)
    grad_norm_series: Series = field(default_factory=Series)
    resources: dict[str, Any] = field(default_factory=dict)
    cpu_hist: deque[float] = field(default_factory=lambda: deque(maxlen=RESOURCE_HISTORY))
    rss_hist: deque[float] = field(default_factory=lambda: deque(maxlen=RESOURCE_HISTORY))
    sysmem_hist: deque[float] = field(default_factory=lambda: deque(maxlen=RESOURCE_HISTORY))
    devmem_hist: deque[float] = field(default_factory=lambda: deque(maxlen=RESOURCE_HISTORY))
    log: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_LINES))
    # Elapsed is training time: every attempt from its first to its last event, pauses left out;
    # the downtime between a kill and the resume is no attempt's time.
    attempt_started_t: float | None = None
    prior_attempts_s: float = 0.0
    paused_since: float | None = None
    paused_total: float = 0.0
    log_total: int = 0  # lines ever logged, so a widget can append only what is new

    def all_series(self) -> tuple[Series, ...]:
        return (self.loss_series, self.acc_series, self.margin_series, self.eval_loss, self.eval_acc,
                self.lr_series, self.grad_norm_series)

    def chart(self, which: str) -> tuple[str, list[tuple[str, Series]]]:
        """The title and lines of one of the Run pane's second charts (CHARTS), which `m` cycles."""
        if which == "lr":
            return "learning rate", [("lr", self.lr_series)]
        if which == "grad_norm":
            return "grad norm", [("grad norm", self.grad_norm_series)]
        return "reward acc · margin", [("acc", self.acc_series), ("margin", self.margin_series),
                                       ("eval acc", self.eval_acc)]

    def add_log(self, line: str) -> None:
        self.log.append(line)
        self.log_total += 1

    @property
    def live(self) -> bool:
        return self.state in protocol.LIVE_STATES

    @property
    def progress(self) -> float:
        return min(1.0, self.step / self.max_steps) if self.max_steps else 0.0

    def elapsed(self, now: float) -> float | None:
        """Training time of all attempts, pauses excluded; frozen at the last event once the run is over."""
        if self.attempt_started_t is None:
            return None
        end = now if self.live else (self.last_t or now)
        return self.prior_attempts_s + _active(self, end)

    def wall(self, now: float) -> float | None:
        """Wall time since the first start (downtime and pauses included), frozen once the run is over."""
        if self.started_t is None:
            return None
        return max(0.0, (now if self.live else (self.last_t or now)) - self.started_t)


def _active(view: RunView, end: float) -> float:
    """The current attempt's training time up to `end`."""
    if view.attempt_started_t is None:
        return 0.0
    paused = view.paused_total + (max(0.0, end - view.paused_since) if view.paused_since is not None else 0.0)
    return max(0.0, end - view.attempt_started_t - paused)


def _begin_attempt(view: RunView, attempt: int, t: float | None) -> None:
    """A new trainer process on this run: bank the previous attempt's time, leave the gap between them out."""
    if view.last_t is not None:
        view.prior_attempts_s += _active(view, view.last_t)
    view.attempt = attempt
    view.attempt_started_t = t
    view.paused_since = None
    view.paused_total = 0.0
    view.pending = None


def _log_line(ev: dict[str, Any], text: str) -> str:
    import time

    stamp = time.strftime("%H:%M:%S", time.localtime(ev.get("t", 0)))
    return f"{stamp} {text}"


def fold(view: RunView, ev: dict[str, Any]) -> None:
    """Apply one event; unknown types are logged, never dropped silently."""
    seq = ev.get("seq")
    if isinstance(seq, int):
        if seq <= view.last_seq:
            return  # the live stream can overlap the replayed file
        view.last_seq = seq
    t = ev.get("t")
    t = float(t) if isinstance(t, int | float) else None
    kind = ev.get("type")
    attempt = _attempt_of(view, ev)
    if attempt > view.attempt:
        _begin_attempt(view, attempt, t)
    if t is not None:
        view.started_t = view.started_t if view.started_t is not None else t
        view.attempt_started_t = view.attempt_started_t if view.attempt_started_t is not None else t
        view.last_t = t
    if kind == protocol.STEP:
        _fold_step(view, ev)
    elif kind == RESUMED:
        _fold_resumed(view, ev)
    elif kind == protocol.STATE:
        _fold_state(view, ev, t)
    elif kind == protocol.RESOURCES:
        view.resources = ev
        for key, hist in (("cpu_percent", view.cpu_hist), ("rss_bytes", view.rss_hist),
                          ("sys_mem_percent", view.sysmem_hist), ("device_mem_bytes", view.devmem_hist)):
            v = ev.get(key)
            if isinstance(v, int | float):
                hist.append(float(v))
    elif kind == protocol.CHECKPOINT:
        if view.pending == PENDING["checkpoint"]:
            view.pending = None
        step = ev.get("step")
        if isinstance(step, int):
            view.last_checkpoint = step
            if step not in view.checkpoints:
                view.checkpoints.append(step)
        view.add_log(_log_line(ev, f"checkpoint saved at step {step}: {ev.get('path', '')}"))
    elif kind == protocol.EVAL and ev.get("source") == "evaluation":
        # A report written by `alice-tui eval` (no step of its own): one readable line.
        sig = "significant" if ev.get("significant") else "not significant"
        view.add_log(_log_line(ev, f"eval {ev.get('name')}: tuned {_pct(ev.get('tuned_accuracy'))} vs base "
                                   f"{_pct(ev.get('base_accuracy'))} on {ev.get('split')} ({sig})"))
    elif kind == protocol.EVAL:
        x = float(ev.get("step", view.step) or view.step)
        view.eval_loss.add(x, _first(ev, "eval_loss", "loss"))
        view.eval_acc.add(x, _first(ev, "eval_rewards/accuracies", "rewards/accuracies"))
        shown = {k: v for k, v in ev.items() if k not in ("seq", "t", "type")}
        view.add_log(_log_line(ev, "eval " + " ".join(f"{k}={_short(v)}" for k, v in shown.items())))
    elif kind == protocol.LOG:
        level = str(ev.get("level", "info")).upper()
        view.add_log(_log_line(ev, f"{level:<5} {ev.get('message', '')}"))
    elif kind == protocol.ERROR:
        view.error = str(ev.get("message", "error"))
        view.add_log(_log_line(ev, f"ERROR {view.error}"))
        tb = ev.get("traceback")
        view.error_detail = view.error + (f"\n\n{tb.rstrip()}" if isinstance(tb, str) else "")
        if isinstance(tb, str):
            for line in tb.strip().splitlines()[-12:]:
                view.add_log(f"{'':8} {line}")
    else:
        view.add_log(_log_line(ev, f"{kind}: {ev}"))


def _attempt_of(view: RunView, ev: dict[str, Any]) -> int:
    """The event's attempt; logs from before attempts existed start a new one with each `starting` state."""
    given = ev.get("attempt")
    if isinstance(given, int) and not isinstance(given, bool):
        return given
    if ev.get("type") == protocol.STATE and ev.get("state") == protocol.STARTING and view.started_t is not None:
        return view.attempt + 1
    return view.attempt


def _fold_resumed(view: RunView, ev: dict[str, Any]) -> None:
    """Drop what the dead attempt did past the checkpoint it is resumed from: those steps are trained again."""
    from_step = ev.get("from_step")
    n = from_step if isinstance(from_step, int) and not isinstance(from_step, bool) else 0
    for series in view.all_series():
        series.truncate_after(n)
    view.step = n
    view.resuming_from = n
    view.eta_s = view.tokens_per_s = view.step_time_s = None
    view.loss, view.accuracy, view.margin = view.loss_series.last(), view.acc_series.last(), view.margin_series.last()
    view.checkpoints = [c for c in view.checkpoints if c <= n]
    view.last_checkpoint = view.checkpoints[-1] if view.checkpoints else None
    view.error = view.error_detail = None
    view.add_log(_log_line(ev, f"resumed (attempt {view.attempt}) from "
                               f"{f'checkpoint-{n}' if n else 'step 0 (no complete checkpoint)'}"))


def _first(ev: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if ev.get(k) is not None:
            return ev[k]
    return None


def _pct(v: Any) -> str:
    return f"{v * 100:.1f}%" if isinstance(v, int | float) else "–"


def _short(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _fold_step(view: RunView, ev: dict[str, Any]) -> None:
    step = ev.get("step")
    if isinstance(step, int):
        view.step = step
    view.max_steps = ev.get("max_steps") or view.max_steps
    view.loss = ev.get("loss")
    view.accuracy = ev.get("rewards/accuracies")
    view.margin = ev.get("rewards/margins")
    view.tokens_per_s = ev.get("tokens_per_s", view.tokens_per_s)
    view.step_time_s = ev.get("step_time_s", view.step_time_s)
    view.eta_s = ev.get("eta_s")
    view.learning_rate = ev.get("learning_rate", view.learning_rate)
    view.resuming_from = None
    x = float(view.step)
    view.loss_series.add(x, view.loss)
    view.acc_series.add(x, view.accuracy)
    view.margin_series.add(x, view.margin)
    view.lr_series.add(x, ev.get("learning_rate"))
    view.grad_norm_series.add(x, ev.get("grad_norm"))


def _fold_state(view: RunView, ev: dict[str, Any], t: Any) -> None:
    new = str(ev.get("state", view.state))
    if isinstance(t, int | float):
        if new == protocol.PAUSED and view.paused_since is None:
            view.paused_since = t
        elif new != protocol.PAUSED and view.paused_since is not None:
            view.paused_total += t - view.paused_since
            view.paused_since = None
    view.state = new
    if (new, view.pending) in _SETTLES or new in protocol.FINAL_STATES:
        view.pending = None
    if isinstance(ev.get("pid"), int):
        view.pid = ev["pid"]
    view.max_steps = ev.get("max_steps") or view.max_steps
    if isinstance(ev.get("step"), int) and ev["step"]:
        view.step = ev["step"]
    extra = f" ({ev['message']})" if ev.get("message") else ""
    view.add_log(_log_line(ev, f"state → {new}{extra}"))


def request_sent(view: RunView, cmd: str) -> None:
    """Say at once what the trainer will do at its next step boundary (seconds away on a big model)."""
    view.pending = PENDING.get(cmd, view.pending)


def fold_status(view: RunView, status: dict[str, Any]) -> None:
    """The trainer's `status` reply: requests it holds but has not acted on yet (e.g. made before we attached)."""
    if status.get("stopping"):
        view.pending = PENDING["stop"]
    elif status.get("checkpoint_pending"):
        view.pending = PENDING["checkpoint"]
    elif status.get("paused") and status.get("state") != protocol.PAUSED:
        view.pending = PENDING["pause"]


def fold_all(view: RunView, events: list[dict[str, Any]]) -> RunView:
    for ev in events:
        fold(view, ev)
    return view


def mark_ended(view: RunView, reason: str, resume_from: int | None = None) -> None:
    """The trainer is gone without a final state (killed, crashed, machine rebooted): say so, and what `r` does."""
    if view.state in protocol.FINAL_STATES:
        return
    view.state = protocol.INTERRUPTED
    if view.paused_since is not None and view.last_t is not None:
        view.paused_total += max(0.0, view.last_t - view.paused_since)
    view.paused_since = None
    view.pending = None
    who = f"trainer pid {view.pid}" if view.pid else "the trainer"
    then = f"r resumes from checkpoint-{resume_from}" if resume_from is not None else \
        "no complete checkpoint, r restarts it from step 0"
    view.ended_note = f"{who} died without a final state at step {view.step}; {then}"
    view.add_log(f"{'':8} trainer gone: {reason}")
