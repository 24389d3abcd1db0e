"""Metrics to TRL's own tracker integrations (training.report_to): which package each needs, where it writes.

Light module (importlib only): the config validator asks it whether a tracker is installed without
importing the tracker, so the console never pays for tensorboard/trackio/wandb.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

REPORT_TO = ("none", "tensorboard", "trackio", "wandb")
# Any one of these modules satisfies the tracker (transformers accepts tensorboardX for tensorboard).
_MODULES = {"tensorboard": ("tensorboard", "tensorboardX"), "trackio": ("trackio",), "wandb": ("wandb",)}
TENSORBOARD_DIR = "tensorboard"  # inside the run dir, beside events.jsonl


def missing(report_to: str) -> str | None:
    """The error text when the chosen tracker is not installed, else None."""
    modules = _MODULES.get(report_to)
    if not modules or any(importlib.util.find_spec(m) is not None for m in modules):
        return None
    return (f"{report_to} is not installed (pip install 'alice-tui[{report_to}]'), "
            f"or set training.report_to: none")


def trl_report_to(report_to: str, run_dir: Path) -> str:
    """The value for DPOConfig.report_to; points each tracker's local files into the run dir first."""
    if report_to == "tensorboard":
        # Without this TensorBoardCallback writes to <output_dir>/runs/<date_host>, unpredictable for readers.
        os.environ["TENSORBOARD_LOGGING_DIR"] = str(run_dir / TENSORBOARD_DIR)
    elif report_to == "wandb":
        os.environ.setdefault("WANDB_DIR", str(run_dir))
        os.environ.setdefault("WANDB_NAME", run_dir.name)
    elif report_to == "trackio":
        os.environ.setdefault("TRACKIO_PROJECT", "alice-tui")
    return report_to
