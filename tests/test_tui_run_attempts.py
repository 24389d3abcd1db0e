"""The console's run model across attempts, pauses and control requests, fed event dicts in the trainer's shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui_fixtures import T0, step_event

from alice_tui import run_model


def _ev(seq: int, t: float, type_: str, attempt: int | None = None, **f: Any) -> dict[str, Any]:
    ev = {"seq": seq, "t": T0 + t, "type": type_, **f}
    if attempt is not None:
        ev["attempt"] = attempt
    return ev


def _step(seq: int, t: float, step: int, attempt: int | None = 1) -> dict[str, Any]:
    ev = step_event(seq, T0 + t, step, 20)
    if attempt is not None:
        ev["attempt"] = attempt
    return ev


def first_attempt(attempt: int | None = 1) -> list[dict[str, Any]]:
    """Steps 1..10 at t=2..11, a checkpoint at 5, paused from t=6.5 to t=8.5; then killed (no final state)."""
    evs = [_ev(1, 0, "state", attempt, state="starting", pid=4242), _ev(2, 1, "state", attempt, state="training")]
    seq = 3
    for s in range(1, 11):
        evs.append(_step(seq, 1 + s, s, attempt))
        seq += 1
        if s == 5:
            evs += [_ev(seq, 1 + s, "checkpoint", attempt, step=5, path="checkpoint-5"),
                    _ev(seq + 1, 6.5, "state", attempt, state="paused"),
                    _ev(seq + 2, 8.5, "state", attempt, state="training")]
            seq += 3
    return evs


def second_attempt(seq: int) -> list[dict[str, Any]]:
    """Resumed 100 s after the kill from checkpoint-5, steps 6..8 at t=120..122."""
    return [_ev(seq, 111, "resumed", 2, from_step=5, checkpoint="checkpoint-5"),
            _ev(seq + 1, 111, "state", 2, state="starting", pid=4343),
            _ev(seq + 2, 112, "state", 2, state="loading"),
            _ev(seq + 3, 119, "state", 2, state="training")] + [
        _step(seq + 4 + i, 120 + i, 6 + i, 2) for i in range(3)]


def test_elapsed_sums_the_attempts_training_time_without_downtime_or_pauses() -> None:
    evs = first_attempt()
    view = run_model.fold_all(run_model.RunView(Path("r")), evs)
    run_model.mark_ended(view, "pid gone", resume_from=5)
    assert view.elapsed(T0 + 500) == 11 - 2  # first to last event, minus the 2 s pause; frozen once dead
    run_model.fold_all(view, second_attempt(len(evs) + 1))
    assert view.attempt == 2 and view.live
    assert view.elapsed(T0 + 122) == 9 + 11  # the second attempt runs from its first event, t=111
    assert view.wall(T0 + 122) == 122  # wall time since the first start keeps the downtime


def test_resumed_drops_the_dead_attempts_steps_and_shows_loading_until_the_first_new_step() -> None:
    evs = first_attempt()
    view = run_model.fold_all(run_model.RunView(Path("r")), evs)
    resume = second_attempt(len(evs) + 1)
    run_model.fold_all(view, resume[:3])  # resumed, starting, loading
    assert view.loss_series.xs == [1, 2, 3, 4, 5] and view.acc_series.xs[-1] == 5
    assert view.step == 5 and view.resuming_from == 5 and view.eta_s is None and view.tokens_per_s is None
    assert view.checkpoints == [5] and view.last_checkpoint == 5
    run_model.fold_all(view, resume[3:5])  # training, then the first new step
    assert view.resuming_from is None and view.step == 6 and view.loss_series.xs == [1, 2, 3, 4, 5, 6]
    assert view.eta_s is not None


def test_logs_without_attempt_fields_start_an_attempt_at_each_starting_state() -> None:
    evs = first_attempt(attempt=None)
    later = [_ev(len(evs) + 1, 111, "state", state="starting"), _ev(len(evs) + 2, 115, "state", state="training")]
    view = run_model.fold_all(run_model.RunView(Path("r")), evs + later)
    assert view.attempt == 2 and view.elapsed(T0 + 121) == 9 + 10


def test_a_pending_request_shows_until_the_event_that_ends_it() -> None:
    view = run_model.fold_all(run_model.RunView(Path("r")), first_attempt()[:5])
    run_model.request_sent(view, "pause")
    assert view.pending == "pausing…"
    run_model.fold(view, _ev(50, 20, "state", 1, state="paused"))
    assert view.pending is None
    run_model.request_sent(view, "checkpoint")
    run_model.fold(view, _ev(51, 21, "state", 1, state="training"))
    assert view.pending == "checkpoint requested"  # training again is not what a checkpoint request waits for
    run_model.fold(view, _ev(52, 22, "checkpoint", 1, step=3, path="checkpoint-3"))
    assert view.pending is None
    run_model.fold_status(view, {"ok": True, "state": "training", "stopping": True})
    assert view.pending == "stopping…"
    run_model.fold(view, _ev(53, 23, "state", 1, state="stopped"))
    assert view.pending is None


def test_an_interrupted_run_says_who_died_where_and_what_r_does() -> None:
    view = run_model.fold_all(run_model.RunView(Path("r")), first_attempt())
    run_model.mark_ended(view, "pid gone", resume_from=5)
    assert view.state == "interrupted"
    assert view.ended_note == "trainer pid 4242 died without a final state at step 10; r resumes from checkpoint-5"
    torn = run_model.fold_all(run_model.RunView(Path("r")), first_attempt()[:4])
    run_model.mark_ended(torn, "pid gone", resume_from=None)
    assert torn.ended_note is not None and "no complete checkpoint" in torn.ended_note


def test_a_failed_run_keeps_its_whole_error_for_the_detail_view() -> None:
    tb = "Traceback (most recent call last):\n" + "".join(f'  File "x.py", line {i}\n' for i in range(30)) + "E: boom"
    msg = "RuntimeError: " + "a long explanation " * 12
    events = [*first_attempt()[:4], _ev(9, 5, "error", 1, message=msg, traceback=tb),
              _ev(10, 5, "state", 1, state="failed")]
    view = run_model.fold_all(run_model.RunView(Path("r")), events)
    assert view.error_detail is not None
    assert view.error_detail.startswith(msg) and view.error_detail.endswith("E: boom")
    assert view.error_detail.count("File") == 30  # nothing cut, unlike the 12-line log tail
