"""The exported model's README.md, written from what the run dir recorded (config, events, eval reports, data).

Light module (stdlib + yaml): everything it states is read from files, so the card cannot claim what the run
did not record; what is missing is said to be missing.
"""

from __future__ import annotations

import json
import platform
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from trainer import config as cfgmod
from trainer import curves as curvesmod
from trainer import loss_table, protocol, rundir
from trainer.evaluation import report as reportmod
from trainer.evaluation.ab import report_ab

FINAL_METRICS = ("loss", "rewards/accuracies", "rewards/margins", "rewards/chosen", "rewards/rejected",
                 "learning_rate", "grad_norm", "epoch")


def _training_facts(run_dir: Path, at_step: int | None) -> dict[str, Any]:
    """Step metrics at the exported step (else the last; latest attempt), state, wall time and devices."""
    events = list(rundir.iter_events(run_dir))
    curves = curvesmod.fold(events, run_dir.name)
    last_step: dict[str, Any] = {}
    exported: dict[str, Any] = {}
    for ev in events:  # file order: a step logged again by a later attempt replaces the earlier one
        if ev.get("type") == protocol.STEP:
            last_step = ev if ev.get("step", 0) >= last_step.get("step", 0) else last_step
            exported = ev if at_step is not None and ev.get("step") == at_step else exported
    times = [ev["t"] for ev in events if isinstance(ev.get("t"), (int, float))]
    devices = sorted({str(ev["device"]) for ev in events if ev.get("type") == protocol.RESOURCES and ev.get("device")})
    states = [ev.get("state") for ev in events if ev.get("type") == protocol.STATE]
    return {"step": last_step.get("step"), "max_steps": last_step.get("max_steps"),
            "metrics_step": (exported or last_step).get("step"),
            "metrics": {k: (exported or last_step)[k] for k in FINAL_METRICS if k in (exported or last_step)},
            "state": states[-1] if states else None, "wall_s": (max(times) - min(times)) if times else None,
            "attempts": max(curves.attempts, 1), "resumes": curves.resumes, "devices": devices,
            "evals": curves.evals[-1:]}


def _split_table(path: Path) -> tuple[Counter[tuple[str, str]], int]:
    counts: Counter[tuple[str, str]] = Counter()
    n = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                counts[(str(rec.get("lang", "?")), str(rec.get("domain", "?")))] += 1
                n += 1
    return counts, n


def _data_section(cfg: cfgmod.TrainConfig) -> list[str]:
    split_dir = Path(cfg.data.path)
    train = split_dir / cfg.data.train_file
    lines = ["## Training data", "", f"- split directory: `{split_dir}`, train file `{cfg.data.train_file}`"
             + (f" (first {cfg.data.max_train_samples} pairs)" if cfg.data.max_train_samples else "")]
    try:
        from datasets_build.manifest import find_manifest, manifest_sha256

        manifest = find_manifest(split_dir)
    except ImportError:
        manifest = None
    if manifest is not None:
        lines.append(f"- dataset manifest: `{manifest}`, sha256 `{manifest_sha256(manifest)}`")
    else:
        lines.append("- dataset manifest: none found next to the splits")
    if not train.is_file():
        return [*lines, f"- the train file is gone from this machine ({train}); no language/domain table", ""]
    counts, n = _split_table(train)
    langs = sorted({lang for lang, _ in counts})
    domains = sorted({d for _, d in counts})
    lines += [f"- {n} training pairs, by language and domain:", "",
              "| domain | " + " | ".join(langs) + " | all |", "|---|" + "---:|" * (len(langs) + 1)]
    for d in domains:
        row = [counts[(lang, d)] for lang in langs]
        lines.append(f"| {d} | " + " | ".join(str(v) for v in row) + f" | {sum(row)} |")
    lines += ["| all | " + " | ".join(str(sum(counts[(lang, d)] for d in domains)) for lang in langs) + f" | {n} |", ""]
    return lines


def _eval_section(run_dir: Path) -> list[str]:
    reports = reportmod.list_reports(run_dir / rundir.EVAL_DIR)
    lines = ["## Evaluation", ""]
    if not reports:
        return [*lines, "No evaluation report in the run directory (run `alice-tui eval RUN`).", ""]
    lines += ["Held-out preference accuracy of the tuned model (implicit reward) against its base, 95% bootstrap CIs; "
              "tuned − base is the A/B difference (* : its CI excludes 0).", "",
              "| report | split | checkpoint | pairs | base acc | tuned acc | tuned − base |", "|---|---|---|---:|---:|---:|---:|"]
    ab_reports: list[dict[str, Any]] = []
    for path in sorted(reports):
        try:
            r = reportmod.load(path)
        except ValueError as e:
            lines.append(f"| {path.name} | unreadable: {e} | | | | | |")
            continue
        if report_ab.is_ab(r):
            ab_reports.append(r)
            continue
        ov = r["overall"]
        d = ov["diff"]
        lo, hi = d["ci"]
        lines.append(f"| {r.get('name', path.stem)} | {r.get('split')} | {r.get('checkpoint')} | {r['n_pairs']} | "
                     f"{reportmod._pct(ov['base']['accuracy'])} | {reportmod._pct(ov['tuned']['accuracy'])} | "
                     f"{100 * d['value']:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]{' *' if d.get('significant') else ''} |")
    return [*lines, "", *_ab_section(ab_reports)]


