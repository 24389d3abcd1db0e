"""The evaluation report on disk: JSON (the contract the console renders), Markdown beside it, per-pair sidecar.

Light module (json/pathlib only), so the console can read reports without torch.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
PAIRS_SUFFIX = ".pairs.jsonl"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def check_name(name: str) -> str:
    """Report names become file names inside the run dir: no separators, no hidden files."""
    if not _NAME_RE.match(name):
        raise ValueError(f"--name {name!r}: use letters, digits, '.', '_' or '-' (at most 100, not starting with '.')")
    return name


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write(report: dict[str, Any], pair_rows: list[dict[str, Any]], eval_dir: Path, name: str,
          render: Callable[[dict[str, Any]], str] | None = None) -> Path:
    """Write <name>.json, <name>.md and <name>.pairs.jsonl; the JSON goes last, so its presence means done."""
    eval_dir.mkdir(parents=True, exist_ok=True)
    json_path = eval_dir / f"{name}.json"
    pairs_path = eval_dir / f"{name}{PAIRS_SUFFIX}"
    report = {**report, "report_path": str(json_path), "pairs_path": str(pairs_path)}
    _atomic_write(pairs_path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in pair_rows))
    _atomic_write(eval_dir / f"{name}.md", (render or render_markdown)(report))
    _atomic_write(json_path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return json_path


def load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise ValueError(f"cannot read report {path}: {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not a JSON report ({e.msg}, line {e.lineno})") from e
    for key in ("overall", "slices", "n_pairs"):
        if not isinstance(data, dict) or key not in data:
            raise ValueError(f"{path}: not an evaluation report (no {key!r})")
    return data


def load_pairs(report: dict[str, Any], report_path: Path) -> list[dict[str, Any]] | None:
    """The per-pair sidecar of a report, or None when it is gone (then comparisons fall back to the CIs)."""
    candidates = [report_path.with_name(report_path.name.removesuffix(".json") + PAIRS_SUFFIX)]
    if report.get("pairs_path"):
        candidates.append(Path(report["pairs_path"]))
    for p in candidates:
        if p.is_file():
            with open(p, encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
    return None


def list_reports(eval_dir: Path) -> list[Path]:
    """Report JSON files of a run, newest first (what the console lists)."""
    if not eval_dir.is_dir():
        return []
    found = [p for p in eval_dir.glob("*.json") if not p.name.startswith(".")]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def _pct(m: dict[str, Any]) -> str:
    lo, hi = m["ci"]
    return f"{100 * m['value']:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]"


def _num(m: dict[str, Any]) -> str:
    lo, hi = m["ci"]
    return f"{m['value']:+.3f} [{lo:+.3f}, {hi:+.3f}]"


def _delta(d: dict[str, Any]) -> str:
    lo, hi = d["ci"]
    return f"{100 * d['value']:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]{' *' if d['significant'] else ''}"


def _row(label: str, s: dict[str, Any]) -> str:
    wtl = s["win_tie_loss"]
    own = s.get("diff_logp")
    return (f"| {label} | {s['n']} | {_pct(s['base']['accuracy'])} | {_pct(s['base']['accuracy_len_norm'])} | "
            f"{_pct(s['tuned']['accuracy'])} | {_delta(s['diff'])} | "
            f"{_pct(s['tuned']['accuracy_logp']) if 'accuracy_logp' in s['tuned'] else '–'} | "
            f"{_delta(own) if own else '–'} | {wtl['win']}/{wtl['tie']}/{wtl['loss']} | "
            f"{_num(s['tuned']['mean_margin'])} |")


HEADER = ("| slice | n | base acc | base acc (per token) | tuned acc (reward) | tuned − base | "
          "tuned acc (own log-probs) | own − base | win/tie/loss | tuned reward margin |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def _quote(text: str, n_tokens: int | None = None) -> str:
    if not text.strip():
        return f"> (no visible text{f'; {n_tokens} tokens' if n_tokens else ''})"
    return "\n".join("> " + line if line else ">" for line in text.splitlines())


def render_markdown(r: dict[str, Any]) -> str:
    ov = r["overall"]
    lines = [f"# Evaluation {r['name']}", "",
             f"- run: `{r['run_dir']}`, checkpoint `{r['checkpoint']}`",
             f"- split: `{r['split']}` ({r['split_path']}), {r['n_pairs']} pairs scored"
             + (f", {len(r.get('skipped', []))} skipped" if r.get("skipped") else ""),
             f"- manifest sha256: `{r['manifest_sha256']}`" if r.get("manifest_sha256")
             else f"- manifest: none found; split file sha256 `{r.get('split_sha256')}`",
             f"- β = {r['beta']}, bootstrap: {r.get('bootstrap_resamples')} resamples, seed {r['seed']}, 95% CI",
             "", "Tuned accuracy counts pairs where the implicit reward β·(log π_tuned − log π_base) of chosen "
             "exceeds rejected; base accuracy counts pairs where log π_base(chosen) > log π_base(rejected). "
             "Win: tuned right where base was wrong; loss: the reverse. The two accuracies measure different "
             "things (a shift against the base vs an absolute preference), so the tuned model's own log-prob "
             "accuracy is shown too, on the base's yardstick. * marks a difference whose 95% CI excludes 0.", "",
             f"**Tuned {100 * ov['tuned']['accuracy']['value']:.1f}% vs base "
             f"{100 * ov['base']['accuracy']['value']:.1f}% "
             f"({'significant' if ov['diff']['significant'] else 'not significant'} difference); "
             f"by its own log-probs the tuned model prefers chosen in "
             f"{100 * ov['tuned']['accuracy_logp']['value']:.1f}% of pairs.**", "",
             "## Overall", "", HEADER, _row("all", ov), ""]
    for key, groups in r["slices"].items():
        if not groups:
            continue
        lines += [f"## By {key}", "", HEADER, *(_row(v, s) for v, s in groups.items()), ""]
    if r.get("skipped"):
        lines += ["## Skipped pairs", "", *(f"- `{s['id']}`: {s['reason']}" for s in r["skipped"]), ""]
    if r.get("generations"):
        lines += ["## Side-by-side generations (greedy)", ""]
        for g in r["generations"]:
            lines += [f"### {g['id']} ({g.get('lang', '?')})", "", "**Prompt**", "", _quote(g["prompt"]), "",
                      "**Base**", "", _quote(g["base"], g.get("base_tokens")), "",
                      "**Tuned**", "", _quote(g["tuned"], g.get("tuned_tokens")), ""]
    if r.get("plots") or r.get("plots_note"):
        lines += ["## Training curves", "", *(f"![training curves]({p})" for p in r.get("plots", [])),
                  r.get("plots_note") or "", ""]
    t = r.get("timings", {})
    if t:
        lines += ["## Timings", "", ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                              for k, v in t.items()), ""]
    return "\n".join(lines)
