"""The README stays true: its quick start is what CI runs, and its config reference is the schema's."""

from __future__ import annotations

import re
from pathlib import Path

from trainer.config import reference_markdown

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quick_start_commands() -> list[str]:
    block = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.strip().splitlines() if line.strip()]


def test_quick_start_is_two_commands_and_ci_runs_the_test_one() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2, commands
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines(), f"CI must run the README's test command {commands[1]!r}"


def test_config_reference_matches_the_schema() -> None:
    assert reference_markdown() in README, "README config reference is stale: paste trainer.config.reference_markdown()"


def test_every_cli_subcommand_is_documented() -> None:
    for sub in ("train", "resume", "ctl", "runs", "data build", "data stats", "data convert", "eval", "eval compare", "export", "plot"):
        assert re.search(rf"alice-tui {sub}\b", README), sub
