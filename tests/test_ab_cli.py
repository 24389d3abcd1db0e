"""`alice-tui eval RUN --ab` end to end on a run dir with random adapters: the report, the caches
(another judge re-judges without regenerating), the http: judge's key kept out of every file,
`eval compare` on A/B reports, and the model card's A/B section."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ab_server import JudgeServer
from eval_fixtures import make_run_dir

pytestmark = pytest.mark.slow  # evaluates a real (tiny) model in subprocesses, about a minute

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk-never-in-a-report-4242"


def _eval(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trainer.evaluation", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    run_dir = make_run_dir(tmp_path_factory.mktemp("abcli"))
    out = _eval(str(run_dir), "--ab", "--limit", "6", "--max-new-tokens", "8", "--samples", "1",
                "--resamples", "300", "--name", "g1", "--progress-json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    return {"dir": run_dir, "lines": lines, "report": json.loads((run_dir / "eval" / "g1.json").read_text())}


def test_golden_ab_report(run: dict[str, Any]) -> None:
    r, lines = run["report"], run["lines"]
    assert lines[-1]["event"] == "done"
    finished = [x["phase"] for x in lines if x["event"] == "progress" and x["done"] == x["total"]]
    assert finished == ["generate-base", "generate-base-samples", "generate-tuned", "generate-tuned-samples", "judge"]
    assert r["kind"] == "ab" and r["split"] == "golden" and r["n_prompts"] == 6 and r["n_pairs"] == 6
    assert r["n_answer_pairs"] == 12 and r["n_errors"] == 0    # greedy + 1 sample per prompt
    ov = r["overall"]
    assert sum(ov["win_tie_loss"].values()) == 6
    for key in ("win_rate", "lc_win_rate", "position_consistency"):
        lo, hi = ov[key]["ci"]
        assert 0.0 <= lo <= ov[key]["value"] <= hi <= 1.0, key
    assert ov["position_consistency"]["value"] == 1.0            # the golden judge has no position
    assert set(r["slices"]) == {"lang", "domain"} and set(r["slices"]["lang"]) == {"en", "sv"}
    assert sum(s["n"] for s in r["slices"]["lang"].values()) == 6
    assert r["verdict"]["text"].startswith("tuned beats base on golden: ")
    assert r["verdict"]["answer"] in ("yes", "no", "not significant")
    assert len(r["generations"]) == 6 and all(g["verdict"] in ("win", "tie", "loss") for g in r["generations"])
    md = (run["dir"] / "eval" / "g1.md").read_text()
    assert md.startswith("# A/B evaluation g1") and r["verdict"]["text"] in md and "## By lang" in md
    rows = [json.loads(x) for x in (run["dir"] / "eval" / "g1.pairs.jsonl").read_text().splitlines()]
    assert len(rows) == 12 and {r["sample"] for r in rows} == {0, 1}


def test_another_judge_rejudges_without_regenerating_and_keeps_the_key_out(run: dict[str, Any]) -> None:
    run_dir = run["dir"]
    with JudgeServer(prefer="the") as srv:
        out = _eval(str(run_dir), "--ab", "--limit", "6", "--max-new-tokens", "8", "--samples", "1",
                    "--resamples", "300", "--name", "h1", "--progress-json", "--judge", f"http:{srv.url}",
                    "--judge-model", "judge-m", "--judge-key-env", "T_AB_KEY", env={"T_AB_KEY": KEY})
    assert out.returncode == 0, out.stderr
    phases = {json.loads(x).get("phase") for x in out.stdout.splitlines()}
    assert "judge" in phases and not any(str(p).startswith("generate") for p in phases)
    r = json.loads((run_dir / "eval" / "h1.json").read_text())
    assert r["cache"]["generations"] == {"hits": 24, "misses": 0, "damaged_lines": 0}
    assert srv.requests == 24 and set(srv.auth) == {f"Bearer {KEY}"}      # 12 answer pairs × 2 orders
    assert r["judge"]["kind"] == "http" and r["judge"]["api_key"] == "API key from $T_AB_KEY"
    # The same answers as the golden run: cached, so identical.
    g = {x["id"]: x for x in run["report"]["generations"]}
    assert all(x["base"] == g[x["id"]]["base"] and x["tuned"] == g[x["id"]]["tuned"] for x in r["generations"])
    for f in (run_dir / "eval").rglob("*"):
        if f.is_file():
            assert KEY not in f.read_text(errors="replace"), f


def test_http_judge_that_returns_garbage_counts_errors_and_says_so(run: dict[str, Any]) -> None:
    with JudgeServer(mode="garbage") as srv:
        out = _eval(str(run["dir"]), "--ab", "--limit", "2", "--max-new-tokens", "8", "--name", "bad",
                    "--judge", f"http:{srv.url}", "--judge-model", "m", "--judge-retries", "0")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "no verdict for any of the 2 prompts" in out.stderr and "reply is not JSON" in out.stderr


def test_compare_ab_reports_and_refuse_mixing_kinds(run: dict[str, Any]) -> None:
    ev = run["dir"] / "eval"
    out = _eval("compare", str(ev / "g1.json"), str(ev / "h1.json"), "--json")
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    overall = {r["metric"]: r for r in res["rows"] if r["slice"] == "overall"}
    assert set(overall) == {"win rate", "tuned − base (win − loss)", "length-controlled win rate",
                            "position-consistent"}
    assert overall["win rate"]["method"] == "paired bootstrap"
    assert any("different judges" in w for w in res["warnings"])
    acc = _eval(str(run["dir"]), "--limit", "4", "--generations", "0", "--resamples", "100", "--name", "acc",
                "--no-event")
    assert acc.returncode == 0, acc.stderr
    mixed = _eval("compare", str(ev / "acc.json"), str(ev / "g1.json"))
    assert mixed.returncode == 2 and "compare reports of one kind" in mixed.stderr


def test_model_card_embeds_the_ab_verdict(run: dict[str, Any]) -> None:
    from trainer.export.model_card import _eval_section

    text = "\n".join(_eval_section(run["dir"]))
    assert "### A/B against the base" in text and run["report"]["verdict"]["text"] in text
    assert "| g1 | 6 |" in text


def test_bad_judge_spec_fails_before_loading_a_model(run: dict[str, Any]) -> None:
    out = _eval(str(run["dir"]), "--ab", "--judge", "gpt-4")
    assert out.returncode == 2 and "--judge 'gpt-4': expected one of golden" in out.stderr
