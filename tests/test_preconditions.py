"""What is checked before a run dir is made: local model paths, data and recipe files, the device."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from trainer import config as cfgmod
from trainer import preconditions


def _cfg(tmp_path: Path, **model: str) -> cfgmod.TrainConfig:
    split = tmp_path / "splits"
    split.mkdir(exist_ok=True)
    (split / "train.jsonl").write_text("{}\n")
    cfg = cfgmod.TrainConfig()
    return dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, path=str(split), recipe=None),
                               model=dataclasses.replace(cfg.model, **model))


@pytest.mark.parametrize("name", ["/tmp/no_such_model_4711", "./models/none", "~/nowhere/model", "a/b/c"])
def test_a_path_looking_model_that_does_not_exist_is_named_as_a_path(tmp_path: Path, name: str) -> None:
    (err,) = preconditions.check(_cfg(tmp_path, name_or_path=name), tmp_path)
    assert err.path == "model.name_or_path" and "does not exist (a local model path)" in err.message


@pytest.mark.parametrize("name", ["Qwen/Qwen2.5-3B-Instruct", "gpt2", "builtin:tiny-qwen2"])
def test_hub_ids_and_builtins_are_left_to_the_trainer(tmp_path: Path, name: str) -> None:
    assert preconditions.check(_cfg(tmp_path, name_or_path=name), tmp_path) == []


def test_an_existing_dir_without_config_json_is_not_a_model(tmp_path: Path) -> None:
    (tmp_path / "mdl").mkdir()
    (err,) = preconditions.check(_cfg(tmp_path, name_or_path="./mdl"), tmp_path)
    assert "no config.json" in err.message
    (tmp_path / "mdl" / "config.json").write_text("{}")
    assert preconditions.check(_cfg(tmp_path, name_or_path="./mdl"), tmp_path) == []


def test_missing_data_without_a_recipe_and_a_missing_recipe_are_named(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    no_data = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, path=str(tmp_path / "nope")))
    (err,) = preconditions.check(no_data, tmp_path)
    assert err.path == "data.path" and "data.recipe is not set" in err.message
    bad_recipe = dataclasses.replace(no_data, data=dataclasses.replace(no_data.data, recipe="configs/gone.yaml"))
    (err,) = preconditions.check(bad_recipe, tmp_path)
    assert err.path == "data.recipe" and str(tmp_path / "configs/gone.yaml") in err.message


def test_a_device_this_os_cannot_have_is_refused(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    other = "cuda" if sys.platform == "darwin" else "mps"
    wrong = dataclasses.replace(cfg, device=dataclasses.replace(cfg.device, device=other))
    with pytest.raises(cfgmod.ConfigError, match=r"device\.device"):
        preconditions.require(wrong, tmp_path)
