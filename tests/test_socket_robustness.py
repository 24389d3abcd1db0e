"""Socket hardening against a live trainer: bad input gets error replies and training never stalls."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import time
from pathlib import Path

import pytest
import trainer_fixtures as fx

from trainer import client, launch, protocol, rundir

pytestmark = pytest.mark.slow


def _connect(run_dir: Path) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(str(run_dir / rundir.SOCKET))
    return s


def _reply(f) -> dict:
    return json.loads(f.readline())


def _step(run_dir: Path) -> int:
    st = fx.status(run_dir)
    assert st and st["ok"], st
    return int(st["step"])


@pytest.fixture(scope="module")
def live_run(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("sock")
    data = fx.write_split_dir(tmp / "data", n_train=32, n_val=4)
    cfg = fx.small_config(data, tmp / "runs", training={"max_steps": 2000, "per_device_batch_size": 2},
                          dpo={"max_length": 96})
    run_dir = fx.new_run(cfg, tmp / "runs" / "live")
    proc = launch.spawn(run_dir)
    try:
        fx.wait_for(lambda: (fx.status(run_dir) or {}).get("step", 0) >= 1, 180, "the first step")
        yield run_dir, proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _advances(run_dir: Path, timeout: float = 60) -> None:
    s0 = _step(run_dir)
    fx.wait_for(lambda: _step(run_dir) > s0, timeout, f"training to advance past step {s0}")


def test_socket_and_dir_permissions(live_run) -> None:
    run_dir, _ = live_run
    assert stat.S_IMODE(os.stat(run_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(run_dir / rundir.SOCKET).st_mode) == 0o600


def test_garbage_and_unknown_commands_get_errors_on_a_connection_that_keeps_working(live_run) -> None:
    run_dir, _ = live_run
    with _connect(run_dir) as s, s.makefile("rb") as f:
        for bad, expect in [(b"\x00\xff\xfe garbage \x01\n", "malformed"), (b"{not json\n", "malformed"),
                            (b"[1, 2, 3]\n", "JSON object"), (b'{"cmd": "explode"}\n', "unknown command"),
                            (b'{"no_cmd": 1}\n', "unknown command"), (b'{"cmd": "subscribe", "from_seq": "x"}\n',
                                                                       "from_seq")]:
            s.sendall(bad)
            reply = _reply(f)
            assert reply["ok"] is False and expect in reply["error"], (bad, reply)
            if b"subscribe" in bad:
                break  # a refused subscribe ends that connection
    with _connect(run_dir) as s, s.makefile("rb") as f:
        s.sendall(b'{"cmd": "explode"}\n{"cmd": "status"}\n')
        assert _reply(f)["ok"] is False
        assert _reply(f)["state"] == protocol.TRAINING
    _advances(run_dir)


def test_a_one_mib_line_is_refused_and_the_connection_still_answers(live_run) -> None:
    run_dir, _ = live_run
    with _connect(run_dir) as s, s.makefile("rb") as f:
        s.sendall(b'{"cmd": "status", "pad": "' + b"x" * (1 << 20) + b'"}\n')
        reply = _reply(f)
        assert reply["ok"] is False and "too large" in reply["error"]
        s.sendall(b'{"cmd": "status"}\n')
        assert _reply(f)["ok"] is True
    _advances(run_dir)


def test_silent_and_vanishing_clients_do_not_block(live_run) -> None:
    run_dir, _ = live_run
    silent = [_connect(run_dir) for _ in range(5)]
    try:
        half = _connect(run_dir)
        half.sendall(b'{"cmd": "sta')  # half a request, then gone
        half.close()
        reader = _connect(run_dir)
        reader.sendall(b'{"cmd": "subscribe", "from_seq": 0}\n')
        reader.recv(100)
        reader.close()  # a subscriber vanishing mid-stream
        t0 = time.monotonic()
        assert fx.status(run_dir)["ok"]
        assert time.monotonic() - t0 < 2.0
        _advances(run_dir)
    finally:
        for s in silent:
            s.close()


def test_a_subscriber_that_never_reads_cannot_stall_training(live_run) -> None:
    run_dir, _ = live_run
    stuck = _connect(run_dir)
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        stuck.sendall(b'{"cmd": "subscribe", "from_seq": 0}\n')
        s0 = _step(run_dir)
        fx.wait_for(lambda: _step(run_dir) >= s0 + 3, 90, "three more steps with a stuck subscriber")
    finally:
        stuck.close()


def test_subscribe_replays_history_in_order_then_streams_live(live_run) -> None:
    run_dir, _ = live_run
    in_file = fx.events(run_dir)[-1]["seq"]
    seen = []
    for ev in client.subscribe(run_dir, from_seq=0, timeout=60):
        seen.append(ev)
        if ev["seq"] > in_file + 2:
            break  # well past the replay: these came live
    seqs = [e["seq"] for e in seen]
    assert seqs == list(range(1, len(seqs) + 1))  # no gap and no duplicate at the replay/live seam
    on_disk = {e["seq"]: e for e in fx.events(run_dir)}
    assert all(on_disk[e["seq"]] == e for e in seen)
    first_step = next(e for e in seen if e["type"] == protocol.STEP)
    assert set(protocol.STEP_FIELDS) <= set(first_step)
    stream = client.subscribe(run_dir, from_seq=seqs[-1], timeout=60)
    try:
        assert next(stream)["seq"] == seqs[-1] + 1  # re-subscribing from the last seq seen loses nothing
    finally:
        stream.close()


def test_status_has_the_documented_fields(live_run) -> None:
    run_dir, proc = live_run
    st = fx.status(run_dir)
    for key in ("state", "step", "max_steps", "loss", "eta_s", "pid", "last_checkpoint", "run_dir", "paused"):
        assert key in st, key
    assert st["pid"] == proc.pid and st["max_steps"] == 2000 and st["paused"] is False
    assert st["last_step"]["step"] >= 1


def test_sigterm_is_a_graceful_stop(live_run) -> None:
    run_dir, proc = live_run
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(120) == 0
    assert fx.states(run_dir)[-2:] == [protocol.STOPPING, protocol.STOPPED]
    step = rundir.summarize(run_dir).step
    assert rundir.newest_complete_checkpoint(run_dir) == run_dir / f"checkpoint-{step}"
    assert (run_dir / rundir.FINAL / "adapter_model.safetensors").is_file()
    assert not (run_dir / rundir.SOCKET).exists() and not (run_dir / rundir.PID).exists()
