"""Training curves from events.jsonl: the latest attempt wins per step, resumes and pauses are found, bad input is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainer import curves


def _step(seq: int, step: int, loss: float, attempt: int | None = None) -> dict:
    ev = {"seq": seq, "t": 100.0 + seq, "type": "step", "step": step, "loss": loss, "rewards/accuracies": 0.5,
          "rewards/margins": 0.1 * step, "learning_rate": 1e-3}
    if attempt is not None:
        ev["attempt"] = attempt
    return ev


def _state(seq: int, state: str, attempt: int | None = None) -> dict:
    ev = {"seq": seq, "t": 100.0 + seq, "type": "state", "state": state}
    if attempt is not None:
        ev["attempt"] = attempt
    return ev


def test_latest_attempt_wins_each_step_and_resumed_events_mark_the_resume() -> None:
    evs = [_state(1, "starting", 1), _step(2, 1, 0.9, 1), _step(3, 2, 0.8, 1), _step(4, 3, 0.7, 1),
           _step(5, 4, 0.6, 1),  # attempt 1 got past the checkpoint at step 2, then died
           {"seq": 6, "t": 106, "type": "resumed", "attempt": 2, "from_step": 2, "checkpoint": "checkpoint-2"},
           _state(7, "starting", 2), _step(8, 3, 0.5, 2), _step(9, 4, 0.4, 2), _step(10, 5, 0.3, 2)]
    c = curves.fold(evs)
    assert c.points("loss") == ([1, 2, 3, 4, 5], [0.9, 0.8, 0.5, 0.4, 0.3])
    assert c.resumes == [2] and c.attempts == 2


def test_missing_attempt_counts_as_one_and_a_second_start_is_a_resume() -> None:
    # Logs from before attempts existed: the second 'starting' is a new trainer process, i.e. attempt 2.
    evs = [_state(1, "starting"), _step(2, 1, 0.9), _step(3, 2, 0.8),
           {"seq": 4, "type": "checkpoint", "step": 2, "path": "checkpoint-2"}, _step(5, 3, 0.7),
           _state(6, "paused"), _state(7, "starting"), _step(8, 3, 0.55), _step(9, 4, 0.5)]
    c = curves.fold(evs)
    assert c.points("loss") == ([1, 2, 3, 4], [0.9, 0.8, 0.55, 0.5])
    assert c.resumes == [2] and c.pauses == [3] and c.attempts == 2


def test_an_older_attempt_written_later_does_not_overwrite_a_newer_one() -> None:
    c = curves.fold([_step(1, 1, 0.2, 2), _step(2, 1, 0.9, 1)])
    assert c.points("loss") == ([1], [0.2])


def test_eval_points_keep_their_metrics(tmp_path: Path) -> None:
    c = curves.fold([_step(1, 1, 0.9), {"seq": 2, "type": "eval", "step": 1, "eval_loss": 0.8,
                                        "eval_rewards/accuracies": 0.75, "note": "x"}])
    assert c.evals == [(1, {"eval_loss": 0.8, "eval_rewards/accuracies": 0.75})]


def test_loading_names_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a run directory"):
        curves.load(tmp_path)
    (tmp_path / "config.yaml").write_text("name: t\n")
    (tmp_path / "events.jsonl").write_text(json.dumps(_state(1, "starting")) + "\n")
    with pytest.raises(ValueError, match=r"events\.jsonl: no step events"):
        curves.load(tmp_path)
