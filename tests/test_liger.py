"""device.use_liger_kernel: CUDA only, one loss, no precompute, no LoRA on lm_head, the package installed;
each refusal is a field error, and the flag reaches TRL's DPOConfig."""

from __future__ import annotations

import dataclasses
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from trainer import config as cfgmod
from trainer import device as devmod
from trainer import liger

INSTALLED = importlib.util.find_spec("liger_kernel") is not None


def _errors(**sections: dict[str, Any]) -> list[str]:
    data: dict[str, Any] = {"device": {"device": "cuda", "precision": "bf16", "use_liger_kernel": True}}
    for sec, vals in sections.items():
        data[sec] = {**data.get(sec, {}), **vals}
    try:
        cfgmod.from_dict(data)
    except cfgmod.ConfigError as e:
        return [str(err) for err in e.errors]
    return []


def test_off_by_default_and_then_nothing_is_checked() -> None:
    assert cfgmod.TrainConfig().device.use_liger_kernel is False
    assert liger.cross_check(cfgmod.from_dict({"device": {"device": "cpu"}, "dpo": {"loss_type": ["sigmoid", "sft"]}})) == []


@pytest.mark.parametrize("device", ["cpu", "mps"])
def test_cpu_and_mps_are_refused(device: str) -> None:
    errors = _errors(device={"device": device, "precision": "fp32"})
    assert errors == [f"device.use_liger_kernel: needs CUDA (Liger's kernels are Triton), not device.device: {device}"]


def test_a_multi_loss_is_refused_naming_its_parts() -> None:
    assert _errors(dpo={"loss_type": ["sigmoid", "bco_pair", "sft"], "loss_weights": [0.8, 0.2, 1.0]}) == [
        "device.use_liger_kernel: needs a single dpo.loss_type, not a multi-loss (sigmoid, bco_pair, sft)"]
    # A one-entry list is a single loss.
    assert _errors(dpo={"loss_type": ["ipo"]}) == ([] if INSTALLED else [f"device.use_liger_kernel: {liger.missing()}"])


def test_precomputed_reference_and_lora_on_lm_head_are_refused() -> None:
    assert _errors(dpo={"precompute_ref_log_probs": True}) == [
        "device.use_liger_kernel: cannot be used with dpo.precompute_ref_log_probs: true"]
    assert _errors(lora={"target_modules": ["q_proj", "lm_head"]}) == [
        "device.use_liger_kernel: cannot be used with lm_head in lora.target_modules (the LM head must stay dense)"]


def test_every_conflict_is_named_at_once() -> None:
    errors = _errors(device={"device": "cpu", "precision": "fp32"}, dpo={"precompute_ref_log_probs": True},
                     lora={"target_modules": ["lm_head"]})
    assert len(errors) == 3 and all(e.startswith("device.use_liger_kernel: ") for e in errors)


def test_the_package_must_be_installed_when_chosen() -> None:
    if INSTALLED:
        assert _errors() == []
        return
    assert _errors() == ["device.use_liger_kernel: liger-kernel is not installed (pip install 'alice-tui[liger]', "
                         "CUDA only), or set it to false"]


def _unchecked(**device: Any) -> cfgmod.TrainConfig:
    """A config past the loader's checks, as the trainer sees it when device: auto resolves at start."""
    cfg = cfgmod.TrainConfig()
    return dataclasses.replace(cfg, device=dataclasses.replace(cfg.device, **device))


def test_auto_resolving_to_a_cpu_fails_at_start_naming_the_field(tmp_path: Path) -> None:
    from trainer import run as runmod

    with pytest.raises(ValueError, match=r"^device\.use_liger_kernel: needs CUDA .*device: auto resolved to cpu"):
        runmod.build_dpo_config(_unchecked(use_liger_kernel=True), tmp_path, devmod.DeviceChoice("cpu", "fp32"), False)


def test_the_flag_reaches_dpo_config(tmp_path: Path) -> None:
    from trainer import run as runmod

    off = runmod.build_dpo_config(_unchecked(), tmp_path, devmod.DeviceChoice("cpu", "fp32"), False)
    on = runmod.build_dpo_config(_unchecked(use_liger_kernel=True), tmp_path, devmod.DeviceChoice("cuda", "fp32"), False)
    assert (off.use_liger_kernel, on.use_liger_kernel) == (False, True)


def test_checking_the_field_imports_neither_liger_nor_torch() -> None:
    code = ("import sys; from trainer import config as c\n"
            "try: c.from_dict({'device': {'device': 'cuda', 'use_liger_kernel': True}})\n"
            "except c.ConfigError: pass\n"
            "print([m for m in ('liger_kernel', 'triton', 'torch') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
