"""Read evaluation reports (RUN_DIR/eval/<name>.json) and lay out their slices as table rows.

Plain module (no Textual). The report schema is the evaluation's stable contract; a report
missing a required key is refused with the key named rather than half drawn.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trainer import rundir

REQUIRED = ("name", "checkpoint", "split", "n_pairs", "overall", "slices")
COLUMNS = ("slice", "n", "base acc [95% CI]", "tuned acc [95% CI]", "Δ acc [95% CI]", "sig", "W/T/L",
           "base len-norm", "margin base→tuned")


def list_reports(run_dir: Path) -> list[Path]:
    d = rundir.RunPaths(run_dir).eval_dir
    return sorted(d.glob("*.json"), key=lambda p: p.stat().st_mtime) if d.is_dir() else []


def load_report(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a report must be a JSON object")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ValueError(f"{path}: report lacks {', '.join(missing)}")
    return data


def metric(m: Any, pct: bool = True) -> str:
    """`0.62 [0.55, 0.69]` from {"value": v, "ci": [lo, hi]}; a dash for anything else."""
    if not isinstance(m, dict) or not isinstance(m.get("value"), int | float):
        return "–"
    scale, digits = (100.0, 1) if pct else (1.0, 3)
    v = f"{m['value'] * scale:.{digits}f}"
    ci = m.get("ci")
    if isinstance(ci, list) and len(ci) == 2 and all(isinstance(x, int | float) for x in ci):
        v += f" [{ci[0] * scale:.{digits}f}, {ci[1] * scale:.{digits}f}]"
    return v


def _signed(m: Any) -> str:
    if not isinstance(m, dict) or not isinstance(m.get("value"), int | float):
        return "–"
    ci = m.get("ci")
    out = f"{m['value'] * 100:+.1f}"
    if isinstance(ci, list) and len(ci) == 2 and all(isinstance(x, int | float) for x in ci):
        out += f" [{ci[0] * 100:+.1f}, {ci[1] * 100:+.1f}]"
    return out


def slice_row(label: str, s: dict[str, Any]) -> tuple[list[str], bool | None]:
    """One table row for a slice, and whether its tuned−base difference is significant (None: unknown)."""
    base, tuned, diff = s.get("base") or {}, s.get("tuned") or {}, s.get("diff") or {}
    wtl = s.get("win_tie_loss") or {}
    sig = diff.get("significant")
    margin = f"{_v(base.get('mean_margin'))} → {_v(tuned.get('mean_margin'))}"
    row = [label, str(s.get("n", "–")), metric(base.get("accuracy")), metric(tuned.get("accuracy")), _signed(diff),
           "yes" if sig else ("no" if sig is False else "–"),
           f"{wtl.get('win', '–')}/{wtl.get('tie', '–')}/{wtl.get('loss', '–')}",
           metric(base.get("accuracy_len_norm")), margin]
    return row, sig if isinstance(sig, bool) else None


def _v(m: Any) -> str:
    return f"{m['value']:.3f}" if isinstance(m, dict) and isinstance(m.get("value"), int | float) else "–"


def table_rows(report: dict[str, Any]) -> list[tuple[list[str], bool | None]]:
    make = ab_slice_row if is_ab(report) else slice_row
    rows = [make("overall", report.get("overall") or {})]
    slices = report.get("slices") or {}
    for group, members in slices.items():
        if isinstance(members, dict):
            for name, s in members.items():
                if isinstance(s, dict):
                    rows.append(make(f"{group}={name}", s))
    return rows


AB_COLUMNS = ("slice", "prompts", "win rate [95% CI]", "Δ win−loss [95% CI]", "sig", "length-controlled [95% CI]",
              "W/T/L", "consistent", "tokens base→tuned")


def is_ab(report: dict[str, Any]) -> bool:
    """A judged A/B report (`eval --ab`) rather than a preference-accuracy one."""
    return report.get("kind") == "ab"


def ab_slice_row(label: str, s: dict[str, Any]) -> tuple[list[str], bool | None]:
    diff, wtl, lens = s.get("diff") or {}, s.get("win_tie_loss") or {}, s.get("mean_len") or {}
    sig = diff.get("significant")
    pc = s.get("position_consistency") or {}
    row = [label, str(s.get("n", "–")), metric(s.get("win_rate")), _signed(diff),
           "yes" if sig else ("no" if sig is False else "–"), metric(s.get("lc_win_rate")),
           f"{wtl.get('win', '–')}/{wtl.get('tie', '–')}/{wtl.get('loss', '–')}",
           f"{100 * pc['value']:.0f}%" if isinstance(pc.get("value"), int | float) else "–",
           f"{_v1(lens.get('base'))} → {_v1(lens.get('tuned'))}"]
    return row, sig if isinstance(sig, bool) else None


def _v1(m: Any) -> str:
    return f"{m['value']:.1f}" if isinstance(m, dict) and isinstance(m.get("value"), int | float) else "–"


def headline(report: dict[str, Any]) -> str:
    if is_ab(report):
        return str((report.get("verdict") or {}).get("text") or report.get("name"))
    sha = report.get("manifest_sha256")
    return (f"{report.get('name')}: {report.get('checkpoint')} on {report.get('split')} · {report.get('n_pairs')} pairs · "
            f"β={report.get('beta')} · seed {report.get('seed')}" + (f" · manifest {sha[:12]}" if sha else ""))


def checkpoint_choices(run_dir: Path) -> list[str]:
    """What can be evaluated: the final adapter (when saved) and every complete checkpoint, newest first."""
    out = ["final"] if rundir.RunPaths(run_dir).final.is_dir() else []
    out += [f"checkpoint-{step}" for step, _ in reversed(rundir.checkpoints(run_dir))]
    return out


def checkpoint_arg(choice: str) -> str:
    """The evaluation CLI takes STEP or final."""
    return choice.removeprefix("checkpoint-")


# What a narrow terminal keeps first (the slice always); the rest follow as the width allows.
PRIORITY = ("slice", "Δ acc [95% CI]", "tuned acc [95% CI]", "sig", "n", "W/T/L", "base acc [95% CI]",
            "margin base→tuned", "base len-norm")
AB_PRIORITY = ("slice", "win rate [95% CI]", "Δ win−loss [95% CI]", "sig", "W/T/L", "prompts",
               "length-controlled [95% CI]", "consistent", "tokens base→tuned")


def fit_columns(columns: tuple[str, ...], rows: list[list[str]], width: int, padding: int = 2) -> list[int]:
    """Indices of the columns to show in `width` cells, in table order: by PRIORITY, each whole or not at all."""
    need = [max([len(c), *(len(r[i]) for r in rows if i < len(r))]) + padding for i, c in enumerate(columns)]
    order = AB_PRIORITY if columns == AB_COLUMNS else PRIORITY
    ranked = sorted(range(len(columns)), key=lambda i: order.index(columns[i]) if columns[i] in order else len(order))
    chosen: list[int] = []
    used = 0
    for i in ranked:
        if not chosen or used + need[i] <= width:  # the first (the slice) even when nothing else fits
            chosen.append(i)
            used += need[i]
    return sorted(chosen)
