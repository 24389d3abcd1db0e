"""training.report_to: the tracker must be installed (a config error names the field and the extra), and the
console never imports it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from trainer import config as cfgmod
from trainer import reporting


def test_default_is_none_and_needs_nothing() -> None:
    assert cfgmod.TrainConfig().training.report_to == "none"
    assert reporting.missing("none") is None


@pytest.mark.parametrize("tracker", ["trackio", "wandb", "tensorboard"])
def test_a_tracker_that_is_not_installed_is_a_config_error_naming_the_extra(tracker: str) -> None:
    installed = any(importlib.util.find_spec(m) is not None for m in reporting._MODULES[tracker])
    if installed:
        assert cfgmod.from_dict({"training": {"report_to": tracker}}).training.report_to == tracker
        return
    with pytest.raises(cfgmod.ConfigError) as e:
        cfgmod.from_dict({"training": {"report_to": tracker}})
    assert f"training.report_to: {tracker} is not installed (pip install 'alice-tui[{tracker}]')" in str(e.value)


def test_unknown_tracker_is_refused_with_the_choices() -> None:
    with pytest.raises(cfgmod.ConfigError, match=r"training\.report_to.*none, tensorboard, trackio, wandb"):
        cfgmod.from_dict({"training": {"report_to": "mlflow"}})


def test_checking_a_config_imports_no_tracker_and_no_matplotlib() -> None:
    code = ("import sys; from trainer import config as c; c.from_dict({'training': {'report_to': 'tensorboard'}}) "
            "if c.reporting.missing('tensorboard') is None else None; import trainer.curves, trainer.export.model_card; "
            "print([m for m in ('tensorboard', 'wandb', 'trackio', 'matplotlib', 'torch') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_resume_may_switch_the_tracker_but_not_what_is_trained() -> None:
    saved = cfgmod.TrainConfig()
    wanted = cfgmod.from_dict({"training": {"report_to": "none", "max_steps": saved.training.max_steps + 10}})
    cfgmod.check_resume_overrides(saved, wanted)
    wanted.training.report_to = "tensorboard"
    cfgmod.check_resume_overrides(saved, wanted)  # where metrics go does not change the checkpoint
    wanted.training.learning_rate = 1e-3
    with pytest.raises(cfgmod.ConfigError, match=r"training\.learning_rate: cannot change on resume"):
        cfgmod.check_resume_overrides(saved, wanted)
