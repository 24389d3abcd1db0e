"""The follower against real run dirs: file replay, the trainer's real control socket, and a vanished trainer."""

from __future__ import annotations

import time
from pathlib import Path

from tui_fixtures import StreamingRun, write_run

from alice_tui import event_stream


def _collect(run_dir: Path, until: float, stop_when=None):  # type: ignore[no-untyped-def]
    items: list[event_stream.Item] = []
    deadline = time.monotonic() + until

    def cancelled() -> bool:
        return time.monotonic() > deadline or bool(stop_when and stop_when(items))

    for item in event_stream.follow(run_dir, cancelled, poll=0.05):
        items.append(item)
    return items


def _events(items: list[event_stream.Item]) -> list[dict]:  # type: ignore[type-arg]
    return [e for i in items if isinstance(i, event_stream.Batch) for e in i.events]


def test_finished_run_replays_from_file_and_ends(tmp_path: Path) -> None:
    run = write_run(tmp_path, "done", steps=12, max_steps=12, final_state="finished")
    items = _collect(run, until=5)
    assert isinstance(items[-1], event_stream.Ended) and items[-1].final
    steps = [e["step"] for e in _events(items) if e["type"] == "step"]
    assert steps == list(range(1, 13))


def test_dead_trainer_without_final_state_ends_as_not_final(tmp_path: Path) -> None:
    run = write_run(tmp_path, "crashed", steps=7, max_steps=60, final_state=None, pid=2**22 + 12345)
    items = _collect(run, until=5)
    assert isinstance(items[-1], event_stream.Ended) and not items[-1].final
    assert "not running" in items[-1].reason


def test_live_stream_continues_after_replay_without_gaps_or_repeats(tmp_path: Path) -> None:
    with StreamingRun(tmp_path / "live", rate=50) as run:
        time.sleep(0.3)  # some history on disk before we attach

        def enough(items: list[event_stream.Item]) -> bool:
            return sum(1 for e in _events(items) if e["type"] == "step") >= 40

        items = _collect(run.run_dir, until=10, stop_when=enough)
    assert any(isinstance(i, event_stream.Connected) for i in items)
    seqs = [e["seq"] for e in _events(items)]
    assert seqs == list(range(1, len(seqs) + 1))
