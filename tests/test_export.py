"""Delivering a run, on one real tiny training run (TRL + PEFT in a subprocess, report_to tensorboard):
the exported adapter reloads with peft, the merged model's logits equal base + adapter's, the hub push
goes as far as the hub client's offline mode allows, the loss reaches TensorBoard, and the plot is a real
PNG/SVG."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import trainer_fixtures as fx

from trainer import rundir

ROOT = Path(__file__).resolve().parents[1]
ALICE = str(Path(sys.executable).with_name("alice-tui"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("export")
    data = fx.write_split_dir(tmp / "data", n_train=16, n_val=4)
    cfg = fx.small_config(data, tmp / "runs",
                          training={"max_steps": 6, "learning_rate": 1e-3, "per_device_batch_size": 4,
                                    "eval_every_steps": 3, "report_to": "tensorboard"},
                          checkpointing={"output_root": str(tmp / "runs"), "save_every_steps": 3})
    run_dir = fx.new_run(cfg, tmp / "run")
    res = fx.run_trainer(run_dir)
    assert res.returncode == 0, res.stderr[-3000:]
    return run_dir


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ALICE, *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def _export(run: Path, out: Path, *args: str) -> dict[str, Any]:
    res = _cli("export", str(run), "--out", str(out), *args)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Warning" not in res.stderr, res.stderr[-3000:]  # library noise a user cannot act on
    return json.loads(res.stdout.splitlines()[-1])


def _batch(tok: Any) -> dict[str, Any]:
    texts = [tok.apply_chat_template([{"role": "user", "content": q}], tokenize=False, add_generation_prompt=True)
             for q in ("How do I reset my password?", "Hur återställer jag mitt lösenord? Tack.")]
    return tok(texts, return_tensors="pt", padding=True)


def _base_plus_adapter(run: Path, adapter: Path) -> Any:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(rundir.pinned_base_model(run), dtype="float32")
    return PeftModel.from_pretrained(base, str(adapter)).eval()


def test_adapter_export_reloads_with_peft_and_carries_tokenizer_and_card(run: Path, tmp_path: Path) -> None:
    import torch
    from transformers import AutoTokenizer

    info = _export(run, tmp_path / "adapter")
    out = Path(info["out"])
    assert info["checkpoint"] == "final" and not info["merged"]
    assert {"adapter_config.json", "adapter_model.safetensors", "tokenizer_config.json", "README.md"} <= {
        p.name for p in out.iterdir()}
    assert not list(out.glob("optimizer*")) and not (out / "COMPLETE").exists()
    tok = AutoTokenizer.from_pretrained(str(out))
    assert tok.chat_template == AutoTokenizer.from_pretrained(str(run / "final")).chat_template
    batch = _batch(tok)
    with torch.no_grad():
        exported = _base_plus_adapter(run, out)(**batch).logits
        trained = _base_plus_adapter(run, run / "final")(**batch).logits
    assert torch.equal(exported, trained)
    card = (out / "README.md").read_text()
    assert "library_name: peft" in card and "builtin:tiny-qwen2" in card and "PeftModel.from_pretrained" in card
    assert "| all | 16 | 16 |" in card  # the language/domain table counts all 16 training pairs
    assert "step 6 of 6" in card and "report_to: tensorboard" in card  # last metrics and the training config
    assert "No evaluation report" in card


def test_merged_export_logits_equal_base_plus_adapter(run: Path, tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    info = _export(run, tmp_path / "merged", "--merge", "--checkpoint", "3", "--max-shard-size", "100KB")
    out = Path(info["out"])
    assert info["checkpoint"] == "checkpoint-3" and info["merged"] and info["dtype"] == "fp32"
    shards = sorted(out.glob("model-*.safetensors"))
    assert len(shards) > 1 and (out / "model.safetensors.index.json").is_file()
    assert not list(out.glob("adapter_*"))
    tok = AutoTokenizer.from_pretrained(str(out))
    assert GenerationConfig.from_pretrained(str(out)).eos_token_id is not None
    batch = _batch(tok)
    merged = AutoModelForCausalLM.from_pretrained(str(out), dtype="float32").eval()
    ref = _base_plus_adapter(run, run / "checkpoint-3")
    with torch.no_grad():
        got, want = merged(**batch).logits, ref(**batch).logits
        with ref.disable_adapter():
            base = ref(**batch).logits
    mask = batch["attention_mask"].bool()
    assert torch.allclose(got[mask], want[mask], atol=1e-5, rtol=1e-5)
    assert (want[mask] - base[mask]).abs().max() > 1e-4  # the trained adapter is not a no-op
    card = (out / "README.md").read_text()
    loss3 = next(e["loss"] for e in fx.events(run, "step") if e["step"] == 3)
    assert "library_name: transformers" in card and f"metrics at step 3 (the exported weights' step): loss {loss3:.4g}" in card


def test_merged_bf16_export_is_bf16_on_disk_and_close_to_fp32(run: Path, tmp_path: Path) -> None:
    import json as _json

    import torch
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = Path(_export(run, tmp_path / "bf16", "--merge", "--dtype", "bf16")["out"])
    with safe_open(str(out / "model.safetensors"), "pt") as f:
        assert {f.get_tensor(k).dtype for k in f.keys()} == {torch.bfloat16}  # noqa: SIM118
    assert _json.loads((out / "config.json").read_text()).get("dtype") == "bfloat16"
    batch = _batch(AutoTokenizer.from_pretrained(str(out)))
    with torch.no_grad():
        got = AutoModelForCausalLM.from_pretrained(str(out), dtype="float32")(**batch).logits
        want = _base_plus_adapter(run, run / "final")(**batch).logits
    mask = batch["attention_mask"].bool()
    assert torch.allclose(got[mask], want[mask], atol=5e-2), (got[mask] - want[mask]).abs().max()
    res = _cli("export", str(run), "--out", str(tmp_path / "x"), "--dtype", "fp16")
    assert res.returncode == 2 and "--dtype only applies with --merge" in res.stderr


def test_export_refuses_what_it_cannot_deliver(run: Path, tmp_path: Path) -> None:
    torn = run / "checkpoint-4"
    torn.mkdir()
    try:
        res = _cli("export", str(run), "--checkpoint", "4", "--out", str(tmp_path / "x"))
        assert res.returncode == 2 and "no complete checkpoint-4" in res.stderr and "complete: 3, 6" in res.stderr
    finally:
        torn.rmdir()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    res = _cli("export", str(run), "--out", str(tmp_path / "full"))
    assert res.returncode == 2 and "not empty" in res.stderr
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "x").exists()


def test_push_to_hub_goes_up_to_the_upload_and_stops_offline(run: Path, tmp_path: Path) -> None:
    res = _cli("export", str(run), "--out", str(tmp_path / "bad"), "--push-to-hub", "not a/repo id")
    assert res.returncode == 3 and "--push-to-hub 'not a/repo id'" in res.stderr
    out = tmp_path / "push"
    res = _cli("export", str(run), "--out", str(out), "--push-to-hub", "alice/alice-tui-test", "--private",
               env={"HF_HUB_OFFLINE": "1"})
    assert res.returncode == 3, res.stderr[-2000:]
    n_files = len([p for p in out.iterdir() if p.is_file()])
    assert f"offline (HF_HUB_OFFLINE); {n_files} files are ready in {out}" in res.stderr


def test_tensorboard_event_files_hold_the_loss_scalars(run: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    files = list((run / "tensorboard").glob("events.out.tfevents.*"))
    assert files, list(run.iterdir())
    acc = EventAccumulator(str(run / "tensorboard"))
    acc.Reload()
    tags = acc.Tags()["scalars"]
    assert "train/loss" in tags and "eval/loss" in tags, tags
    tb = {e.step: e.value for e in acc.Scalars("train/loss")}
    ours = {e["step"]: e["loss"] for e in fx.events(run, "step")}
    assert sorted(tb) == sorted(ours) == [1, 2, 3, 4, 5, 6]
    for step, loss in ours.items():
        assert tb[step] == pytest.approx(loss, rel=1e-5)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plot_writes_a_real_png_and_svg_from_the_run(run: Path, tmp_path: Path) -> None:
    res = _cli("plot", str(run), "--out", str(tmp_path / "c.png"))
    assert res.returncode == 0, res.stderr
    w, h = _png_size(tmp_path / "c.png")
    assert 600 <= w <= 2000 and 600 <= h <= 2000 and (tmp_path / "c.png").stat().st_size > 20_000
    res = _cli("plot", str(run), str(run), "--out", str(tmp_path / "c.svg"))
    assert res.returncode == 0, res.stderr
    root = ET.parse(tmp_path / "c.svg").getroot()
    assert root.tag.endswith("svg") and (tmp_path / "c.svg").stat().st_size > 20_000
    res = _cli("plot", str(run), "--out", str(tmp_path / "c.jpg"))
    assert res.returncode == 2 and "must end in .png or .svg" in res.stderr


def test_eval_report_embeds_its_curves_and_the_card_states_the_eval(run: Path, tmp_path: Path) -> None:
    # Last in this module: it adds an eval report to the shared run (the adapter card test above expects none).
    res = _cli("eval", str(run), "--split", "val", "--name", "val-final", "--resamples", "200", "--no-event")
    assert res.returncode == 0, res.stderr[-3000:]
    md = (run / "eval" / "val-final.md").read_text()
    assert "![training curves](val-final.curves.png)" in md
    _png_size(run / "eval" / "val-final.curves.png")
    report = json.loads((run / "eval" / "val-final.json").read_text())
    card = (Path(_export(run, tmp_path / "with-eval")["out"]) / "README.md").read_text()
    row = next(line for line in card.splitlines() if line.startswith("| val-final |"))
    assert f"| val | final | {report['n_pairs']} |" in row
    assert f"{100 * report['overall']['tuned']['accuracy']['value']:.1f}%" in row


def test_plot_of_a_paused_killed_and_resumed_run_marks_both(tmp_path: Path) -> None:
    import signal

    from trainer import client, curves, launch

    data = fx.write_split_dir(tmp_path / "data", n_train=16, n_val=4)
    cfg = fx.small_config(data, tmp_path / "runs", training={"max_steps": 8, "per_device_batch_size": 4},
                          checkpointing={"output_root": str(tmp_path / "runs"), "save_every_steps": 2})
    run_dir = fx.new_run(cfg, tmp_path / "run")
    proc = launch.spawn(run_dir)
    try:
        fx.wait_for(lambda: fx.status(run_dir), 120, "the control socket")
        assert client.request(run_dir, "pause")["ok"]
        fx.wait_for(lambda: "paused" in fx.states(run_dir), 60, "the paused state")
        assert client.request(run_dir, "resume")["ok"]
        fx.wait_for(lambda: (run_dir / "checkpoint-4" / rundir.COMPLETE).exists(), 120, "checkpoint-4")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    from_step = rundir.checkpoints(run_dir)[-1][0]
    res = fx.run_trainer(run_dir, resume=True)
    assert res.returncode == 0, fx.log_tail(run_dir)
    c = curves.load(run_dir)
    assert c.resumes == [from_step] and c.pauses and c.attempts == 2
    assert sorted(c.series["loss"]) == list(range(1, 9))
    # Steps both attempts logged show the resumed attempt's value.
    last = {e["step"]: e["loss"] for e in fx.events(run_dir, "step")}
    assert c.series["loss"] == last
    out = tmp_path / "resumed.svg"
    res2 = _cli("plot", str(run_dir), "--out", str(out))
    assert res2.returncode == 0, res2.stderr
    svg = out.read_text()
    # Pause (dotted) and resume (dashed) lines in each of the 4 panels, plus their two legend entries.
    assert svg.count("stroke-dasharray") >= 2 * 4 + 2
