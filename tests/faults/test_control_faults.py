"""Idle and hostile clients on the control socket (the trainer's own server, real sockets, no model)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import trainer_fixtures as fx
from fault_fixtures import ROOT, cli

from trainer import client, protocol, rundir
from trainer.control import RunControl
from trainer.control_server import MAX_CLIENTS, ControlServer
from trainer.events import EventLog

IDLE_S = 1.0


@pytest.fixture
def server(tmp_path: Path):
    (tmp_path / rundir.CONFIG).write_text("name: x\n")
    events = EventLog(tmp_path / rundir.EVENTS)
    rc = RunControl(events, tmp_path, max_steps=10)
    rc.set_state(protocol.TRAINING)
    srv = ControlServer(tmp_path / rundir.SOCKET, rc, events, idle_timeout=IDLE_S)
    srv.start()
    yield tmp_path, rc, events, srv
    srv.close()
    events.close()


def _idle(run_dir: Path, n: int) -> list[socket.socket]:
    out = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX)
        s.connect(str(run_dir / rundir.SOCKET))
        out.append(s)
    return out


def _closed_by_server(s: socket.socket, within: float) -> bool:
    """Whether the server ends this connection within `within` s (what it sent before is read and dropped)."""
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            if s.recv(65536) == b"":
                return True
    except TimeoutError:
        return False
    except OSError:
        return True
    return False


def test_sixty_four_idle_connections_do_not_lock_the_owner_out(server) -> None:
    run_dir, rc, _, _ = server
    held = _idle(run_dir, MAX_CLIENTS + 16)
    try:
        t0 = time.monotonic()
        reply = client.request(run_dir, "stop", timeout=3)
        assert reply["ok"] and rc.want_stop
        assert time.monotonic() - t0 < IDLE_S  # through at once: the oldest idle client made room
        assert client.request(run_dir, "status", timeout=3)["stopping"] is True
    finally:
        for s in held:
            s.close()


def test_an_idle_request_connection_is_dropped_after_the_timeout(server) -> None:
    run_dir, _, _, _ = server
    (s,) = _idle(run_dir, 1)
    with s:
        assert _closed_by_server(s, IDLE_S * 4)


def test_a_subscriber_that_keeps_reading_is_never_dropped_as_idle(server) -> None:
    run_dir, _, events, _ = server
    got = []
    stream = client.subscribe(run_dir, from_seq=0, timeout=10)
    try:
        got.append(next(stream)["seq"])
        time.sleep(IDLE_S * 3)  # silent on both sides for longer than a request may idle
        ev = events.emit(protocol.LOG, level="info", message="still here")
        while got[-1] != ev["seq"]:
            got.append(next(stream)["seq"])
    finally:
        stream.close()
    assert got[-1] == ev["seq"]


def test_at_the_cap_a_subscriber_is_evicted_only_when_no_idle_request_is_left(server) -> None:
    run_dir, _, _, srv = server
    subs = []
    for _ in range(MAX_CLIENTS):
        s = socket.socket(socket.AF_UNIX)
        s.connect(str(run_dir / rundir.SOCKET))
        s.sendall(b'{"cmd": "subscribe", "from_seq": 0}\n')
        subs.append(s)
    fx.wait_for(lambda: sum(c.streaming for c in list(srv._clients)) == MAX_CLIENTS, 10, "all subscribed")
    try:
        assert client.request(run_dir, "pause", timeout=3)["paused"] is True
        assert _closed_by_server(subs[0], 3)  # the oldest subscriber made room; it can re-subscribe
    finally:
        for s in subs:
            s.close()


def test_ctl_piped_into_head_ends_without_a_broken_pipe_traceback(server, tmp_path: Path) -> None:
    run_dir, _, _, _ = server
    for i in range(2000):  # enough runs to overflow the pipe buffer after head has gone
        d = tmp_path / "many" / f"run-{i:04d}"
        d.mkdir(parents=True)
        (d / rundir.CONFIG).write_text("name: x\n")
    sh = f"{sys.executable} -m alice_tui --runs-dir {tmp_path / 'many'} runs | head -n 1"
    res = subprocess.run(["bash", "-c", sh], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.stdout.startswith("NAME") and "Traceback" not in res.stderr and "BrokenPipe" not in res.stderr, res.stderr
    res = subprocess.run(["bash", "-c", f"{sys.executable} -m alice_tui ctl {run_dir} status | head -c 1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert res.stdout == "{" and "Traceback" not in res.stderr


def test_a_live_trainer_that_does_not_answer_is_unreachable_not_not_running(tmp_path: Path) -> None:
    # A real trainer SIGSTOPped is in test_resume_faults; here: alive, socket bound, never accepting.
    (tmp_path / rundir.CONFIG).write_text("name: x\n")
    holder = subprocess.Popen([sys.executable, "-c", (
        "import socket, sys, time; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1);"
        " print('up', flush=True); time.sleep(120)"), str(tmp_path / rundir.SOCKET)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "up"
        (tmp_path / rundir.PID).write_text(f"{holder.pid}\n")
        res = cli("ctl", str(tmp_path), "status", timeout=60)
        assert res.returncode == 4, res.stdout + res.stderr
        assert "alive but unreachable" in json.loads(res.stdout)["error"]
    finally:
        holder.kill()
        holder.wait()
    res = cli("ctl", str(tmp_path), "status")
    assert res.returncode == 3 and "not running" in json.loads(res.stdout)["error"]
