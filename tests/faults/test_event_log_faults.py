"""A damaged events.jsonl (bad bytes, a power cut's zeros, a wrong type) costs that line and nothing more."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fault_fixtures import cli

from alice_tui import event_stream
from trainer import protocol, rundir
from trainer.events import EventLog

DAMAGE = {
    "non_utf8": b"\xff\xfe{\"seq\": \xc3\x28}\n",
    "zero_block": b"\x00" * 4096 + b"\n",
    "string_seq": b'{"seq": "7", "t": 1.0, "type": "step", "step": 99}\n',
}


def _run(root: Path, name: str, damage: bytes | None) -> Path:
    """A stopped run of 5 steps written by the trainer's own EventLog, with `damage` in its middle."""
    d = root / name
    d.mkdir(parents=True)
    (d / rundir.CONFIG).write_text("name: x\n")
    log = EventLog(d / rundir.EVENTS)
    log.emit(protocol.STATE, state=protocol.TRAINING, step=0, max_steps=5)
    for step in (1, 2):
        log.emit(protocol.STEP, step=step, max_steps=5, loss=0.7)
    log.close()
    if damage is not None:
        with open(d / rundir.EVENTS, "ab") as f:
            f.write(damage)
    log = EventLog(d / rundir.EVENTS)
    for step in (3, 4, 5):
        log.emit(protocol.STEP, step=step, max_steps=5, loss=0.5)
    log.emit(protocol.STATE, state=protocol.STOPPED, step=5, max_steps=5)
    log.close()
    return d


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_one_damaged_line_does_not_break_runs_for_every_run(tmp_path: Path, kind: str) -> None:
    _run(tmp_path, "damaged", DAMAGE[kind])
    _run(tmp_path, "healthy", None)
    res = cli("--runs-dir", str(tmp_path), "runs", "--json")
    assert res.returncode == 0, res.stderr
    rows = {r["name"]: r for r in map(json.loads, res.stdout.splitlines())}
    assert rows["healthy"]["step"] == rows["damaged"]["step"] == 5
    assert rows["damaged"]["state"] == protocol.STOPPED and rows["damaged"]["damaged_lines"] == 1
    assert rows["healthy"]["damaged_lines"] == 0
    table = cli("--runs-dir", str(tmp_path), "runs")
    assert table.returncode == 0 and "Traceback" not in table.stderr
    assert "damaged: skipped 1 damaged line" in table.stderr


def test_an_event_appended_after_a_zero_block_is_still_read(tmp_path: Path) -> None:
    d = _run(tmp_path, "r", None)
    with open(d / rundir.EVENTS, "ab") as f:  # zeros, then the next process appends straight after them
        f.write(b"\x00" * 512 + b'{"seq":99,"t":2.0,"type":"log","level":"info","message":"after"}\n')
    assert [e["seq"] for e in rundir.iter_events(d)][-1] == 99
    assert rundir.summarize(d).damaged_lines == 1


def test_the_console_replay_skips_damaged_lines_and_reports_them(tmp_path: Path) -> None:
    d = _run(tmp_path, "r", DAMAGE["non_utf8"] + DAMAGE["string_seq"])
    items = list(event_stream.follow(d, lambda: False, poll=0.05))
    steps = [e["step"] for i in items if isinstance(i, event_stream.Batch) for e in i.events if e["type"] == "step"]
    assert steps == [1, 2, 3, 4, 5]
    damaged = [i for i in items if isinstance(i, event_stream.Damaged)]
    assert len(damaged) == 1 and damaged[0].lines == 2 and "skipped 2 damaged lines" in damaged[0].message
    assert isinstance(items[-1], event_stream.Ended) and items[-1].final


def test_the_trainer_starts_on_a_damaged_log_and_says_how_many_lines_it_skipped(tmp_path: Path) -> None:
    d = _run(tmp_path, "r", DAMAGE["zero_block"] + DAMAGE["non_utf8"])
    (d / rundir.CONFIG).write_text("training:\n  learning_rate: oops\n")  # fails right after start-up
    res = subprocess.run([sys.executable, "-m", "trainer", "--run-dir", str(d)], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 1
    logs = [e["message"] for e in rundir.iter_events(d) if e["type"] == protocol.LOG]
    assert any("skipped 2 damaged lines" in m for m in logs), logs
    errors = [e["message"] for e in rundir.iter_events(d) if e["type"] == protocol.ERROR]
    assert errors and "learning_rate" in errors[-1]  # it went on past the damage to the real problem
    seqs = [e["seq"] for e in rundir.iter_events(d)]
    assert seqs == sorted(set(seqs))  # numbering continued after the last readable event


def test_resume_goes_ahead_on_a_damaged_log(tmp_path: Path) -> None:
    d = _run(tmp_path, "r", DAMAGE["string_seq"])
    # A valid config whose data is gone: the resumed trainer starts, then fails on its own problem.
    (d / rundir.CONFIG).write_text(f"data:\n  path: {tmp_path / 'gone'}\n  recipe: null\n")
    res = cli("resume", str(d))
    assert "Traceback" not in res.stderr, res.stderr
    assert "skipped 1 damaged line(s) of events.jsonl" in res.stdout
    assert res.returncode == 1 and "failed" in res.stdout
    assert any("data.path" in e["message"] for e in rundir.iter_events(d) if e["type"] == protocol.ERROR)
