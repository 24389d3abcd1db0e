"""Bad configs give errors that name the field (the console shows each next to its field)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer import config as cfgmod

ROOT = Path(__file__).resolve().parents[1]

BAD = [
    # (overrides, field path named in the error, words the message must contain)
    ({"training": {"max_steps": 0}}, "training.max_steps", ">= 1"),
    ({"training": {"max_steps": "many"}}, "training.max_steps", "integer"),
    ({"training": {"learning_rate": -1e-5}}, "training.learning_rate", "out of range"),
    ({"training": {"warmup_ratio": 1.5}}, "training.warmup_ratio", "<= 1.0"),
    ({"training": {"lr_scheduler": "cosine_restarts"}}, "training.lr_scheduler", "linear"),
    ({"training": {"gradient_checkpointing": True, "use_cache": True}}, "training.use_cache", "gradient_checkpointing"),
    ({"training": {"group_by_length": "yes"}}, "training.group_by_length", "true or false"),
    ({"dpo": {"loss_type": "kto"}}, "dpo.loss_type", "sigmoid"),
    ({"dpo": {"beta": 0}}, "dpo.beta", "> 0.0"),
    ({"dpo": {"label_smoothing": 0.1, "loss_type": "ipo"}}, "dpo.label_smoothing", "not used by loss_type ipo"),
    ({"dpo": {"max_length": 8}}, "dpo.max_length", ">= 16"),
    ({"lora": {"r": 0}}, "lora.r", ">= 1"),
    ({"lora": {"dropout": 1.0}}, "lora.dropout", "< 1.0"),
    ({"lora": {"target_modules": []}}, "lora.target_modules", "at least one"),
    ({"lora": {"target_modules": "q_proj"}}, "lora.target_modules", "list"),
    ({"lora": {"rank": 8}}, "lora.rank", "unknown key"),
    ({"device": {"device": "tpu"}}, "device.device", "mps"),
    ({"device": {"device": "cpu", "precision": "bf16"}}, "device.precision", "cpu"),
    ({"model": {"name_or_path": ""}}, "model.name_or_path", "empty"),
    ({"model": {"name_or_path": None}}, "model.name_or_path", "must not be empty"),
    ({"data": "outputs/data"}, "data", "mapping"),
    ({"checkpointing": {"save_every_steps": -5}}, "checkpointing.save_every_steps", ">= 0"),
    ({"seed": 1.5}, "seed", "integer"),
    ({"epochs": 3}, "epochs", "unknown key"),
]


@pytest.mark.parametrize(("data", "path", "words"), BAD, ids=[b[1] for b in BAD])
def test_bad_value_names_its_field(data: dict, path: str, words: str) -> None:
    with pytest.raises(cfgmod.ConfigError) as exc:
        cfgmod.from_dict(data)
    paths = [e.path for e in exc.value.errors]
    assert path in paths, paths
    msg = next(e.message for e in exc.value.errors if e.path == path)
    assert words in msg, msg
    assert path in str(exc.value)


def test_every_bad_field_is_reported_at_once(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("training:\n  max_steps: -1\n  per_device_batch_size: 0\ndpo:\n  loss_type: nope\n")
    with pytest.raises(cfgmod.ConfigError) as exc:
        cfgmod.load(f)
    assert {e.path for e in exc.value.errors} == {"training.max_steps", "training.per_device_batch_size",
                                                   "dpo.loss_type"}
    assert str(f) in str(exc.value)


def test_cli_override_errors_name_the_field() -> None:
    with pytest.raises(cfgmod.ConfigError) as exc:
        cfgmod.load(ROOT / "configs/demo.yaml", ["training.max_steps=zero"])
    assert [e.path for e in exc.value.errors] == ["training.max_steps"]


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    f = tmp_path / "broken.yaml"
    f.write_text("training:\n  max_steps: 5\n   bad indent: [\n")
    with pytest.raises(cfgmod.ConfigError, match=r"line \d+"):
        cfgmod.load(f)


@pytest.mark.parametrize("name", ["demo.yaml", "train_mac.yaml"])
def test_shipped_configs_are_valid_and_round_trip(name: str) -> None:
    import yaml

    cfg = cfgmod.load(ROOT / "configs" / name)
    assert cfgmod.from_dict(yaml.safe_load(cfgmod.dump_yaml(cfg))) == cfg


def test_production_recipe_is_faithful() -> None:
    c = cfgmod.load(ROOT / "configs/train_mac.yaml")
    assert (c.model.name_or_path, c.training.max_steps, c.training.learning_rate, c.training.warmup_ratio) == (
        "Qwen/Qwen2.5-3B-Instruct", 2000, 5e-6, 0.06)
    assert (c.dpo.beta, c.dpo.loss_type, c.dpo.max_length) == (0.2, "ipo", 2048)
    assert (c.lora.r, c.lora.alpha, c.lora.dropout) == (16, 32, 0.05)
    assert set(c.lora.target_modules) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert (c.training.per_device_batch_size, c.training.gradient_accumulation_steps) == (1, 16)
    assert c.training.gradient_checkpointing and not c.training.use_cache and c.device.precision == "fp32"


def test_resume_allows_only_schedule_extension() -> None:
    saved = cfgmod.load(ROOT / "configs/demo.yaml")
    longer = cfgmod.load(ROOT / "configs/demo.yaml", ["training.max_steps=120", "checkpointing.save_every_steps=5"])
    cfgmod.check_resume_overrides(saved, longer)
    for bad, path in [("training.max_steps=10", "training.max_steps"), ("lora.r=4", "lora.r"),
                      ("model.name_or_path=other", "model.name_or_path"), ("data.path=elsewhere", "data.path"),
                      ("training.learning_rate=0.1", "training.learning_rate")]:
        with pytest.raises(cfgmod.ConfigError) as exc:
            cfgmod.check_resume_overrides(saved, cfgmod.load(ROOT / "configs/demo.yaml", [bad]))
        assert [e.path for e in exc.value.errors] == [path]