def _ab_section(reports: list[dict[str, Any]]) -> list[str]:
    """Judged A/B reports: the verdict line of each, then its overall row (win rates with 95% CIs)."""
    if not reports:
        return []
    lines = ["### A/B against the base (judged answers)", ""]
    for r in reports:
        lines += [f"- `{r.get('name')}` ({r.get('checkpoint')}, judge {r['judge']['label']}): {r['verdict']['text']}"]
    lines += ["", "| report | " + report_ab.HEADER.removeprefix("| slice | "),
              *(report_ab.row(str(r.get("name")), r["overall"]) for r in reports), ""]
    return lines


def render(run_dir: Path, cfg: cfgmod.TrainConfig, export: dict[str, Any]) -> str:
    """The model card text. `export` says what was exported: checkpoint, merged, dtype, base, files, versions."""
    ckpt = export["checkpoint"]
    facts = _training_facts(run_dir, int(ckpt.split("-")[1]) if ckpt.startswith("checkpoint-") else None)
    merged = export["merged"]
    base = cfg.model.name_or_path
    front = {"base_model": base if not base.startswith("builtin:") else None,
             "library_name": "transformers" if merged else "peft",
             "tags": ["dpo", "lora", "trl", "alice-tui"] + ([] if merged else ["peft"]),
             "language": sorted({lang for lang, _ in _split_table(Path(cfg.data.path) / cfg.data.train_file)[0]})
             if (Path(cfg.data.path) / cfg.data.train_file).is_file() else None,
             "pipeline_tag": "text-generation"}
    front = {k: v for k, v in front.items() if v}
    m = facts["metrics"]
    lines = ["---", yaml.safe_dump(front, sort_keys=False, allow_unicode=True).strip(), "---", "",
             f"# {run_dir.name}", "",
             f"{'The LoRA adapter merged into its base model' if merged else 'A LoRA adapter'} "
             f"({loss_table.describe(cfg.dpo.loss_type)} preference loss, β = {cfg.dpo.beta}), trained with alice-tui (TRL DPOTrainer + PEFT).", "",
             "## Base model", "", f"- `{base}`" + (f" at revision `{cfg.model.revision}`" if cfg.model.revision else
                                                   " (no revision pinned)"),
             f"- resolved at the run's start to `{export['base_resolved']}`", "",
             "## How to load", "", "```python"]
    if merged:
        lines += ["from transformers import AutoModelForCausalLM, AutoTokenizer", "",
                  'model = AutoModelForCausalLM.from_pretrained("PATH")', 'tok = AutoTokenizer.from_pretrained("PATH")']
    else:
        lines += ["from peft import PeftModel", "from transformers import AutoModelForCausalLM, AutoTokenizer", "",
                  f'base = AutoModelForCausalLM.from_pretrained("{export["base_resolved"]}")',
                  'model = PeftModel.from_pretrained(base, "PATH")', 'tok = AutoTokenizer.from_pretrained("PATH")']
    lines += ["```", "", "## Export", "",
              f"- checkpoint `{export['checkpoint']}` of run `{run_dir}`",
              f"- {'merged (merge_and_unload), weights in ' + export['dtype'] if merged else 'adapter only (PEFT format)'}",
              f"- files: {', '.join(f'`{f}`' for f in export['files'])}", ""]
    lines += _data_section(cfg)
    lines += ["## Training", "",
              f"- final state `{facts['state']}`, step {facts['step']} of {facts['max_steps']}, "
              f"{facts['attempts']} attempt(s)" + (f", resumed from step(s) {', '.join(map(str, facts['resumes']))}"
                                                     if facts["resumes"] else ""),
              f"- metrics at step {facts['metrics_step']} (the exported weights' step): " + (", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                                                    for k, v in m.items()) or "none recorded")]
    for step, ev in facts["evals"]:
        shown = {k: v for k, v in ev.items() if k in ("eval_loss", "eval_rewards/accuracies", "eval_rewards/margins")}
        lines.append(f"- last validation (step {step}): " + ", ".join(f"{k} {v:.4g}" for k, v in shown.items()))
    wall = facts["wall_s"]
    lines += [f"- hardware: device {', '.join(facts['devices']) or cfg.device.device} (precision "
              f"{cfg.device.precision}), {platform.machine()} {platform.system()}, Python {platform.python_version()}, "
              + ", ".join(f"{k} {v}" for k, v in export.get("versions", {}).items()),
              f"- time: {wall / 60:.1f} min from first to last event" if wall is not None else "- time: not recorded", ""]
    lines += _eval_section(run_dir)
    lines += ["## Training config", "", "```yaml", cfgmod.dump_yaml(cfg).strip(), "```", ""]
    return "\n".join(lines)
