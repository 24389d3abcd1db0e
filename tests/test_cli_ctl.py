"""`alice-tui ctl` offers exactly the protocol's one-shot commands, and the trainer's control handles each."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from alice_tui.cli import make_parser
from trainer import protocol
from trainer.control import RunControl
from trainer.events import EventLog


def _ctl_choices() -> tuple[str, ...]:
    sub = next(a for a in make_parser()._actions if isinstance(a, argparse._SubParsersAction))
    action = next(a for a in sub.choices["ctl"]._actions if a.dest == "action")
    return tuple(action.choices or ())


def test_ctl_choices_are_the_protocol_control_commands() -> None:
    assert _ctl_choices() == protocol.CONTROL_COMMANDS


@pytest.mark.parametrize("cmd", protocol.CONTROL_COMMANDS)
def test_each_ctl_command_parses_and_the_control_knows_it(cmd: str, tmp_path: Path) -> None:
    assert make_parser().parse_args(["ctl", str(tmp_path), cmd]).action == cmd
    assert protocol.decode_request(protocol.encode({"cmd": cmd}))["cmd"] == cmd
    events = EventLog(tmp_path / "events.jsonl")
    try:
        rc = RunControl(events, tmp_path, max_steps=10)
        rc.set_state(protocol.TRAINING)
        rc.step = 1
        reply = rc.handle(cmd)
    finally:
        events.close()
    assert reply["ok"], reply


def test_ctl_refuses_subscribe_and_unknown_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in (protocol.SUBSCRIBE, "reboot"):
        with pytest.raises(SystemExit):
            make_parser().parse_args(["ctl", str(tmp_path), cmd])
        assert "invalid choice" in capsys.readouterr().err
