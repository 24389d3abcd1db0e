"""The TrainerCallback that connects TRL's loop to the run: step/eval/checkpoint events, pause, checkpoint, stop.

Pause holds at the start of the next optimizer step (after the previous step was logged and saved),
so the socket keeps answering and a checkpoint can still be taken while paused.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from trainer import faults, protocol, ranks, rundir
from trainer.checkpoints import mark_complete, prune_checkpoints
from trainer.control import RunControl
from trainer.timing import StepClock

HOLD_POLL_S = 0.1
HEARTBEAT_S = 1.0  # paused multi-rank runs: how often rank 0 re-broadcasts "still paused"
TRAIN_LOG_KEYS = {"loss": "loss", "rewards/accuracies": "rewards/accuracies", "rewards/margins": "rewards/margins",
                  "rewards/chosen": "rewards/chosen", "rewards/rejected": "rewards/rejected",
                  "learning_rate": "learning_rate", "grad_norm": "grad_norm", "logps/chosen": "logps/chosen",
                  "logps/rejected": "logps/rejected"}


class StopTraining(Exception):
    """Raised out of the loop when a stop arrives while paused (after the stop checkpoint is written)."""


class RunCallback(TrainerCallback):
    def __init__(self, rc: RunControl, save_every: int = 0, keep: int | None = None,
                 world: ranks.World | None = None):
        self.rc = rc
        self.save_every = save_every
        self.keep = keep
        self.world = world or ranks.World(0, 1)
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
        word = self._word()
        if word & (ranks.PAUSE | ranks.STOP):
            self._hold(state, word)

    def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        now = time.monotonic()
        self.clock.step_done(now)
        self._boundary_t = now
        self.rc.set_progress(state.global_step, state.max_steps)
        finishing = state.global_step >= state.max_steps
        due = bool(self.save_every) and state.global_step % self.save_every == 0
        word = self._word()
        if word & (ranks.STOP | ranks.CHECKPOINT) or due or finishing:
            # The final checkpoint is what lets a finished run be extended later (resume --set max_steps=N).
            control.should_save = True
            if word & ranks.STOP:
                control.should_training_stop = True
                self._stop_save_pending = True
                self.rc.set_state(protocol.STOPPING)
            elif word & ranks.CHECKPOINT:
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
    def _word(self) -> int:
        """What to do at this boundary, as rank 0 saw it; the same word on every rank (ranks.agree).

        Rank 0 acts on the agreed word, not on its flags, which a socket thread may have changed since.
        """
        rc = self.rc
        word = ((ranks.PAUSE if rc.paused else 0) | (ranks.CHECKPOINT if rc.want_checkpoint else 0)
                | (ranks.STOP if rc.want_stop else 0))
        if not self.world.distributed:
            return word
        word = ranks.agree(word, self.world)
        if not self.world.is_main:
            rc.paused, rc.want_checkpoint, rc.want_stop = (bool(word & ranks.PAUSE), bool(word & ranks.CHECKPOINT),
                                                           bool(word & ranks.STOP))
        return word

    def _exclude_since_boundary(self) -> None:
        now = time.monotonic()
        self.clock.exclude(now - self._boundary_t)
        self._boundary_t = now

    def _finish_checkpoint(self, step: int, output_dir: str) -> None:
        ckpt = Path(output_dir) / f"checkpoint-{step}"
        ranks.barrier(self.world)  # COMPLETE only after every rank's part of the checkpoint is written
        if self.world.is_main:
            mark_complete(ckpt, step)
            faults.after_checkpoint_complete(step)
        self.rc.checkpoint_done(step)
        if self.world.is_main:
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

    def _hold(self, state: Any, word: int) -> None:
        """Hold between optimizer steps while paused; checkpoint and stop still work.

        With several ranks, rank 0 re-broadcasts the word every HEARTBEAT_S, so the other ranks, waiting
        in that broadcast, never sit in one collective long enough to hit its timeout: a pause of hours
        is a series of one-second waits.
        """
        t0 = time.monotonic()
        if word & ranks.PAUSE and not word & ranks.STOP:
            self.rc.set_state(protocol.PAUSED)
        while word & ranks.PAUSE and not word & ranks.STOP:
            if word & ranks.CHECKPOINT:
                self._save_now(state)
            if self.world.is_main:
                self.rc.wake.wait(HEARTBEAT_S if self.world.distributed else HOLD_POLL_S)
                self.rc.wake.clear()
            word = self._word()
        if word & ranks.STOP:
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
