"""The TrainerCallback that connects TRL's loop to the run: step/eval/checkpoint events, pause, checkpoint, stop.

Pause holds at the start of the next optimizer step (after the previous step was logged and saved),
so the socket keeps answering and a checkpoint can still be taken while paused.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from trainer import faults, protocol, rundir
from trainer.checkpoints import mark_complete, prune_checkpoints
from trainer.control import RunControl
from trainer.timing import StepClock

HOLD_POLL_S = 0.1
TRAIN_LOG_KEYS = {"loss": "loss", "rewards/accuracies": "rewards/accuracies", "rewards/margins": "rewards/margins",
                  "rewards/chosen": "rewards/chosen", "rewards/rejected": "rewards/rejected",
                  "learning_rate": "learning_rate", "grad_norm": "grad_norm", "logps/chosen": "logps/chosen",
                  "logps/rejected": "logps/rejected"}


class StopTraining(Exception):
    """Raised out of the loop when a stop arrives while paused (after the stop checkpoint is written)."""


class RunCallback(TrainerCallback):
    def __init__(self, rc: RunControl, save_every: int = 0, keep: int | None = None):
        self.rc = rc
        self.save_every = save_every
        self.keep = keep
        self.clock = StepClock()
        self.trainer: Any = None  # set after the trainer exists: needed to save while paused
        self._boundary_t = 0.0
        self._stop_save_pending = False

    # -- loop hooks --------------------------------------------------------------------------
    def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        self.rc.set_progress(state.global_step, state.max_steps)
        self.rc.set_state(protocol.TRAINING)
        self.clock.start(time.monotonic())

    def on_step_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        if self.rc.paused or self.rc.want_stop:
            self._hold(state)

    def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        now = time.monotonic()
        self.clock.step_done(now)
        self._boundary_t = now
        self.rc.set_progress(state.global_step, state.max_steps)
        finishing = state.global_step >= state.max_steps
        due = bool(self.save_every) and state.global_step % self.save_every == 0
        if self.rc.want_stop or self.rc.want_checkpoint or due or finishing:
            # The final checkpoint is what lets a finished run be extended later (resume --set max_steps=N).
            control.should_save = True
            if self.rc.want_stop:
                control.should_training_stop = True
                self._stop_save_pending = True
                self.rc.set_state(protocol.STOPPING)
            elif self.rc.want_checkpoint:
                self.rc.set_state(protocol.CHECKPOINTING)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any) -> None:
        logs = logs or {}
        if any(k.startswith("eval_") for k in logs):
            self.rc.events.emit(protocol.EVAL, step=state.global_step,
                                **{k: v for k, v in logs.items() if k.startswith("eval_")})
            return
        if "loss" not in logs:
            return  # the end-of-training summary (train_runtime & co.) is not a step
        fields = {v: logs[k] for k, v in TRAIN_LOG_KEYS.items() if k in logs}
        self.rc.events.emit(
            protocol.STEP, step=state.global_step, max_steps=state.max_steps, **fields,
            tokens_per_s=_round(self.clock.tokens_per_s(_int(logs.get("num_tokens")))),
            num_tokens=_int(logs.get("num_tokens")),
            step_time_s=_round(self.clock.last_step_time), eta_s=_round(self.clock.eta(state.global_step, state.max_steps)),
            epoch=logs.get("epoch", state.epoch))
        faults.after_step_logged(state.global_step)

    def on_evaluate(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        self._exclude_since_boundary()

    def on_save(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        self._finish_checkpoint(state.global_step, args.output_dir)
        self._exclude_since_boundary()

    # -- helpers -----------------------------------------------------------------------------
    def _exclude_since_boundary(self) -> None:
        now = time.monotonic()
        self.clock.exclude(now - self._boundary_t)
        self._boundary_t = now

    def _finish_checkpoint(self, step: int, output_dir: str) -> None:
        ckpt = Path(output_dir) / f"checkpoint-{step}"
        mark_complete(ckpt, step)
        faults.after_checkpoint_complete(step)
        self.rc.checkpoint_done(step)
        self.rc.events.emit(protocol.CHECKPOINT, step=step, path=str(ckpt))
        for p in prune_checkpoints(Path(output_dir), self.keep):
            self.rc.events.emit(protocol.LOG, level="info", message=f"removed old checkpoint {p.name}")
        if self._stop_save_pending or self.rc.step >= self.rc.max_steps:
            return  # stopping or finishing: the run's next state is its final one
        self.rc.set_state(protocol.PAUSED if self.rc.paused else protocol.TRAINING)

    def _save_now(self, state: Any) -> None:
        """Checkpoint from inside a pause (the loop's own save path only runs after a step)."""
        if self.rc.last_checkpoint == state.global_step and (
                Path(self.trainer.args.output_dir) / f"checkpoint-{state.global_step}" / rundir.COMPLETE).exists():
            self.rc.checkpoint_done(state.global_step)  # nothing new to save since the last one
            return
        if not self._stop_save_pending:
            self.rc.set_state(protocol.CHECKPOINTING)
        self.trainer._save_checkpoint(self.trainer.model_wrapped, trial=None)
        self._finish_checkpoint(state.global_step, self.trainer.args.output_dir)

    def _hold(self, state: Any) -> None:
        t0 = time.monotonic()
        if self.rc.paused:
            self.rc.set_state(protocol.PAUSED)
        while self.rc.paused and not self.rc.want_stop:
            if self.rc.want_checkpoint:
                self._save_now(state)
            self.rc.wake.wait(HOLD_POLL_S)
            self.rc.wake.clear()
        if self.rc.want_stop:
            self._stop_save_pending = True
            self.rc.set_state(protocol.STOPPING)
            self._save_now(state)
            raise StopTraining()
        self.clock.exclude(time.monotonic() - t0)
        self.rc.set_state(protocol.TRAINING)


def _round(v: float | None, nd: int = 4) -> float | None:
    return None if v is None else round(v, nd)


def _int(v: Any) -> int | None:
    try:
        return None if v is None else int(v)
    except (TypeError, ValueError):
        return None
