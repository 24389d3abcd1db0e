"""The loss table against TRL itself: every allowed loss trains a step, and what the table refuses TRL refuses."""

from __future__ import annotations

import dataclasses
import inspect
import math
import re
from pathlib import Path
from typing import Any

import pytest
import trainer_fixtures as fx

from trainer import config as cfgmod
from trainer import device as devmod
from trainer import loss_table as lt

ROOT = Path(__file__).resolve().parents[1]

# Every option a loss claims to take is switched on, so each claim is one TRL can refute.
_ALL_ON = {lt.LD_ALPHA: 0.5, lt.USE_WEIGHTING: True, lt.F_DIVERGENCE: "js_divergence"}


def _all_on(loss: lt.Loss) -> dict[str, Any]:
    return {"loss_type": loss.name, **{p: v for p, v in _ALL_ON.items() if p in loss.uses}, **loss.example}


ONE_STEP_CASES = [pytest.param(_all_on(loss), id=loss.name) for loss in lt.LOSSES if loss.alone] + [
    pytest.param({"loss_type": list(names), "loss_weights": list(weights)}, id="+".join(names))
    for names, weights in lt.EXAMPLE_COMBINATIONS]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.write_split_dir(tmp_path_factory.mktemp("data"), n_train=4, n_val=0)


def _config(data_dir: Path, out: Path, dpo: dict[str, Any]) -> cfgmod.TrainConfig:
    # Two pairs in one batch: aot sorts over the batch, so a batch of one would not exercise it.
    return fx.small_config(data_dir, out, dpo={"max_length": 128, **dpo},
                           training={"max_steps": 1, "per_device_batch_size": 2, "group_by_length": False,
                                     "learning_rate": 1e-2})


def _trl_trainer(cfg: cfgmod.TrainConfig, run_dir: Path) -> Any:
    """The trainer exactly as `python -m trainer` builds it (run.build_dpo_config included), on two pairs."""
    from trainer import data, tiny_model
    from trainer import run as runmod

    choice = devmod.choose("cpu", "fp32")
    source = tiny_model.resolve(cfg.model.name_or_path, choice.precision)
    train = data.read_records(Path(cfg.data.path) / cfg.data.train_file, 2)
    return runmod.build_trainer(cfg, run_dir, choice, [], lambda *a, **k: None, train, None, source)


def test_the_cases_cover_every_loss_in_the_table() -> None:
    covered = {n for case in ONE_STEP_CASES for n in lt.names_of(case.values[0]["loss_type"])}
    assert covered == set(lt.NAMES)


@pytest.mark.parametrize("dpo", ONE_STEP_CASES)
def test_each_allowed_loss_trains_one_step_on_trl(dpo: dict[str, Any], data_dir: Path, tmp_path: Path) -> None:
    cfg = _config(data_dir, tmp_path / "runs", dpo)  # the schema accepts the table's own example
    trainer = _trl_trainer(cfg, tmp_path / "run")
    for key, value in dpo.items():  # every setting reached TRL as given
        assert getattr(trainer.args, key) == (lt.names_of(value) if key == "loss_type" else value), key
    lora_b = {n: p.detach().clone() for n, p in trainer.model.named_parameters() if "lora_B" in n}
    out = trainer.train()
    assert trainer.state.global_step == 1
    assert math.isfinite(out.training_loss)
    moved = [n for n, p in trainer.model.named_parameters() if n in lora_b and not p.detach().equal(lora_b[n])]
    assert moved, "one optimizer step left every LoRA B matrix at zero: the loss had no gradient"


def _refusals() -> list[Any]:
    """Each (loss, setting) the table refuses because TRL does: the parts of a loss that cannot take a setting."""
    cases = [pytest.param("exo_pair", "label_smoothing", 0.0, id="exo_pair-label_smoothing-0")]
    for param, value in ((lt.F_DIVERGENCE, "js_divergence"), (lt.USE_WEIGHTING, True)):
        cases += [pytest.param(loss.name, param, value, id=f"{loss.name}-{param}")
                  for loss in lt.LOSSES if param not in loss.uses]
    return cases


@pytest.mark.parametrize(("loss", "param", "value"), _refusals())
def test_what_the_table_refuses_trl_refuses_too(loss: str, param: str, value: Any, data_dir: Path,
                                                tmp_path: Path) -> None:
    loss_type = loss if lt.BY_NAME[loss].alone else ["sigmoid", loss]
    with pytest.raises(cfgmod.ConfigError, match=rf"dpo\.{param}: .*{loss}"):
        _config(data_dir, tmp_path / "runs", {"loss_type": loss_type, param: value})
    cfg = _config(data_dir, tmp_path / "runs", {"loss_type": loss_type, **lt.BY_NAME[loss].example})
    cfg = dataclasses.replace(cfg, dpo=dataclasses.replace(cfg.dpo, **{param: value}))  # past our schema
    # TRL refuses some at construction (ValueError, NotImplementedError), others only in backward (RuntimeError).
    with pytest.raises((ValueError, NotImplementedError, RuntimeError)):
        _trl_trainer(cfg, tmp_path / "run").train()


def _trl_loss_types() -> set[str]:
    """Every loss name TRL's DPOConfig documents and DPOTrainer's loss branches test for."""
    from trl import DPOConfig, DPOTrainer

    help_text = next(f for f in dataclasses.fields(DPOConfig) if f.name == "loss_type").metadata["help"]
    documented = set(re.findall(r"`'([a-z_]+)'`", help_text))
    implemented = set(re.findall(r'loss_type == "([a-z_]+)"', inspect.getsource(DPOTrainer._compute_loss)))
    assert documented and implemented, "TRL's loss list moved; update this reader"
    return documented | implemented


