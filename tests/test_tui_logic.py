"""The console's plain modules: formatting, event folding, config form, YAML patching, manifests, reports."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from tui_fixtures import T0, synthetic_events

from alice_tui import config_form, eval_report, fmt, manifest_view, run_model, samples, yaml_patch
from datasets_build.manifest import count_records
from trainer import config as cfgmod


def test_fmt_durations_sizes_and_sparkline() -> None:
    assert fmt.duration(5) == "5s"
    assert fmt.duration(185) == "3m05s"
    assert fmt.duration(7260) == "2h01m"
    assert fmt.duration(None) == "–"
    assert fmt.size(1536) == "1.5 KiB"
    assert fmt.age(T0 - 120, T0) == "2m ago"
    assert fmt.sparkline([0, 1, 2, 3], 4) == "▁▃▆█"
    assert fmt.sparkline([5, 5], 4) == "▁▁"
    assert fmt.bar(0.5, 10).startswith("█████") and len(fmt.bar(0.5, 10)) == 10


def test_fold_builds_series_checkpoints_and_final_state() -> None:
    view = run_model.fold_all(run_model.RunView(Path("r")), synthetic_events(45, 60, "finished"))
    assert view.state == "finished" and view.step == 45 and view.max_steps == 60
    assert len(view.loss_series) == 45 and view.loss_series.xs[-1] == 45.0
    assert view.checkpoints == [20, 40] and view.last_checkpoint == 40
    assert len(view.cpu_hist) == 9
    assert not view.live


def test_fold_skips_replayed_seqs_and_keeps_newer_value_for_a_repeated_step() -> None:
    evs = synthetic_events(10, 20, None)
    view = run_model.fold_all(run_model.RunView(Path("r")), evs)
    n = len(view.loss_series)
    run_model.fold_all(view, evs)  # the live stream overlapping the file changes nothing
    assert len(view.loss_series) == n
    # A resumed run logs step 9 again after a crash at 10: the plot keeps one point per step.
    run_model.fold(view, {"seq": 999, "t": T0 + 100, "type": "step", "step": 9, "loss": 0.123})
    assert view.loss_series.xs[-1] == 9.0 and view.loss_series.ys[-1] == 0.123
    assert view.loss_series.xs.count(9.0) == 1


def test_elapsed_excludes_paused_time() -> None:
    view = run_model.RunView(Path("r"))
    for ev in ({"seq": 1, "t": 100.0, "type": "state", "state": "training"},
               {"seq": 2, "t": 110.0, "type": "state", "state": "paused"},
               {"seq": 3, "t": 170.0, "type": "state", "state": "training"}):
        run_model.fold(view, ev)
    assert view.elapsed(now=180.0) == 20.0
    run_model.fold(view, {"seq": 4, "t": 190.0, "type": "state", "state": "paused"})
    assert view.elapsed(now=250.0) == 30.0


def test_unknown_event_types_are_logged_not_dropped() -> None:
    view = run_model.RunView(Path("r"))
    run_model.fold(view, {"seq": 1, "t": T0, "type": "surprise", "x": 1})
    assert any("surprise" in line for line in view.log)


def test_config_form_shows_schema_errors_per_field() -> None:
    form = config_form.FormModel()
    form.load_dict({})
    form.texts["dpo.beta"] = "0"
    form.texts["training.max_steps"] = "many"
    form.texts["lora.target_modules"] = "q_proj, v_proj"
    cfg, errors = form.validate()
    assert cfg is None
    assert "out of range" in errors["dpo.beta"]
    assert "expected an integer" in errors["training.max_steps"]
    assert "lora.target_modules" not in errors
    form.texts["dpo.beta"], form.texts["training.max_steps"] = "0.2", "80"
    cfg, errors = form.validate()
    assert errors == {} and cfg is not None
    assert cfg.lora.target_modules == ["q_proj", "v_proj"] and cfg.training.max_steps == 80


def test_config_form_groups_cover_every_field_once() -> None:
    grouped = [s.path for _, specs in config_form.grouped_specs() for s in specs]
    assert sorted(grouped) == sorted(s.path for s in cfgmod.field_specs())


def test_yaml_patch_keeps_comments_and_reads_back() -> None:
    text = Path("configs/demo.yaml").read_text()
    out = yaml_patch.patch(text, {"training.max_steps": 123, "dpo.loss_type": "ipo", "lora.target_modules": ["q_proj"]})
    assert out is not None
    assert out.splitlines()[0] == text.splitlines()[0]  # the header comment survives
    data = yaml.safe_load(out)
    assert data["training"]["max_steps"] == 123 and data["dpo"]["loss_type"] == "ipo"
    assert data["lora"]["target_modules"] == ["q_proj"]
    assert yaml_patch.patch(text, {"training.no_such_key": 1}) is None


def test_manifest_tables_flag_a_missed_language_target() -> None:
    m = {"schema": 1, "name": "v1",
         "sources": {"hh": {"lang": "en", "read": 100, "kept": 80, "dropped": {"empty": 5, "dup": 15}}},
         "totals": {"records": 80, "by_lang": {"en": 80}},
         "language": {"target": {"en": 0.5, "sv": 0.5}, "actual": {"en": 0.62, "sv": 0.48}, "tolerance": 0.1},
         "pii": {"email": 3, "phone": 1}}
    tables = {t.title: t for t in manifest_view.manifest_tables(m)}
    assert tables["Sources"].rows[0][:5] == ["hh", "en", "100", "80", "20"]
    lang = tables["Language: target vs actual"]
    assert lang.highlight == {0} and lang.rows[0][-1] == "MISS" and lang.rows[1][-1] == "ok"
    assert tables["PII masked, by kind"].rows == [["email", "3"], ["phone", "1"]]
    assert tables["Records by language"].rows == [["en", "80"]]
    assert tables["Summary"].rows == [["schema", "1"], ["name", "v1"], ["totals.records", "80"]]
    # The manifest's own tolerance decides: a 0.12 miss is fine at 0.15.
    m["language"]["tolerance"] = 0.15  # type: ignore[index]
    assert not {t.title: t for t in manifest_view.manifest_tables(m)}["Language: target vs actual"].highlight


def _metric(v: float) -> dict[str, object]:
    return {"value": v, "ci": [v - 0.05, v + 0.05]}


def make_report(name: str = "test-final") -> dict[str, object]:
    def slice_(n: int, base: float, tuned: float, sig: bool) -> dict[str, object]:
        return {"n": n, "base": {"accuracy": _metric(base), "accuracy_len_norm": _metric(base + 0.01),
                                 "mean_margin": _metric(0.1)},
                "tuned": {"accuracy": _metric(tuned), "mean_margin": _metric(0.9)},
                "diff": {"value": tuned - base, "ci": [tuned - base - 0.04, tuned - base + 0.04], "significant": sig},
                "win_tie_loss": {"win": 30, "tie": 5, "loss": 10}}

    return {"name": name, "run_dir": "r", "checkpoint": "final", "split": "test", "split_path": "x",
            "manifest_sha256": "ab" * 32, "n_pairs": 120, "beta": 0.1, "seed": 42, "created_t": T0,
            "overall": slice_(120, 0.5, 0.7, True),
            "slices": {"lang": {"en": slice_(60, 0.5, 0.75, True), "sv": slice_(60, 0.5, 0.52, False)}},
            "generations": [{"id": "g1", "prompt": "Hi?", "base": "Hello.", "tuned": "Hello! How can I help?"}],
            "timings": {}}


def test_eval_report_rows(tmp_path: Path) -> None:
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "r.json").write_text(json.dumps(make_report()))
    report = eval_report.load_report(eval_report.list_reports(tmp_path)[0])
    rows = eval_report.table_rows(report)
    assert [r[0][0] for r in rows] == ["overall", "lang=en", "lang=sv"]
    assert rows[0][0][2] == "50.0 [45.0, 55.0]" and rows[0][0][4].startswith("+20.0")
    assert rows[0][1] is True and rows[2][1] is False
    (tmp_path / "eval" / "bad.json").write_text(json.dumps({"name": "x"}))
    try:
        eval_report.load_report(tmp_path / "eval" / "bad.json")
    except ValueError as e:
        assert "checkpoint" in str(e)
    else:
        raise AssertionError("a report without its required keys must be refused")


def test_samples_read_pages_and_find_placeholders(tmp_path: Path) -> None:
    f = tmp_path / "train.jsonl"
    recs = [{"prompt": [{"role": "user", "content": f"mail <EMAIL> #{i}"}], "chosen": "ok", "rejected": "no"}
            for i in range(5)]
    f.write_text("".join(json.dumps(r) + "\n" for r in recs) + "{broken\n")
    assert count_records(f) == 6
    rec = samples.read_record(f, 3)
    text = samples.as_text(rec["prompt"])
    assert text == "user: mail <EMAIL> #3"
    assert [text[a:b] for a, b in samples.placeholder_spans(text)] == ["<EMAIL>"]
    try:
        samples.read_record(f, 5)
    except ValueError as e:
        assert "record 6" in str(e)
    else:
        raise AssertionError("a broken line must be reported with its record number")


def test_eval_events_plot_trainer_evals_and_log_evaluation_reports() -> None:
    view = run_model.RunView(Path("r"))
    run_model.fold(view, {"seq": 1, "t": T0, "type": "eval", "step": 20, "eval_loss": 0.5,
                          "eval_rewards/accuracies": 0.75})
    assert (view.eval_loss.xs, view.eval_acc.ys) == ([20.0], [0.75])
    run_model.fold(view, {"seq": 2, "t": T0, "type": "eval", "source": "evaluation", "name": "final-test",
                          "split": "test", "base_accuracy": 0.5, "tuned_accuracy": 0.7, "significant": True})
    assert len(view.eval_acc) == 1
    assert view.log[-1].endswith("eval final-test: tuned 70.0% vs base 50.0% on test (significant)")


def test_step_notices_coalesce_per_run() -> None:
    from alice_tui.messages import EventsReady

    a, b = Path("a"), Path("b")
    assert EventsReady(a).can_replace(EventsReady(a))
    assert not EventsReady(a).can_replace(EventsReady(b))
