"""The events writer: monotonic seq, flushed per event, resume continues, slow subscribers never block."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from trainer import protocol, rundir
from trainer.events import CLOSED, SUBSCRIBER_QUEUE, EventLog


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_each_event_is_on_disk_as_soon_as_emit_returns(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.jsonl")
    for i in range(3):
        log.emit(protocol.LOG, level="info", message=f"m{i}")
        on_disk = _lines(tmp_path / "events.jsonl")  # read while the writer is still open
        assert [e["seq"] for e in on_disk] == list(range(1, i + 2))
    assert on_disk[-1]["message"] == "m2" and on_disk[-1]["type"] == "log" and "t" in on_disk[-1]
    log.close()


def test_a_reopened_log_continues_the_numbering_after_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    log = EventLog(path)
    for _ in range(4):
        log.emit(protocol.STEP, step=1)
    log.close()
    with open(path, "ab") as f:
        f.write(b'{"seq":5,"t":1,"type":"st')  # SIGKILL mid-write
    log = EventLog(path)
    ev = log.emit(protocol.STATE, state="starting")
    log.close()
    assert ev["seq"] == 5
    assert [e["seq"] for e in rundir.iter_events(tmp_path)] == [1, 2, 3, 4, 5]


def test_nan_loss_is_written_as_null_not_invalid_json(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.jsonl")
    log.emit(protocol.STEP, step=1, loss=float("nan"), grad_norm=float("inf"))
    log.close()
    ev = _lines(tmp_path / "events.jsonl")[0]
    assert ev["loss"] is None and ev["grad_norm"] is None


def test_a_subscriber_that_never_reads_is_cut_off_and_emit_stays_fast(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.jsonl")
    sub = log.subscribe(0)
    t0 = time.perf_counter()
    for i in range(SUBSCRIBER_QUEUE + 500):
        log.emit(protocol.STEP, step=i)
    elapsed = time.perf_counter() - t0
    assert sub.overflowed and sub.queue.qsize() == SUBSCRIBER_QUEUE
    assert elapsed < 5.0  # never waited on the reader (a blocking put would hang forever here)
    log.close()


def test_replay_plus_live_has_no_gap_or_duplicate_under_concurrent_emits(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.jsonl")
    for i in range(50):
        log.emit(protocol.STEP, step=i)
    subscribed = threading.Event()

    def writer() -> None:
        for i in range(2000):  # fewer than the queue holds, so nothing is cut off
            log.emit(protocol.STEP, step=1000 + i)
            if i == 200:
                subscribed.wait(10)  # make sure the subscription lands mid-stream

    t = threading.Thread(target=writer)
    t.start()
    try:
        while log.seq < 150:
            time.sleep(0.001)
        sub = log.subscribe(10)
        subscribed.set()
        got = [json.loads(b)["seq"] for b in sub.replay()]
    finally:
        subscribed.set()
        t.join()
    log.close()
    while True:
        line = sub.queue.get_nowait()
        if line == CLOSED:
            break
        got.append(json.loads(line)["seq"])
    assert 50 < sub.upto_seq < log.seq  # replayed part and live part both exercised
    assert got == list(range(11, log.seq + 1))


def test_close_tells_live_subscribers_the_stream_ended(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.jsonl")
    sub = log.subscribe(0)
    log.emit(protocol.STATE, state=protocol.FINISHED)
    log.close()
    assert json.loads(sub.queue.get_nowait())["state"] == protocol.FINISHED
    assert sub.queue.get_nowait() == CLOSED