def test_every_trl_loss_type_is_in_the_table_or_refused_with_a_reason() -> None:
    trl_losses = _trl_loss_types()
    unknown = trl_losses - set(lt.NAMES) - set(lt.NOT_SUPPORTED)
    assert not unknown, f"TRL has loss types the table does not know: {sorted(unknown)} (add a row or a reason)"
    assert set(lt.NAMES) <= trl_losses, f"the table offers losses TRL lacks: {sorted(set(lt.NAMES) - trl_losses)}"
    assert all(reason.strip() for reason in lt.NOT_SUPPORTED.values())


def test_trl_f_divergence_losses_are_the_tables() -> None:
    from trl import DPOTrainer

    source = inspect.getsource(DPOTrainer.__init__)
    listed = re.search(r"f_divergence_loss_types = \{([^}]*)\}", source)
    assert listed, "TRL's f-divergence loss set moved; update this reader"
    assert set(re.findall(r'"([a-z_]+)"', listed.group(1))) == set(lt.users_of(lt.F_DIVERGENCE))


# ---- the schema's side: light, no TRL ----------------------------------------------------------

@pytest.mark.parametrize(("dpo", "path", "words"), [
    ({"loss_type": "exo_pair"}, "dpo.label_smoothing", "must be > 0.0 and < 0.5 for loss_type exo_pair"),
    ({"loss_type": "sigmoid", "label_smoothing": 0.1}, "dpo.label_smoothing", "not used by loss_type sigmoid"),
    ({"loss_type": "ipo", "discopop_tau": 0.2}, "dpo.discopop_tau", "used by discopop"),
    ({"loss_type": ["sigmoid", "sft"], "loss_weights": [1.0]}, "dpo.loss_weights", "1 weights for 2 loss types"),
    ({"loss_type": ["sigmoid", "aot"], "use_weighting": True}, "dpo.use_weighting", "not supported with loss_type aot"),
    ({"loss_type": "nca_pair", "f_divergence_type": "forward_kl"}, "dpo.f_divergence_type", "nca_pair"),
    ({"f_alpha_divergence_coef": 0.3}, "dpo.f_alpha_divergence_coef", "only used with f_divergence_type"),
    ({"loss_type": "sft"}, "dpo.loss_type", "sft alone is not preference tuning"),
    ({"loss_type": ["sigmoid", "sigmoid"]}, "dpo.loss_type", "names a loss twice"),
    ({"loss_type": ["sigmoid", "kto"]}, "dpo.loss_type", "'kto' is not one of"),
    ({"loss_type": []}, "dpo.loss_type", "expected a loss name or a list"),
    ({"loss_weights": [1.0, -1.0]}, "dpo.loss_weights", ">= 0"),
    ({"loss_weights": "heavy"}, "dpo.loss_weights", "expected a list of numbers"),
    ({"ld_alpha": 1.5}, "dpo.ld_alpha", "out of range"),
])
def test_a_bad_loss_setting_names_the_field(dpo: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(cfgmod.ConfigError) as e:
        cfgmod.from_dict({"dpo": dpo})
    assert [(err.path, words in err.message) for err in e.value.errors] == [(path, True)], str(e.value)


def test_a_multi_loss_round_trips_and_a_one_element_list_reads_as_a_name() -> None:
    cfg = cfgmod.from_dict({"dpo": {"loss_type": ["sigmoid", "bco_pair", "sft"], "loss_weights": [0.8, 0.2, 1]}})
    assert cfgmod.from_dict(cfgmod.to_dict(cfg)) == cfg
    assert cfg.dpo.loss_weights == [0.8, 0.2, 1.0]
    assert cfgmod.from_dict({"dpo": {"loss_type": ["ipo"]}}).dpo.loss_type == "ipo"
    assert lt.describe(cfg.dpo.loss_type) == "sigmoid+bco_pair+sft"


def test_field_help_names_the_losses_that_read_it() -> None:
    helps = {s.path: s.help for s in cfgmod.field_specs()}
    assert "robust, exo_pair, aot, aot_unpaired" in helps["dpo.label_smoothing"]
    assert "used by discopop" in helps["dpo.discopop_tau"]
    assert {s.path: s.choices for s in cfgmod.field_specs()}["dpo.loss_type"] == lt.NAMES


def test_unused_params_follow_the_chosen_loss() -> None:
    assert "label_smoothing" in lt.unused_params("sigmoid") and "label_smoothing" not in lt.unused_params("robust")
    assert "loss_weights" in lt.unused_params("sigmoid")
    assert "loss_weights" not in lt.unused_params(["sigmoid", "sft"])
    assert "f_alpha_divergence_coef" not in lt.unused_params("sigmoid", "alpha_divergence")
    assert lt.unused_params("no-such-loss") == set()


def test_readme_loss_table_is_the_tables() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert lt.reference_markdown() in readme, "README loss table is stale: paste trainer.loss_table.reference_markdown()"


@pytest.mark.slow
def test_mpo_trains_through_the_trainer_process(data_dir: Path, tmp_path: Path) -> None:
    """The multi-loss survives the run dir's config snapshot and the real `python -m trainer` path."""
    from trainer import protocol, rundir

    names, weights = lt.EXAMPLE_COMBINATIONS[0]
    cfg = _config(data_dir, tmp_path / "runs", {"loss_type": list(names), "loss_weights": list(weights)})
    run_dir = fx.new_run(dataclasses.replace(cfg, training=dataclasses.replace(cfg.training, max_steps=2)))
    res = fx.run_trainer(run_dir, timeout=240)
    assert res.returncode == 0, res.stdout.decode()[-3000:]
    assert [e["step"] for e in fx.events(run_dir, protocol.STEP)] == [1, 2]
    assert cfgmod.load(run_dir / rundir.CONFIG).dpo.loss_type == list(names)
