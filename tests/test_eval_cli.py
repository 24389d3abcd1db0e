"""`alice-tui eval` end to end on a run dir with random adapters: report schema, progress lines, the
per-pair numbers against an independent computation, compare, and clear errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from eval_fixtures import make_run_dir, reference_logprob

ROOT = Path(__file__).resolve().parents[1]
ALICE = str(Path(sys.executable).with_name("alice-tui"))


def _eval(*args: str, alice: bool = False) -> subprocess.CompletedProcess[str]:
    cmd = [ALICE, "eval", *args] if alice else [sys.executable, "-m", "trainer.evaluation", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    run_dir = make_run_dir(tmp_path_factory.mktemp("evalcli"))
    out = _eval(str(run_dir), "--progress-json", "--name", "t1", "--generations", "3", "--max-new-tokens", "6",
                alice=True)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    report = json.loads((run_dir / "eval" / "t1.json").read_text())
    return {"dir": run_dir, "lines": lines, "report": report}


def _check_slice(s: dict[str, Any]) -> None:
    assert isinstance(s["n"], int) and s["n"] > 0
    for side, keys in (("base", ("accuracy", "accuracy_len_norm", "mean_margin")), ("tuned", ("accuracy", "mean_margin"))):
        for k in keys:
            m = s[side][k]
            assert set(m) == {"value", "ci"} and m["ci"][0] <= m["value"] <= m["ci"][1], (side, k, m)
    assert set(s["diff"]) == {"value", "ci", "significant"}
    assert s["diff"]["value"] == pytest.approx(s["tuned"]["accuracy"]["value"] - s["base"]["accuracy"]["value"])
    wtl = s["win_tie_loss"]
    assert wtl["win"] + wtl["tie"] + wtl["loss"] == s["n"]


def test_progress_lines_then_done(run: dict[str, Any]) -> None:
    lines = run["lines"]
    assert lines[-1] == {"event": "done", "report": str(run["dir"].resolve() / "eval" / "t1.json")}
    progress = [x for x in lines if x["event"] == "progress"]
    assert [p["phase"] for p in progress if p["done"] == p["total"]] == ["base", "tuned", "generate"]
    for p in progress:
        assert 0 < p["done"] <= p["total"]
    assert {x["event"] for x in lines} <= {"progress", "log", "done"}


def test_report_schema(run: dict[str, Any]) -> None:
    r = run["report"]
    for key, typ in (("name", str), ("run_dir", str), ("checkpoint", str), ("split", str), ("split_path", str),
                     ("n_pairs", int), ("beta", float), ("seed", int), ("created_t", float), ("overall", dict),
                     ("slices", dict), ("generations", list), ("timings", dict)):
        assert isinstance(r[key], typ), key
    assert "manifest_sha256" in r
    assert r["checkpoint"] == "final" and r["split"] == "test" and r["name"] == "t1"
    # 24 pairs written, one with a prompt longer than max_length: reported, not silently dropped.
    assert r["n_pairs"] == 23 and r["skipped"] == [{"id": "p003", "reason": r["skipped"][0]["reason"]}]
    assert "max_length" in r["skipped"][0]["reason"]
    _check_slice(r["overall"])
    assert set(r["slices"]) == {"lang", "domain", "source", "bucket"}
    assert set(r["slices"]["lang"]) == {"en", "sv"}
    for groups in r["slices"].values():
        assert sum(s["n"] for s in groups.values()) == r["n_pairs"]
        for s in groups.values():
            _check_slice(s)
    # Generations come from the golden split beside the test split, both languages.
    assert len(r["generations"]) == 3
    assert {g["lang"] for g in r["generations"]} == {"en", "sv"}
    for g in r["generations"]:
        assert set(g) >= {"id", "prompt", "base", "tuned"} and g["prompt"]
    assert (run["dir"] / "eval" / "t1.md").read_text().startswith("# Evaluation t1")


def test_sidecar_matches_an_independent_forward(run: dict[str, Any]) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from trainer import tiny_model

    rows = [json.loads(x) for x in (run["dir"] / "eval" / "t1.pairs.jsonl").read_text().splitlines()]
    assert len(rows) == run["report"]["n_pairs"]
    src = tiny_model.resolve("builtin:tiny-qwen2")
    tok = AutoTokenizer.from_pretrained(src)
    base = AutoModelForCausalLM.from_pretrained(src)
    merged = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(src), run["dir"] / "final").merge_and_unload()
    recs = {json.loads(x)["id"]: json.loads(x) for x in Path(run["report"]["split_path"]).read_text().splitlines()}
    for row in rows[:4]:
        rec = recs[row["id"]]
        prompt = tok.apply_chat_template(rec["prompt"], tokenize=True, add_generation_prompt=True, return_dict=True)
        full = tok.apply_chat_template(rec["prompt"] + rec["chosen"], tokenize=True, return_dict=True)
        ids, start = list(full["input_ids"]), len(prompt["input_ids"])
        assert row["n_chosen"] == len(ids) - start
        assert row["base_chosen"] == pytest.approx(reference_logprob(base, ids, start), abs=1e-3)
        assert row["tuned_chosen"] == pytest.approx(reference_logprob(merged, ids, start), abs=1e-3)
    # The headline numbers are the means of the per-pair rows.
    acc = sum(r["tuned_chosen"] - r["base_chosen"] > r["tuned_rejected"] - r["base_rejected"] for r in rows) / len(rows)
    assert run["report"]["overall"]["tuned"]["accuracy"]["value"] == pytest.approx(acc)
    base_acc = sum(r["base_chosen"] > r["base_rejected"] for r in rows) / len(rows)
    assert run["report"]["overall"]["base"]["accuracy"]["value"] == pytest.approx(base_acc)


def test_eval_event_appended_when_no_trainer_runs(run: dict[str, Any]) -> None:
    from trainer import rundir

    evs = [e for e in rundir.iter_events(run["dir"]) if e["type"] == "eval"]
    assert evs and evs[-1]["source"] == "evaluation" and evs[-1]["report"].endswith("t1.json")
    assert evs[-1]["tuned_accuracy"] == run["report"]["overall"]["tuned"]["accuracy"]["value"]


def test_checkpoint_eval_and_compare(run: dict[str, Any]) -> None:
    out = _eval(str(run["dir"]), "--checkpoint", "5", "--name", "c5", "--generations", "0", "--no-event")
    assert out.returncode == 0, out.stderr
    c5 = json.loads((run["dir"] / "eval" / "c5.json").read_text())
    assert c5["checkpoint"] == "checkpoint-5" and c5["generations"] == []
    a, b = run["dir"] / "eval" / "c5.json", run["dir"] / "eval" / "t1.json"
    cmp = _eval("compare", str(a), str(b), "--json", alice=True)
    assert cmp.returncode == 0, cmp.stderr
    res = json.loads(cmp.stdout)
    overall = {r["metric"]: r for r in res["rows"] if r["slice"] == "overall"}
    t = overall["tuned acc"]
    assert t["delta"] == pytest.approx(run["report"]["overall"]["tuned"]["accuracy"]["value"]
                                       - c5["overall"]["tuned"]["accuracy"]["value"])
    assert t["method"] == "paired bootstrap" and t["ci"][0] <= t["delta"] <= t["ci"][1]
    assert overall["base acc"]["delta"] == 0 and overall["base acc"]["ci"] == [0.0, 0.0]  # same base, same pairs
    assert res["warnings"] == []
    table = _eval("compare", str(a), str(b))
    assert table.returncode == 0 and "tuned acc" in table.stdout and "lang=sv" in table.stdout
    # Without the sidecars the comparison falls back to the reports' CIs, and says so.
    c5_nopairs = run["dir"] / "eval" / "c5-copy.json"
    c5_nopairs.write_text(json.dumps({**c5, "pairs_path": None}))
    res2 = json.loads(_eval("compare", str(c5_nopairs), str(b), "--json").stdout)
    assert {r["method"] for r in res2["rows"]} == {"normal approximation from the reports' CIs"}


@pytest.mark.parametrize("args, needle", [
    (["--checkpoint", "10"], "COMPLETE"),
    (["--checkpoint", "7"], "does not exist"),
    (["--checkpoint", "latest"], "expected final, a step number"),
    (["--split", "nonexistent-split"], "neither one of"),
    (["--name", "../escape"], "--name"),
])
def test_bad_arguments_give_a_clear_error(run: dict[str, Any], args: list[str], needle: str) -> None:
    out = _eval(str(run["dir"]), "--progress-json", "--generations", "0", "--no-event", *args)
    assert out.returncode == 2
    last = json.loads(out.stdout.splitlines()[-1])
    assert last["event"] == "error" and needle in last["message"], last


def test_bad_split_line_names_file_and_line(run: dict[str, Any], tmp_path: Path) -> None:
    split = tmp_path / "bad.jsonl"
    good = Path(run["report"]["split_path"]).read_text().splitlines()[0]
    split.write_text(good + "\n" + json.dumps({"prompt": "hi", "chosen": "x"}) + "\n")
    out = _eval(str(run["dir"]), "--split", str(split), "--generations", "0", "--no-event")
    assert out.returncode == 2
    assert f"{split}:2: missing field 'rejected'" in out.stderr


def test_not_a_run_dir(tmp_path: Path) -> None:
    out = _eval(str(tmp_path))
    assert out.returncode == 2 and "not a run directory" in out.stderr
