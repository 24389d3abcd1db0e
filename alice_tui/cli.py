"""The `alice-tui` command: the console with no arguments, and the headless subcommands.

Everything the console can do can be scripted from here. Heavy work (training, dataset
builds, evaluation) runs in its own process, so this module stays light.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from trainer import protocol  # light: the command list, shared with the trainer's control server


def _exec_module(module: str, argv: list[str]) -> int:
    """Hand over to a heavy module in a fresh interpreter (keeps this process free of torch)."""
    cmd = [sys.executable, "-m", module, *argv]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, cmd)
    return 0  # not reached


# Subcommands that own their parsing in a process of their own (torch, matplotlib stay out of the console).
_HEAVY_COMMANDS = {"export": "trainer.export", "plot": "trainer.plot", "preflight": "trainer.preflight"}


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="alice-tui", description="Terminal training console for DPO/IPO + LoRA.")
    p.add_argument("--runs-dir", type=Path, default=Path("outputs"), help="where run directories live (default: outputs)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("train", help="start a training run")
    t.add_argument("--config", type=Path, default=Path("configs/demo.yaml"), help="training config YAML")
    t.add_argument("--run-dir", type=Path, help="run directory (default: <output_root>/<name>-<timestamp>)")
    t.add_argument("--detach", action="store_true", help="start in the background and print the run dir")
    t.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config field, e.g. --set training.max_steps=100")

    r = sub.add_parser("resume", help="continue an interrupted or stopped run from its newest complete checkpoint")
    r.add_argument("run_dir", type=Path)
    r.add_argument("--detach", action="store_true")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="only schedule-extending overrides, e.g. --set training.max_steps=200")

    c = sub.add_parser("ctl", help="send a control command to a running trainer")
    c.add_argument("run_dir", type=Path)
    c.add_argument("action", choices=protocol.CONTROL_COMMANDS)

    ls = sub.add_parser("runs", help="list run directories with their state")
    ls.add_argument("--json", action="store_true", help="one JSON object per line")

    sub.add_parser("data", help="build, inspect and convert preference datasets (alice-tui data --help)",
                   add_help=False)
    sub.add_parser("eval", help="evaluate a run's adapter against its base (alice-tui eval --help)", add_help=False)
    sub.add_parser("export", help="export a run's adapter or merged model with a model card (alice-tui export --help)",
                   add_help=False)
    sub.add_parser("plot", help="draw training curves of one or more runs to PNG/SVG (alice-tui plot --help)",
                   add_help=False)
    sub.add_parser("preflight", help="predict a config's memory and time from a few real micro-steps "
                   "(alice-tui preflight --help)", add_help=False)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # data and eval own their argument parsing in their own (heavier) processes.
    for i, a in enumerate(argv):
        if a == "data":
            return _exec_module("datasets_build", argv[i + 1:])
        if a == "eval":
            return _exec_module("trainer.evaluation", argv[i + 1:])
        if a in _HEAVY_COMMANDS:
            return _exec_module(_HEAVY_COMMANDS[a], argv[i + 1:])
        if not a.startswith("-") or a in ("-h", "--help"):
            break
    args = make_parser().parse_args(argv)
    if args.command is None:
        from alice_tui.app import run_app

        return run_app(runs_dir=args.runs_dir)
    from alice_tui.commands import runs as run_commands

    handler = {"train": run_commands.cmd_train, "resume": run_commands.cmd_resume,
               "ctl": run_commands.cmd_ctl, "runs": run_commands.cmd_runs}[args.command]
    try:
        code = handler(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # `alice-tui runs | head`: the reader left. Say nothing more (as coreutils do), and keep the
        # interpreter's final flush from raising again on the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code
