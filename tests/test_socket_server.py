"""The control server on its own (real socket, no model): peer uid, framing, client limit, commands."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from trainer import client, protocol, rundir
from trainer.control import RunControl
from trainer.control_server import ControlServer, peer_uid
from trainer.events import EventLog


@pytest.fixture
def server(tmp_path: Path):
    events = EventLog(tmp_path / rundir.EVENTS)
    rc = RunControl(events, tmp_path, max_steps=10)
    rc.set_state(protocol.TRAINING)
    srv = ControlServer(tmp_path / rundir.SOCKET, rc, events)
    srv.start()
    yield tmp_path, rc, events
    srv.close()
    events.close()


def test_peer_uid_is_read_from_the_kernel() -> None:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with a, b:
        assert peer_uid(a) == os.getuid()


def test_a_request_split_across_packets_is_one_request(server) -> None:
    run_dir, _, _ = server
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(str(run_dir / rundir.SOCKET))
        for part in (b'{"cm', b'd": "sta', b'tus"}\n{"cmd":', b' "pause"}\n'):
            s.sendall(part)
        f = s.makefile("rb")
        first, second = json.loads(f.readline()), json.loads(f.readline())
    assert first["ok"] and first["state"] == protocol.TRAINING
    assert second == {"ok": True, "paused": True, "state": protocol.TRAINING}


def test_commands_set_flags_for_the_loop_and_stop_wins(server) -> None:
    run_dir, rc, _ = server
    assert client.request(run_dir, "checkpoint")["checkpoint_requested"] is True
    assert rc.want_checkpoint
    client.request(run_dir, "pause")
    assert rc.paused and client.request(run_dir, "status")["paused"] is True
    assert client.request(run_dir, "stop")["ok"]
    assert rc.want_stop and not rc.paused
    refused = client.request(run_dir, "resume")
    assert refused["ok"] is False and "stopping" in refused["error"]


def test_subscribe_from_a_seq_gets_only_newer_events_then_live_ones(server) -> None:
    run_dir, _, events = server
    for i in range(5):
        events.emit(protocol.STEP, step=i + 1, max_steps=10)
    stream = client.subscribe(run_dir, from_seq=3, timeout=5)
    try:
        got = [next(stream)["seq"] for _ in range(3)]
        events.emit(protocol.STEP, step=6, max_steps=10)
        got.append(next(stream)["seq"])
    finally:
        stream.close()
    assert got == [4, 5, 6, 7]
