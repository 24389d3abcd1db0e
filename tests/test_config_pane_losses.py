"""The Config pane and its form model follow the loss table: multi-loss typed as text, unused fields dimmed."""

from __future__ import annotations

from pathlib import Path

import yaml
from tui_fixtures import T0, wait_note

from alice_tui.app import make_app
from alice_tui.config_form import FormModel
from alice_tui.panes.config import ConfigPane
from alice_tui.panes.config.form_lines import FormLines

ROOT = Path(__file__).resolve().parents[1]


def _form(**texts: str) -> FormModel:
    form = FormModel()
    form.load_dict(yaml.safe_load((ROOT / "configs/demo.yaml").read_text()))
    form.texts.update({k.replace("__", "."): v for k, v in texts.items()})
    return form


def test_a_multi_loss_typed_as_text_is_a_valid_config() -> None:
    cfg, errors = _form(dpo__loss_type="sigmoid, bco_pair, sft", dpo__loss_weights="0.8, 0.2, 1").validate()
    assert errors == {} and cfg is not None
    assert (cfg.dpo.loss_type, cfg.dpo.loss_weights) == (["sigmoid", "bco_pair", "sft"], [0.8, 0.2, 1.0])
    form = FormModel()
    form.load_dict({"dpo": {"loss_type": cfg.dpo.loss_type, "loss_weights": cfg.dpo.loss_weights}})
    assert (form.texts["dpo.loss_type"], form.texts["dpo.loss_weights"]) == ("sigmoid, bco_pair, sft", "0.8, 0.2, 1.0")
    assert _form(dpo__loss_type="[ipo]").validate()[0].dpo.loss_type == "ipo"  # type: ignore[union-attr]


def test_the_forms_errors_are_the_tables() -> None:
    _, errors = _form(dpo__loss_type="exo_pair").validate()
    assert errors == {"dpo.label_smoothing": "must be > 0.0 and < 0.5 for loss_type exo_pair "
                                             "(EXO takes log(label_smoothing); the paper suggests 1e-3)"}
    _, errors = _form(dpo__loss_type="sigmoid, sft", dpo__loss_weights="1, x").validate()
    assert "expected a list of numbers" in errors["dpo.loss_weights"]


def test_unused_fields_follow_the_loss_typed() -> None:
    assert {"dpo.label_smoothing", "dpo.discopop_tau", "dpo.loss_weights"} <= _form().unused_fields()
    assert "dpo.label_smoothing" not in _form(dpo__loss_type="robust").unused_fields()
    assert "dpo.loss_weights" not in _form(dpo__loss_type="sigmoid, sft").unused_fields()
    assert _form(dpo__loss_type="no such loss").unused_fields() == set()


async def test_the_pane_dims_what_the_loss_does_not_read(tmp_path: Path) -> None:
    cfg = tmp_path / "mine.yaml"
    cfg.write_text((ROOT / "configs/demo.yaml").read_text())
    app = make_app(tmp_path / "runs", clock=lambda: T0 + 100, poll_s=0.05, base=ROOT, config_path=cfg,
                   initial_pane="config")
    async with app.run_test(size=(100, 30)) as pilot:
        lines = app.query_one(FormLines)
        await pilot.pause(0.1)
        assert "unused" in lines.marks("dpo.label_smoothing")
        editor = app.query_one(ConfigPane).focus_field("dpo.loss_type")
        editor.value = "robust"
        await pilot.pause(0.1)
        assert "unused" not in lines.marks("dpo.label_smoothing")
        assert "unused" in lines.marks("dpo.discopop_tau")
        editor.value = "sigmoid, bco_pair, sft"
        await pilot.pause(0.1)
        assert "unused" not in lines.marks("dpo.loss_weights")
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        await pilot.press("y")
        await wait_note(pilot, app, "saved")
        assert yaml.safe_load(cfg.read_text())["dpo"]["loss_type"] == ["sigmoid", "bco_pair", "sft"]
