"""Config holes: each is refused by `alice-tui train` with the field or file named, before a run dir exists."""

from __future__ import annotations

from pathlib import Path

import pytest
import trainer_fixtures as fx
from fault_fixtures import cli


def _config(tmp_path: Path, body: bytes) -> Path:
    data = fx.write_split_dir(tmp_path / "data", n_train=8, n_val=0)
    head = (f"data:\n  path: {data}\n  recipe: null\ncheckpointing:\n  output_root: {tmp_path / 'runs'}\n"
            "device:\n  device: cpu\n").encode()
    p = tmp_path / "c.yaml"
    p.write_bytes(head + body)
    return p


def _refused(tmp_path: Path, cfg: Path, *expected: str, extra: tuple[str, ...] = ()) -> None:
    res = cli("train", "--config", str(cfg), "--detach", *extra, timeout=120)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    for text in expected:
        assert text in res.stderr, res.stderr
    runs = tmp_path / "runs"
    assert not runs.exists() or not any(runs.iterdir()), "no run dir may be made for a refused config"


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_a_nan_or_infinite_float_is_refused_at_train_time(tmp_path: Path, value: str) -> None:
    cfg = _config(tmp_path, f"training:\n  learning_rate: {value}\n".encode())
    _refused(tmp_path, cfg, "training.learning_rate", "finite")


def test_a_nan_from_the_command_line_is_refused_too(tmp_path: Path) -> None:
    _refused(tmp_path, _config(tmp_path, b""), "dpo.beta", "finite", extra=("--set", "beta=.nan"))


def test_a_config_that_is_not_utf8_names_the_file_and_line(tmp_path: Path) -> None:
    cfg = _config(tmp_path, b"name: caf\xe9\n")
    _refused(tmp_path, cfg, str(cfg), "not UTF-8", "line 8")


def test_a_duplicate_yaml_key_is_refused_not_silently_overwritten(tmp_path: Path) -> None:
    cfg = _config(tmp_path, b"training:\n  max_steps: 10\n  max_steps: 2000\n")
    _refused(tmp_path, cfg, "training.max_steps", "given twice", "lines 9 and 10")


@pytest.mark.parametrize("name", ["../escaped", "a/b", "..", "/abs"])
def test_a_run_name_cannot_put_the_run_dir_outside_output_root(tmp_path: Path, name: str) -> None:
    cfg = _config(tmp_path, f"name: '{name}'\n".encode())
    _refused(tmp_path, cfg, "name:", "plain name")
    assert not (tmp_path / "escaped").exists() and not list(tmp_path.glob("escaped*"))


def test_missing_data_without_a_recipe_is_refused_before_the_trainer_starts(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"data:\n  path: {tmp_path / 'nowhere'}\n  recipe: null\n"
                   f"checkpointing:\n  output_root: {tmp_path / 'runs'}\n")
    _refused(tmp_path, cfg, "data.path", "data.recipe is not set")


def test_a_missing_local_model_path_is_named_as_such_not_as_a_hub_error(tmp_path: Path) -> None:
    cfg = _config(tmp_path, f"model:\n  name_or_path: {tmp_path / 'no_such_model'}\n".encode())
    _refused(tmp_path, cfg, "model.name_or_path", "does not exist (a local model path)")
