"""`python -m datasets_build` as the console runs it: JSON progress lines, errors, stats, convert."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from data_fixtures import HH_SAMPLE, PKU_ROWS, ROOT, read_jsonl, write_jsonl, write_recipe


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "datasets_build", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_build_progress_json_then_stats(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path / "r.yaml", [{"type": "swedish_synthetic", "n": 120},
                                                {"type": "english_synthetic", "n": 120}])
    out = _run("build", "--config", str(recipe), "--out", str(tmp_path / "data"), "--progress-json")
    assert out.returncode == 0, out.stderr
    events = [json.loads(line) for line in out.stdout.splitlines()]  # stdout holds nothing but JSON lines
    stages = [e["stage"] for e in events if "stage" in e]
    assert {"read", "annotate", "splits", "write"} <= set(stages)
    pii = [e for e in events if e.get("stage") == "annotate"]
    assert all(0 < e["done"] <= e["total"] for e in pii) and pii[-1]["done"] == pii[-1]["total"]
    done = events[-1]
    assert done["event"] == "done" and Path(done["manifest"]).is_file()
    assert Path(done["splits_dir"], "train.jsonl").is_file()
    assert "source" in out.stderr and "golden" in out.stderr  # the summary table goes to stderr
    stats = _run("stats", done["dataset_dir"])
    assert stats.returncode == 0
    assert "swedish_synthetic" in stats.stdout and "language" in stats.stdout
    assert json.loads(_run("stats", done["splits_dir"], "--json").stdout)["name"] == "t"


def test_build_error_is_a_json_event_and_nonzero_exit(tmp_path: Path) -> None:
    bad = write_jsonl(tmp_path / "bad.jsonl", ['{"prompt": "a"'])
    recipe = write_recipe(tmp_path / "r.yaml", [{"type": "local_jsonl", "path": str(bad)}])
    out = _run("build", "--config", str(recipe), "--out", str(tmp_path / "data"), "--progress-json")
    assert out.returncode == 2
    last = json.loads(out.stdout.splitlines()[-1])
    assert last["event"] == "error" and "bad.jsonl:1: malformed JSON" in last["message"]
    missing = _run("build", "--config", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "recipe not found" in missing.stderr


def test_convert_prints_the_source_entry(tmp_path: Path) -> None:
    out = _run("convert", "hh_rlhf", str(HH_SAMPLE), str(tmp_path / "hh.jsonl"))
    assert out.returncode == 0, out.stderr
    entry = json.loads(out.stdout)
    assert entry["read"] == 1500
    assert entry["dropped"]["empty_response"] == 4 and entry["dropped"]["prefix_mismatch"] == 1
    assert entry["read"] == entry["kept"] + sum(entry["dropped"].values())
    rows = read_jsonl(tmp_path / "hh.jsonl")
    assert len(rows) == entry["kept"] and rows[0]["chosen"][0]["role"] == "assistant"
    pku = write_jsonl(tmp_path / "pku.jsonl", PKU_ROWS)
    out = _run("convert", "pku_saferlhf", str(pku), str(tmp_path / "p.jsonl"), "--option", "preference=better",
               "--option", "drop_both_unsafe=false")
    entry = json.loads(out.stdout)
    assert entry["options"]["preference"] == "better" and entry["read"] == 4 and not entry["dropped"]
    bad = _run("convert", "local_jsonl", str(write_jsonl(tmp_path / "l.jsonl", ["{x"])), str(tmp_path / "o.jsonl"))
    assert bad.returncode == 2 and "l.jsonl:1: malformed JSON" in bad.stderr
